"""The closed loop after a warning: 数据研判—风险预警—整改落实—考核闭环 (沈司办〔2026〕16号 二(四)2).

A published quarterly report issues a warning to each coloured or lit unit. The unit submits its rectification
measures (整改措施) by a deadline counted in statutory working days from the issue date; the supervisor either
closes the rectification (销号) or reopens it with a reason and a new deadline. Open rectifications past their
deadline are overdue. Every transition is recorded on the object (who, when, from, to, note).

A deadline that runs into a year the statutory calendar does not cover yet is not refused: a warning's first
deadline (the fourth quarter's report is published in January, before the new year's arrangement may be
entered) or a reopening's in the last weeks of December is pending (None, :data:`PENDING_NOTE`), never overdue,
and :func:`fill_in` computes it once the year is entered (use_cases/rectifications.fill_in, in the transaction
of PUT /admin/calendar/{year}), as 12345 leads' and supervision matters'.

States::

    pending --submit--> submitted --close--> closed
       ^                    |                  |
       |                 reopen             reopen (re-check finds the problem back)
       |                    v                  v
       +----- (same as) reopened <-------------+
    pending / reopened / submitted --withdraw--> withdrawn   (warning issued in error)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.clock import local_date
from services.common.workdays import PENDING_NOTE, WorkingDayCalendar
from services.risk.errors import (
    RectificationAlreadySubmitted,
    RectificationClosed,
    RectificationColourInvalid,
    RectificationError,
    RectificationMeasuresInvalid,
    RectificationNotRequired,
    RectificationNotSubmitted,
    RectificationReasonRequired,
    RectificationTimeInvalid,
    RectificationWithdrawn,
)

__all__ = [
    "RectificationAlreadySubmitted",
    "RectificationClosed",
    "RectificationColourInvalid",
    "RectificationError",
    "RectificationMeasuresInvalid",
    "RectificationNotRequired",
    "RectificationNotSubmitted",
    "RectificationReasonRequired",
    "RectificationTimeInvalid",
    "RectificationWithdrawn",
]

MAX_MEASURES_CHARS = 10_000
#: a submission's note while its deadline is pending: in time or late is decided when the deadline is computed
SUBMITTED_WHILE_PENDING = "报送（整改期限待定，是否逾期待期限确定后认定）"


class RectificationStatus(StrEnum):
    PENDING = "pending"  # 待整改
    SUBMITTED = "submitted"  # 已报送整改措施，待审核
    REOPENED = "reopened"  # 退回重新整改
    CLOSED = "closed"  # 已销号
    WITHDRAWN = "withdrawn"  # 预警撤回

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    RectificationStatus.PENDING: "待整改",
    RectificationStatus.SUBMITTED: "待审核",
    RectificationStatus.REOPENED: "退回重新整改",
    RectificationStatus.CLOSED: "已销号",
    RectificationStatus.WITHDRAWN: "已撤回",
}

OPEN_STATUSES = frozenset({RectificationStatus.PENDING, RectificationStatus.REOPENED})

# The values of report.Colour (a StrEnum, so its members can be passed here directly).
WARNING_COLOURS = frozenset({"red", "yellow", "blue", "none"})


class RectificationConfig(BaseModel):
    """Deadlines in statutory working days, by warning colour, and for a reopened rectification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    red_working_days: int = Field(ge=1, le=250)
    yellow_working_days: int = Field(ge=1, le=250)
    blue_working_days: int = Field(ge=1, le=250)
    lamp_working_days: int = Field(ge=1, le=250)
    reopen_working_days: int = Field(ge=1, le=250)

    def working_days_for(self, colour: str, lamp: bool) -> int:
        """The deadline of a warning: the strictest of its colour and its 亮灯 light."""
        if colour not in WARNING_COLOURS:
            raise RectificationColourInvalid(
                f"未知的预警颜色：{colour}", detail_en=f"Unknown warning colour: {colour}"
            )
        by_colour = {
            "red": self.red_working_days,
            "yellow": self.yellow_working_days,
            "blue": self.blue_working_days,
        }
        candidates = [by_colour[colour]] if colour in by_colour else []
        if lamp:
            candidates.append(self.lamp_working_days)
        if not candidates:
            raise RectificationNotRequired(
                "该单位本季度未被预警或亮灯，无需整改",
                detail_en="The unit was neither warned nor lit this quarter: no rectification is required",
            )
        return min(candidates)


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime
    actor: str
    from_status: RectificationStatus | None
    to_status: RectificationStatus
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rectification:
    warning_id: str
    unit_code: str
    quarter: str
    colour: str
    lamp: bool
    issued_on: date
    deadline: date | None  # None: pending, the deadline runs into a year not entered yet
    status: RectificationStatus
    measures: str = ""
    submitted_at: datetime | None = None
    submitted_late: bool = False
    reopen_count: int = 0
    history: tuple[Transition, ...] = ()

    @property
    def is_open(self) -> bool:
        """Waiting for the unit (pending or reopened)."""
        return self.status in OPEN_STATUSES


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RectificationTimeInvalid(
            f"{what}必须带时区", detail_en=f"{what} must carry its time zone", extra={"field": what}
        )
    return moment


