"""The lawful procedure of a penalty case (行政处罚程序) as a pure state machine.

A transition is a function of (case, command, now[, calendar]) that returns a ``Transition``: the new case
and the domain events it produced. It never reads the clock, the database or the network; it refuses a
step the law forbids by raising a ``DomainError`` subclass with a stable ``PROCEDURE_*`` code and a Chinese
message that cites the article.

States (SPEC §3.3)::

    general procedure (普通程序, 行政处罚法 第五十四条—第六十五条):

      filed ─► investigating ─► notified ─┬─► statement ──────────────┐
      (立案)                     (告知)    ├─► hearing_requested ─► hearing_held
        │                          ▲       │        (听证)             │
        │                          └───────┴── re-notice ◄─────────────┤
        │                                                              ▼
        │                         [legal_review] ─► [collective_discussion] ─► decided ─► delivered
        │                           (法制审核)         (集体讨论)               (决定)     (送达)
        │                                                                        │          │
        ├─► closed (撤销立案 / 移送司法机关)        executed ◄── payment/execution ┘          │
        │                                           revoked / changed ◄── 复议 / 诉讼 / 自行纠错
        │                                           executed | revoked | changed ─► closed
    simple procedure (简易程序, 第五十一条—第五十二条): filed ─► decided ─► delivered (当场交付) ─► ...

The bracketed states are visited only when the case needs them; what a decision needs is checked from the
records (notice, statements, waivers, hearing, reviews), not from the state name, so the order in which the
optional steps were recorded cannot open a gap.

The assessment (tier, fine range, allowed kinds, flags) comes from the discretion engine as plain data
(``AssessedPenalty``); this module does not depend on the engine's internals.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar, TypeAlias

from services.common.errors import BadRequest
from services.common.money import format_yuan
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineFacts, DeadlineKind, WorkingDays
from services.penalty.domain.errors import (
    AlreadyDecided,
    AssessmentMissing,
    ChangeHeavier,
    CollectiveDiscussionMissing,
    DecisionBeforeNotice,
    DeliveryConsentMissing,
    FineOutstanding,
    HearingNoticeTooShort,
    HearingNotOffered,
    HearingPending,
    HearingPresiderConflict,
    HearingRequestLate,
    HeavierThanNotice,
    InvalidDate,
    InvalidPenalty,
    InvalidTransition,
    KindNotAllowed,
    LegalReviewMissing,
    LegalReviewNotPassed,
    NoticeIncomplete,
    OfficersInsufficient,
    PaymentExceedsFine,
    ReasonRequired,
    SimpleProcedureNotAllowed,
    StatementNotReviewed,
    StatementPeriodOpen,
    TimeLimitExceeded,
)

LAW = "《中华人民共和国行政处罚法》"


# --------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------


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
    CaseState.CLOSED: "已结案",
}

PRE_NOTICE = frozenset({CaseState.FILED, CaseState.INVESTIGATING})
NOTICE_STAGE = frozenset(
    {
        CaseState.NOTIFIED,
        CaseState.STATEMENT,
        CaseState.HEARING_REQUESTED,
        CaseState.HEARING_HELD,
        CaseState.LEGAL_REVIEW,
        CaseState.COLLECTIVE_DISCUSSION,
    }
)
PRE_DECISION = PRE_NOTICE | NOTICE_STAGE
POST_DECISION = frozenset(
    {
        CaseState.DECIDED,
        CaseState.DELIVERED,
        CaseState.EXECUTED,
        CaseState.REVOKED,
        CaseState.CHANGED,
        CaseState.CLOSED,
    }
)


class ProcedureKind(enum.StrEnum):
    SIMPLE = "simple"  # 简易程序 第五十一条
    GENERAL = "general"  # 普通程序 第五十四条


class PartyKind(enum.StrEnum):
    INDIVIDUAL = "individual"  # 公民
    ORGANISATION = "organisation"  # 法人或者其他组织


class PenaltyKind(enum.StrEnum):
    """行政处罚法 第九条. Values are the stable identifiers the benchmark catalogue uses; ``label`` is the law's word."""

    WARNING = "warning"
    CIRCULATED_CRITICISM = "circulated_criticism"
    FINE = "fine"
    CONFISCATE_GAINS = "confiscate_illegal_gains"
    CONFISCATE_PROPERTY = "confiscate_illegal_property"
    SUSPEND_LICENCE = "suspend_licence"
    DOWNGRADE_QUALIFICATION = "downgrade_qualification"
    REVOKE_LICENCE = "revoke_licence"
    RESTRICT_BUSINESS = "restrict_business"
    SUSPEND_BUSINESS = "suspend_business"
    ORDER_CLOSURE = "order_closure"
    RESTRICT_EMPLOYMENT = "restrict_employment"
    DETENTION = "administrative_detention"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[PenaltyKind, str] = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.CIRCULATED_CRITICISM: "通报批评",
    PenaltyKind.FINE: "罚款",
    PenaltyKind.CONFISCATE_GAINS: "没收违法所得",
    PenaltyKind.CONFISCATE_PROPERTY: "没收非法财物",
    PenaltyKind.SUSPEND_LICENCE: "暂扣许可证件",
    PenaltyKind.DOWNGRADE_QUALIFICATION: "降低资质等级",
    PenaltyKind.REVOKE_LICENCE: "吊销许可证件",
    PenaltyKind.RESTRICT_BUSINESS: "限制开展生产经营活动",
    PenaltyKind.SUSPEND_BUSINESS: "责令停产停业",
    PenaltyKind.ORDER_CLOSURE: "责令关闭",
    PenaltyKind.RESTRICT_EMPLOYMENT: "限制从业",
    PenaltyKind.DETENTION: "行政拘留",
    PenaltyKind.OTHER: "其他行政处罚",
}


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


class ClosureReason(enum.StrEnum):
    NOT_ESTABLISHED = "not_established"  # 不予立案/撤销立案: facts do not support a case
    REFERRED_TO_JUDICIARY = "referred_to_judiciary"  # 涉嫌犯罪移送司法机关 (第五十七条第一款第四项)
    TERMINATED = "terminated"  # 终止调查 (e.g. the organisation ceased to exist)
    PERFORMED = "performed"  # 执行完毕 / nothing left to perform
    REVOKED = "revoked"  # decision revoked
    ENFORCEMENT_BY_COURT = "enforcement_by_court"  # 申请人民法院强制执行 (第七十二条第一款第四项)


# --------------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Penalty:
    """What is imposed (or proposed): kinds, the fine, the confiscated illegal income, other terms."""

    kinds: frozenset[PenaltyKind]
    fine_fen: int = 0
    confiscation_fen: int = 0  # 没收违法所得 amount, when known
    terms: str = ""  # e.g. "暂扣许可证件三个月"

    def describe(self) -> str:
        parts: list[str] = []
        for kind in sorted(self.kinds, key=kind_order):
            if kind is PenaltyKind.FINE:
                parts.append(f"罚款{format_yuan(self.fine_fen)}元")
            elif kind is PenaltyKind.CONFISCATE_GAINS and self.confiscation_fen:
                parts.append(f"没收违法所得{format_yuan(self.confiscation_fen)}元")
            else:
                parts.append(kind.label)
        text = "、".join(parts)
        return f"{text}（{self.terms}）" if self.terms else text


def validate_penalty(penalty: Penalty) -> None:
    """A penalty names at least one kind, and carries an amount exactly when it names a money kind."""
    problems: list[str] = []
    if not penalty.kinds:
        problems.append("未载明处罚种类")
    if penalty.fine_fen < 0 or penalty.confiscation_fen < 0:
        problems.append("金额不得为负数")
    if PenaltyKind.FINE in penalty.kinds and penalty.fine_fen <= 0:
        problems.append("处罚种类含罚款，但罚款数额为零")
    if PenaltyKind.FINE not in penalty.kinds and penalty.fine_fen:
        problems.append("处罚种类不含罚款，却载有罚款数额")
    if PenaltyKind.CONFISCATE_GAINS not in penalty.kinds and penalty.confiscation_fen:
        problems.append("处罚种类不含没收违法所得，却载有没收金额")
    if problems:
        raise InvalidPenalty("；".join(problems), errors=[{"problem": p} for p in problems])


def heavier_reasons(new: Penalty, old: Penalty) -> tuple[str, ...]:
    """Why ``new`` is heavier than ``old`` (empty when it is not).

    Heavier means (行政处罚法 第四十五条第二款 read with 第四十四条): more kinds; a kind not in ``old`` that
    ranks at or above the heaviest kind of ``old`` (a lighter kind may replace a heavier one); a larger fine;
    a larger confiscation of illegal income.
    """
    reasons: list[str] = []
    if len(new.kinds) > len(old.kinds):
        reasons.append(f"处罚种类由{len(old.kinds)}种增加为{len(new.kinds)}种")
    heaviest_old = max((KIND_RANK[k] for k in old.kinds), default=0)
    for kind in sorted(new.kinds - old.kinds, key=kind_order):
        if kind is PenaltyKind.OTHER or KIND_RANK[kind] >= heaviest_old:
            reasons.append(f"增加或改为不轻于原处罚的种类「{kind.label}」")
    if PenaltyKind.FINE in new.kinds and PenaltyKind.FINE in old.kinds and new.fine_fen > old.fine_fen:
        reasons.append(f"罚款由{format_yuan(old.fine_fen)}元提高为{format_yuan(new.fine_fen)}元")
    if (
        PenaltyKind.CONFISCATE_GAINS in new.kinds
        and PenaltyKind.CONFISCATE_GAINS in old.kinds
        and new.confiscation_fen > old.confiscation_fen
    ):
        reasons.append(
            f"没收违法所得由{format_yuan(old.confiscation_fen)}元提高为{format_yuan(new.confiscation_fen)}元"
        )
    return tuple(reasons)


