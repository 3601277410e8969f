"""The working-day deadlines a decision starts, and what happens when the calendar does not cover them.

A decision starts two working-day periods: delivery within 7 working days (行政处罚法 第六十一条第一款,
第八十五条) and, for a general-procedure penalty decision, publication within 7 working days (seed 003,
沈法治办发〔2020〕7号 三（三）3). Both need the statutory holiday arrangement of the year they run into, which
the State Council publishes late in the preceding year.

Refusing the decision itself until an administrator enters that arrangement would be worse than the gap it
guards against: the body must decide within 90 days of filing (行政处罚法 第六十条), and a case filed in
late September reaches its limit in December. So the decision is issued; its uncovered deadlines are
``unknown`` with a reason (as the risk service's ``due_unknown``), listed for the administrator, and computed
as soon as the year's arrangement is entered (:func:`fill_in`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from services.common.workdays import CalendarNotCovered
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.records import DecisionRecord
from services.penalty.domain.procedure.vocabulary import DecisionOutcome, ProcedureKind


@dataclass(frozen=True, slots=True)
class DecisionDeadlines:
    delivery_due: date | None
    publish_by: date | None
    unknown_year: int | None = None  # the year whose arrangement is missing
    unknown_reason: str = ""


def compute(
    decided_on: date, calendar: WorkingDays, *, on_the_spot: bool, publish: bool
) -> DecisionDeadlines:
    """The delivery and publication deadlines of a decision of ``decided_on``, or both unknown with the
    reason when the statutory calendar does not cover the days they run over."""
    try:
        delivery = deadlines.delivery_deadline(decided_on, calendar, on_the_spot=on_the_spot)
        publish_by = deadlines.publication_deadline(decided_on, calendar) if publish else None
    except CalendarNotCovered as exc:
        year = int(exc.extra.get("year", decided_on.year + 1))
        reason = (
            f"{year}年法定节假日安排尚未录入，决定书送达期限（行政处罚法 第六十一条第一款、第八十五条）"
            + ("和公示期限（沈法治办发〔2020〕7号 三（三）3）" if publish else "")
            + "暂无法计算；管理员录入该年度调休安排后自动计算。决定照常作出，不因此超过第六十条规定的办案期限"
        )
        return DecisionDeadlines(None, None, year, reason)
    return DecisionDeadlines(delivery, publish_by)


def fill_in(case: Case, calendar: WorkingDays) -> Case | None:
    """The case with its decision's unknown deadlines computed, or None when there is nothing to compute
    yet (no unknown deadline, or the calendar still does not cover them)."""
    decision = case.decision
    if decision is None or decision.deadlines_unknown_year is None:
        return None
    on_the_spot = case.procedure is ProcedureKind.SIMPLE and decision.outcome is DecisionOutcome.PENALTY
    publish = decision.outcome is DecisionOutcome.PENALTY and not on_the_spot
    known = compute(decision.decided_on, calendar, on_the_spot=on_the_spot, publish=publish)
    if known.unknown_year is not None:
        return None
    record: DecisionRecord = replace(
        decision,
        delivery_due=known.delivery_due,
        publish_by=known.publish_by,
        deadlines_unknown_year=None,
        deadlines_unknown="",
    )
    return replace(case, decision=record)
