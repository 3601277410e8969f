"""Events the penalty service consumes, declared where they are handled: one thin handler per contract,
calling one use case (what it publishes is built in ``events``).

The consumer names are the durable JetStream consumers (``penalty-<name>``) and the inbox keys: never rename
one (a new name replays the stream).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import credit, inspection, risk
from services.common.inbox import Consumers, Delivery
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import leads, projections, supervision

consumers: Consumers[PenaltyContext] = Consumers()


@consumers.consumes(inspection.ViolationFound, name="violation-found")
async def on_violation_found(
    session: AsyncSession, event: inspection.ViolationFound, delivery: Delivery[PenaltyContext]
) -> None:
    """A violation found in an inspection becomes a lead for the department (one per violation)."""
    await leads.record_violation(session, event)


@consumers.consumes(inspection.OfficerChanged, name="officer-changed")
async def on_officer_changed(
    session: AsyncSession, event: inspection.OfficerChanged, delivery: Delivery[PenaltyContext]
) -> None:
    """Keep the newest certificate status: a suspended officer cannot sign."""
    await projections.record_officer_change(session, event)


@consumers.consumes(credit.NoticeIssued, name="credit-notice-issued")
async def on_credit_notice(
    session: AsyncSession, event: credit.NoticeIssued, delivery: Delivery[PenaltyContext]
) -> None:
    """The credit repair notice that must be delivered with the decision (两书同达)."""
    await projections.record_credit_notice(session, event)


@consumers.consumes(risk.SupervisionMatterOpened, name="supervision-matter-opened")
async def on_matter_opened(
    session: AsyncSession, event: risk.SupervisionMatterOpened, delivery: Delivery[PenaltyContext]
) -> None:
    """The justice bureau opened a supervision matter on a case: the case cannot close while it is open."""
    await supervision.record_opened(session, event)


@consumers.consumes(risk.SupervisionMatterClosed, name="supervision-matter-closed")
async def on_matter_closed(
    session: AsyncSession, event: risk.SupervisionMatterClosed, delivery: Delivery[PenaltyContext]
) -> None:
    """The supervisor closed the matter (办结): it no longer holds the case open."""
    await supervision.record_closed(session, event)


@consumers.consumes(risk.SupervisionMatterDeadlineSet, name="supervision-matter-deadline-set")
async def on_matter_deadline_set(
    session: AsyncSession, event: risk.SupervisionMatterDeadlineSet, delivery: Delivery[PenaltyContext]
) -> None:
    """A matter's pending deadline was computed (its year entered): the case's copy gets the date."""
    await supervision.record_deadline(session, event)
