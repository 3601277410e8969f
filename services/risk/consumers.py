"""Events the risk service consumes, declared where they are handled: one thin handler per contract, calling a
use case of ``use_cases/signals.py`` (what it publishes is built in ``events``).

The consumer names are the durable JetStream consumers (``risk-<name>``) and the inbox keys: never rename one
(a new name replays the stream).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import audit, credit, inspection, penalty
from services.common.inbox import Consumers, Delivery
from services.common.registry import SERVICES
from services.risk.settings import RiskContext
from services.risk.use_cases import checkpoints, complaints, signals

consumers: Consumers[RiskContext] = Consumers()

Ctx = Delivery[RiskContext]


@consumers.consumes(penalty.CaseOpened, name="case-opened")
async def on_case_opened(session: AsyncSession, event: penalty.CaseOpened, delivery: Ctx) -> None:
    await signals.case_opened(session, event)


@consumers.consumes(penalty.DecisionIssued, name="decision-issued")
async def on_decision_issued(session: AsyncSession, event: penalty.DecisionIssued, delivery: Ctx) -> None:
    await signals.decision_issued(session, event, config=delivery.context.config)


@consumers.consumes(penalty.DecisionRevoked, name="decision-revoked")
async def on_decision_revoked(session: AsyncSession, event: penalty.DecisionRevoked, delivery: Ctx) -> None:
    await signals.decision_corrected(session, event, config=delivery.context.config)


@consumers.consumes(penalty.DecisionChanged, name="decision-changed")
async def on_decision_changed(session: AsyncSession, event: penalty.DecisionChanged, delivery: Ctx) -> None:
    await signals.decision_corrected(session, event, config=delivery.context.config)


@consumers.consumes(penalty.DeadlineMissed, name="deadline-missed")
async def on_deadline_missed(session: AsyncSession, event: penalty.DeadlineMissed, delivery: Ctx) -> None:
    await signals.deadline_missed(session, event, at=delivery.envelope.time)


@consumers.consumes(inspection.EntryRefused, name="entry-refused")
async def on_entry_refused(session: AsyncSession, event: inspection.EntryRefused, delivery: Ctx) -> None:
    await signals.entry_refused(session, event)


@consumers.consumes(inspection.VisitRated, name="visit-rated")
async def on_visit_rated(session: AsyncSession, event: inspection.VisitRated, delivery: Ctx) -> None:
    await signals.visit_rated(session, event)
    # a rating tagged 索要财物 / 未出示证件 / 超范围检查 opens a complaint whatever its stars (issue #14)
    await complaints.from_rating(session, event, delivery.context)


@consumers.consumes(inspection.VisitCompleted, name="visit-completed")
async def on_visit_completed(session: AsyncSession, event: inspection.VisitCompleted, delivery: Ctx) -> None:
    await signals.visit_completed(session, event)


@consumers.consumes(inspection.ViolationFound, name="violation-found")
async def on_violation_found(session: AsyncSession, event: inspection.ViolationFound, delivery: Ctx) -> None:
    await signals.violation_found(session, event, config=delivery.context.config)


@consumers.consumes(inspection.EnterpriseRegistered, name="enterprise-registered")
async def on_enterprise_registered(
    session: AsyncSession, event: inspection.EnterpriseRegistered, delivery: Ctx
) -> None:
    await signals.enterprise_registered(session, event, config=delivery.context.config)


@consumers.consumes(credit.PublicationStarted, name="publication-started")
async def on_publication_started(
    session: AsyncSession, event: credit.PublicationStarted, delivery: Ctx
) -> None:
    await signals.publication_started(session, event, config=delivery.context.config)


@consumers.consumes(credit.PublicationEnded, name="publication-ended")
async def on_publication_ended(session: AsyncSession, event: credit.PublicationEnded, delivery: Ctx) -> None:
    await signals.publication_ended(session, event, config=delivery.context.config)


@consumers.consumes(credit.RepairCompleted, name="repair-completed")
async def on_repair_completed(session: AsyncSession, event: credit.RepairCompleted, delivery: Ctx) -> None:
    await signals.repair_completed(session, event, config=delivery.context.config)


# penalty's enforcement stage (issue #17): a court-application window (行政强制法 第五十三条) missed
@consumers.consumes(penalty.EnforcementWindowMissed, name="enforcement-window-missed")
async def on_enforcement_window_missed(
    session: AsyncSession, event: penalty.EnforcementWindowMissed, delivery: Ctx
) -> None:
    await signals.enforcement_window_missed(
        session, event, at=delivery.envelope.time, config=delivery.context.config
    )


@consumers.consumes(inspection.CorrectionFollowUpOverdue, name="follow-up-overdue")
async def on_follow_up_overdue(
    session: AsyncSession, event: inspection.CorrectionFollowUpOverdue, delivery: Ctx
) -> None:
    await signals.follow_up_overdue(session, event, at=delivery.envelope.time)


@consumers.consumes(penalty.CorrectionFollowUpOverdue, name="penalty-follow-up-overdue")
async def on_penalty_follow_up_overdue(
    session: AsyncSession, event: penalty.CorrectionFollowUpOverdue, delivery: Ctx
) -> None:
    await signals.penalty_follow_up_overdue(session, event, at=delivery.envelope.time)


# Every service's audit checkpoints, risk's own included (issue #13): one consumer per producer's stream.
def _checkpoint_consumer(service: str) -> None:
    @consumers.consumes(audit.CHECKPOINTS[service], name=f"checkpoint-{service.replace('_', '-')}")
    async def on_checkpoint(session: AsyncSession, event: audit.CheckpointSigned, delivery: Ctx) -> None:
        await checkpoints.receive(
            session,
            event,
            source=delivery.envelope.source,
            event_id=delivery.envelope.id,
            keys=delivery.context.checkpoint_keys,
        )


for _service in SERVICES:
    _checkpoint_consumer(_service)
