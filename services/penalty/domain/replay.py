"""Replaying a case from a former case system (办案系统) through the lawful procedure, step by step, on the
dates the steps really happened.

An imported case is held to the rules of a live one: nothing here re-states a rule. Each step is the same
command an officer's request would produce, applied by ``procedure.handle`` with ``now`` set to the step's
own date, so a decision dated before its notice meets the notice check of 第四十四条 exactly as it would
live (``PROCEDURE_DECISION_BEFORE_NOTICE``), and every deadline (statement, hearing request, delivery,
payment, publication) is computed on the statutory calendar of the year it falls in.

Steps are applied in date order; steps of the same day in the procedure's order (``STEP_ORDER``). A step
dated after the import day is refused: the record can only hold what has happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from services.common import clock
from services.common.errors import DomainError
from services.penalty.domain import procedure as p
from services.penalty.domain.deadlines import WorkingDays

#: The order of steps recorded on the same day (the order the procedure takes them in).
STEP_ORDER: tuple[str, ...] = (
    "investigation",
    "assessment",
    "extension",
    "assessment_flags",
    "notice",
    "statement",
    "statement_review",
    "waiver",
    "hearing_request",
    "hearing_schedule",
    "hearing_record",
    "legal_review",
    "collective_discussion",
    "decision",
    "no_penalty_decision",
    "delivery",
    "publication",
    "payment",
    "execution",
)

#: What each step is called in a refusal.
STEP_LABELS: dict[str, str] = {
    "filing": "立案",
    "investigation": "调查取证",
    "assessment": "裁量",
    "extension": "延长办案期限",
    "assessment_flags": "裁量",
    "notice": "告知",
    "statement": "陈述申辩",
    "statement_review": "陈述申辩复核",
    "waiver": "放弃陈述申辩或听证权利",
    "hearing_request": "申请听证",
    "hearing_schedule": "通知听证",
    "hearing_record": "听证",
    "legal_review": "法制审核",
    "collective_discussion": "集体讨论",
    "decision": "决定",
    "no_penalty_decision": "不予行政处罚决定",
    "delivery": "送达",
    "publication": "公示",
    "payment": "缴纳罚款",
    "execution": "执行完毕",
}

#: The hour a historic step is recorded at (China time): the former system keeps dates, not times.
STEP_HOUR = 12


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the former record: its date, its action (a ``STEP_ORDER`` name) and its command."""

    on: date
    action: str
    command: p.Command


@dataclass(frozen=True, slots=True)
class Replayed:
    """The filing and every step applied, in order, each with the moment it is recorded at."""

    transitions: tuple[tuple[str, datetime, p.Transition], ...]

    @property
    def case(self) -> p.Case:
        return self.transitions[-1][2].case


class StepRefused(Exception):
    """A step of the record the procedure refuses: the step and the rule's own error."""

    def __init__(self, action: str, on: date, error: DomainError) -> None:
        super().__init__(f"{action} on {on.isoformat()}: {error.code}")
        self.action = action
        self.on = on
        self.error = error

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.action, self.action)


def at(day: date) -> datetime:
    """The moment a step of ``day`` is recorded at."""
    return datetime.combine(day, time(STEP_HOUR), tzinfo=clock.CHINA)


def _not_after(day: date, today: date, action: str) -> None:
    if day > today:
        raise StepRefused(
            action,
            day,
            p.InvalidDate(
                f"{STEP_LABELS.get(action, action)}日期（{day.isoformat()}）晚于导入之日"
                f"（{today.isoformat()}），不能导入尚未发生的步骤",
                detail_en=f"The {action} date {day.isoformat()} is after the import day {today.isoformat()}",
            ),
        )


def ordered(steps: Sequence[Step]) -> list[Step]:
    """The steps in date order, same-day steps in the procedure's order."""
    return sorted(steps, key=lambda s: (s.on, STEP_ORDER.index(s.action)))


def replay(
    filing: p.FileCase, filed_on: date, steps: Sequence[Step], *, calendar: WorkingDays, today: date
) -> Replayed:
    """File the case on ``filed_on`` and apply ``steps`` in order, each on its own date.

    Raises ``StepRefused`` with the first step the procedure refuses (nothing is kept of a refused case).
    """
    _not_after(filed_on, today, "filing")
    try:
        filed = p.file_case(filing, now=at(filed_on))
    except DomainError as exc:
        raise StepRefused("filing", filed_on, exc) from exc
    done: list[tuple[str, datetime, p.Transition]] = [("filed", at(filed_on), filed)]
    case = filed.case
    for step in ordered(steps):
        _not_after(step.on, today, step.action)
        if step.on < filed_on:
            raise StepRefused(
                step.action,
                step.on,
                p.InvalidDate(
                    f"{STEP_LABELS[step.action]}日期（{step.on.isoformat()}）早于立案日期（{filed_on.isoformat()}）",
                    detail_en=f"The {step.action} date {step.on.isoformat()} is before the filing date "
                    f"{filed_on.isoformat()}",
                ),
            )
        try:
            transition = p.handle(case, step.command, now=at(step.on), calendar=calendar)
        except DomainError as exc:
            raise StepRefused(step.action, step.on, exc) from exc
        done.append((step.action, at(step.on), transition))
        case = transition.case
    return Replayed(tuple(done))