def _not_before_issue(r: Rectification, at: datetime) -> None:
    day = local_date(at)
    if day < r.issued_on:
        raise RectificationTimeInvalid(
            f"操作日期{day.isoformat()}早于预警下发日期{r.issued_on.isoformat()}",
            detail_en=f"The action's day {day.isoformat()} is before the warning's day {r.issued_on.isoformat()}",
        )


def _day_or_pending(deadline: date | None) -> str:
    return PENDING_NOTE if deadline is None else deadline.isoformat()


def issue(
    *,
    warning_id: str,
    unit_code: str,
    quarter: str,
    colour: str,
    lamp: bool,
    issued_at: datetime,
    actor: str,
    config: RectificationConfig,
    calendar: WorkingDayCalendar,
) -> Rectification:
    """Open a rectification for a warning; the deadline is N working days after the issue date (pending while
    they run into a year whose holiday arrangement is not entered)."""
    _aware(issued_at, "issued_at")
    issued_on = local_date(issued_at)
    days = config.working_days_for(colour, lamp)
    deadline = calendar.add_working_days_or_pending(issued_on, days)[0]
    return Rectification(
        warning_id=warning_id,
        unit_code=unit_code,
        quarter=quarter,
        colour=colour,
        lamp=lamp,
        issued_on=issued_on,
        deadline=deadline,
        status=RectificationStatus.PENDING,
        history=(
            Transition(
                issued_at, actor, None, RectificationStatus.PENDING, f"整改期限{_day_or_pending(deadline)}"
            ),
        ),
    )


# The actions named in the Chinese details, in the English ones.
_ACTIONS_EN = {
    "报送整改措施": "submit measures",
    "销号": "close it",
    "退回重新整改": "send it back",
    "撤回": "withdraw it",
}


def _refuse_unless(r: Rectification, allowed: frozenset[RectificationStatus], action: str) -> None:
    if r.status in allowed:
        return
    en = _ACTIONS_EN[action]
    if r.status is RectificationStatus.WITHDRAWN:
        raise RectificationWithdrawn(
            f"预警已撤回，不能{action}", detail_en=f"The warning was withdrawn: cannot {en}"
        )
    if r.status is RectificationStatus.CLOSED:
        raise RectificationClosed(
            f"整改已销号，不能{action}", detail_en=f"The rectification is closed: cannot {en}"
        )
    if r.status is RectificationStatus.SUBMITTED:
        raise RectificationAlreadySubmitted(
            f"整改措施已报送，待审核，不能{action}",
            detail_en=f"The measures were submitted and await review: cannot {en}",
        )
    raise RectificationNotSubmitted(
        f"当前状态为“{r.status.label}”，不能{action}",
        detail_en=f"The rectification is {r.status.value}: cannot {en}",
    )


