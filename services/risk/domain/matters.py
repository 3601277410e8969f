"""Supervision matters (个案监督): a supervisor's instrument to act on one case, visit or 12345 lead.

Seed 000 (沈阳市司法局 reply to suggestion No. 0615, 2026): "加强个案监督。严格贯彻落实《行政执法监督条例》，针对企业
群众反映强烈的典型执法突出问题进行提级办理。以 12345 政务服务热线为抓手 … 开展案件提级快办"; seed 002: "建立
'提级快办'机制 … 推动全部问题完成整改". Three instruments:

- 监督意见书 (``opinion``): the supervisor's opinion on how the unit handled the matter;
- 纠错通知书 (``correction``): an error found, the unit must correct it;
- 提级办理 (``escalation``): the matter's supervision moves to the city (市级), recording who decided and when;
  district supervisors then see it but can no longer act on it.

The unit concerned answers before a deadline counted in statutory working days (services.common.workdays): it
accepts and corrects (saying what it corrected) or explains. A deadline that runs into a year whose holiday
arrangement is not entered yet (the last weeks of December) is never guessed and never holds the supervisor
back: the matter is opened (or reopened) with ``due_on`` None (pending, :data:`services.common.workdays.PENDING_NOTE`), is never overdue
while pending, and :func:`fill_in` computes the deadline once the year is entered (use_cases/matters.fill_in, in
the transaction of PUT /admin/calendar/{year}), as 12345 leads' (domain/leads.py). The supervisor closes the matter, or rejects the answer and reopens it with a new
deadline. A matter not answered by its deadline becomes overdue (the periodic job); an overdue or late answer
counts in the unit's quarterly risk colour (domain/report.py, signal ``matters_overdue``).

Pure rules, no I/O: each step returns the new state or raises a typed error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.common.workdays import WorkingDayCalendar
from services.risk.errors import MatterInputInvalid, MatterInvalidTransition


class MatterKind(StrEnum):
    OPINION = "opinion"  # 监督意见书
    CORRECTION = "correction"  # 纠错通知书
    ESCALATION = "escalation"  # 提级办理

    @property
    def label(self) -> str:
        return {"opinion": "监督意见书", "correction": "纠错通知书", "escalation": "提级办理"}[self.value]

    @property
    def document_title(self) -> str:
        return {
            "opinion": "行政执法监督意见书",
            "correction": "行政执法纠错通知书",
            "escalation": "提级办理决定书",
        }[self.value]

    @property
    def document_word(self) -> str:
        """文书代字 in the number: 沈司监意〔2026〕1号."""
        return {"opinion": "监意", "correction": "纠错", "escalation": "提级"}[self.value]


class TargetKind(StrEnum):
    CASE = "case"  # a penalty case
    VISIT = "visit"  # an inspection visit
    LEAD = "lead"  # a 12345 lead

    @property
    def label(self) -> str:
        return {"case": "行政处罚案件", "visit": "行政检查", "lead": "12345热线线索"}[self.value]


class MatterStatus(StrEnum):
    OPEN = "open"  # 待答复
    OVERDUE = "overdue"  # 逾期未答复
    ANSWERED = "answered"  # 已答复
    CLOSED = "closed"  # 已办结

    @property
    def label(self) -> str:
        return {"open": "待答复", "overdue": "逾期未答复", "answered": "已答复", "closed": "已办结"}[
            self.value
        ]


class AnswerOutcome(StrEnum):
    CORRECTED = "corrected"  # 接受并纠正
    EXPLAINED = "explained"  # 说明理由

    @property
    def label(self) -> str:
        return {"corrected": "接受并纠正", "explained": "说明理由"}[self.value]


#: Deadlines the supervisor may set, in working days (a matter is answered within days or weeks, not years).
MIN_DAYS, MAX_DAYS = 1, 60

#: Document numbers: 沈<机关简称><文书代字>〔<年>〕<序号>号 as the penalty documents (GB/T 9704 〔〕), the issuing body
#: being the city's justice bureau (司法局: 司), e.g. 沈司监意〔2026〕1号.
NUMBER_PREFIX = "沈司"
_NUMBER_RE = re.compile(r"^沈司(?P<word>.+?)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


def document_number(kind: MatterKind, year: int, sequence: int) -> str:
    """'沈司纠错〔2026〕3号' for the third 纠错通知书 of 2026."""
    if sequence < 1 or not 1949 <= year <= 9999:
        raise ValueError("sequence must be positive and the year plausible")
    return f"{NUMBER_PREFIX}{kind.document_word}〔{year}〕{sequence}号"


def parse_number(text: str) -> tuple[str, int, int]:
    match = _NUMBER_RE.match(text)
    if match is None:
        raise ValueError(f"not a matter document number: {text}")
    return match["word"], int(match["year"]), int(match["seq"])


def due_on(start: date, days: int, calendar: WorkingDayCalendar) -> date | None:
    """The last day to answer: ``days`` working days after ``start`` (the day of opening or reopening), on
    the statutory calendar; None (pending, never a guess) while it runs into a year the calendar does not
    cover yet."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise MatterInputInvalid(
            f"答复期限须为{MIN_DAYS}至{MAX_DAYS}个工作日",
            detail_en=f"The deadline must be {MIN_DAYS} to {MAX_DAYS} working days",
            extra={"field": "deadline_working_days"},
        )
    return calendar.add_working_days_or_pending(start, days)[0]