@dataclass(frozen=True, slots=True)
class AssessedPenalty:
    """The discretion engine's result for the case, as plain data (SPEC §3.2)."""

    benchmark_code: str
    benchmark_version: int
    tier: str  # 不予处罚 / 减轻 / 从轻 / 一般 / 从重
    allowed_kinds: frozenset[PenaltyKind]
    min_fen: int | None  # the tier's fine range; None where the tier sets no bound
    max_fen: int | None
    hearing_required: bool  # the party must be told of the right to a hearing (第六十三条)
    legal_review_required: bool  # 第五十八条
    collective_discussion_required: bool  # 第五十七条第二款
    simple_procedure_allowed: bool  # 第五十一条

    def fine_within_range(self, fine_fen: int) -> bool:
        if self.min_fen is not None and fine_fen < self.min_fen:
            return False
        return not (self.max_fen is not None and fine_fen > self.max_fen)

    def range_text(self) -> str:
        low = f"{format_yuan(self.min_fen)}元" if self.min_fen is not None else "不设下限"
        high = f"{format_yuan(self.max_fen)}元" if self.max_fen is not None else "不设上限"
        return f"{low}至{high}"


@dataclass(frozen=True, slots=True)
class PartyRef:
    name: str
    kind: PartyKind


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    index: int  # 1 for the first notice, 2 for a re-notice, ...
    document_number: str
    facts: str
    reasons: tuple[str, ...]
    basis: str
    proposed: Penalty
    assessment: AssessedPenalty
    served_on: date
    statement_deadline: date
    hearing_offered: bool
    hearing_request_deadline: date | None
    outside_range_reason: str
    renotice_reason: str
    new_evidence: str


@dataclass(frozen=True, slots=True)
class StatementRecord:
    notice_index: int
    content: str
    received_on: date
    late: bool
    review_opinion: str = ""
    adopted: bool | None = None

    @property
    def reviewed(self) -> bool:
        return bool(self.review_opinion)


@dataclass(frozen=True, slots=True)
class WaiverRecord:
    notice_index: int
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True)
class HearingRecord:
    notice_index: int
    requested_on: date
    notified_on: date | None = None
    hearing_on: date | None = None
    presider: str = ""
    held_on: date | None = None
    outcome: HearingOutcome | None = None
    transcript_ref: str = ""
    withdrawn_on: date | None = None

    @property
    def concluded(self) -> bool:
        return self.outcome is not None or self.withdrawn_on is not None


@dataclass(frozen=True, slots=True)
class LegalReviewRecord:
    reviewer: str
    passed: bool
    opinion: str
    reviewed_on: date
    proposal: Penalty


@dataclass(frozen=True, slots=True)
class CollectiveDiscussionRecord:
    held_on: date
    participants: tuple[str, ...]
    minutes_ref: str
    conclusion: Penalty


@dataclass(frozen=True, slots=True)
class TimeLimitExtension:
    previous_limit: date
    new_limit: date
    approver: str
    basis: str  # the law, regulation or rule that allows the extension (第六十条 "另有规定")
    reason: str
    approved_on: date


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    document_number: str
    outcome: DecisionOutcome
    penalty: Penalty | None  # None for 不予行政处罚
    facts: str
    reasons: tuple[str, ...]
    basis: str
    decided_on: date
    outside_range_reason: str
    outside_tier: bool
    delivery_due: date
    publish_by: date | None  # general-procedure penalty decisions only (seed 003)
    serious: bool


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivered_on: date
    method: DeliveryMethod
    recipient: str
    late: bool


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    paid_on: date
    fine_fen: int
    surcharge_fen: int
    receipt_ref: str


@dataclass(frozen=True, slots=True)
class DeferralRecord:
    approved_by: str
    previous_due: date
    new_due: date
    reason: str


@dataclass(frozen=True, slots=True)
class RemedyRecord:
    source: RemedySource
    filed_on: date
    reference: str
    concluded_on: date | None = None
    upheld: bool | None = None


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    revoked: bool  # True: 撤销; False: 变更
    source: CorrectionSource
    reason: str
    source_document: str
    effective_on: date
    penalty: Penalty | None  # the penalty after a change
    withdraw_publication_by: date | None


@dataclass(frozen=True, slots=True)
class ClosureRecord:
    reason: ClosureReason
    note: str
    closed_on: date


