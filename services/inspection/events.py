"""What the inspection service publishes: one builder per contract of services/common/contracts/inspection.py
(``PUBLISHED``), each from the domain event that reports the change (domain/events.py). The use cases stage
them with ``outbox.add`` in the change's own transaction; what inspection consumes is declared in
``consumers``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from services.common.contracts import inspection as contracts
from services.common.events import Event
from services.inspection import models as m
from services.inspection.domain import events, follow_ups, visits


def visit_started(
    event: events.VisitStarted, *, ids: tuple[uuid.UUID, uuid.UUID] | None = None
) -> contracts.VisitStarted:
    """``ids``: the visit's and its task's ids, when the caller holds them parsed already (the check-in)."""
    visit = event.visit
    visit_id, task_id = ids if ids is not None else (uuid.UUID(visit.visit_id), uuid.UUID(visit.task_id))
    return contracts.VisitStarted(
        visit_id=visit_id,
        task_id=task_id,
        task_kind=visit.task_kind.value,
        enterprise_uscc=visit.uscc,
        department_codes=sorted(visit.dept_codes),
        district_code=visit.district_code,
        officer_cert_nos=list(visit.cert_nos),
        item_codes=list(visit.item_codes),
        mode=visit.mode.value,
        started_at=visit.started_at,
    )


def visit_completed(event: events.VisitCompleted) -> contracts.VisitCompleted:
    visit = event.visit
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
        violation_id=visits.violation_id(payload.key),
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


def visit_rated(event: events.VisitRated) -> contracts.VisitRated:
    visit = event.visit
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


def officer_changed(event: events.OfficerChanged) -> contracts.OfficerChanged:
    officer = event.officer
    assert officer.cert_no is not None
    return contracts.OfficerChanged(
        officer_id=uuid.UUID(officer.officer_id),
        cert_no=officer.cert_no,
        department_code=officer.dept_code,
        status=officer.status.value,
        auxiliary=officer.auxiliary,
        valid_until=officer.valid_until,
        reason=officer.status_reason,
        changed_at=event.changed_at,
        revision=officer.revision,
    )


def enterprise_registered(event: events.EnterpriseRegistered) -> contracts.EnterpriseRegistered:
    enterprise = event.enterprise
    return contracts.EnterpriseRegistered(
        uscc=enterprise.uscc,
        name=enterprise.name,
        district_code=enterprise.district_code,
        industry=enterprise.industry,
        registered_at=event.registered_at,
    )


def entry_refused(event: events.EntryRefusal) -> contracts.EntryRefused:
    return contracts.EntryRefused(
        refusal_id=event.refusal_id,
        code=event.code,
        task_id=event.task_id,
        enterprise_uscc=event.enterprise_uscc,
        department_code=event.department_code,
        district_code=event.district_code,
        officer_cert_nos=list(event.officer_cert_nos),
        detail=event.detail,
        refused_at=event.refused_at,
        counts_against_unit=event.counts_against_unit,
        attempt_ref=event.attempt_ref,
    )


#: What inspection publishes: each contract and its builder (used by use_cases.entry, .visits and
#: .registries).
PUBLISHED: dict[type[Event], Callable[..., Event]] = {
    contracts.VisitStarted: visit_started,
    contracts.VisitCompleted: visit_completed,
    contracts.ViolationFound: violation_found,
    contracts.VisitRated: visit_rated,
    contracts.OfficerChanged: officer_changed,
    contracts.EnterpriseRegistered: enterprise_registered,
    contracts.EntryRefused: entry_refused,
}


# ---------------------------------------------------------------------------------------------------------
# 责令改正 follow-up (issue #14 item 6)


def follow_up_overdue(row: m.CorrectionFollowUp, detected_on: date) -> contracts.CorrectionFollowUpOverdue:
    return contracts.CorrectionFollowUpOverdue(
        follow_up_id=row.follow_up_id,
        visit_id=row.visit_id,
        enterprise_uscc=row.uscc,
        item_code=row.item_code,
        department_code=row.dept_code,
        district_code=row.district_code,
        ordered_on=row.ordered_on,
        due_on=row.due_on,
        detected_on=detected_on,
    )


def follow_up_violation(row: m.CorrectionFollowUp, found_at: datetime) -> contracts.ViolationFound:
    """逾期未改正: a violation found at the follow-up check, a penalty lead like any violation of a visit."""
    assert row.checked_on is not None
    return contracts.ViolationFound(
        violation_id=visits.violation_id(follow_ups.violation_key(row.follow_up_id)),
        visit_id=row.visit_id,
        enterprise_uscc=row.uscc,
        enterprise_name=row.enterprise_name,
        item_code=row.item_code,
        item_name=row.item_name,
        legal_basis=row.legal_basis,
        description=f"责令改正逾期未改正（改正期限{row.due_on.isoformat()}，{row.checked_on.isoformat()}复查）："
        f"{row.requirement}；复查情况：{row.result_notes}",
        evidence_hashes=list(row.evidence_sha256),
        officer_cert_nos=list(row.officer_cert_nos),
        department_code=row.dept_code,
        district_code=row.district_code,
        found_at=found_at,
    )


PUBLISHED[contracts.CorrectionFollowUpOverdue] = follow_up_overdue
