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

from services.common.dates import cn_date
from services.common.errors import DomainError
from services.common.money import format_yuan
from services.common.workdays import PENDING_NOTE, WorkingDayCalendar
from services.credit_repair.domain.publication import Classification, CleanupReason, Decision, Window
from services.credit_repair.domain.rules import PenaltyKind, RuleSet
from services.credit_repair.errors import (
    RepairApplicationMismatch,
    RepairCommitmentMissing,
    RepairDuplicate,
    RepairFineUnpaid,
    RepairNeverEarly,
    RepairNewViolation,
    RepairNotCorrected,
    RepairNotPublished,
    RepairRefused,
    RepairRepeatBarred,
    RepairTooEarly,
    ReviewDateInvalid,
    ReviewReasonRequired,
)

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
    message_en: str = ""

    @classmethod
    def of(cls, error: type[DomainError], message: str, message_en: str) -> Refusal:
        return cls(error.code, message, message_en)


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
            f"修复申请 {application.application_id} 不属于处罚信息 {record.record_id} 或其信用主体",
            detail_en=(
                f"Repair application {application.application_id} does not belong to record "
                f"{record.record_id} or its subject"
            ),
        )
    window = record.window
    if not record.is_published_on(today) or window is None:
        return Eligibility(False, (_not_published(record.decision),), None, rule_set.id)
    same_kind = _same_kind(record.decision, other_decisions)
    found = (
        _duplicate(application, open_application_ids),
        _period_served(record, window, today),
        _fine_paid(record),
        _violation_corrected(application),
        _no_new_violation(record.decision, same_kind, today),
        _no_repeat_bar(record.decision, same_kind, today, rule_set),
        _commitment_made(application),
    )
    refusals = tuple(r for r in found if r is not None)
    return Eligibility(not refusals, refusals, window.earliest_repair_date, rule_set.id)


def _not_published(decision: Decision) -> Refusal:
    return Refusal.of(
        RepairNotPublished,
        f"处罚决定 {decision.decision_no} 的信息目前未在公示中，无需申请信用修复",
        f"Penalty decision {decision.decision_no} is not published now; there is nothing to repair",
    )


def _duplicate(application: RepairApplication, open_application_ids: Collection[str]) -> Refusal | None:
    if not any(i != application.application_id for i in open_application_ids):
        return None
    return Refusal.of(
        RepairDuplicate,
        "该处罚信息已有正在办理的信用修复申请，请等待办理结果",
        "An application to repair this record is already open; wait for its result",
    )


def _period_served(record: CreditRecord, window: Window, today: date) -> Refusal | None:
    if not window.early_end_allowed:
        kinds = sorted(record.classification.never_early_kinds, key=list(PenaltyKind).index)
        names = "、".join(k.label for k in kinds)
        return Refusal.of(
            RepairNeverEarly,
            f"因受到{names}处罚，依照《市场监督管理行政处罚信息公示规定》第十四条不得提前停止公示，"
            f"将于{cn_date(window.maximum_end)}届满最长公示期后自动停止公示",
            f"Penalised with {', '.join(k.value for k in kinds)}: under article 14 of the SAMR rules on "
            f"publishing penalty information the publication never ends early; it ends by itself on "
            f"{window.maximum_end.isoformat()}, when its maximum period has run",
        )
    if today < window.minimum_end:
        # 《信用修复管理办法》: 最短公示期届满后，信用主体方可申请信用修复
        return Refusal.of(
            RepairTooEarly,
            f"最短公示期尚未届满，自{cn_date(window.minimum_end)}起方可申请信用修复",
            f"The minimum publication period has not been served: repair may be applied for from "
            f"{window.minimum_end.isoformat()}",
        )
    return None


def _fine_paid(record: CreditRecord) -> Refusal | None:
    if record.fine_outstanding_fen <= 0:
        return None
    fine, outstanding = format_yuan(record.decision.fine_fen), format_yuan(record.fine_outstanding_fen)
    return Refusal.of(
        RepairFineUnpaid,
        f"罚款{fine}元尚有{outstanding}元未缴纳，行政处罚决定须全部履行完毕",
        f"{outstanding} yuan of the fine of {fine} yuan is unpaid; the penalty decision must be fully performed",
    )


def _violation_corrected(application: RepairApplication) -> Refusal | None:
    if application.violation_corrected:
        return None
    return Refusal.of(
        RepairNotCorrected,
        "请先纠正失信行为并提交已纠正的证明材料",
        "Correct the failing first and submit evidence of the correction",
    )


def _same_kind(decision: Decision, other_decisions: Sequence[OtherDecision]) -> list[OtherDecision]:
    return [
        d
        for d in other_decisions
        if decision.violation_kind
        and d.violation_kind == decision.violation_kind
        and d.decision_no != decision.decision_no
    ]


def _no_new_violation(decision: Decision, same_kind: Sequence[OtherDecision], today: date) -> Refusal | None:
    since = sorted(
        (d for d in same_kind if decision.decision_date < d.decision_date <= today),
        key=lambda d: d.decision_date,
    )
    if not since:
        return None
    # 总局令第45号 第十四条(三); SPEC.md §4 for every department
    return Refusal.of(
        RepairNewViolation,
        f"{cn_date(since[0].decision_date)}又因同一类违法行为受到行政处罚（{since[0].decision_no}）",
        f"Penalised again for the same kind of violation on {since[0].decision_date.isoformat()} "
        f"({since[0].decision_no})",
    )


