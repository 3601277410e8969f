"""Credit repair applications: eligibility, the review and its working-day deadlines.

Conditions (国家发展改革委令2025年第36号《信用修复管理办法》, as released 2025-11-26): the subject may apply
when (一) the minimum publication period has been reached, (二) the failing has been corrected and the
obligations of the penalty fully performed, (三) a public credit commitment has been made, and (四) any other
condition of laws, administrative regulations and departmental rules is met. Among the latter, for market
regulation, 总局令第45号 第十四条: obligations performed, harm removed, no new penalty for the same kind of
violation, not on the abnormal-operation or serious-violation lists; and some penalties never end early.
SPEC.md §4 applies the "same kind since" condition to every department.

Checks run in a fixed order and ``check_eligibility`` raises the first failure, carrying all of them in
``errors`` so the applicant learns everything that is missing at once.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.common.errors import BadRequest, Conflict, DomainError
from services.common.money import format_yuan
from services.common.workdays import WorkingDayCalendar
from services.credit_repair.domain.publication import (
    Classification,
    CleanupReason,
    Decision,
    Window,
    cn_date,
)
from services.credit_repair.domain.rules import PenaltyKind, RuleSet

# --- errors ---------------------------------------------------------------------------------------


class RepairRefused(Conflict):
    code = "REPAIR_REFUSED"
    title = "不符合信用修复条件"
    title_en = "Not eligible for credit repair"


class RepairNotPublished(RepairRefused):
    code = "REPAIR_NOT_PUBLISHED"
    title = "该处罚信息未在公示中，无需信用修复"
    title_en = "The record is not published; there is nothing to repair"


class RepairDuplicate(RepairRefused):
    code = "REPAIR_DUPLICATE"
    title = "该处罚信息已有正在办理的信用修复申请"
    title_en = "An open repair application already exists for this record"


class RepairNeverEarly(RepairRefused):
    code = "REPAIR_NEVER_EARLY"
    title = "该处罚信息不得提前停止公示"
    title_en = "This record can never end publication early"


class RepairTooEarly(RepairRefused):
    code = "REPAIR_TOO_EARLY"
    title = "最短公示期尚未届满"
    title_en = "The minimum publication period has not been served"


class RepairFineUnpaid(RepairRefused):
    code = "REPAIR_FINE_UNPAID"
    title = "罚款尚未缴清"
    title_en = "The fine has not been paid in full"


class RepairNotCorrected(RepairRefused):
    code = "REPAIR_NOT_CORRECTED"
    title = "失信行为尚未纠正"
    title_en = "The violation has not been corrected"


class RepairNewViolation(RepairRefused):
    code = "REPAIR_NEW_VIOLATION"
    title = "此后又因同一类违法行为受到行政处罚"
    title_en = "Penalised again for the same kind of violation since"


class RepairRepeatBarred(RepairRefused):
    code = "REPAIR_REPEAT_BARRED"
    title = "屡次违法，按规定暂不得申请信用修复"
    title_en = "Repeat violations bar repair for now"


class RepairCommitmentMissing(BadRequest):
    code = "REPAIR_COMMITMENT_MISSING"
    title = "未提交信用承诺书"
    title_en = "The credit commitment (信用承诺书) is missing"


class RepairApplicationMismatch(BadRequest):
    code = "REPAIR_APPLICATION_MISMATCH"
    title = "修复申请与处罚信息不对应"
    title_en = "The application does not belong to this record"


class ReviewReasonRequired(BadRequest):
    code = "REPAIR_REJECTION_REASON_REQUIRED"
    title = "不予修复应当说明理由"
    title_en = "A rejection must state its reasons"


class ReviewDateInvalid(BadRequest):
    code = "REPAIR_REVIEW_DATE_INVALID"
    title = "审核日期早于申请日期"
    title_en = "The review date is before the application date"


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreditRecord:
    """A decision's credit record as the repair rules see it."""

    record_id: str
    subject_id: str  # USCC or masked ID number
    decision: Decision
    classification: Classification
    window: Window | None  # None when unpublished
    fine_paid_fen: int = 0  # from penalty.fine.paid
    publication_ended_on: date | None = None  # ended by expiry, revocation, repair or clean-up

    @property
    def fine_outstanding_fen(self) -> int:
        return max(0, self.decision.fine_fen - self.fine_paid_fen)

    def is_published_on(self, day: date) -> bool:
        if self.window is None or not self.classification.published:
            return False
        if self.publication_ended_on is not None and self.publication_ended_on <= day:
            return False
        return self.window.is_published_on(day)


@dataclass(frozen=True, slots=True)
class RepairApplication:
    application_id: str
    record_id: str
    subject_id: str
    submitted_on: date
    commitment_signed: bool  # 信用承诺书, made public
    violation_corrected: bool  # declared and evidenced by the applicant; the reviewer verifies


