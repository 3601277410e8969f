"""Publishing what the procedure did: the table from its domain events to the contracts other services
consume (the builders: events.py), staged in the outbox of the step's own transaction. A domain event without
an entry stays on the case's timeline only.

Each entry does what the pure builder cannot: decides whether the event is published at all (不予行政处罚 is
not), looks up the department's name a decision carries, and reports a missed deadline once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import outbox
from services.penalty import events
from services.penalty import repository as repo
from services.penalty.domain import deadlines as dl
from services.penalty.domain import procedure as p
from services.penalty.models import PenaltyCase
from services.penalty.use_cases.common import department

Stage = Callable[[AsyncSession, PenaltyCase, Any], Awaitable[None]]


async def case_opened(session: AsyncSession, row: PenaltyCase, event: p.CaseFiled) -> None:
    outbox.add(session, events.case_opened(row, event))


async def decision_issued(session: AsyncSession, row: PenaltyCase, event: p.DecisionIssued) -> None:
    if event.outcome is not p.DecisionOutcome.PENALTY:
        return  # 不予行政处罚: no penalty to class or publish (see docs/api/penalty.md)
    dept = await department(session, row.dept_code)
    outbox.add(session, events.decision_issued(row, event, department_name=dept.name))


async def decision_revoked(
    session: AsyncSession, row: PenaltyCase, event: p.DecisionRevoked | p.DecisionConfirmed
) -> None:
    outbox.add(session, events.decision_revoked(row, event))


async def decision_changed(session: AsyncSession, row: PenaltyCase, event: p.DecisionChanged) -> None:
    outbox.add(session, events.decision_changed(row, event))


async def fine_paid(session: AsyncSession, row: PenaltyCase, event: p.FinePaid) -> None:
    outbox.add(session, events.fine_paid(row, event))


async def report_deadline(
    session: AsyncSession, row: PenaltyCase, *, deadline: dl.DeadlineKind, due_on: date, detected_on: date
) -> bool:
    """Publish ``penalty.deadline.missed`` once per (case, deadline, due date); True when it was new."""
    fresh = await repo.record_deadline_report(
        session, case_id=row.id, deadline=deadline.value, due_on=due_on, detected_on=detected_on
    )
    if fresh:
        outbox.add(
            session, events.deadline_missed(row, deadline=deadline, due_on=due_on, detected_on=detected_on)
        )
    return fresh


async def deadline_missed(session: AsyncSession, row: PenaltyCase, event: p.DeadlineMissed) -> None:
    await report_deadline(
        session, row, deadline=event.deadline, due_on=event.due_on, detected_on=event.detected_on
    )


#: Domain event → the stage that publishes its contract.
PUBLISHES: dict[type[p.DomainEvent], Stage] = {
    p.CaseFiled: case_opened,
    p.DecisionIssued: decision_issued,
    p.DecisionRevoked: decision_revoked,
    p.DecisionChanged: decision_changed,
    p.DecisionConfirmed: decision_revoked,  # penalty.decision.revoked with its outcome
    p.FinePaid: fine_paid,
    p.DeadlineMissed: deadline_missed,
}


async def publish(session: AsyncSession, row: PenaltyCase, event: p.DomainEvent) -> None:
    """Stage the contract ``event`` calls for, if any (a subclass publishes as its nearest listed class)."""
    for kind in type(event).__mro__:
        stage = PUBLISHES.get(kind)
        if stage is not None:
            await stage(session, row, event)
            return
