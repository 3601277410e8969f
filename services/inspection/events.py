"""The inspection service's events: builders of the contracts it publishes (services/common/contracts/
inspection.py) from domain results, and the consumer of ``risk.enterprise.classified``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import inspection as contracts
from services.common.contracts.risk import EnterpriseClassified
from services.common.events import Envelope, Event
from services.common.inbox import Subscription
from services.inspection import repository as repo
from services.inspection.domain import registry, visits

#: uuid5 namespace of violation ids: the same violating item of the same visit always has the same id.
VIOLATION_NAMESPACE = uuid.UUID("0b6e1c7a-5d2f-5c1e-9a57-2f5c1b0e7d11")


def violation_id(key: str) -> uuid.UUID:
    return uuid.uuid5(VIOLATION_NAMESPACE, key)


def visit_started(visit: visits.Visit) -> contracts.VisitStarted:
    return contracts.VisitStarted(
        visit_id=uuid.UUID(visit.visit_id),
        task_id=uuid.UUID(visit.task_id),
        task_kind=visit.task_kind.value,
        enterprise_uscc=visit.uscc,
        department_codes=sorted(visit.dept_codes),
        district_code=visit.district_code,
        officer_cert_nos=list(visit.cert_nos),
        item_codes=list(visit.item_codes),
        mode=visit.mode.value,
        started_at=visit.started_at,
    )


def visit_completed(visit: visits.Visit) -> contracts.VisitCompleted:
    assert visit.completed_at is not None
    return contracts.VisitCompleted(
        visit_id=uuid.UUID(visit.visit_id),
        task_id=uuid.UUID(visit.task_id),
        task_kind=visit.task_kind.value,
        enterprise_uscc=visit.uscc,
        department_codes=sorted(visit.dept_codes),
        district_code=visit.district_code,
        mode=visit.mode.value,
        started_at=visit.started_at,
        completed_at=visit.completed_at,
        outcomes=visit.outcome_counts(),
    )


def violation_found(payload: visits.ViolationPayload) -> contracts.ViolationFound:
    return contracts.ViolationFound(
        violation_id=violation_id(payload.key),
        visit_id=uuid.UUID(payload.visit_id),
        enterprise_uscc=payload.enterprise_uscc,
        enterprise_name=payload.enterprise_name,
        item_code=payload.item_code,
        item_name=payload.item_name,
        legal_basis=payload.legal_basis,
        description=payload.description,
        evidence_hashes=list(payload.evidence_hashes),
        officer_cert_nos=list(payload.officer_cert_nos),
        department_code=payload.department_code,
        district_code=payload.district_code,
        found_at=payload.found_at,
    )


def visit_rated(visit: visits.Visit) -> contracts.VisitRated:
    assert visit.rating is not None
    return contracts.VisitRated(
        visit_id=uuid.UUID(visit.visit_id),
        enterprise_uscc=visit.uscc,
        department_codes=sorted(visit.dept_codes),
        district_code=visit.district_code,
        stars=visit.rating.stars,
        tags=list(visit.rating.tags),
        anonymous=visit.rating.anonymous,
        rated_at=visit.rating.rated_at,
    )


def officer_changed(officer: registry.Officer, *, changed_at: datetime) -> contracts.OfficerChanged:
    assert officer.cert_no is not None
    return contracts.OfficerChanged(
        officer_id=uuid.UUID(officer.officer_id),
        cert_no=officer.cert_no,
        department_code=officer.dept_code,
        status=officer.status.value,
        auxiliary=officer.auxiliary,
        valid_until=officer.valid_until,
        reason=officer.status_reason,
        changed_at=changed_at,
        revision=officer.revision,
    )


def enterprise_registered(enterprise: registry.Enterprise, *, at: datetime) -> contracts.EnterpriseRegistered:
    return contracts.EnterpriseRegistered(
        uscc=enterprise.uscc,
        name=enterprise.name,
        district_code=enterprise.district_code,
        industry=enterprise.industry,
        registered_at=at,
    )


async def on_enterprise_classified(session: AsyncSession, envelope: Envelope, event: Event) -> None:
    """Keep the newest class per enterprise; an older revision arriving late changes nothing."""
    assert isinstance(event, EnterpriseClassified)
    await repo.apply_classification(
        session,
        {
            "uscc": event.uscc,
            "risk_class": event.risk_class,
            "previous_class": event.previous_class,
            "score": event.score,
            "reasons": list(event.reasons),
            "classified_at": event.classified_at,
            "revision": event.revision,
            "source": "risk",
        },
    )


def subscriptions() -> list[Subscription]:
    """The consumers this service runs (besides the kernel's diagnostic pings)."""
    return [
        Subscription(
            name="enterprise-classified", subject=EnterpriseClassified.TYPE, handler=on_enterprise_classified
        )
    ]
