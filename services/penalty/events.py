"""Events the penalty service consumes (its published contracts live in services/common/contracts/penalty.py
and are built in service.py from the procedure's domain events)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import credit, inspection
from services.common.events import Envelope, Event
from services.common.inbox import Subscription
from services.penalty import service


async def on_violation_found(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    """A violation found in an inspection becomes a lead for the department (one per violation)."""
    assert isinstance(event, inspection.ViolationFound)
    await service.record_violation(session, event)


async def on_officer_changed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    """Keep the newest certificate status: a suspended officer cannot sign."""
    assert isinstance(event, inspection.OfficerChanged)
    await service.record_officer_change(session, event)


async def on_credit_notice(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    """The credit repair notice that must be delivered with the decision (两书同达)."""
    assert isinstance(event, credit.NoticeIssued)
    await service.record_credit_notice(session, event)


def subscriptions() -> list[Subscription]:
    """The consumers this service runs (besides the kernel's diagnostic pings)."""
    return [
        Subscription("violation-found", inspection.ViolationFound.TYPE, on_violation_found),
        Subscription("officer-changed", inspection.OfficerChanged.TYPE, on_officer_changed),
        Subscription("credit-notice-issued", credit.NoticeIssued.TYPE, on_credit_notice),
    ]
