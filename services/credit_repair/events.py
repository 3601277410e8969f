"""Events the credit_repair service consumes (its published contracts live in services/common/contracts/credit.py).

Every handler is idempotent (the kernel's inbox applies an event once per consumer) and tolerates
out-of-order arrival (the service keeps early revocations, changes and payments until their decision
arrives, and ignores revisions older than what a record reflects).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import penalty as penalty_contracts
from services.common.events import Envelope, Event
from services.common.inbox import Subscription
from services.credit_repair import service
from services.credit_repair.settings import CreditRepairSettings


def subscriptions(settings: CreditRepairSettings) -> list[Subscription]:
    """The consumers this service runs (besides the kernel's diagnostic pings)."""

    async def decision_issued(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty_contracts.DecisionIssued)
        await service.on_decision_issued(session, envelope=envelope, event=event, settings=settings)

    async def decision_revoked(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty_contracts.DecisionRevoked)
        await service.on_decision_revoked(session, envelope=envelope, event=event)

    async def decision_changed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty_contracts.DecisionChanged)
        await service.on_decision_changed(session, envelope=envelope, event=event, settings=settings)

    async def fine_paid(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty_contracts.FinePaid)
        await service.on_fine_paid(session, envelope=envelope, event=event)

    return [
        Subscription("decision-issued", penalty_contracts.DecisionIssued.TYPE, decision_issued),
        Subscription("decision-revoked", penalty_contracts.DecisionRevoked.TYPE, decision_revoked),
        Subscription("decision-changed", penalty_contracts.DecisionChanged.TYPE, decision_changed),
        Subscription("fine-paid", penalty_contracts.FinePaid.TYPE, fine_paid),
    ]