@dataclass(frozen=True, slots=True)
class Case:
    """A penalty case: identity, the procedural records so far, and where it stands."""

    case_id: uuid.UUID
    dept_code: str
    party: PartyRef
    procedure: ProcedureKind
    summary: str  # 案由
    filed_on: date
    state: CaseState = CaseState.FILED
    version: int = 1
    officers: tuple[str, ...] = ()
    assessment: AssessedPenalty | None = None
    extensions: tuple[TimeLimitExtension, ...] = ()
    notices: tuple[NoticeRecord, ...] = ()
    statements: tuple[StatementRecord, ...] = ()
    waivers: tuple[WaiverRecord, ...] = ()
    hearings: tuple[HearingRecord, ...] = ()
    legal_reviews: tuple[LegalReviewRecord, ...] = ()
    collective_discussions: tuple[CollectiveDiscussionRecord, ...] = ()
    decision: DecisionRecord | None = None
    delivery: DeliveryRecord | None = None
    payment_due: date | None = None
    deferrals: tuple[DeferralRecord, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    executed_on: date | None = None
    remedies: tuple[RemedyRecord, ...] = ()
    corrections: tuple[CorrectionRecord, ...] = ()
    published_on: date | None = None
    publication_exempt_reason: str = ""
    closure: ClosureRecord | None = None

    # -- derived views ---------------------------------------------------------------------------------

    @property
    def decision_limit(self) -> date:
        """The current last day to decide: 90 days after filing, or the latest extension."""
        if self.extensions:
            return self.extensions[-1].new_limit
        return deadlines.decision_limit(self.filed_on)

    @property
    def notice(self) -> NoticeRecord | None:
        return self.notices[-1] if self.notices else None

    @property
    def current_penalty(self) -> Penalty | None:
        """The penalty in force: the latest change, else the decision; None once revoked or not penalised."""
        for correction in reversed(self.corrections):
            return None if correction.revoked else correction.penalty
        return self.decision.penalty if self.decision else None

    @property
    def decision_revision(self) -> int:
        """1 for the original decision, +1 for each revocation or change."""
        return (1 + len(self.corrections)) if self.decision else 0

    @property
    def fine_due_fen(self) -> int:
        penalty = self.current_penalty
        return penalty.fine_fen if penalty else 0

    @property
    def fine_paid_fen(self) -> int:
        return sum(p.fine_fen for p in self.payments)

    @property
    def fine_outstanding_fen(self) -> int:
        return max(self.fine_due_fen - self.fine_paid_fen, 0)

    @property
    def surcharge_excluded(self) -> tuple[tuple[date, date | None], ...]:
        return tuple((r.filed_on, r.concluded_on) for r in self.remedies)

    @property
    def deadline_facts(self) -> DeadlineFacts:
        decision = self.decision
        return DeadlineFacts(
            case_id=str(self.case_id),
            filed_on=self.filed_on,
            decision_limit=self.decision_limit,
            decided_on=decision.decided_on if decision else None,
            delivery_due=decision.delivery_due if decision else None,
            delivered_on=self.delivery.delivered_on if self.delivery else None,
            payment_due=self.payment_due,
            fine_outstanding_fen=self.fine_outstanding_fen,
            fine_fen=self.fine_due_fen,
            surcharge_excluded=self.surcharge_excluded,
            publish_by=decision.publish_by if decision else None,
            publication_settled=(
                self.published_on is not None
                or bool(self.publication_exempt_reason)
                or self.state is CaseState.REVOKED
            ),
            open=self.state is not CaseState.CLOSED,
        )

    def surcharge_on(self, day: date) -> deadlines.Surcharge | None:
        """The lawful maximum surcharge on the outstanding fine if it is paid on ``day`` (None: no fine due)."""
        if self.payment_due is None or self.fine_outstanding_fen == 0:
            return None
        return deadlines.surcharge(
            self.fine_outstanding_fen, self.payment_due, day, excluded=self.surcharge_excluded
        )


# --------------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    event_type: ClassVar[str] = "penalty.case.event"
    case_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFiled(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.opened"
    dept_code: str
    procedure: ProcedureKind
    filed_on: date
    decision_limit: date


@dataclass(frozen=True, slots=True, kw_only=True)
class InvestigationStarted(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.investigation_started"
    officers: tuple[str, ...]
    converted_from_simple: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.assessed"
    benchmark_code: str
    benchmark_version: int
    tier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseNotified(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.notified"
    notice_index: int
    document_number: str
    served_on: date
    kinds: tuple[str, ...]
    fine_fen: int
    statement_deadline: date
    hearing_offered: bool
    hearing_request_deadline: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementReceived(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.statement_received"
    received_on: date
    late: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementReviewed(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.statement_reviewed"
    adopted: bool
    statements: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RightsWaived(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.rights_waived"
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingRequested(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.requested"
    requested_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingScheduled(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.scheduled"
    notified_on: date
    hearing_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingHeld(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.held"
    held_on: date
    outcome: HearingOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingWithdrawn(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.withdrawn"
    withdrawn_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalReviewRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.legal_reviewed"
    passed: bool
    reviewer: str
    reviewed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectiveDiscussionRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.collectively_discussed"
    held_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimitExtended(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.time_limit_extended"
    previous_limit: date
    new_limit: date
    approver: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionIssued(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.issued"
    document_number: str
    outcome: DecisionOutcome
    procedure: ProcedureKind
    kinds: tuple[str, ...]
    fine_fen: int
    confiscation_fen: int
    decided_on: date
    benchmark_code: str | None
    benchmark_version: int | None
    tier: str | None
    outside_tier: bool
    serious: bool
    delivery_due: date
    publish_by: date | None
    revision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionDelivered(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.delivered"
    document_number: str
    delivered_on: date
    method: DeliveryMethod
    payment_due: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentDeferred(DomainEvent):
    event_type: ClassVar[str] = "penalty.fine.deferred"
    previous_due: date
    new_due: date
    approved_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FinePaid(DomainEvent):
    event_type: ClassVar[str] = "penalty.fine.paid"
    document_number: str
    paid_on: date
    fine_fen: int
    surcharge_fen: int
    days_late: int
    lawful_surcharge_fen: int  # the maximum surcharge the law allows for this payment date
    outstanding_fen: int
    fully_performed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionExecuted(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.executed"
    executed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RemedyFiled(DomainEvent):
    event_type: ClassVar[str] = "penalty.remedy.filed"
    source: RemedySource
    filed_on: date
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemedyConcluded(DomainEvent):
    event_type: ClassVar[str] = "penalty.remedy.concluded"
    concluded_on: date
    upheld: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRevoked(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.revoked"
    document_number: str
    source: CorrectionSource
    reason: str
    source_document: str
    revoked_on: date
    withdraw_publication_by: date | None
    refund_fen: int  # fine already paid under the revoked decision
    revision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionChanged(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.changed"
    document_number: str
    source: CorrectionSource
    reason: str
    source_document: str
    changed_on: date
    kinds: tuple[str, ...]
    fine_fen: int
    withdraw_publication_by: date | None
    refund_fen: int
    revision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.publication_recorded"
    published_on: date | None
    exempt_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseClosed(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.closed"
    reason: ClosureReason
    closed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineMissed(DomainEvent):
    event_type: ClassVar[str] = "penalty.deadline.missed"
    deadline: DeadlineKind
    due_on: date
    detected_on: date
    article: str


@dataclass(frozen=True, slots=True)
class Transition:
    case: Case
    events: tuple[DomainEvent, ...]


# --------------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileCase:
    case_id: uuid.UUID
    dept_code: str
    party: PartyRef
    procedure: ProcedureKind
    summary: str
    approved_by: str  # 立案审批: the head who approved the filing
    officers: tuple[str, ...] = ()  # the officers on the spot (simple procedure); general: StartInvestigation


@dataclass(frozen=True, slots=True)
class StartInvestigation:
    officers: tuple[str, ...]  # names or certificate numbers; at least two (第四十二条)


@dataclass(frozen=True, slots=True)
class RecordAssessment:
    assessed: AssessedPenalty


@dataclass(frozen=True, slots=True)
class Notify:
    document_number: str
    facts: str
    reasons: tuple[str, ...]  # 说理, one line per rule applied
    basis: str  # 违法依据 and 处罚依据
    proposed: Penalty
    benchmark_code: str  # the benchmark cited in the notice; must be the assessed one
    served_on: date
    hearing_offered: bool
    statement_working_days: int = deadlines.DEFAULT_STATEMENT_WORKING_DAYS
    outside_range_reason: str = ""
    renotice_reason: str = ""  # required for a re-notice: why the proposal changed
    new_evidence: str = ""  # required when a re-notice is heavier after the party defended (第四十五条第二款)


@dataclass(frozen=True, slots=True)
class RecordStatement:
    content: str
    received_on: date


@dataclass(frozen=True, slots=True)
class ReviewStatements:
    opinion: str  # 复核意见 (第四十五条第一款)
    adopted: bool


@dataclass(frozen=True, slots=True)
class WaiveRights:
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True)
class RequestHearing:
    requested_on: date


@dataclass(frozen=True, slots=True)
class ScheduleHearing:
    notified_on: date
    hearing_on: date
    presider: str


@dataclass(frozen=True, slots=True)
class RecordHearing:
    held_on: date
    outcome: HearingOutcome
    transcript_ref: str


@dataclass(frozen=True, slots=True)
class WithdrawHearing:
    withdrawn_on: date


@dataclass(frozen=True, slots=True)
class RecordLegalReview:
    reviewer: str
    passed: bool
    opinion: str
    reviewed_on: date
    proposal: Penalty


@dataclass(frozen=True, slots=True)
class RecordCollectiveDiscussion:
    held_on: date
    participants: tuple[str, ...]
    minutes_ref: str
    conclusion: Penalty


@dataclass(frozen=True, slots=True)
class ExtendTimeLimit:
    new_limit: date
    approver: str
    basis: str
    reason: str


@dataclass(frozen=True, slots=True)
class Decide:
    document_number: str
    penalty: Penalty
    facts: str
    reasons: tuple[str, ...]
    basis: str
    outside_range_reason: str = ""
    serious: bool = False


@dataclass(frozen=True, slots=True)
class DecideNoPenalty:
    document_number: str
    facts: str
    reasons: tuple[str, ...]
    basis: str  # e.g. 行政处罚法 第三十三条第一款


@dataclass(frozen=True, slots=True)
class Deliver:
    delivered_on: date
    method: DeliveryMethod
    recipient: str
    electronic_consent: bool = False


@dataclass(frozen=True, slots=True)
class GrantDeferral:
    approved_by: str
    new_due: date
    reason: str


@dataclass(frozen=True, slots=True)
class RecordPayment:
    paid_on: date
    fine_fen: int
    surcharge_fen: int = 0
    receipt_ref: str = ""


@dataclass(frozen=True, slots=True)
class RecordExecution:
    executed_on: date
    note: str


@dataclass(frozen=True, slots=True)
class FileRemedy:
    source: RemedySource
    filed_on: date
    reference: str


@dataclass(frozen=True, slots=True)
class ConcludeRemedy:
    concluded_on: date
    upheld: bool


@dataclass(frozen=True, slots=True)
class Revoke:
    source: CorrectionSource
    reason: str
    source_document: str  # 复议决定书 / 判决书 文号, or the internal correction record
    effective_on: date


@dataclass(frozen=True, slots=True)
class Change:
    source: CorrectionSource
    reason: str
    source_document: str
    effective_on: date
    penalty: Penalty
    contrary_third_party_request: bool = False


@dataclass(frozen=True, slots=True)
class RecordPublication:
    published_on: date | None
    exempt_reason: str = ""


@dataclass(frozen=True, slots=True)
class Close:
    reason: ClosureReason
    note: str


Command: TypeAlias = (
    StartInvestigation
    | RecordAssessment
    | Notify
    | RecordStatement
    | ReviewStatements
    | WaiveRights
    | RequestHearing
    | ScheduleHearing
    | RecordHearing
    | WithdrawHearing
    | RecordLegalReview
    | RecordCollectiveDiscussion
    | ExtendTimeLimit
    | Decide
    | DecideNoPenalty
    | Deliver
    | GrantDeferral
    | RecordPayment
    | RecordExecution
    | FileRemedy
    | ConcludeRemedy
    | Revoke
    | Change
    | RecordPublication
    | Close
)


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


def _require_state(case: Case, allowed: Iterable[CaseState], action: str) -> None:
    allowed = frozenset(allowed)
    if case.state in allowed:
        return
    if action == "作出决定" and case.state in POST_DECISION and case.decision is not None:
        raise AlreadyDecided(
            f"本案已于{case.decision.decided_on.isoformat()}作出决定（{case.decision.document_number}），"
            f"不得重复作出决定",
            extra={"state": case.state.value},
        )
    raise InvalidTransition(
        f"案件当前状态为「{STATE_LABELS[case.state]}」，不能{action}",
        extra={"state": case.state.value, "allowed": sorted(s.value for s in allowed)},
    )


def _require_text(value: str, what: str, article: str = "") -> None:
    if not value.strip():
        cite = f"（{article}）" if article else ""
        raise ReasonRequired(f"须载明{what}{cite}", extra={"field": what})


def _check_date(day: date, today: date, what: str, not_before: date | None = None, earlier: str = "") -> None:
    if day > today:
        raise InvalidDate(f"{what}（{day.isoformat()}）不得晚于今日（{today.isoformat()}）")
    if not_before is not None and day < not_before:
        raise InvalidDate(f"{what}（{day.isoformat()}）不得早于{earlier}（{not_before.isoformat()}）")


def _next(case: Case, **changes: Any) -> Case:
    return replace(case, version=case.version + 1, **changes)


def _current(records: tuple[Any, ...], notice_index: int) -> tuple[Any, ...]:
    return tuple(r for r in records if r.notice_index == notice_index)


def _hearing_for(case: Case, notice: NoticeRecord) -> HearingRecord | None:
    current: tuple[HearingRecord, ...] = _current(case.hearings, notice.index)
    return current[-1] if current else None


def _waiver_for(case: Case, notice: NoticeRecord) -> WaiverRecord:
    statement = hearing = False
    declared = notice.served_on
    for waiver in _current(case.waivers, notice.index):
        statement = statement or waiver.statement
        hearing = hearing or waiver.hearing
        declared = waiver.declared_on
    return WaiverRecord(notice.index, statement, hearing, declared)


def _require_assessment(case: Case) -> AssessedPenalty:
    if case.assessment is None:
        raise AssessmentMissing("尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）")
    return case.assessment


def _check_kinds(penalty: Penalty, assessed: AssessedPenalty) -> None:
    extra_kinds = penalty.kinds - assessed.allowed_kinds
    if extra_kinds:
        names = "、".join(k.label for k in sorted(extra_kinds, key=kind_order))
        raise KindNotAllowed(
            f"处罚种类「{names}」不在裁量基准{assessed.benchmark_code}（第{assessed.benchmark_version}版）"
            f"「{assessed.tier}」档允许的范围内",
            extra={"kinds": sorted(k.value for k in extra_kinds)},
        )


def _outside_range(penalty: Penalty, assessed: AssessedPenalty) -> bool:
    return PenaltyKind.FINE in penalty.kinds and not assessed.fine_within_range(penalty.fine_fen)


def _outside_range_message(penalty: Penalty, assessed: AssessedPenalty) -> str:
    return (
        f"罚款{format_yuan(penalty.fine_fen)}元超出裁量基准{assessed.benchmark_code}「{assessed.tier}」档"
        f"的罚款幅度（{assessed.range_text()}），须书面说明理由并经法制审核"
        f"（行政处罚法 第三十四条、第五十八条）"
    )


def _legal_review_needed(case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None) -> bool:
    if assessed is None:
        return False
    if assessed.legal_review_required:
        return True
    if penalty is not None and _outside_range(penalty, assessed):
        return True
    # 第五十八条第一款第二项: 直接关系当事人重大权益，经过听证程序的. A hearing that was actually held on a
    # penalty for which the law requires a hearing to be offered is treated as meeting that item.
    notice = case.notice
    if notice is not None and assessed.hearing_required:
        hearing = _hearing_for(case, notice)
        if hearing is not None and hearing.outcome is HearingOutcome.HELD:
            return True
    return False


def _check_legal_review(case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None) -> None:
    if not _legal_review_needed(case, penalty, assessed):
        return
    if not case.legal_reviews:
        raise LegalReviewMissing("本案须经法制审核，未经法制审核不得作出决定（行政处罚法 第五十八条第一款）")
    review = case.legal_reviews[-1]
    if not review.passed:
        raise LegalReviewNotPassed(
            f"法制审核未通过（{review.reviewed_on.isoformat()}，审核人{review.reviewer}），"
            f"不得作出决定（行政处罚法 第五十八条第一款）"
        )
    if penalty is not None and review.proposal != penalty:
        raise LegalReviewMissing(
            f"法制审核针对的处理意见（{review.proposal.describe()}）与拟作出的决定（{penalty.describe()}）"
            f"不一致，须重新进行法制审核（行政处罚法 第五十八条第一款）"
        )


def _check_collective_discussion(
    case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None
) -> None:
    if assessed is None or not assessed.collective_discussion_required:
        return
    if not case.collective_discussions:
        raise CollectiveDiscussionMissing(
            "本案情节复杂或属重大违法行为，须由行政机关负责人集体讨论决定（行政处罚法 第五十七条第二款）"
        )
    discussion = case.collective_discussions[-1]
    if penalty is not None and discussion.conclusion != penalty:
        raise CollectiveDiscussionMissing(
            f"集体讨论的结论（{discussion.conclusion.describe()}）与拟作出的决定（{penalty.describe()}）"
            f"不一致，须重新集体讨论（行政处罚法 第五十七条第二款）"
        )


def _check_time_limit(case: Case, today: date) -> None:
    limit = case.decision_limit
    if today > limit:
        extended = "（已延长）" if case.extensions else ""
        raise TimeLimitExceeded(
            f"本案于{case.filed_on.isoformat()}立案，作出处罚决定的期限{extended}已于{limit.isoformat()}届满"
            f"（行政处罚法 第六十条）",
            extra={"decision_limit": limit.isoformat()},
        )


def _missed(case: Case, now: datetime, kind: DeadlineKind, due: date, detected: date) -> DeadlineMissed:
    return DeadlineMissed(
        case_id=case.case_id,
        occurred_at=now,
        deadline=kind,
        due_on=due,
        detected_on=detected,
        article=deadlines.DEADLINE_ARTICLES[kind],
    )


def _kinds(penalty: Penalty | None) -> tuple[str, ...]:
    if penalty is None:
        return ()
    return tuple(k.label for k in sorted(penalty.kinds, key=kind_order))


# --------------------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------------------


def file_case(cmd: FileCase, *, now: datetime) -> Transition:
    """立案 (第五十四条第二款): a new case in state ``filed``; the decision clock starts (第六十条)."""
    today = deadlines.local_date(now)
    _require_text(cmd.summary, "案由")
    _require_text(cmd.approved_by, "立案审批人")
    case = Case(
        case_id=cmd.case_id,
        dept_code=cmd.dept_code,
        party=cmd.party,
        procedure=cmd.procedure,
        summary=cmd.summary,
        filed_on=today,
        officers=tuple(dict.fromkeys(o for o in cmd.officers if o.strip())),
    )
    event = CaseFiled(
        case_id=case.case_id,
        occurred_at=now,
        dept_code=case.dept_code,
        procedure=case.procedure,
        filed_on=today,
        decision_limit=case.decision_limit,
    )
    return Transition(case, (event,))


def start_investigation(case: Case, cmd: StartInvestigation, *, now: datetime) -> Transition:
    """调查取证 (第五十四条第一款) by at least two officers (第四十二条).

    A simple-procedure case that cannot be decided on the spot turns into a general-procedure case here.
    """
    _require_state(case, {CaseState.FILED}, "开始调查")
    officers = tuple(dict.fromkeys(o for o in cmd.officers if o.strip()))
    if len(officers) < 2:
        raise OfficersInsufficient(
            f"调查取证的执法人员为{len(officers)}人，不得少于两人（行政处罚法 第四十二条第一款）"
        )
    converted = case.procedure is ProcedureKind.SIMPLE
    new = _next(case, state=CaseState.INVESTIGATING, officers=officers, procedure=ProcedureKind.GENERAL)
    event = InvestigationStarted(
        case_id=case.case_id, occurred_at=now, officers=officers, converted_from_simple=converted
    )
    return Transition(new, (event,))


def record_assessment(case: Case, cmd: RecordAssessment, *, now: datetime) -> Transition:
    """Attach the discretion engine's result; a later notice must be based on the latest one."""
    _require_state(case, PRE_DECISION - {CaseState.HEARING_REQUESTED}, "记录裁量结果")
    assessed = cmd.assessed
    if assessed.min_fen is not None and assessed.max_fen is not None and assessed.min_fen > assessed.max_fen:
        raise InvalidPenalty("裁量幅度下限高于上限")
    new = _next(case, assessment=assessed)
    event = AssessmentRecorded(
        case_id=case.case_id,
        occurred_at=now,
        benchmark_code=assessed.benchmark_code,
        benchmark_version=assessed.benchmark_version,
        tier=assessed.tier,
    )
    return Transition(new, (event,))


def notify(case: Case, cmd: Notify, *, now: datetime, calendar: WorkingDays) -> Transition:
    """告知 (第四十四条): the proposed penalty with facts, reasons, basis, benchmark and the rights.

    A re-notice (a second Notify before the decision) replaces the proposal and restarts the rights periods;
    when it is heavier than the previous notice after the party made a statement or had a hearing it needs a
    written reason grounded in new facts or evidence, never in the defence (第四十五条第二款).
    """
    _require_state(
        case, (PRE_NOTICE - {CaseState.FILED}) | (NOTICE_STAGE - {CaseState.HEARING_REQUESTED}), "告知"
    )
    if case.procedure is ProcedureKind.SIMPLE:
        raise InvalidTransition("简易程序案件当场作出决定，不适用告知书程序；请先转为普通程序调查")
    today = deadlines.local_date(now)
    assessed = _require_assessment(case)
    validate_penalty(cmd.proposed)

    missing: list[str] = []
    if not cmd.document_number.strip():
        missing.append("告知书文号")
    if not cmd.facts.strip():
        missing.append("违法事实")
    if not any(r.strip() for r in cmd.reasons):
        missing.append("理由（说理）")
    if not cmd.basis.strip():
        missing.append("依据")
    if not cmd.benchmark_code.strip():
        missing.append("所适用的裁量基准")
    if assessed.hearing_required and not cmd.hearing_offered:
        missing.append("要求听证的权利（本案属于应当告知听证权利的情形，第六十三条）")
    if cmd.statement_working_days < 1:
        missing.append("陈述、申辩的期限")
    if missing:
        raise NoticeIncomplete(
            "告知书须载明：" + "、".join(missing) + "（行政处罚法 第四十四条）",
            errors=[{"field": m} for m in missing],
        )
    if cmd.benchmark_code != assessed.benchmark_code:
        raise NoticeIncomplete(
            f"告知书引用的裁量基准{cmd.benchmark_code}与本案裁量所依据的基准{assessed.benchmark_code}不一致"
        )
    _check_kinds(cmd.proposed, assessed)
    if _outside_range(cmd.proposed, assessed) and not cmd.outside_range_reason.strip():
        raise ReasonRequired(_outside_range_message(cmd.proposed, assessed))
    _check_date(cmd.served_on, today, "告知书送达日期", case.filed_on, "立案日期")

    previous = case.notice
    if previous is not None:
        _require_text(cmd.renotice_reason, "重新告知的理由")
        defended = bool(_current(case.statements, previous.index)) or any(
            h.outcome is HearingOutcome.HELD for h in _current(case.hearings, previous.index)
        )
        heavier = heavier_reasons(cmd.proposed, previous.proposed)
        if heavier and defended and not cmd.new_evidence.strip():
            raise HeavierThanNotice(
                "当事人已陈述、申辩，重新告知的处罚重于原告知（"
                + "；".join(heavier)
                + "），须载明加重所依据的新的事实或者证据，不得因当事人陈述、申辩而给予更重的处罚"
                "（行政处罚法 第四十五条第二款）",
                extra={"reasons": list(heavier)},
            )

    index = (previous.index + 1) if previous else 1
    hearing_deadline = (
        deadlines.hearing_request_deadline(cmd.served_on, calendar) if cmd.hearing_offered else None
    )
    record = NoticeRecord(
        index=index,
        document_number=cmd.document_number,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        proposed=cmd.proposed,
        assessment=assessed,
        served_on=cmd.served_on,
        statement_deadline=deadlines.statement_deadline(cmd.served_on, calendar, cmd.statement_working_days),
        hearing_offered=cmd.hearing_offered,
        hearing_request_deadline=hearing_deadline,
        outside_range_reason=cmd.outside_range_reason,
        renotice_reason=cmd.renotice_reason,
        new_evidence=cmd.new_evidence,
    )
    new = _next(case, state=CaseState.NOTIFIED, notices=(*case.notices, record))
    event = CaseNotified(
        case_id=case.case_id,
        occurred_at=now,
        notice_index=index,
        document_number=cmd.document_number,
        served_on=cmd.served_on,
        kinds=_kinds(cmd.proposed),
        fine_fen=cmd.proposed.fine_fen,
        statement_deadline=record.statement_deadline,
        hearing_offered=cmd.hearing_offered,
        hearing_request_deadline=hearing_deadline,
    )
    return Transition(new, (event,))


def _require_notice(case: Case) -> NoticeRecord:
    notice = case.notice
    if notice is None:
        raise InvalidTransition("本案尚未告知，当事人尚无可行使的陈述、申辩、听证权利")
    return notice


def record_statement(case: Case, cmd: RecordStatement, *, now: datetime) -> Transition:
    """陈述、申辩 (第四十五条第一款). A late statement is still recorded and must still be reviewed."""
    _require_state(case, NOTICE_STAGE, "记录陈述申辩")
    today = deadlines.local_date(now)
    notice = _require_notice(case)
    _require_text(cmd.content, "陈述、申辩的内容")
    _check_date(cmd.received_on, today, "陈述申辩日期", notice.served_on, "告知书送达日期")
    late = cmd.received_on > notice.statement_deadline
    record = StatementRecord(notice.index, cmd.content, cmd.received_on, late)
    state = CaseState.STATEMENT if case.state is CaseState.NOTIFIED else case.state
    new = _next(case, state=state, statements=(*case.statements, record))
    event = StatementReceived(case_id=case.case_id, occurred_at=now, received_on=cmd.received_on, late=late)
    return Transition(new, (event,))


def review_statements(case: Case, cmd: ReviewStatements, *, now: datetime) -> Transition:
    """复核 the party's statements (第四十五条第一款: 应当进行复核; 成立的，应当采纳)."""
    _require_state(case, NOTICE_STAGE, "复核陈述申辩")
    _require_text(cmd.opinion, "复核意见", "行政处罚法 第四十五条第一款")
    pending = [s for s in case.statements if not s.reviewed]
    if not pending:
        raise InvalidTransition("没有待复核的陈述申辩")
    statements = tuple(
        replace(s, review_opinion=cmd.opinion, adopted=cmd.adopted) if not s.reviewed else s
        for s in case.statements
    )
    new = _next(case, statements=statements)
    event = StatementReviewed(
        case_id=case.case_id, occurred_at=now, adopted=cmd.adopted, statements=len(pending)
    )
    return Transition(new, (event,))


def waive_rights(case: Case, cmd: WaiveRights, *, now: datetime) -> Transition:
    """The party expressly gives up statement and/or hearing (第六十二条: 当事人明确放弃...的除外)."""
    _require_state(case, NOTICE_STAGE - {CaseState.HEARING_REQUESTED}, "记录放弃权利")
    today = deadlines.local_date(now)
    notice = _require_notice(case)
    if not (cmd.statement or cmd.hearing):
        raise BadRequest("未载明放弃的权利", code="PROCEDURE_WAIVER_EMPTY")
    if cmd.hearing and not notice.hearing_offered:
        raise HearingNotOffered("本案告知书未告知听证权利，无须放弃听证")
    _check_date(cmd.declared_on, today, "放弃权利声明日期", notice.served_on, "告知书送达日期")
    record = WaiverRecord(notice.index, cmd.statement, cmd.hearing, cmd.declared_on)
    new = _next(case, waivers=(*case.waivers, record))
    event = RightsWaived(
        case_id=case.case_id,
        occurred_at=now,
        statement=cmd.statement,
        hearing=cmd.hearing,
        declared_on=cmd.declared_on,
    )
    return Transition(new, (event,))


def request_hearing(case: Case, cmd: RequestHearing, *, now: datetime) -> Transition:
    """要求听证 within 5 working days of the notice (第六十四条第一项, 第八十五条)."""
    # The party's right does not depend on how far the agency has got with its internal steps.
    _require_state(case, NOTICE_STAGE - {CaseState.HEARING_REQUESTED, CaseState.HEARING_HELD}, "申请听证")
    today = deadlines.local_date(now)
    notice = _require_notice(case)
    if _hearing_for(case, notice) is not None:
        raise InvalidTransition("当事人已就本次告知提出过听证申请")
    if not notice.hearing_offered or notice.hearing_request_deadline is None:
        raise HearingNotOffered(
            "本案拟作出的处罚不属于应当告知听证权利的情形，告知书未告知听证权利（行政处罚法 第六十三条）"
        )
    _check_date(cmd.requested_on, today, "听证申请日期", notice.served_on, "告知书送达日期")
    if _waiver_for(case, notice).hearing:
        raise InvalidTransition("当事人已明确放弃听证权利")
    if cmd.requested_on > notice.hearing_request_deadline:
        raise HearingRequestLate(
            f"告知书于{notice.served_on.isoformat()}送达，当事人应当在告知后五个工作日内"
            f"（至{notice.hearing_request_deadline.isoformat()}）提出听证要求，"
            f"{cmd.requested_on.isoformat()}提出已超过期限（行政处罚法 第六十四条第一项、第八十五条）"
        )
    record = HearingRecord(notice.index, cmd.requested_on)
    new = _next(case, state=CaseState.HEARING_REQUESTED, hearings=(*case.hearings, record))
    event = HearingRequested(case_id=case.case_id, occurred_at=now, requested_on=cmd.requested_on)
    return Transition(new, (event,))


def _open_hearing(case: Case) -> HearingRecord:
    notice = _require_notice(case)
    hearing = _hearing_for(case, notice)
    if hearing is None or hearing.concluded:
        raise InvalidTransition("没有待举行的听证")
    return hearing


def _replace_last_hearing(case: Case, hearing: HearingRecord) -> tuple[HearingRecord, ...]:
    return (*case.hearings[:-1], hearing)


def schedule_hearing(case: Case, cmd: ScheduleHearing, *, now: datetime, calendar: WorkingDays) -> Transition:
    """Notify the party of the hearing at least 7 working days ahead (第六十四条第二项, 第八十五条).

    The presider must not be one of the case's investigators (第六十四条第四项).
    """
    _require_state(case, {CaseState.HEARING_REQUESTED}, "安排听证")
    today = deadlines.local_date(now)
    hearing = _open_hearing(case)
    _require_text(cmd.presider, "听证主持人")
    if cmd.presider in case.officers:
        raise HearingPresiderConflict(
            f"{cmd.presider}为本案调查人员，不得主持听证（行政处罚法 第六十四条第四项）"
        )
    _check_date(cmd.notified_on, today, "听证通知日期", hearing.requested_on, "听证申请日期")
    earliest = deadlines.earliest_hearing_date(cmd.notified_on, calendar)
    if cmd.hearing_on < earliest:
        raise HearingNoticeTooShort(
            f"应当在举行听证的七日（工作日）前通知当事人：{cmd.notified_on.isoformat()}通知的，"
            f"听证最早于{earliest.isoformat()}举行（行政处罚法 第六十四条第二项、第八十五条）"
        )
    updated = replace(hearing, notified_on=cmd.notified_on, hearing_on=cmd.hearing_on, presider=cmd.presider)
    new = _next(case, hearings=_replace_last_hearing(case, updated))
    event = HearingScheduled(
        case_id=case.case_id, occurred_at=now, notified_on=cmd.notified_on, hearing_on=cmd.hearing_on
    )
    return Transition(new, (event,))


def record_hearing(case: Case, cmd: RecordHearing, *, now: datetime) -> Transition:
    """听证结束: held with a transcript (第六十四条第八项), or deemed waived by absence (第六十四条第六项)."""
    _require_state(case, {CaseState.HEARING_REQUESTED}, "记录听证")
    today = deadlines.local_date(now)
    hearing = _open_hearing(case)
    if hearing.hearing_on is None:
        raise InvalidTransition("听证尚未安排并通知当事人（行政处罚法 第六十四条第二项）")
    _check_date(cmd.held_on, today, "听证日期", hearing.hearing_on, "通知的听证日期")
    if cmd.outcome is HearingOutcome.HELD:
        _require_text(cmd.transcript_ref, "听证笔录", "行政处罚法 第六十四条第八项")
    updated = replace(hearing, held_on=cmd.held_on, outcome=cmd.outcome, transcript_ref=cmd.transcript_ref)
    new = _next(case, state=CaseState.HEARING_HELD, hearings=_replace_last_hearing(case, updated))
    event = HearingHeld(case_id=case.case_id, occurred_at=now, held_on=cmd.held_on, outcome=cmd.outcome)
    return Transition(new, (event,))


def withdraw_hearing(case: Case, cmd: WithdrawHearing, *, now: datetime) -> Transition:
    """The party withdraws its hearing request; the case returns to the notice stage."""
    _require_state(case, {CaseState.HEARING_REQUESTED}, "撤回听证申请")
    today = deadlines.local_date(now)
    hearing = _open_hearing(case)
    _check_date(cmd.withdrawn_on, today, "撤回听证申请日期", hearing.requested_on, "听证申请日期")
    updated = replace(hearing, withdrawn_on=cmd.withdrawn_on)
    notice = _require_notice(case)
    back = CaseState.STATEMENT if _current(case.statements, notice.index) else CaseState.NOTIFIED
    new = _next(case, state=back, hearings=_replace_last_hearing(case, updated))
    event = HearingWithdrawn(case_id=case.case_id, occurred_at=now, withdrawn_on=cmd.withdrawn_on)
    return Transition(new, (event,))


def record_legal_review(case: Case, cmd: RecordLegalReview, *, now: datetime) -> Transition:
    """法制审核 (第五十八条) of a proposed decision, by a reviewer who is not the case officer."""
    _require_state(case, PRE_DECISION - {CaseState.FILED, CaseState.HEARING_REQUESTED}, "记录法制审核")
    today = deadlines.local_date(now)
    validate_penalty(cmd.proposal)
    _require_text(cmd.reviewer, "法制审核人员")
    _require_text(cmd.opinion, "法制审核意见", "行政处罚法 第五十八条")
    if cmd.reviewer in case.officers:
        raise BadRequest(
            f"{cmd.reviewer}为本案调查人员，不得对本案进行法制审核（行政处罚法 第五十八条）",
            code="PROCEDURE_LEGAL_REVIEWER_CONFLICT",
        )
    _check_date(cmd.reviewed_on, today, "法制审核日期", case.filed_on, "立案日期")
    record = LegalReviewRecord(cmd.reviewer, cmd.passed, cmd.opinion, cmd.reviewed_on, cmd.proposal)
    new = _next(case, state=CaseState.LEGAL_REVIEW, legal_reviews=(*case.legal_reviews, record))
    event = LegalReviewRecorded(
        case_id=case.case_id,
        occurred_at=now,
        passed=cmd.passed,
        reviewer=cmd.reviewer,
        reviewed_on=cmd.reviewed_on,
    )
    return Transition(new, (event,))


def record_collective_discussion(case: Case, cmd: RecordCollectiveDiscussion, *, now: datetime) -> Transition:
    """负责人集体讨论 (第五十七条第二款), after the legal review when one is needed.

    A collective discussion is a meeting of several heads with minutes; a countersignature or an oral
    instruction does not replace it (seed 001: 杜绝以会签替代法制审核、以口头请示替代集体讨论).
    """
    _require_state(case, PRE_DECISION - {CaseState.FILED, CaseState.HEARING_REQUESTED}, "记录集体讨论")
    today = deadlines.local_date(now)
    validate_penalty(cmd.conclusion)
    participants = tuple(dict.fromkeys(p for p in cmd.participants if p.strip()))
    if len(participants) < 2:
        raise BadRequest(
            "集体讨论须由行政机关负责人集体进行，参加人员不得少于两人（行政处罚法 第五十七条第二款）",
            code="PROCEDURE_COLLECTIVE_DISCUSSION_QUORUM",
        )
    _require_text(cmd.minutes_ref, "集体讨论记录")
    _check_date(cmd.held_on, today, "集体讨论日期", case.filed_on, "立案日期")
    _check_legal_review(case, cmd.conclusion, case.assessment)
    if case.legal_reviews and _legal_review_needed(case, cmd.conclusion, case.assessment):
        reviewed = case.legal_reviews[-1].reviewed_on
        if cmd.held_on < reviewed:
            raise InvalidDate("集体讨论应在法制审核之后进行")
    record = CollectiveDiscussionRecord(cmd.held_on, participants, cmd.minutes_ref, cmd.conclusion)
    new = _next(
        case,
        state=CaseState.COLLECTIVE_DISCUSSION,
        collective_discussions=(*case.collective_discussions, record),
    )
    event = CollectiveDiscussionRecorded(case_id=case.case_id, occurred_at=now, held_on=cmd.held_on)
    return Transition(new, (event,))


def extend_time_limit(case: Case, cmd: ExtendTimeLimit, *, now: datetime) -> Transition:
    """Record an extension of the decision limit allowed by a specific provision (第六十条 "另有规定").

    The extension must be approved before the current limit runs out; an expired limit cannot be revived.
    """
    _require_state(case, PRE_DECISION, "延长办案期限")
    today = deadlines.local_date(now)
    _require_text(cmd.approver, "批准延长的负责人")
    _require_text(cmd.basis, "延长期限所依据的法律、法规或者规章条款", "行政处罚法 第六十条")
    _require_text(cmd.reason, "延长期限的理由")
    _check_time_limit(case, today)
    current = case.decision_limit
    if cmd.new_limit <= current:
        raise InvalidDate(
            f"延长后的期限（{cmd.new_limit.isoformat()}）须晚于现有期限（{current.isoformat()}）"
        )
    record = TimeLimitExtension(current, cmd.new_limit, cmd.approver, cmd.basis, cmd.reason, today)
    new = _next(case, extensions=(*case.extensions, record))
    event = TimeLimitExtended(
        case_id=case.case_id,
        occurred_at=now,
        previous_limit=current,
        new_limit=cmd.new_limit,
        approver=cmd.approver,
    )
    return Transition(new, (event,))


def _check_rights_concluded(case: Case, notice: NoticeRecord, today: date) -> None:
    waiver = _waiver_for(case, notice)
    statements: tuple[StatementRecord, ...] = _current(case.statements, notice.index)
    if any(not s.reviewed for s in case.statements):
        raise StatementNotReviewed(
            "当事人提出的陈述、申辩尚未复核，行政机关必须充分听取当事人的意见并进行复核"
            "（行政处罚法 第四十五条第一款、第六十二条）"
        )
    if not statements and not waiver.statement and today <= notice.statement_deadline:
        raise StatementPeriodOpen(
            f"陈述、申辩期限至{notice.statement_deadline.isoformat()}届满，当事人未明确放弃，"
            f"期限届满前不得作出处罚决定（行政处罚法 第四十五条、第六十二条）"
        )
    if notice.hearing_offered and notice.hearing_request_deadline is not None:
        hearing = _hearing_for(case, notice)
        if hearing is not None and not hearing.concluded:
            raise HearingPending(
                "当事人已依法要求听证，听证结束前不得作出处罚决定（行政处罚法 第六十三条、第六十五条）"
            )
        if hearing is None and not waiver.hearing and today <= notice.hearing_request_deadline:
            raise HearingPending(
                f"当事人要求听证的期限至{notice.hearing_request_deadline.isoformat()}届满，当事人未明确放弃，"
                f"期限届满前不得作出处罚决定（行政处罚法 第六十四条第一项、第八十五条）"
            )


def decide(case: Case, cmd: Decide, *, now: datetime, calendar: WorkingDays) -> Transition:
    """作出行政处罚决定 (第五十七条第一款第一项; on the spot under 第五十一条 for simple procedure)."""
    _require_state(case, PRE_DECISION, "作出决定")
    today = deadlines.local_date(now)
    _check_time_limit(case, today)
    assessed = _require_assessment(case)
    penalty = cmd.penalty
    validate_penalty(penalty)
    _require_text(cmd.document_number, "决定书文号")
    _require_text(cmd.facts, "违法事实", "行政处罚法 第五十九条第一款第二项")
    _require_text(cmd.basis, "处罚依据", "行政处罚法 第五十九条第一款第三项")
    if not any(r.strip() for r in cmd.reasons):
        raise ReasonRequired(
            "行使裁量权作出的决定须说明理由（沈法治办发〔2020〕7号 三（八）3；行政处罚法 第五条）"
        )
    _check_kinds(penalty, assessed)
    on_the_spot = case.procedure is ProcedureKind.SIMPLE
    if on_the_spot:
        _require_state(case, {CaseState.FILED}, "当场作出决定")
        _check_simple_procedure(case, penalty, assessed)
    outside = _outside_range(penalty, assessed)
    if outside and not cmd.outside_range_reason.strip():
        raise ReasonRequired(_outside_range_message(penalty, assessed))

    if not on_the_spot:
        if case.state is CaseState.FILED or case.state is CaseState.INVESTIGATING:
            raise DecisionBeforeNotice(
                "作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
                "并告知其陈述、申辩、要求听证等权利（行政处罚法 第四十四条、第六十二条）"
            )
        notice = _require_notice(case)
        if notice.assessment != assessed:
            raise DecisionBeforeNotice(
                "告知后裁量结果已变更，须按新的裁量结果重新告知当事人（行政处罚法 第四十四条、第六十二条）"
            )
        heavier = heavier_reasons(penalty, notice.proposed)
        if heavier:
            defended = bool(_current(case.statements, notice.index)) or _hearing_for(case, notice) is not None
            article = "第四十五条第二款" if defended else "第四十四条"
            lead = "不得因当事人陈述、申辩而给予更重的处罚" if defended else "决定不得重于告知的处罚"
            raise HeavierThanNotice(
                f"{lead}："
                + "；".join(heavier)
                + f"（行政处罚法 {article}）。如有新的事实、证据，应当重新告知",
                extra={"reasons": list(heavier)},
            )
        _check_rights_concluded(case, notice, today)
    _check_legal_review(case, penalty, assessed)
    _check_collective_discussion(case, penalty, assessed)

    record = DecisionRecord(
        document_number=cmd.document_number,
        outcome=DecisionOutcome.PENALTY,
        penalty=penalty,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        decided_on=today,
        outside_range_reason=cmd.outside_range_reason,
        outside_tier=outside,
        delivery_due=deadlines.delivery_deadline(today, calendar, on_the_spot=on_the_spot),
        publish_by=None if on_the_spot else deadlines.publication_deadline(today, calendar),
        serious=cmd.serious,
    )
    return _issue(case, record, assessed, now)


def _check_simple_procedure(case: Case, penalty: Penalty, assessed: AssessedPenalty) -> None:
    limit = SIMPLE_PROCEDURE_MAX_FINE_FEN[case.party.kind]
    who = "公民" if case.party.kind is PartyKind.INDIVIDUAL else "法人或者其他组织"
    problems: list[str] = []
    if len(case.officers) < 2:
        problems.append(f"执法人员为{len(case.officers)}人，不得少于两人（第四十二条第一款）")
    if not assessed.simple_procedure_allowed:
        problems.append("裁量结果不允许适用简易程序")
    if not penalty.kinds <= SIMPLE_PROCEDURE_KINDS:
        problems.append("简易程序只能处以警告或者罚款")
    if penalty.fine_fen > limit:
        problems.append(f"对{who}的罚款{format_yuan(penalty.fine_fen)}元超过{format_yuan(limit)}元")
    if problems:
        raise SimpleProcedureNotAllowed("；".join(problems) + "（行政处罚法 第五十一条），应当适用普通程序")


def _issue(case: Case, record: DecisionRecord, assessed: AssessedPenalty | None, now: datetime) -> Transition:
    new = _next(case, state=CaseState.DECIDED, decision=record)
    event = DecisionIssued(
        case_id=case.case_id,
        occurred_at=now,
        document_number=record.document_number,
        outcome=record.outcome,
        procedure=case.procedure,
        kinds=_kinds(record.penalty),
        fine_fen=record.penalty.fine_fen if record.penalty else 0,
        confiscation_fen=record.penalty.confiscation_fen if record.penalty else 0,
        decided_on=record.decided_on,
        benchmark_code=assessed.benchmark_code if assessed else None,
        benchmark_version=assessed.benchmark_version if assessed else None,
        tier=assessed.tier if assessed else None,
        outside_tier=record.outside_tier,
        serious=record.serious,
        delivery_due=record.delivery_due,
        publish_by=record.publish_by,
        revision=1,
    )
    return Transition(new, (event,))


def decide_no_penalty(
    case: Case, cmd: DecideNoPenalty, *, now: datetime, calendar: WorkingDays
) -> Transition:
    """不予行政处罚决定 (第五十七条第一款第二项、第三项; 第三十三条).

    No notice is required: 第四十四条 governs decisions that impose a penalty. Legal review and collective
    discussion still apply when the assessment calls for them. The decision is not published under the
    7-working-day rule (seed 003 sets it for penalty decisions); publication of 不予处罚 information is a
    credit-service policy.
    """
    _require_state(case, PRE_DECISION - {CaseState.FILED}, "作出决定")
    today = deadlines.local_date(now)
    _check_time_limit(case, today)
    _require_text(cmd.document_number, "决定书文号")
    _require_text(cmd.facts, "查明的事实")
    _require_text(cmd.basis, "不予行政处罚的依据")
    if not any(r.strip() for r in cmd.reasons):
        raise ReasonRequired("不予行政处罚决定须说明理由（沈法治办发〔2020〕7号 三（八）3）")
    if case.state is CaseState.HEARING_REQUESTED:
        raise HearingPending("听证结束前不得作出决定（行政处罚法 第六十五条）")
    _check_legal_review(case, None, case.assessment)
    _check_collective_discussion(case, None, case.assessment)
    record = DecisionRecord(
        document_number=cmd.document_number,
        outcome=DecisionOutcome.NO_PENALTY,
        penalty=None,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        decided_on=today,
        outside_range_reason="",
        outside_tier=False,
        delivery_due=deadlines.delivery_deadline(today, calendar),
        publish_by=None,
        serious=False,
    )
    return _issue(case, record, case.assessment, now)


def deliver(case: Case, cmd: Deliver, *, now: datetime, calendar: WorkingDays) -> Transition:
    """送达 the decision (第六十一条). A late delivery is recorded and reported, never refused."""
    _require_state(case, {CaseState.DECIDED}, "送达决定书")
    today = deadlines.local_date(now)
    decision = case.decision
    assert decision is not None  # DECIDED implies a decision
    _require_text(cmd.recipient, "受送达人")
    _check_date(cmd.delivered_on, today, "送达日期", decision.decided_on, "决定日期")
    if cmd.method is DeliveryMethod.ELECTRONIC and not cmd.electronic_consent:
        raise DeliveryConsentMissing(
            "当事人同意并签订确认书的，方可采用传真、电子邮件等方式送达（行政处罚法 第六十一条第二款）"
        )
    late = cmd.delivered_on > decision.delivery_due
    payment_due = (
        deadlines.payment_deadline(cmd.delivered_on, calendar) if case.fine_outstanding_fen > 0 else None
    )
    record = DeliveryRecord(cmd.delivered_on, cmd.method, cmd.recipient, late)
    new = _next(case, state=CaseState.DELIVERED, delivery=record, payment_due=payment_due)
    events: list[DomainEvent] = [
        DecisionDelivered(
            case_id=case.case_id,
            occurred_at=now,
            document_number=decision.document_number,
            delivered_on=cmd.delivered_on,
            method=cmd.method,
            payment_due=payment_due,
        )
    ]
    if late:
        events.append(_missed(case, now, DeadlineKind.DELIVERY, decision.delivery_due, cmd.delivered_on))
    return Transition(new, tuple(events))


def grant_deferral(case: Case, cmd: GrantDeferral, *, now: datetime) -> Transition:
    """暂缓缴纳 on the party's application (第六十六条第二款): moves the payment date, and so the surcharge."""
    _require_state(case, {CaseState.DELIVERED, CaseState.CHANGED}, "批准暂缓缴纳")
    if case.payment_due is None or case.fine_outstanding_fen == 0:
        raise InvalidTransition("本案没有待缴纳的罚款")
    _require_text(cmd.approved_by, "批准人")
    _require_text(cmd.reason, "当事人确有经济困难的理由", "行政处罚法 第六十六条第二款")
    if cmd.new_due <= case.payment_due:
        raise InvalidDate(f"暂缓后的缴纳期限须晚于原期限（{case.payment_due.isoformat()}）")
    record = DeferralRecord(cmd.approved_by, case.payment_due, cmd.new_due, cmd.reason)
    new = _next(case, payment_due=cmd.new_due, deferrals=(*case.deferrals, record))
    event = PaymentDeferred(
        case_id=case.case_id,
        occurred_at=now,
        previous_due=case.payment_due,
        new_due=cmd.new_due,
        approved_by=cmd.approved_by,
    )
    return Transition(new, (event,))


def record_payment(case: Case, cmd: RecordPayment, *, now: datetime) -> Transition:
    """缴纳罚款 (第六十七条第三款). Paying the whole fine executes the decision.

    The surcharge is what the bank collected; the event also carries the lawful maximum for the payment date
    (第七十二条第一款第一项) so a supervisor can see a waived or an excessive surcharge.
    """
    _require_state(case, {CaseState.DELIVERED, CaseState.CHANGED}, "记录缴纳罚款")
    today = deadlines.local_date(now)
    decision = case.decision
    assert decision is not None
    outstanding = case.fine_outstanding_fen
    if outstanding == 0 or case.payment_due is None:
        raise InvalidTransition("本案没有待缴纳的罚款")
    if cmd.fine_fen <= 0 or cmd.surcharge_fen < 0:
        raise BadRequest("缴纳金额须为正数", code="PROCEDURE_PAYMENT_INVALID")
    if cmd.fine_fen > outstanding:
        raise PaymentExceedsFine(
            f"本次缴纳罚款{format_yuan(cmd.fine_fen)}元，超过尚欠罚款{format_yuan(outstanding)}元"
        )
    delivered_on = case.delivery.delivered_on if case.delivery else decision.decided_on
    _check_date(cmd.paid_on, today, "缴款日期", delivered_on, "送达日期")
    lawful = deadlines.surcharge(outstanding, case.payment_due, cmd.paid_on, excluded=case.surcharge_excluded)
    remaining = outstanding - cmd.fine_fen
    payment = PaymentRecord(cmd.paid_on, cmd.fine_fen, cmd.surcharge_fen, cmd.receipt_ref)
    changes: dict[str, Any] = {"payments": (*case.payments, payment)}
    events: list[DomainEvent] = [
        FinePaid(
            case_id=case.case_id,
            occurred_at=now,
            document_number=decision.document_number,
            paid_on=cmd.paid_on,
            fine_fen=cmd.fine_fen,
            surcharge_fen=cmd.surcharge_fen,
            days_late=lawful.days_late,
            lawful_surcharge_fen=lawful.amount_fen,
            outstanding_fen=remaining,
            fully_performed=remaining == 0,
        )
    ]
    if lawful.days_late > 0 and not any(p.paid_on > case.payment_due for p in case.payments):
        events.append(_missed(case, now, DeadlineKind.PAYMENT, case.payment_due, cmd.paid_on))
    if remaining == 0:
        changes.update(state=CaseState.EXECUTED, executed_on=cmd.paid_on)
        events.append(DecisionExecuted(case_id=case.case_id, occurred_at=now, executed_on=cmd.paid_on))
    return Transition(_next(case, **changes), tuple(events))


def record_execution(case: Case, cmd: RecordExecution, *, now: datetime) -> Transition:
    """执行完毕 of a decision without a fine still outstanding (e.g. 警告, 吊销许可证件 carried out)."""
    _require_state(case, {CaseState.DELIVERED, CaseState.CHANGED}, "记录执行完毕")
    today = deadlines.local_date(now)
    decision = case.decision
    assert decision is not None
    if decision.outcome is DecisionOutcome.NO_PENALTY:
        raise InvalidTransition("不予行政处罚决定无须执行，送达后可直接结案")
    if case.fine_outstanding_fen:
        raise FineOutstanding(f"尚欠罚款{format_yuan(case.fine_outstanding_fen)}元，缴清后方为执行完毕")
    _require_text(cmd.note, "执行情况")
    delivered_on = case.delivery.delivered_on if case.delivery else decision.decided_on
    _check_date(cmd.executed_on, today, "执行完毕日期", delivered_on, "送达日期")
    new = _next(case, state=CaseState.EXECUTED, executed_on=cmd.executed_on)
    event = DecisionExecuted(case_id=case.case_id, occurred_at=now, executed_on=cmd.executed_on)
    return Transition(new, (event,))


def file_remedy(case: Case, cmd: FileRemedy, *, now: datetime) -> Transition:
    """The party applied for reconsideration or sued. Execution does not stop (第七十三条第一款), but the
    surcharge is not counted while it runs (第七十三条第三款)."""
    _require_state(
        case, {CaseState.DECIDED, CaseState.DELIVERED, CaseState.EXECUTED, CaseState.CHANGED}, "记录复议诉讼"
    )
    today = deadlines.local_date(now)
    decision = case.decision
    assert decision is not None
    _require_text(cmd.reference, "复议申请或起诉的案号")
    _check_date(cmd.filed_on, today, "申请复议或起诉日期", decision.decided_on, "决定日期")
    if any(r.concluded_on is None for r in case.remedies):
        raise InvalidTransition("已有尚未终结的复议或诉讼")
    record = RemedyRecord(cmd.source, cmd.filed_on, cmd.reference)
    new = _next(case, remedies=(*case.remedies, record))
    event = RemedyFiled(
        case_id=case.case_id,
        occurred_at=now,
        source=cmd.source,
        filed_on=cmd.filed_on,
        reference=cmd.reference,
    )
    return Transition(new, (event,))


def _close_open_remedy(case: Case, on: date, upheld: bool) -> tuple[RemedyRecord, ...]:
    return tuple(
        replace(r, concluded_on=on, upheld=upheld) if r.concluded_on is None else r for r in case.remedies
    )


def conclude_remedy(case: Case, cmd: ConcludeRemedy, *, now: datetime) -> Transition:
    """A reconsideration or a lawsuit ended without revoking or changing the decision (upheld, withdrawn)."""
    _require_state(
        case,
        {CaseState.DECIDED, CaseState.DELIVERED, CaseState.EXECUTED, CaseState.CHANGED},
        "记录复议诉讼结果",
    )
    today = deadlines.local_date(now)
    open_remedies = [r for r in case.remedies if r.concluded_on is None]
    if not open_remedies:
        raise InvalidTransition("没有尚未终结的复议或诉讼")
    _check_date(cmd.concluded_on, today, "复议诉讼终结日期", open_remedies[0].filed_on, "申请复议或起诉日期")
    new = _next(case, remedies=_close_open_remedy(case, cmd.concluded_on, cmd.upheld))
    event = RemedyConcluded(
        case_id=case.case_id, occurred_at=now, concluded_on=cmd.concluded_on, upheld=cmd.upheld
    )
    return Transition(new, (event,))


CORRECTABLE = frozenset({CaseState.DECIDED, CaseState.DELIVERED, CaseState.EXECUTED, CaseState.CHANGED})


def _check_correction(
    case: Case, source_document: str, reason: str, effective_on: date, today: date
) -> DecisionRecord:
    decision = case.decision
    assert decision is not None
    _require_text(reason, "撤销或者变更的理由")
    _require_text(source_document, "撤销或者变更的依据文书（复议决定书、裁判文书或者纠错审批记录）")
    _check_date(effective_on, today, "撤销或者变更日期", decision.decided_on, "决定日期")
    return decision


def revoke(case: Case, cmd: Revoke, *, now: datetime, calendar: WorkingDays) -> Transition:
    """撤销 the decision (行政复议法 第六十四条; 行政诉讼; 行政处罚法 第七十五条第二款 自行纠错).

    A published decision must be withdrawn within 3 working days (行政处罚法 第四十八条第二款, 第八十五条).
    """
    _require_state(case, CORRECTABLE, "撤销决定")
    today = deadlines.local_date(now)
    decision = _check_correction(case, cmd.source_document, cmd.reason, cmd.effective_on, today)
    withdraw_by = (
        deadlines.publication_withdrawal_deadline(cmd.effective_on, calendar) if case.published_on else None
    )
    record = CorrectionRecord(
        True, cmd.source, cmd.reason, cmd.source_document, cmd.effective_on, None, withdraw_by
    )
    new = _next(
        case,
        state=CaseState.REVOKED,
        corrections=(*case.corrections, record),
        remedies=_close_open_remedy(case, cmd.effective_on, False),
    )
    event = DecisionRevoked(
        case_id=case.case_id,
        occurred_at=now,
        document_number=decision.document_number,
        source=cmd.source,
        reason=cmd.reason,
        source_document=cmd.source_document,
        revoked_on=cmd.effective_on,
        withdraw_publication_by=withdraw_by,
        refund_fen=case.fine_paid_fen,
        revision=new.decision_revision,
    )
    return Transition(new, (event,))


def change(case: Case, cmd: Change, *, now: datetime, calendar: WorkingDays) -> Transition:
    """变更 the decision. It may not make the penalty heavier: a reconsideration body may not change to the
    applicant's disadvantage (行政复议法 第六十三条第二款), a court may not add to the plaintiff's burden
    (行政诉讼法 第七十七条第二款), unless a third party with a contrary claim asked for it; a body correcting
    itself must revoke and go through the procedure again (notice included) to impose more."""
    # A change reaches the party as a new document; before the original was delivered the body revokes it.
    _require_state(case, CORRECTABLE - {CaseState.DECIDED}, "变更决定")
    today = deadlines.local_date(now)
    decision = _check_correction(case, cmd.source_document, cmd.reason, cmd.effective_on, today)
    if decision.outcome is DecisionOutcome.NO_PENALTY:
        raise ChangeHeavier(
            "不予行政处罚决定不能变更为处罚决定；须撤销后依法重新作出（行政处罚法 第四十四条）"
        )
    validate_penalty(cmd.penalty)
    current = case.current_penalty
    assert current is not None
    heavier = heavier_reasons(cmd.penalty, current)
    contrary = cmd.contrary_third_party_request and cmd.source is not CorrectionSource.SELF_CORRECTION
    if heavier and not contrary:
        raise ChangeHeavier(
            "变更不得加重当事人的处罚："
            + "；".join(heavier)
            + "（行政复议法 第六十三条第二款；行政诉讼法 第七十七条第二款）",
            extra={"reasons": list(heavier)},
        )
    paid = case.fine_paid_fen
    refund = max(paid - cmd.penalty.fine_fen, 0)
    withdraw_by = (
        deadlines.publication_withdrawal_deadline(cmd.effective_on, calendar) if case.published_on else None
    )
    record = CorrectionRecord(
        False, cmd.source, cmd.reason, cmd.source_document, cmd.effective_on, cmd.penalty, withdraw_by
    )
    changes: dict[str, Any] = {
        "state": CaseState.CHANGED,
        "corrections": (*case.corrections, record),
        "remedies": _close_open_remedy(case, cmd.effective_on, False),
    }
    if cmd.penalty.fine_fen > paid and case.delivery is not None and case.payment_due is None:
        # The original decision had no fine (or it was paid); a fine imposed by the change is due 15 days
        # after the changing decision reaches the party.
        changes["payment_due"] = deadlines.payment_deadline(cmd.effective_on, calendar)
    new = _next(case, **changes)
    event = DecisionChanged(
        case_id=case.case_id,
        occurred_at=now,
        document_number=decision.document_number,
        source=cmd.source,
        reason=cmd.reason,
        source_document=cmd.source_document,
        changed_on=cmd.effective_on,
        kinds=_kinds(cmd.penalty),
        fine_fen=cmd.penalty.fine_fen,
        withdraw_publication_by=withdraw_by,
        refund_fen=refund,
        revision=new.decision_revision,
    )
    return Transition(new, (event,))


def record_publication(case: Case, cmd: RecordPublication, *, now: datetime) -> Transition:
    """The decision was published (公示, seed 003), or is exempt from publication with a stated reason."""
    _require_state(case, CORRECTABLE, "记录公示")
    today = deadlines.local_date(now)
    decision = case.decision
    assert decision is not None
    if cmd.published_on is None:
        _require_text(cmd.exempt_reason, "不予公示的理由")
    else:
        _check_date(cmd.published_on, today, "公示日期", decision.decided_on, "决定日期")
    new = _next(case, published_on=cmd.published_on, publication_exempt_reason=cmd.exempt_reason)
    events: list[DomainEvent] = [
        PublicationRecorded(
            case_id=case.case_id,
            occurred_at=now,
            published_on=cmd.published_on,
            exempt_reason=cmd.exempt_reason,
        )
    ]
    if (
        decision.publish_by is not None
        and cmd.published_on is not None
        and cmd.published_on > decision.publish_by
    ):
        events.append(_missed(case, now, DeadlineKind.PUBLICATION, decision.publish_by, cmd.published_on))
    return Transition(new, tuple(events))


def close(case: Case, cmd: Close, *, now: datetime) -> Transition:
    """结案. Before a decision only with a reason that ends the case (撤销立案, 移送司法机关, 终止); after it
    once nothing is left to perform, the decision was revoked, or the fine went to court enforcement."""
    today = deadlines.local_date(now)
    _require_text(cmd.note, "结案说明")
    reason = cmd.reason
    pre = {ClosureReason.NOT_ESTABLISHED, ClosureReason.REFERRED_TO_JUDICIARY, ClosureReason.TERMINATED}
    if reason in pre:
        _require_state(case, PRE_NOTICE, "以该理由结案")
    elif reason is ClosureReason.REVOKED:
        _require_state(case, {CaseState.REVOKED}, "以撤销为由结案")
    elif reason is ClosureReason.ENFORCEMENT_BY_COURT:
        _require_state(case, {CaseState.DELIVERED, CaseState.CHANGED}, "以申请法院强制执行为由结案")
        if case.fine_outstanding_fen == 0:
            raise InvalidTransition("本案没有尚欠的罚款，无须申请强制执行")
    else:  # PERFORMED
        _require_state(
            case, {CaseState.DELIVERED, CaseState.EXECUTED, CaseState.CHANGED}, "以执行完毕为由结案"
        )
        decision = case.decision
        assert decision is not None
        if case.fine_outstanding_fen:
            raise FineOutstanding(f"尚欠罚款{format_yuan(case.fine_outstanding_fen)}元，不能以执行完毕结案")
        if case.state is CaseState.DELIVERED and decision.outcome is DecisionOutcome.PENALTY:
            raise InvalidTransition("处罚决定尚未执行完毕，请先记录缴款或者执行情况")
    new = _next(case, state=CaseState.CLOSED, closure=ClosureRecord(reason, cmd.note, today))
    event = CaseClosed(case_id=case.case_id, occurred_at=now, reason=reason, closed_on=today)
    return Transition(new, (event,))


# --------------------------------------------------------------------------------------------------------
# Dispatcher
# --------------------------------------------------------------------------------------------------------

_Handler = Callable[[Case, Any, datetime, WorkingDays], Transition]

_HANDLERS: dict[type[Any], _Handler] = {
    StartInvestigation: lambda c, m, n, cal: start_investigation(c, m, now=n),
    RecordAssessment: lambda c, m, n, cal: record_assessment(c, m, now=n),
    Notify: lambda c, m, n, cal: notify(c, m, now=n, calendar=cal),
    RecordStatement: lambda c, m, n, cal: record_statement(c, m, now=n),
    ReviewStatements: lambda c, m, n, cal: review_statements(c, m, now=n),
    WaiveRights: lambda c, m, n, cal: waive_rights(c, m, now=n),
    RequestHearing: lambda c, m, n, cal: request_hearing(c, m, now=n),
    ScheduleHearing: lambda c, m, n, cal: schedule_hearing(c, m, now=n, calendar=cal),
    RecordHearing: lambda c, m, n, cal: record_hearing(c, m, now=n),
    WithdrawHearing: lambda c, m, n, cal: withdraw_hearing(c, m, now=n),
    RecordLegalReview: lambda c, m, n, cal: record_legal_review(c, m, now=n),
    RecordCollectiveDiscussion: lambda c, m, n, cal: record_collective_discussion(c, m, now=n),
    ExtendTimeLimit: lambda c, m, n, cal: extend_time_limit(c, m, now=n),
    Decide: lambda c, m, n, cal: decide(c, m, now=n, calendar=cal),
    DecideNoPenalty: lambda c, m, n, cal: decide_no_penalty(c, m, now=n, calendar=cal),
    Deliver: lambda c, m, n, cal: deliver(c, m, now=n, calendar=cal),
    GrantDeferral: lambda c, m, n, cal: grant_deferral(c, m, now=n),
    RecordPayment: lambda c, m, n, cal: record_payment(c, m, now=n),
    RecordExecution: lambda c, m, n, cal: record_execution(c, m, now=n),
    FileRemedy: lambda c, m, n, cal: file_remedy(c, m, now=n),
    ConcludeRemedy: lambda c, m, n, cal: conclude_remedy(c, m, now=n),
    Revoke: lambda c, m, n, cal: revoke(c, m, now=n, calendar=cal),
    Change: lambda c, m, n, cal: change(c, m, now=n, calendar=cal),
    RecordPublication: lambda c, m, n, cal: record_publication(c, m, now=n),
    Close: lambda c, m, n, cal: close(c, m, now=n),
}


def handle(case: Case, command: Command, *, now: datetime, calendar: WorkingDays) -> Transition:
    """Apply any command to ``case``; the single entry point for the service layer."""
    handler = _HANDLERS.get(type(command))
    if handler is None:  # pragma: no cover - the Command union and the table are kept in step by a test
        raise TypeError(f"unknown command {type(command).__name__}")
    if case.state is CaseState.CLOSED:
        raise InvalidTransition("案件已结案，不能再办理任何程序", extra={"state": case.state.value})
    return handler(case, command, now, calendar)
