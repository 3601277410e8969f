"""The procedure's vocabulary: case states, procedures, parties, penalty kinds (行政处罚法 第九条) and their
order of severity, decision and hearing outcomes, delivery methods, who corrects a decision, why a case
closes."""

from __future__ import annotations

import enum

from services.penalty.domain.catalogue.vocabulary import PenaltyKind as PenaltyKind

LAW = "《中华人民共和国行政处罚法》"


class CaseState(enum.StrEnum):
    FILED = "filed"  # 立案
    INVESTIGATING = "investigating"  # 调查取证
    NOTIFIED = "notified"  # 告知
    STATEMENT = "statement"  # 陈述申辩
    HEARING_REQUESTED = "hearing_requested"  # 要求听证
    HEARING_HELD = "hearing_held"  # 听证结束
    LEGAL_REVIEW = "legal_review"  # 法制审核
    COLLECTIVE_DISCUSSION = "collective_discussion"  # 集体讨论
    DECIDED = "decided"  # 作出决定
    DELIVERED = "delivered"  # 送达
    EXECUTED = "executed"  # 执行完毕
    REVOKED = "revoked"  # 撤销
    CHANGED = "changed"  # 变更
    VOID = "void"  # 确认无效: no legal effect from the start (行政复议法 第六十七条; 行政诉讼法 第七十五条)
    CLOSED = "closed"  # 结案


STATE_LABELS: dict[CaseState, str] = {
    CaseState.FILED: "已立案",
    CaseState.INVESTIGATING: "调查取证",
    CaseState.NOTIFIED: "已告知",
    CaseState.STATEMENT: "陈述申辩",
    CaseState.HEARING_REQUESTED: "已申请听证",
    CaseState.HEARING_HELD: "听证结束",
    CaseState.LEGAL_REVIEW: "法制审核",
    CaseState.COLLECTIVE_DISCUSSION: "集体讨论",
    CaseState.DECIDED: "已作出决定",
    CaseState.DELIVERED: "已送达",
    CaseState.EXECUTED: "执行完毕",
    CaseState.REVOKED: "已撤销",
    CaseState.CHANGED: "已变更",
    CaseState.VOID: "已确认无效",
    CaseState.CLOSED: "已结案",
}


class ProcedureKind(enum.StrEnum):
    SIMPLE = "simple"  # 简易程序 第五十一条
    GENERAL = "general"  # 普通程序 第五十四条


class PartyKind(enum.StrEnum):
    INDIVIDUAL = "individual"  # 公民
    ORGANISATION = "organisation"  # 法人或者其他组织


# 行政处罚法 第九条: one enumeration of the kinds for the whole service (the catalogue's), with its labels.
KIND_LABELS: dict[PenaltyKind, str] = {kind: kind.label for kind in PenaltyKind}


# Severity used to decide whether a decision is heavier than its notice. 第九条 groups the kinds from light
# to heavy in five items; within an item the order is the obvious one where there is one (暂扣 < 降低资质 <
# 吊销; 限制 < 停产停业 < 关闭) and equal where the kinds are not comparable (罚款 and the confiscations).
# "Other" kinds have no place on the scale and are always treated as heavier when newly added.
KIND_RANK: dict[PenaltyKind, int] = {
    PenaltyKind.WARNING: 10,
    PenaltyKind.CIRCULATED_CRITICISM: 11,
    PenaltyKind.FINE: 20,
    PenaltyKind.CONFISCATE_GAINS: 20,
    PenaltyKind.CONFISCATE_PROPERTY: 20,
    PenaltyKind.SUSPEND_LICENCE: 30,
    PenaltyKind.DOWNGRADE_QUALIFICATION: 31,
    PenaltyKind.REVOKE_LICENCE: 32,
    PenaltyKind.RESTRICT_BUSINESS: 40,
    PenaltyKind.RESTRICT_EMPLOYMENT: 40,
    PenaltyKind.SUSPEND_BUSINESS: 41,
    PenaltyKind.ORDER_CLOSURE: 42,
    PenaltyKind.DETENTION: 50,
    PenaltyKind.OTHER: 99,
}

