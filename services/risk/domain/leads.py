"""12345 hotline leads moved weekly to the responsible departments (线索周移送, 沈司办〔2026〕16号 一(二)2 二).

Week boundary: ISO weeks in Asia/Shanghai. A lead received at any moment of [Monday 00:00, next Monday 00:00)
Beijing time belongs to that week's batch, labelled ``2026-W18`` (ISO year and week, so the days around
New Year fall into the week that contains them, e.g. Wednesday 2025-12-31 is in 2026-W01).
The batch must be transferred by the first working day after the week ends (configurable), so a week
followed by a public holiday is transferred after the holiday.

Lifecycle::

    received --transfer--> transferred --answer--> answered --close--> closed
                               ^                      |
                               +--- return (退回重办) --+

Deadlines are statutory working days (services.common.workdays): the department answers within
``answer_working_days`` of the transfer (per-category overrides possible), the supervisor verifies and closes
within ``close_working_days`` of the answer. Deadlines are fixed when the clock starts and stored on the lead.

A deadline that falls in a year the statutory calendar does not cover yet (the last weeks of December, before
the State Council's arrangement is entered) is never guessed and never holds the step back: the lead moves on
with that deadline ``None`` (pending, :data:`services.common.workdays.PENDING_NOTE`), and :func:`fill_in` computes it once the year is
entered (use_cases/leads.fill_in, called in the transaction of PUT /admin/calendar/{year}).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.clock import CHINA, local_date
from services.common.workdays import WorkingDayCalendar
from services.risk.errors import (
    LeadError,
    LeadInputInvalid,
    LeadNotAnswered,
    LeadNotReceived,
    LeadNotTransferred,
    LeadWeekInvalid,
)

__all__ = ["LeadError", "LeadInputInvalid", "LeadWeekInvalid"]


_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class LeadConfig(BaseModel):
    """Working-day deadlines for weekly transfer, the department's answer and the supervisor's closing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transfer_working_days_after_week: int = Field(ge=1, le=30)
    answer_working_days: int = Field(ge=1, le=250)
    close_working_days: int = Field(ge=1, le=250)
    answer_working_days_by_category: dict[str, int] = Field(default_factory=dict)

    def answer_days(self, category: str) -> int:
        return self.answer_working_days_by_category.get(category, self.answer_working_days)


@dataclass(frozen=True, slots=True, order=True)
class WeekBatch:
    """One weekly transfer batch: an ISO week in Asia/Shanghai."""

    iso_year: int
    week: int

    @classmethod
    def of(cls, moment: datetime) -> WeekBatch:
        """The batch a moment falls into (Monday 00:00 to the next Monday 00:00, Beijing time)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise LeadInputInvalid("时间必须带时区", detail_en="The time must carry its time zone")
        iso = local_date(moment).isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> WeekBatch:
        match = _WEEK_RE.match(text.strip())
        if match is None:
            raise LeadWeekInvalid(
                f"周批次“{text}”格式应为“2026-W18”",
                detail_en=f"The week “{text}” should be written like “2026-W18”",
            )
        year, week = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise LeadWeekInvalid(
                f"{year}年没有第{week}周", detail_en=f"The ISO year {year} has no week {week}"
            ) from None
        return cls(year, week)

    def __str__(self) -> str:
        return f"{self.iso_year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.iso_year, self.week, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.iso_year, self.week, 7)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.monday, time(0), CHINA)

    @property
    def ends_at(self) -> datetime:
        """Exclusive end: the next Monday 00:00 Beijing time."""
        return self.starts_at + timedelta(days=7)

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def previous(self) -> WeekBatch:
        iso = (self.monday - timedelta(days=7)).isocalendar()
        return WeekBatch(iso.year, iso.week)

    def next(self) -> WeekBatch:
        iso = (self.monday + timedelta(days=7)).isocalendar()
        return WeekBatch(iso.year, iso.week)

    def transfer_due_on(self, config: LeadConfig, calendar: WorkingDayCalendar) -> date:
        """The last day for moving this batch: N working days after the week's Sunday."""
        return calendar.add_working_days(self.sunday, config.transfer_working_days_after_week)


