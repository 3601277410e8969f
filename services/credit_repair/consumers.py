"""Events the credit_repair service consumes, declared where they are handled (what it publishes is built in
``events``).

Every handler is idempotent (the kernel's inbox applies an event once per consumer) and tolerates
out-of-order arrival (the service keeps early revocations, changes and payments until their decision
arrives, and ignores revisions older than what a record reflects). The consumer names are the durable
JetStream consumers and the inbox keys: never rename one (a new name replays the stream).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import penalty
from services.common.inbox import Consumers, Delivery
from services.credit_repair.settings import CreditRepairContext
from services.credit_repair.use_cases import decisions

consumers: Consumers[CreditRepairContext] = Consumers()


@consumers.consumes(penalty.DecisionIssued, name="decision-issued")
async def on_decision_issued(
    session: AsyncSession, event: penalty.DecisionIssued, delivery: Delivery[CreditRepairContext]
) -> None:
    await decisions.decision_issued(
        session, envelope=delivery.envelope, event=event, context=delivery.context
    )


@consumers.consumes(penalty.DecisionRevoked, name="decision-revoked")
async def on_decision_revoked(
    session: AsyncSession, event: penalty.DecisionRevoked, delivery: Delivery[CreditRepairContext]
) -> None:
    await decisions.decision_revoked(session, envelope=delivery.envelope, event=event)


@consumers.consumes(penalty.DecisionChanged, name="decision-changed")
async def on_decision_changed(
    session: AsyncSession, event: penalty.DecisionChanged, delivery: Delivery[CreditRepairContext]
) -> None:
    await decisions.decision_changed(
        session, envelope=delivery.envelope, event=event, context=delivery.context
    )


@consumers.consumes(penalty.FinePaid, name="fine-paid")
async def on_fine_paid(
    session: AsyncSession, event: penalty.FinePaid, delivery: Delivery[CreditRepairContext]
) -> None:
    await decisions.fine_paid(session, envelope=delivery.envelope, event=event)