# 行政处罚法 第五十一条: 对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告.


def kind_order(kind: PenaltyKind) -> tuple[int, int]:
    """Sort key: lightest first, ties in the order of 第九条."""
    return KIND_RANK[kind], _KIND_POSITION[kind]


_KIND_POSITION: dict[PenaltyKind, int] = {kind: i for i, kind in enumerate(PenaltyKind)}


SIMPLE_PROCEDURE_KINDS = frozenset({PenaltyKind.WARNING, PenaltyKind.FINE})
SIMPLE_PROCEDURE_MAX_FINE_FEN: dict[PartyKind, int] = {
    PartyKind.INDIVIDUAL: 200 * 100,  # 二百元
    PartyKind.ORGANISATION: 3_000 * 100,  # 三千元
}


class DecisionOutcome(enum.StrEnum):
    PENALTY = "penalty"  # 第五十七条第一款第一项
    NO_PENALTY = "no_penalty"  # 第五十七条第一款第二项、第三项; 第三十三条


class HearingOutcome(enum.StrEnum):
    HELD = "held"  # 听证举行完毕, 制作笔录 (第六十四条第八项)
    PARTY_ABSENT = "party_absent"  # 无正当理由拒不出席或中途退出, 视为放弃 (第六十四条第六项)


class DeliveryMethod(enum.StrEnum):
    ON_THE_SPOT = "on_the_spot"  # 宣告后当场交付 (第六十一条第一款、第五十二条)
    DIRECT = "direct"  # 直接送达
    LEFT_AT_ADDRESS = "left_at_address"  # 留置送达
    POSTAL = "postal"  # 邮寄送达
    ENTRUSTED = "entrusted"  # 委托送达
    ELECTRONIC = "electronic"  # 传真、电子邮件等 (第六十一条第二款: needs the party's signed consent)
    ANNOUNCEMENT = "announcement"  # 公告送达


class CorrectionSource(enum.StrEnum):
    """Who revoked or changed a decision; values match the penalty event contracts."""

    RECONSIDERATION = "reconsideration"  # 行政复议决定
    LITIGATION = "litigation"  # 人民法院裁判
    SELF_CORRECTION = "self_correction"  # 自行纠错 (第七十五条第二款: 发现有错误的，应当主动改正)


CORRECTION_SOURCE_LABELS: dict[CorrectionSource, str] = {
    CorrectionSource.RECONSIDERATION: "行政复议",
    CorrectionSource.LITIGATION: "行政诉讼",
    CorrectionSource.SELF_CORRECTION: "自行纠错",
}


class RemedySource(enum.StrEnum):
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"


class Finding(enum.StrEnum):
    """A reconsideration body's or a court's finding on a decision it does not revoke; values match the
    ``outcome`` of penalty.decision.revoked and credit_repair's decision status."""

    # 确认违法 (行政复议法 第六十五条; 行政诉讼法 第七十四条): the decision stands, its obligations too
    CONFIRMED_ILLEGAL = "confirmed_illegal"
    # 确认无效 (行政复议法 第六十七条; 行政诉讼法 第七十五条): no legal effect from the start
    CONFIRMED_VOID = "confirmed_void"


FINDING_LABELS: dict[Finding, str] = {
    Finding.CONFIRMED_ILLEGAL: "确认违法",
    Finding.CONFIRMED_VOID: "确认无效",
}


class ClosureReason(enum.StrEnum):
    NOT_ESTABLISHED = "not_established"  # 不予立案/撤销立案: facts do not support a case
    REFERRED_TO_JUDICIARY = "referred_to_judiciary"  # 涉嫌犯罪移送司法机关 (第五十七条第一款第四项)
    TERMINATED = "terminated"  # 终止调查 (e.g. the organisation ceased to exist)
    PERFORMED = "performed"  # 执行完毕 / nothing left to perform
    REVOKED = "revoked"  # decision revoked
    VOID = "void"  # decision confirmed void
    ENFORCEMENT_BY_COURT = "enforcement_by_court"  # 申请人民法院强制执行 (第七十二条第一款第四项)