@dataclass(frozen=True, slots=True)
class Matter:
    status: MatterStatus
    due_on: date | None  # None: pending, the year it falls in not entered yet
    answered_late: bool = False
    reopen_count: int = 0


def _refuse(matter: Matter, action: str, action_en: str, *allowed: MatterStatus) -> None:
    if matter.status not in allowed:
        raise MatterInvalidTransition(
            f"监督事项当前状态为“{matter.status.label}”，不能{action}",
            detail_en=f"The matter is {matter.status.value}; it cannot be {action_en}",
            extra={"status": matter.status.value},
        )


def answer(matter: Matter, *, outcome: AnswerOutcome, corrected: str, answered_on: date) -> Matter:
    """The unit answers: on or before ``due_on`` in time, after it late (an overdue matter can still be
    answered, late). Accepting means saying what was corrected."""
    _refuse(matter, "答复", "answered", MatterStatus.OPEN, MatterStatus.OVERDUE)
    if outcome is AnswerOutcome.CORRECTED and not corrected.strip():
        raise MatterInputInvalid(
            "接受并纠正的，须写明纠正的内容",
            detail_en="An answer accepting the matter must say what was corrected",
            extra={"field": "corrected"},
        )
    # while the deadline is pending lateness is not known yet: fill_in() decides it
    late = (
        matter.due_on is not None and answered_on > matter.due_on
    ) or matter.status is MatterStatus.OVERDUE
    return replace(matter, status=MatterStatus.ANSWERED, answered_late=matter.answered_late or late)


def close(matter: Matter) -> Matter:
    """The supervisor accepts the answer and closes the matter (办结)."""
    _refuse(matter, "办结", "closed", MatterStatus.ANSWERED)
    return replace(matter, status=MatterStatus.CLOSED)


def reopen(matter: Matter, *, new_due_on: date | None) -> Matter:
    """The supervisor rejects the answer: the matter waits for a new answer by ``new_due_on``."""
    _refuse(matter, "退回重新答复", "reopened", MatterStatus.ANSWERED)
    return replace(matter, status=MatterStatus.OPEN, due_on=new_due_on, reopen_count=matter.reopen_count + 1)


def is_overdue(matter: Matter, today: date) -> bool:
    """Waiting for the unit's answer past its last day (never while the last day is pending)."""
    return matter.status is MatterStatus.OPEN and matter.due_on is not None and today > matter.due_on


def days_overdue(matter: Matter, today: date) -> int:
    """Calendar days past the last day while the unit has not answered (0 otherwise), as a rectification's
    逾期天数 (domain/rectification.py): what the console shows beside 逾期未答复."""
    waiting = matter.status in (MatterStatus.OPEN, MatterStatus.OVERDUE)
    if not waiting or matter.due_on is None or today <= matter.due_on:
        return 0
    return (today - matter.due_on).days


def fill_in(
    matter: Matter, *, started_on: date, answered_on: date | None, calendar: WorkingDayCalendar, days: int
) -> Matter | None:
    """The pending deadline computed from the day its clock started (the opening or the last reopening), now
    that ``calendar`` may cover its year; an answer given meanwhile (``answered_on``) is late if after it.
    ``None`` if nothing is pending or the year is still not covered."""
    if matter.due_on is not None:
        return None
    due = calendar.add_working_days_or_pending(started_on, days)[0]
    if due is None:
        return None
    late = matter.answered_late or (answered_on is not None and answered_on > due)
    return replace(matter, due_on=due, answered_late=late)


def counts_against_unit(status: MatterStatus, answered_late: bool) -> bool:
    """An overdue matter, or one answered late, counts in the unit's risk report."""
    return status is MatterStatus.OVERDUE or answered_late


def title(kind: MatterKind, target: TargetKind, target_ref: str) -> str:
    """The matter's title as lists show it: '纠错通知书：行政处罚案件 沈市监罚〔2026〕3号'."""
    return f"{kind.label}：{target.label} {target_ref}"


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    actor: str
    action: str
    note: str = ""
