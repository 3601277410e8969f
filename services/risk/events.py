"""Events of the risk service: the consumers (one thin handler per contract, calling a use case of
``use_cases/signals.py``) and the table of what risk publishes.

The durable names are the inbox keys and the JetStream consumer names (``risk-<name>``): renaming one makes a
new consumer that replays its stream, so they stay exactly as they are.

Published (services/common/contracts/risk.py):

- ``risk.warning.issued``: built from ``WarningPublished`` by ``CONTRACTS`` below, staged with ``outbox.add``
  by ``use_cases.reports.publish_report`` (the table reaches the use case through ``RiskContext.contracts``:
  use cases sit below this module);
- ``risk.enterprise.classified``: written set-based by ``repository.classes.classify``, one outbox row per class
  change in the classifying statement itself (a full run changes up to a million classes); the envelope it
  builds in SQL is tested field by field against ``outbox.add`` (tests/risk/test_classes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import credit, inspection, penalty
from services.common.contracts.risk import WarningIssued
from services.common.events import Event
from services.common.inbox import Consumers, Delivery
from services.risk.domain.report import WarningPublished
from services.risk.settings import RiskContext
from services.risk.use_cases import signals

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


# --------------------------------------------------------------------------------------------------- published


def warning_issued(fact: WarningPublished) -> WarningIssued:
    return WarningIssued(
        warning_id=fact.warning_id,
        quarter=fact.quarter,
        unit_code=fact.unit_code,
        domain=None,
        colour=fact.colour.value,
        lit=fact.lamp,
        reasons=list(fact.reasons),
        rectification_due_on=fact.rectification_due_on,
        issued_at=fact.issued_at,
    )


# What a use case records → the contract that announces it.
CONTRACTS: dict[type[Any], Callable[[Any], Event]] = {
    WarningPublished: warning_issued,
}