def submit(r: Rectification, *, measures: str, submitted_at: datetime, actor: str) -> Rectification:
    """The unit submits its measures; a submission after the deadline is accepted and marked late."""
    _aware(submitted_at, "submitted_at")
    _refuse_unless(r, OPEN_STATUSES, "报送整改措施")
    text = measures.strip()
    if not text:
        raise RectificationMeasuresInvalid("整改措施不能为空", detail_en="The measures are empty")
    if len(text) > MAX_MEASURES_CHARS:
        raise RectificationMeasuresInvalid(
            f"整改措施不得超过{MAX_MEASURES_CHARS}字",
            detail_en=f"The measures may have at most {MAX_MEASURES_CHARS} characters",
        )
    _not_before_issue(r, submitted_at)
    # while the deadline is pending lateness is not known yet: fill_in() decides it
    late = r.deadline is not None and local_date(submitted_at) > r.deadline
    note = SUBMITTED_WHILE_PENDING if r.deadline is None else ("逾期报送" if late else "按期报送")
    return replace(
        r,
        status=RectificationStatus.SUBMITTED,
        measures=text,
        submitted_at=submitted_at,
        submitted_late=late,
        history=(*r.history, Transition(submitted_at, actor, r.status, RectificationStatus.SUBMITTED, note)),
    )


def close(r: Rectification, *, closed_at: datetime, actor: str, note: str = "") -> Rectification:
    """The supervisor accepts the measures and closes the rectification (销号)."""
    _aware(closed_at, "closed_at")
    _refuse_unless(r, frozenset({RectificationStatus.SUBMITTED}), "销号")
    _not_before_issue(r, closed_at)
    return replace(
        r,
        status=RectificationStatus.CLOSED,
        history=(
            *r.history,
            Transition(closed_at, actor, r.status, RectificationStatus.CLOSED, note.strip()),
        ),
    )


def reopen(
    r: Rectification,
    *,
    reason: str,
    reopened_at: datetime,
    actor: str,
    config: RectificationConfig,
    calendar: WorkingDayCalendar,
) -> Rectification:
    """The supervisor sends the measures back (or reopens a closed one) with a reason and a new deadline."""
    _aware(reopened_at, "reopened_at")
    _refuse_unless(r, frozenset({RectificationStatus.SUBMITTED, RectificationStatus.CLOSED}), "退回重新整改")
    text = reason.strip()
    if not text:
        raise RectificationReasonRequired(
            "退回重新整改须说明理由", detail_en="Sending the measures back needs a reason"
        )
    _not_before_issue(r, reopened_at)
    deadline = calendar.add_working_days_or_pending(local_date(reopened_at), config.reopen_working_days)[0]
    return replace(
        r,
        status=RectificationStatus.REOPENED,
        deadline=deadline,
        reopen_count=r.reopen_count + 1,
        history=(
            *r.history,
            Transition(
                reopened_at,
                actor,
                r.status,
                RectificationStatus.REOPENED,
                f"{text}；新整改期限{_day_or_pending(deadline)}",
            ),
        ),
    )


def withdraw(r: Rectification, *, reason: str, withdrawn_at: datetime, actor: str) -> Rectification:
    """The supervisor withdraws a warning issued in error (e.g. corrected source data)."""
    _aware(withdrawn_at, "withdrawn_at")
    _refuse_unless(
        r,
        frozenset({RectificationStatus.PENDING, RectificationStatus.REOPENED, RectificationStatus.SUBMITTED}),
        "撤回",
    )
    text = reason.strip()
    if not text:
        raise RectificationReasonRequired(
            "撤回预警须说明理由", detail_en="Withdrawing a warning needs a reason"
        )
    return replace(
        r,
        status=RectificationStatus.WITHDRAWN,
        history=(*r.history, Transition(withdrawn_at, actor, r.status, RectificationStatus.WITHDRAWN, text)),
    )