class LeadStatus(StrEnum):
    RECEIVED = "received"  # 已接收
    TRANSFERRED = "transferred"  # 已移送
    ANSWERED = "answered"  # 已答复
    CLOSED = "closed"  # 已办结

    @property
    def label(self) -> str:
        return {"received": "已接收", "transferred": "已移送", "answered": "已答复", "closed": "已办结"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class LeadStep:
    at: datetime
    actor: str
    from_status: LeadStatus | None
    to_status: LeadStatus
    note: str = ""


@dataclass(frozen=True, slots=True)
class Lead:
    lead_id: str
    unit_code: str
    category: str
    received_at: datetime
    batch: WeekBatch
    status: LeadStatus
    department: str = ""
    transferred_at: datetime | None = None
    answer_due_on: date | None = None
    answered_at: datetime | None = None
    answered_late: bool = False
    answer: str = ""
    close_due_on: date | None = None
    closed_at: datetime | None = None
    return_count: int = 0
    history: tuple[LeadStep, ...] = ()


@dataclass(frozen=True, slots=True)
class LeadFlags:
    """Overdue flags on ``today``; ``due_on`` is the deadline of the step the lead is waiting for."""

    transfer_overdue: bool
    answer_overdue: bool
    close_overdue: bool
    due_on: date | None
    pending: bool = False  # the deadline waits for a calendar year not entered yet

    @property
    def any(self) -> bool:
        return self.transfer_overdue or self.answer_overdue or self.close_overdue


def due_or_pending(calendar: WorkingDayCalendar, start: date, days: int) -> date | None:
    """``days`` working days after ``start``; ``None`` (pending) while the year it falls in is not covered."""
    return calendar.add_working_days_or_pending(start, days)[0]


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LeadInputInvalid(
            f"{what}必须带时区", detail_en=f"{what} must carry its time zone", extra={"field": what}
        )
    return moment


# The actions and times named in the Chinese details, in the English ones.
_ACTIONS_EN = {"移送": "transferred", "答复": "answered", "退回重办": "returned for rework", "办结": "closed"}
_TIMES_EN = {
    "移送时间": "The transfer time",
    "答复时间": "The answer time",
    "退回时间": "The return time",
    "办结时间": "The closing time",
}


# The error of a step that needs the lead in this state (409 LEAD_NOT_<STATE>: docs/errors.md lists each).
_NOT_IN: dict[LeadStatus, type[LeadError]] = {
    LeadStatus.RECEIVED: LeadNotReceived,
    LeadStatus.TRANSFERRED: LeadNotTransferred,
    LeadStatus.ANSWERED: LeadNotAnswered,
}


def _require(lead: Lead, status: LeadStatus, action: str) -> None:
    if lead.status is not status:
        raise _NOT_IN[status](
            f"线索{lead.lead_id}当前状态为“{lead.status.label}”，不能{action}",
            detail_en=f"The lead {lead.lead_id} is {lead.status.value}: it cannot be {_ACTIONS_EN[action]}",
            extra={"status": lead.status.value},
        )


def _not_before(earlier: datetime, later: datetime, what: str) -> None:
    if later < earlier:
        raise LeadInputInvalid(
            f"{what}早于上一环节时间", detail_en=f"{_TIMES_EN[what]} is before the previous step"
        )


def receive(*, lead_id: str, unit_code: str, category: str, received_at: datetime, actor: str) -> Lead:
    """Register a lead; its weekly batch is fixed by the receipt time."""
    _aware(received_at, "received_at")
    return Lead(
        lead_id=lead_id,
        unit_code=unit_code,
        category=category,
        received_at=received_at,
        batch=WeekBatch.of(received_at),
        status=LeadStatus.RECEIVED,
        history=(LeadStep(received_at, actor, None, LeadStatus.RECEIVED),),
    )


def transfer(
    lead: Lead,
    *,
    department: str,
    transferred_at: datetime,
    actor: str,
    config: LeadConfig,
    calendar: WorkingDayCalendar,
) -> Lead:
    """Move the lead to the responsible department; starts the answer deadline."""
    _aware(transferred_at, "transferred_at")
    _require(lead, LeadStatus.RECEIVED, "移送")
    if not department.strip():
        raise LeadInputInvalid("移送部门不能为空", detail_en="The department to transfer to is empty")
    _not_before(lead.received_at, transferred_at, "移送时间")
    due = due_or_pending(calendar, local_date(transferred_at), config.answer_days(lead.category))
    return replace(
        lead,
        status=LeadStatus.TRANSFERRED,
        department=department.strip(),
        transferred_at=transferred_at,
        answer_due_on=due,
        history=(
            *lead.history,
            LeadStep(transferred_at, actor, lead.status, LeadStatus.TRANSFERRED, department),
        ),
    )


def answer(
    lead: Lead,
    *,
    text: str,
    answered_at: datetime,
    actor: str,
    config: LeadConfig,
    calendar: WorkingDayCalendar,
) -> Lead:
    """The department answers; a late answer is accepted and marked; starts the closing deadline."""
    _aware(answered_at, "answered_at")
    _require(lead, LeadStatus.TRANSFERRED, "答复")
    if not text.strip():
        raise LeadInputInvalid("答复内容不能为空", detail_en="The answer is empty")
    assert lead.transferred_at is not None
    _not_before(lead.transferred_at, answered_at, "答复时间")
    day = local_date(answered_at)
    due = lead.answer_due_on  # None while pending: fill_in() decides lateness once it is known
    return replace(
        lead,
        status=LeadStatus.ANSWERED,
        answered_at=answered_at,
        answered_late=lead.answered_late or (due is not None and day > due),
        answer=text.strip(),
        close_due_on=due_or_pending(calendar, day, config.close_working_days),
        history=(*lead.history, LeadStep(answered_at, actor, lead.status, LeadStatus.ANSWERED)),
    )


def return_for_rework(
    lead: Lead,
    *,
    reason: str,
    returned_at: datetime,
    actor: str,
    config: LeadConfig,
    calendar: WorkingDayCalendar,
) -> Lead:
    """The supervisor finds the answer insufficient and sends it back (退回重办) with a new answer deadline."""
    _aware(returned_at, "returned_at")
    _require(lead, LeadStatus.ANSWERED, "退回重办")
    if not reason.strip():
        raise LeadInputInvalid("退回重办须说明理由", detail_en="Returning a lead for rework needs a reason")
    assert lead.answered_at is not None
    _not_before(lead.answered_at, returned_at, "退回时间")
    due = due_or_pending(calendar, local_date(returned_at), config.answer_days(lead.category))
    return replace(
        lead,
        status=LeadStatus.TRANSFERRED,
        answer_due_on=due,
        close_due_on=None,
        return_count=lead.return_count + 1,
        history=(
            *lead.history,
            LeadStep(returned_at, actor, lead.status, LeadStatus.TRANSFERRED, reason.strip()),
        ),
    )


def close(lead: Lead, *, closed_at: datetime, actor: str, note: str = "") -> Lead:
    """The supervisor verifies the answer and closes the lead (办结)."""
    _aware(closed_at, "closed_at")
    _require(lead, LeadStatus.ANSWERED, "办结")
    assert lead.answered_at is not None
    _not_before(lead.answered_at, closed_at, "办结时间")
    return replace(
        lead,
        status=LeadStatus.CLOSED,
        closed_at=closed_at,
        history=(*lead.history, LeadStep(closed_at, actor, lead.status, LeadStatus.CLOSED, note.strip())),
    )


def flags(lead: Lead, *, today: date, config: LeadConfig, calendar: WorkingDayCalendar) -> LeadFlags:
    """Which deadline, if any, the lead has missed on ``today`` (the deadline day itself is still in time)."""
    if lead.status is LeadStatus.RECEIVED:
        transfer_due = lead.batch.transfer_due_on(config, calendar)
        return LeadFlags(today > transfer_due, False, False, transfer_due)
    if lead.status is LeadStatus.TRANSFERRED:
        answer_due = lead.answer_due_on
        if answer_due is None:  # pending: never overdue until the year is entered
            return LeadFlags(False, False, False, None, pending=True)
        return LeadFlags(False, today > answer_due, False, answer_due)
    if lead.status is LeadStatus.ANSWERED:
        close_due = lead.close_due_on
        if close_due is None:
            return LeadFlags(False, False, False, None, pending=True)
        return LeadFlags(False, False, today > close_due, close_due)
    return LeadFlags(False, False, False, None)


def is_pending(lead: Lead) -> bool:
    """An open lead whose current deadline waits for a calendar year."""
    return (lead.status is LeadStatus.TRANSFERRED and lead.answer_due_on is None) or (
        lead.status is LeadStatus.ANSWERED and lead.close_due_on is None
    )


def fill_in(lead: Lead, *, config: LeadConfig, calendar: WorkingDayCalendar) -> Lead | None:
    """The pending deadline computed as the step that started its clock would have (transfer or return:
    answer days from that day; answer: closing days from it), now that ``calendar`` may cover its year.
    ``config`` is the one in effect on that day. ``None`` if nothing is pending or it is still uncovered."""
    if lead.status is LeadStatus.TRANSFERRED and lead.answer_due_on is None:
        started = next(s.at for s in reversed(lead.history) if s.to_status is LeadStatus.TRANSFERRED)
        due = due_or_pending(calendar, local_date(started), config.answer_days(lead.category))
        return None if due is None else replace(lead, answer_due_on=due)
    if lead.status is LeadStatus.ANSWERED and lead.close_due_on is None:
        assert lead.answered_at is not None
        day = local_date(lead.answered_at)
        close_due = due_or_pending(calendar, day, config.close_working_days)
        if close_due is None:
            return None
        answered_late = lead.answered_late
        answer_due = lead.answer_due_on
        if answer_due is None:  # answered while its own deadline was pending
            started = next(s.at for s in reversed(lead.history) if s.to_status is LeadStatus.TRANSFERRED)
            answer_due = due_or_pending(calendar, local_date(started), config.answer_days(lead.category))
            answered_late = answered_late or (answer_due is not None and day > answer_due)
        return replace(lead, answer_due_on=answer_due, answered_late=answered_late, close_due_on=close_due)
    return None
