"""Classing a penalty decision, its publication window, and the 信用松绑 clean-up reasons.

Periods count from the date of the decision document: 《信用修复管理办法》 (国家发展改革委令2025年第36号)
counts 公示期限 from the day the judicial or administrative document makes its finding ("自司法、行政公务文书
认定之日起开始计算"), and SPEC.md §4 says the same.

Month arithmetic (``services.common.dates.add_months``). A period of N months from a decision dated D ends
on the same day-of-month N months later; when that month is shorter, on its last day (end-of-month clamping): 31 August + 3 months is 30 November,
29 February 2028 + 12 months is 28 February 2029. This is the rule of 民法典 第二百零二条 (the corresponding
day of the final month, or its last day when there is none) and what a person counting on a calendar does.
Clamping is applied once, from D, never month by month (31 Aug + 6 months is 28/29 Feb, not 28 Feb clamped
again and carried forward), so every end date depends only on D and N.

The decision day itself is day one of the period (自…之日起): publication runs on the half-open interval
[D, D + N months). So:
- ``minimum_end`` = D + minimum months is the first day on which the minimum period has been served and the
  subject may apply for repair ("最短公示期届满后，信用主体方可…申请信用修复");
- ``maximum_end`` = D + maximum months is the first day on which the record is no longer published
  ("最长公示期届满后，相关信息自动停止公示"): the daily sweep ends it on that day.
Reading 民法典 第二百零一条 instead (the first day not counted, the period ending at 24:00 of D + N months)
would move both dates one day later; the reading here is the one more favourable to the credit subject and
matches the project's worked examples (31 August + 3 months = 30 November).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.common.dates import add_months
from services.common.money import format_yuan
from services.credit_repair.domain.rules import (
    CreditClass,
    PartyKind,
    PenaltyKind,
    ProcedureKind,
    RuleSet,
)
from services.credit_repair.errors import DecisionInvalid

_RESTRICTIONS = frozenset({PenaltyKind.RESTRICT_OPERATIONS, PenaltyKind.EMPLOYMENT_BAN})


@dataclass(frozen=True, slots=True)
class Decision:
    """The facts of a penalty decision that the credit rules look at (from ``penalty.decision.issued``)."""

    decision_no: str
    decision_date: date
    party_kind: PartyKind
    procedure: ProcedureKind
    kinds: frozenset[PenaltyKind]
    fine_fen: int = 0
    department_serious: bool = False  # the deciding department marks the failing serious
    department_domain: str = ""  # e.g. "market_regulation"; selects platforms and the early-end bar
    violation_kind: str = ""  # the kind of violation (e.g. benchmark item), for "same kind since" checks
    restriction_months: int | None = None  # length of 限制开展生产经营活动 / 限制从业, if any

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []  # (Chinese, English)
        if not self.kinds:
            problems.append(("未列明处罚种类", "no kind of penalty is named"))
        if self.fine_fen < 0:
            problems.append(("罚款金额不能为负数", "the fine cannot be negative"))
        if PenaltyKind.FINE in self.kinds and self.fine_fen == 0:
            problems.append(("处罚种类含罚款但罚款金额为0", "a fine is named but its amount is 0"))
        if PenaltyKind.FINE not in self.kinds and self.fine_fen > 0:
            problems.append(("罚款金额大于0但处罚种类不含罚款", "a fine amount above 0 but no fine is named"))
        if self.restriction_months is not None and self.restriction_months <= 0:
            problems.append(("限制期限应为正数个月", "a restriction must last a positive number of months"))
        if problems:
            raise DecisionInvalid(
                f"处罚决定 {self.decision_no}：{'；'.join(zh for zh, _ in problems)}",
                detail_en=f"Penalty decision {self.decision_no}: {'; '.join(en for _, en in problems)}",
                errors=[{"msg": zh} for zh, _ in problems],
            )


@dataclass(frozen=True, slots=True)
class Classification:
    """The class of a decision under one rule set and whether, and for how long, it is published."""

    credit_class: CreditClass
    published: bool
    reason: str  # Chinese, shown to the enterprise in the notice
    rule_set_id: str
    min_months: int | None = (
        None  # None: no minimum (unpublished, or 轻微 repairable once obligations are met)
    )
    max_months: int | None = None  # None when unpublished
    never_early: bool = False
    never_early_kinds: frozenset[PenaltyKind] = frozenset()
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Window:
    """The publication window: [start, maximum_end), repairable from minimum_end unless never_early."""

    start: date
    minimum_end: date
    maximum_end: date
    early_end_allowed: bool = True

    @property
    def earliest_repair_date(self) -> date | None:
        return self.minimum_end if self.early_end_allowed else None

    def is_published_on(self, day: date) -> bool:
        return self.start <= day < self.maximum_end


def format_months(months: int) -> str:
    """12 -> '1年', 36 -> '3年', 3 -> '3个月', 18 -> '18个月'."""
    if months % 12 == 0:
        return f"{months // 12}年"
    return f"{months}个月"


@dataclass(frozen=True, slots=True)
class _Ground:
    credit_class: CreditClass
    text: str


def _grounds(decision: Decision, rule_set: RuleSet) -> list[_Ground]:
    rules = rule_set.classification
    grounds: list[_Ground] = []
    if decision.department_serious:
        grounds.append(_Ground(rules.department_serious_class, "作出处罚决定的部门认定属于严重失信情形"))
    simple_kinds = {PenaltyKind.FINE, PenaltyKind.WARNING, PenaltyKind.CIRCULATED_CRITICISM}
    if decision.procedure is ProcedureKind.SIMPLE and decision.kinds & simple_kinds:
        grounds.append(_Ground(rules.simple_procedure_class, "适用简易程序作出的行政处罚"))
    for kind in sorted(decision.kinds, key=list(PenaltyKind).index):
        if decision.procedure is ProcedureKind.SIMPLE and kind in simple_kinds:
            continue
        if kind is PenaltyKind.FINE:
            grounds.append(_fine_ground(decision, rule_set))
        else:
            grounds.append(_Ground(rules.class_of_kind(kind), f"处以{kind.label}"))
    return grounds


def _fine_ground(decision: Decision, rule_set: RuleSet) -> _Ground:
    rules = rule_set.classification
    party = decision.party_kind.label
    amount = format_yuan(decision.fine_fen)
    serious = rules.serious_threshold(decision.party_kind)
    if serious is not None and decision.fine_fen >= serious.amount_fen:
        return _Ground(
            CreditClass.SERIOUS,
            f"对{party}处以罚款{amount}元，达到巨额罚款标准{format_yuan(serious.amount_fen)}元",
        )
    minor = rules.minor_threshold(decision.party_kind)
    bound = f"{format_yuan(minor.amount_fen)}元（{'含' if minor.inclusive else '不含'}本数）"
    if minor.covers(decision.fine_fen):
        return _Ground(CreditClass.MINOR, f"对{party}处以罚款{amount}元，属于{bound}以下的较低数额罚款")
    return _Ground(CreditClass.GENERAL, f"对{party}处以罚款{amount}元，不属于{bound}以下的较低数额罚款")


def classify(decision: Decision, rule_set: RuleSet) -> Classification:
    """Class a decision (the most severe class among its penalties wins) and decide its publication."""
    grounds = _grounds(decision, rule_set)
    credit_class = max((g.credit_class for g in grounds), key=lambda c: c.rank)
    # Name only the grounds that put the decision in its class: a fine does not explain a revocation.
    decisive = "；".join(dict.fromkeys(g.text for g in grounds if g.credit_class is credit_class))
    label = f"属于{credit_class.label}失信信息"
    platforms = rule_set.publication.platforms.for_domain(decision.department_domain)

    if credit_class is CreditClass.MINOR:
        minor = rule_set.publication.minor
        if not minor.published:
            # 国办发〔2025〕22号 二；《信用修复管理办法》: 轻微失信信息原则上不予公示
            return Classification(
                credit_class=credit_class,
                published=False,
                reason=f"{decisive}，{label}，依照规则集 {rule_set.id} 不予公示",
                rule_set_id=rule_set.id,
            )
        return Classification(
            credit_class=credit_class,
            published=True,
            reason=(
                f"{decisive}，{label}，依照规则集 {rule_set.id} 公示，公示期最长{format_months(minor.max_months)}，"
                "法定责任义务履行完毕即可申请信用修复"
            ),
            rule_set_id=rule_set.id,
            min_months=None,
            max_months=minor.max_months,
            platforms=platforms,
        )

    period = rule_set.period(credit_class)
    assert period is not None  # general and serious always have one
    max_months = period.max_months
    extension = ""
    if (
        rule_set.publication.restriction_extends_maximum
        and decision.restriction_months is not None
        and decision.kinds & _RESTRICTIONS
        and decision.restriction_months > max_months
    ):
        # 总局令第45号 第十三条第三款: 限制开展生产经营活动、限制从业超过三年的，公示期按照实际限制期限执行
        max_months = decision.restriction_months
        extension = f"（限制期限{format_months(max_months)}长于最长公示期，按实际限制期限公示）"
    barred = rule_set.early_end.bars(decision.kinds, decision.department_domain)
    early = ""
    if barred:
        names = "、".join(k.label for k in sorted(barred, key=list(PenaltyKind).index))
        early = f"；因受到{names}处罚，不得提前停止公示"
    return Classification(
        credit_class=credit_class,
        published=True,
        reason=(
            f"{decisive}，{label}，依法公示，最短公示期{format_months(period.min_months)}，"
            f"最长公示期{format_months(max_months)}{extension}{early}"
        ),
        rule_set_id=rule_set.id,
        min_months=period.min_months,
        max_months=max_months,
        never_early=bool(barred),
        never_early_kinds=barred,
        platforms=platforms,
    )


def publication_window(
    decision_date: date, classification: Classification, rule_set: RuleSet
) -> Window | None:
    """The publication window counted from the decision date; None for an unpublished decision."""
    if not classification.published or classification.max_months is None:
        return None
    if classification.rule_set_id != rule_set.id:
        raise ValueError(f"classification was made under {classification.rule_set_id}, not {rule_set.id}")
    minimum_end = add_months(decision_date, classification.min_months or 0)
    return Window(
        start=decision_date,
        minimum_end=minimum_end,
        maximum_end=add_months(decision_date, classification.max_months),
        early_end_allowed=not classification.never_early,
    )


# --- 信用松绑 clean-up ----------------------------------------------------------------------------


class DecisionStatus(StrEnum):
    """Legal status of the decision behind a record (行政处罚法 第四十八条第二款)."""

    IN_FORCE = "in_force"
    REVOKED = "revoked"  # 撤销
    CHANGED = "changed"  # 变更 (the changed decision is published as its own record)
    CONFIRMED_ILLEGAL = "confirmed_illegal"  # 确认违法
    CONFIRMED_VOID = "confirmed_void"  # 确认无效


class CleanupReason(StrEnum):
    """Why a clean-up run ends a publication. Declaration order is the precedence when several apply.

    Facts about this very decision come first (its legal status, then a completed repair), then time
    (the maximum period under the record's own or the current rules), then reclassification under the
    current rules, from the broadest ground to the narrowest (procedure, then kind, then amount).
    Seed 000 lists the same groups: 简易程序, 警告, 通报批评, 企业5万元以下罚款, 超公示期限,
    依法变更撤销、确认违法无效, 已完成信用修复. ``reclassified`` covers a decision that the current
    rules make unpublished on another ground (e.g. a kind a region maps to 轻微).
    """

    REVOKED = "revoked"
    REPAIRED = "repaired"
    EXPIRED = "expired"
    SIMPLE_PROCEDURE = "simple_procedure"
    WARNING = "warning"
    CIRCULATED_CRITICISM = "circulated_criticism"
    SMALL_FINE = "small_fine"
    RECLASSIFIED = "reclassified"

    @property
    def label(self) -> str:
        return _CLEANUP_LABELS[self]


_CLEANUP_LABELS = {
    CleanupReason.REVOKED: "处罚决定被依法变更、撤销或确认违法、无效",
    CleanupReason.REPAIRED: "已完成信用修复",
    CleanupReason.EXPIRED: "超过公示期限",
    CleanupReason.SIMPLE_PROCEDURE: "适用简易程序作出的处罚",
    CleanupReason.WARNING: "警告",
    CleanupReason.CIRCULATED_CRITICISM: "通报批评",
    CleanupReason.SMALL_FINE: "较低数额罚款",
    CleanupReason.RECLASSIFIED: "按现行规则不予公示",
}

CLEANUP_PRECEDENCE: tuple[CleanupReason, ...] = tuple(CleanupReason)


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """An active publication as the clean-up sees it."""

    decision: Decision
    decision_status: DecisionStatus = DecisionStatus.IN_FORCE
    repaired_on: date | None = None  # a repair was accepted on that day
    published_until: date | None = None  # maximum_end stored when publication started (rules then in force)


def cleanup_reasons(
    record: PublishedRecord, current_rule_set: RuleSet, today: date
) -> frozenset[CleanupReason]:
    """Every clean-up reason that applies to an active publication today under the current rules."""
    reasons: set[CleanupReason] = set()
    decision = record.decision
    if record.decision_status is not DecisionStatus.IN_FORCE:
        # 行政处罚法 第四十八条第二款: 三日内撤回
        reasons.add(CleanupReason.REVOKED)
    if record.repaired_on is not None and record.repaired_on <= today:
        reasons.add(CleanupReason.REPAIRED)
    if record.published_until is not None and today >= record.published_until:
        reasons.add(CleanupReason.EXPIRED)

    current = classify(decision, current_rule_set)
    window = publication_window(decision.decision_date, current, current_rule_set)
    if window is not None and today >= window.maximum_end:
        reasons.add(CleanupReason.EXPIRED)
    if not current.published:
        grounds: set[CleanupReason] = set()
        if decision.procedure is ProcedureKind.SIMPLE:
            grounds.add(CleanupReason.SIMPLE_PROCEDURE)
        if PenaltyKind.WARNING in decision.kinds:
            grounds.add(CleanupReason.WARNING)
        if PenaltyKind.CIRCULATED_CRITICISM in decision.kinds:
            grounds.add(CleanupReason.CIRCULATED_CRITICISM)
        threshold = current_rule_set.classification.minor_threshold(decision.party_kind)
        if PenaltyKind.FINE in decision.kinds and threshold.covers(decision.fine_fen):
            grounds.add(CleanupReason.SMALL_FINE)
        reasons |= grounds or {CleanupReason.RECLASSIFIED}
    return frozenset(reasons)


def end_reason_for_cleanup(
    record: PublishedRecord, current_rule_set: RuleSet, today: date
) -> CleanupReason | None:
    """The one reason a clean-up run records for ending this publication, or None to keep it.

    The reference implementation (oracle) for the service's set-based SQL: first reason in
    ``CLEANUP_PRECEDENCE`` among ``cleanup_reasons``.
    """
    reasons = cleanup_reasons(record, current_rule_set, today)
    for reason in CLEANUP_PRECEDENCE:
        if reason in reasons:
            return reason
    return None