@dataclass(frozen=True, slots=True)
class OtherDecision:
    """Another penalty decision against the same subject (from the service's projection)."""

    decision_no: str
    decision_date: date
    violation_kind: str


# --- eligibility ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    refusals: tuple[Refusal, ...]
    earliest_repair_date: date | None
    rule_set_id: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.refusals)


_ORDER: tuple[type[DomainError], ...] = (
    RepairNotPublished,
    RepairDuplicate,
    RepairNeverEarly,
    RepairTooEarly,
    RepairFineUnpaid,
    RepairNotCorrected,
    RepairNewViolation,
    RepairRepeatBarred,
    RepairCommitmentMissing,
)
_BY_CODE = {cls.code: cls for cls in _ORDER}


def assess_eligibility(
    record: CreditRecord,
    application: RepairApplication,
    today: date,
    rule_set: RuleSet,
    *,
    open_application_ids: Collection[str] = (),
    other_decisions: Sequence[OtherDecision] = (),
) -> Eligibility:
    """Every condition the application fails today, in check order (empty when eligible)."""
    if application.record_id != record.record_id or application.subject_id != record.subject_id:
        raise RepairApplicationMismatch(
            f"修复申请 {application.application_id} 不属于处罚信息 {record.record_id} 或其信用主体"
        )
    refusals: list[Refusal] = []

    def refuse(cls: type[DomainError], message: str) -> None:
        refusals.append(Refusal(cls.code, message))

    decision = record.decision
    window = record.window
    if not record.is_published_on(today) or window is None:
        refuse(RepairNotPublished, f"处罚决定 {decision.decision_no} 的信息目前未在公示中，无需申请信用修复")
        return Eligibility(False, tuple(refusals), None, rule_set.id)

    if any(i != application.application_id for i in open_application_ids):
        refuse(RepairDuplicate, "该处罚信息已有正在办理的信用修复申请，请等待办理结果")

    if not window.early_end_allowed:
        names = "、".join(
            k.label for k in sorted(record.classification.never_early_kinds, key=list(PenaltyKind).index)
        )
        refuse(
            RepairNeverEarly,
            f"因受到{names}处罚，依照《市场监督管理行政处罚信息公示规定》第十四条不得提前停止公示，"
            f"将于{cn_date(window.maximum_end)}届满最长公示期后自动停止公示",
        )
    elif today < window.minimum_end:
        # 《信用修复管理办法》: 最短公示期届满后，信用主体方可申请信用修复
        refuse(
            RepairTooEarly,
            f"最短公示期尚未届满，自{cn_date(window.minimum_end)}起方可申请信用修复",
        )

    if record.fine_outstanding_fen > 0:
        refuse(
            RepairFineUnpaid,
            f"罚款{format_yuan(decision.fine_fen)}元尚有{format_yuan(record.fine_outstanding_fen)}元未缴纳，"
            "行政处罚决定须全部履行完毕",
        )
    if not application.violation_corrected:
        refuse(RepairNotCorrected, "请先纠正失信行为并提交已纠正的证明材料")

    same_kind = [
        d
        for d in other_decisions
        if decision.violation_kind
        and d.violation_kind == decision.violation_kind
        and d.decision_no != decision.decision_no
    ]
    since = sorted(
        (d for d in same_kind if decision.decision_date < d.decision_date <= today),
        key=lambda d: d.decision_date,
    )
    if since:
        # 总局令第45号 第十四条(三); SPEC.md §4 for every department
        refuse(
            RepairNewViolation,
            f"{cn_date(since[0].decision_date)}又因同一类违法行为受到行政处罚（{since[0].decision_no}）",
        )

    bar = rule_set.repeat_violation_bar
    if bar is not None and decision.violation_kind:
        window_start = _months_before(today, bar.window_months)
        dated = [decision.decision_date, *(d.decision_date for d in same_kind)]
        count = sum(1 for day in dated if window_start < day <= today)
        if count >= bar.min_decisions:
            refuse(
                RepairRepeatBarred,
                f"近{bar.window_months}个月内因同一类违法行为受到{count}次行政处罚，按规定暂不得申请信用修复",
            )

    if not application.commitment_signed:
        refuse(RepairCommitmentMissing, "请签署并公开作出信用承诺（信用承诺书）")

    earliest = window.earliest_repair_date
    return Eligibility(not refusals, tuple(refusals), earliest, rule_set.id)