def _no_repeat_bar(
    decision: Decision, same_kind: Sequence[OtherDecision], today: date, rule_set: RuleSet
) -> Refusal | None:
    bar = rule_set.repeat_violation_bar
    if bar is None or not decision.violation_kind:
        return None
    window_start = _months_before(today, bar.window_months)
    dated = [decision.decision_date, *(d.decision_date for d in same_kind)]
    count = sum(1 for day in dated if window_start < day <= today)
    if count < bar.min_decisions:
        return None
    return Refusal.of(
        RepairRepeatBarred,
        f"近{bar.window_months}个月内因同一类违法行为受到{count}次行政处罚，按规定暂不得申请信用修复",
        f"{count} penalties for the same kind of violation in the last {bar.window_months} months: "
        "repair may not be applied for now",
    )


def _commitment_made(application: RepairApplication) -> Refusal | None:
    if application.commitment_signed:
        return None
    return Refusal.of(
        RepairCommitmentMissing,
        "请签署并公开作出信用承诺（信用承诺书）",
        "Sign and publish a credit commitment (信用承诺书)",
    )


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
            detail_en=first.message_en,
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
    """Last days (inclusive) for each step, in statutory working days from receipt.

    A deadline is None while it runs into ``pending_year``, a year whose holiday arrangement has not been
    entered: the application is still received (it is the party's right, 国办发〔2025〕22号), nothing is
    guessed, and entering the year computes it (use_cases.calendar_deadlines)."""

    received_on: date
    acceptance_due: date | None
    decision_due: date | None
    window_due: date | None  # 信用中国 feeds the result back to the applicant
    extended: bool = False
    pending_year: int | None = None


def pending_note(year: int | None) -> str | None:
    """What an application's reader is told while its deadlines wait for ``year``'s holiday arrangement."""
    return None if year is None else f"{year}年{PENDING_NOTE}"


def _due(calendar: WorkingDayCalendar, start: date | None, days: int) -> tuple[date | None, int | None]:
    """``days`` working days after ``start``, or (None, the uncovered year) when the calendar stops short."""
    return (None, None) if start is None else calendar.add_working_days_or_pending(start, days)


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
    A deadline that runs into a year without a holiday arrangement is None, that year ``pending_year``
    (the decision deadline too while it is counted from an unknown acceptance deadline).
    """
    review = rule_set.review
    acceptance_due, acceptance_year = _due(calendar, received_on, review.department_acceptance_working_days)
    decision_days = review.department_decision_working_days
    if extended:
        decision_days += review.department_extension_working_days
    decision_due, decision_year = _due(calendar, accepted_on or acceptance_due, decision_days)
    window_due, window_year = _due(calendar, received_on, review.window_working_days)
    years = [y for y in (acceptance_year, decision_year, window_year) if y is not None]
    return ReviewDeadlines(
        received_on=received_on,
        acceptance_due=acceptance_due,
        decision_due=decision_due,
        window_due=window_due,
        extended=extended,
        pending_year=min(years) if years else None,
    )


def overdue_stage(
    deadlines: ReviewDeadlines,
    today: date,
    *,
    accepted_on: date | None = None,
    decided_on: date | None = None,
) -> ReviewStage | None:
    """The step that is overdue today, or None (nothing overdue, already decided, or its deadline pending)."""
    if decided_on is not None:
        return None
    acceptance_due, decision_due = deadlines.acceptance_due, deadlines.decision_due
    if accepted_on is None and acceptance_due is not None and today > acceptance_due:
        return ReviewStage.ACCEPTANCE
    if decision_due is not None and today > decision_due:
        return ReviewStage.DECISION
    return None


def kept_deadline(decided_on: date, deadlines: ReviewDeadlines) -> bool | None:
    """Whether a decision of ``decided_on`` kept the decision deadline; None while that deadline is pending."""
    return None if deadlines.decision_due is None else decided_on <= deadlines.decision_due


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    application_id: str
    outcome: ReviewOutcome
    reasons: tuple[str, ...]
    decided_on: date
    on_time: bool | None  # None while the decision deadline is pending
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
            f"审核日期{cn_date(decided_on)}早于申请日期{cn_date(application.submitted_on)}",
            detail_en=(
                f"The review date {decided_on.isoformat()} is before the application date "
                f"{application.submitted_on.isoformat()}"
            ),
        )
    cleaned = tuple(r.strip() for r in reasons if r.strip())
    kept = kept_deadline(decided_on, deadlines)
    if outcome is ReviewOutcome.REJECTED:
        if not cleaned:
            raise ReviewReasonRequired(
                "不予修复的，应当书面说明理由", detail_en="A rejection must state its reasons in writing"
            )
        return ReviewDecision(application.application_id, outcome, cleaned, decided_on, kept, None, None)
    if eligibility is None or not eligibility.eligible:
        codes = "、".join(eligibility.codes) if eligibility is not None else "未经核验"
        codes_en = ", ".join(eligibility.codes) if eligibility is not None else "not checked"
        raise RepairRefused(
            f"申请 {application.application_id} 不符合信用修复条件（{codes}），不能予以修复",
            detail_en=(
                f"Application {application.application_id} does not meet the conditions of credit repair "
                f"({codes_en}) and cannot be accepted"
            ),
            errors=[
                {"code": r.code, "detail": r.message} for r in (eligibility.refusals if eligibility else ())
            ],
        )
    return ReviewDecision(
        application.application_id,
        outcome,
        cleaned,
        decided_on,
        kept,
        decided_on,
        CleanupReason.REPAIRED,
    )