def is_overdue(r: Rectification, today: date) -> bool:
    """Open (pending or reopened) and ``today`` is after the deadline day (never while it is pending)."""
    return r.is_open and r.deadline is not None and today > r.deadline


def days_overdue(r: Rectification, today: date) -> int:
    """Calendar days past the deadline (0 when not overdue)."""
    if r.deadline is None or not is_overdue(r, today):
        return 0
    return (today - r.deadline).days


def _last_reopened(r: Rectification) -> datetime | None:
    return next((t.at for t in reversed(r.history) if t.to_status is RectificationStatus.REOPENED), None)


def clock_started(r: Rectification) -> tuple[date, bool]:
    """The day the current deadline's working days started, and whether that was a reopening (else the issue)."""
    reopened = _last_reopened(r)
    return (r.issued_on, False) if reopened is None else (local_date(reopened), True)


def _deadline_from(
    r: Rectification, start: date, reopened: bool, config: RectificationConfig, calendar: WorkingDayCalendar
) -> date | None:
    days = config.reopen_working_days if reopened else config.working_days_for(r.colour, r.lamp)
    return calendar.add_working_days_or_pending(start, days)[0]


def _judged_late(
    r: Rectification,
    config_on: Callable[[date], RectificationConfig],
    calendar: WorkingDayCalendar,
    current: tuple[datetime | None, date],
) -> bool:
    """Whether a submission whose deadline was pending when it was made came after that deadline: the current
    period's (``current``: its reopening, or None for the issue, and its deadline now computed) and those of
    earlier periods, sent back before the year was entered (their notes say the lateness was left open)."""
    opened, deadline = current
    now_in = r.submitted_at is not None and (opened is None or r.submitted_at >= opened)
    if now_in and r.submitted_at is not None and local_date(r.submitted_at) > deadline:
        return True
    started: datetime | None = None  # the period's reopening (None: the issue)
    for t in r.history:
        if t.to_status is RectificationStatus.REOPENED:
            started = t.at
        elif t.note == SUBMITTED_WHILE_PENDING and started != opened:
            start = r.issued_on if started is None else local_date(started)
            earlier = _deadline_from(r, start, started is not None, config_on(start), calendar)
            if earlier is not None and local_date(t.at) > earlier:
                return True
    return False


def fill_in(
    r: Rectification,
    *,
    config: RectificationConfig,
    calendar: WorkingDayCalendar,
    config_on: Callable[[date], RectificationConfig] | None = None,
) -> Rectification | None:
    """The pending deadline computed from the day its clock started (the issue, with the warning's working days,
    or the last reopening; ``config``: the one in effect that day), now that ``calendar`` may cover its year;
    measures submitted meanwhile after it are late, and so are measures submitted while an earlier deadline was
    pending and sent back before the year was entered (``config_on``: the configuration in effect on a day,
    for those earlier periods; ``config`` when not given). ``None`` if nothing is pending or the year is still
    not covered."""
    if r.deadline is not None:
        return None
    reopened = _last_reopened(r)
    start = r.issued_on if reopened is None else local_date(reopened)
    deadline = _deadline_from(r, start, reopened is not None, config, calendar)
    if deadline is None:
        return None
    late = r.submitted_late or _judged_late(
        r, config_on or (lambda _: config), calendar, (reopened, deadline)
    )
    return replace(r, deadline=deadline, submitted_late=late)


def overdue(rectifications: Sequence[Rectification], today: date) -> list[Rectification]:
    """The overdue rectifications, longest overdue first, then by unit code."""
    found = [r for r in rectifications if is_overdue(r, today)]
    return sorted(found, key=lambda r: (r.deadline or date.max, r.unit_code, r.warning_id))