def check_eligibility(
    record: CreditRecord,
    application: RepairApplication,
    today: date,
    rule_set: RuleSet,
    *,
    open_application_ids: Collection[str] = (),
    other_decisions: Sequence[OtherDecision] = (),
) -> Eligibility:
    """The eligibility of an application; raises the first failed condition, listing all in ``errors``."""
    result = assess_eligibility(
        record,
        application,
        today,
        rule_set,
        open_application_ids=open_application_ids,
        other_decisions=other_decisions,
    )
    if result.refusals:
        first = result.refusals[0]
        raise _BY_CODE[first.code](
            first.message,
            errors=[{"code": r.code, "detail": r.message} for r in result.refusals],
            extra={"record_id": record.record_id, "application_id": application.application_id},
        )
    return result


def _months_before(day: date, months: int) -> date:
    """The day ``months`` calendar months before ``day``, clamped to the end of a shorter month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last))


# --- review ---------------------------------------------------------------------------------------


class ReviewOutcome(StrEnum):
    ACCEPTED = "accepted"  # 予以修复
    REJECTED = "rejected"  # 不予修复


class ReviewStage(StrEnum):
    ACCEPTANCE = "acceptance"  # deciding whether to accept (受理)
    DECISION = "decision"  # giving the repair result


@dataclass(frozen=True, slots=True)
class ReviewDeadlines:
    """Last days (inclusive) for each step, in statutory working days from receipt."""

    received_on: date
    acceptance_due: date
    decision_due: date
    window_due: date  # 信用中国 feeds the result back to the applicant
    extended: bool = False


def review_deadlines(
    received_on: date,
    rule_set: RuleSet,
    calendar: WorkingDayCalendar,
    *,
    accepted_on: date | None = None,
    extended: bool = False,
) -> ReviewDeadlines:
    """Deadlines of a repair application received on ``received_on``.

    The decision period runs from acceptance; until the application is accepted it is counted from the
    last day allowed for accepting. ``extended`` adds the extension for complex cases (因案情复杂或需核查).
    Raises CALENDAR_NOT_COVERED when a deadline falls in a year without a holiday arrangement.
    """
    review = rule_set.review
    acceptance_due = calendar.add_working_days(received_on, review.department_acceptance_working_days)
    decision_days = review.department_decision_working_days
    if extended:
        decision_days += review.department_extension_working_days
    decision_due = calendar.add_working_days(accepted_on or acceptance_due, decision_days)
    return ReviewDeadlines(
        received_on=received_on,
        acceptance_due=acceptance_due,
        decision_due=decision_due,
        window_due=calendar.add_working_days(received_on, review.window_working_days),
        extended=extended,
    )


def overdue_stage(
    deadlines: ReviewDeadlines,
    today: date,
    *,
    accepted_on: date | None = None,
    decided_on: date | None = None,
) -> ReviewStage | None:
    """The step that is overdue today, or None (nothing overdue, or already decided)."""
    if decided_on is not None:
        return None
    if accepted_on is None and today > deadlines.acceptance_due:
        return ReviewStage.ACCEPTANCE
    if today > deadlines.decision_due:
        return ReviewStage.DECISION
    return None


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    application_id: str
    outcome: ReviewOutcome
    reasons: tuple[str, ...]
    decided_on: date
    on_time: bool
    publication_ends_on: date | None  # acceptance ends publication at once
    end_reason: CleanupReason | None


def decide_review(
    application: RepairApplication,
    outcome: ReviewOutcome,
    reasons: Sequence[str],
    decided_on: date,
    deadlines: ReviewDeadlines,
    *,
    eligibility: Eligibility | None = None,
) -> ReviewDecision:
    """A reviewer's accept or reject. Rejection states reasons; acceptance needs a passing eligibility check
    made at review time and ends publication the same day with reason ``repaired``."""
    if decided_on < application.submitted_on:
        raise ReviewDateInvalid(
            f"审核日期{cn_date(decided_on)}早于申请日期{cn_date(application.submitted_on)}"
        )
    cleaned = tuple(r.strip() for r in reasons if r.strip())
    on_time = decided_on <= deadlines.decision_due
    if outcome is ReviewOutcome.REJECTED:
        if not cleaned:
            raise ReviewReasonRequired("不予修复的，应当书面说明理由")
        return ReviewDecision(application.application_id, outcome, cleaned, decided_on, on_time, None, None)
    if eligibility is None or not eligibility.eligible:
        codes = "、".join(eligibility.codes) if eligibility is not None else "未经核验"
        raise RepairRefused(
            f"申请 {application.application_id} 不符合信用修复条件（{codes}），不能予以修复",
            errors=[
                {"code": r.code, "detail": r.message} for r in (eligibility.refusals if eligibility else ())
            ],
        )
    return ReviewDecision(
        application.application_id,
        outcome,
        cleaned,
        decided_on,
        on_time,
        decided_on,
        CleanupReason.REPAIRED,
    )
