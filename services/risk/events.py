"""What the risk service publishes: one builder per contract of services/common/contracts/risk.py
(``PUBLISHED``). The use cases stage them with ``outbox.add`` in the state change's own transaction; what risk
consumes is declared in ``consumers``.

``risk.enterprise.classified`` is written set-based by ``repository.classes.classify``: one outbox row per class
change, in the classifying statement itself (a full run changes up to a million classes), its envelope built in
SQL. tests/risk/test_classes.py holds that row to ``enterprise_classified`` and to what ``outbox.add`` writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from services.common.contracts import risk as contracts
from services.common.events import Event
from services.risk.domain import rectification
from services.risk.domain.report import Assessment
from services.risk.models import Complaint, EnterpriseClass, SupervisionMatter


def warning_issued(
    warning_id: uuid.UUID,
    assessment: Assessment,
    rect: rectification.Rectification,
    reasons: Sequence[str],
    at: datetime,
) -> contracts.WarningIssued:
    """A published report warns a coloured or lit unit; ``rect`` is the rectification it asks for."""
    assert assessment.unit_code is not None
    return contracts.WarningIssued(
        warning_id=warning_id,
        quarter=rect.quarter,
        unit_code=assessment.unit_code,
        domain=None,
        colour=assessment.colour.value,
        lit=assessment.lamp,
        reasons=list(reasons),
        rectification_due_on=rect.deadline,
        issued_at=at,
    )


def rectification_deadline_set(
    warning_id: uuid.UUID, rect: rectification.Rectification
) -> contracts.RectificationDeadlineSet:
    """A rectification's pending deadline computed once its year was entered (the unit is told the date)."""
    assert rect.deadline is not None
    return contracts.RectificationDeadlineSet(
        warning_id=warning_id,
        unit_code=rect.unit_code,
        quarter=rect.quarter,
        due_on=rect.deadline,
        reopened=rectification.clock_started(rect)[1],
    )


def enterprise_classified(row: EnterpriseClass, previous_class: str | None) -> contracts.EnterpriseClassified:
    """An enterprise's class changed (or it was classified for the first time: ``previous_class`` None)."""
    return contracts.EnterpriseClassified(
        uscc=row.uscc,
        risk_class=row.risk_class,
        previous_class=previous_class,
        score=row.score,
        reasons=list(row.reason_texts),
        classified_at=row.classified_at,
        revision=row.revision,
    )


def complaint_received(row: Complaint) -> contracts.ComplaintReceived:
    """The bureau received a complaint (the complainant named only when not anonymous)."""
    return contracts.ComplaintReceived(
        complaint_id=row.id,
        ack_no=row.ack_no,
        source=row.source,
        unit_code=row.unit_code,
        category=row.category,
        complainant_uscc=None if row.anonymous else row.complainant_uscc,
        due_on=row.due_on,
        received_at=row.received_at,
    )


def complaint_answered(row: Complaint) -> contracts.ComplaintAnswered:
    """The bureau answered the complainant."""
    assert row.finding is not None and row.answered_at is not None
    return contracts.ComplaintAnswered(
        complaint_id=row.id,
        ack_no=row.ack_no,
        unit_code=row.unit_code,
        complainant_uscc=None if row.anonymous else row.complainant_uscc,
        finding=row.finding,
        referred_to_discipline=row.referred_to_discipline,
        answered_at=row.answered_at,
    )


#: What risk publishes: each contract and its builder (``warning_issued`` is used by use_cases.reports;
#: ``risk.enterprise.classified`` is built in SQL, repository.classes, and held to ``enterprise_classified``).
PUBLISHED: dict[type[Event], Callable[..., Event]] = {
    contracts.WarningIssued: warning_issued,
    contracts.RectificationDeadlineSet: rectification_deadline_set,
    contracts.EnterpriseClassified: enterprise_classified,
    contracts.ComplaintReceived: complaint_received,
    contracts.ComplaintAnswered: complaint_answered,
}


# --------------------------------------------------------------------------------------------------- supervision matters


def matter_opened(row: SupervisionMatter) -> contracts.SupervisionMatterOpened:
    """A supervisor opened a matter (the target's service keeps the target open while it is)."""
    return contracts.SupervisionMatterOpened(
        matter_id=row.id,
        kind=row.kind,
        target_kind=row.target_kind,
        target_id=row.target_id,
        unit_code=row.unit_code,
        due_on=row.due_on,
        document_no=row.document_no,
        opened_at=row.opened_at,
    )


def matter_closed(row: SupervisionMatter) -> contracts.SupervisionMatterClosed:
    """The supervisor closed a matter (办结)."""
    assert row.closed_at is not None
    return contracts.SupervisionMatterClosed(
        matter_id=row.id,
        kind=row.kind,
        target_kind=row.target_kind,
        target_id=row.target_id,
        unit_code=row.unit_code,
        due_on=row.due_on,
        document_no=row.document_no,
        closed_at=row.closed_at,
    )


def matter_deadline_set(
    row: SupervisionMatter, *, reopened: bool = False
) -> contracts.SupervisionMatterDeadlineSet:
    """A pending deadline computed once its year was entered, or the new one of a reopening (penalty's copy
    gets it, the unit is told)."""
    return contracts.SupervisionMatterDeadlineSet(
        matter_id=row.id,
        kind=row.kind,
        target_kind=row.target_kind,
        target_id=row.target_id,
        unit_code=row.unit_code,
        due_on=row.due_on,
        document_no=row.document_no,
        answered=row.status in ("answered", "closed"),
        reopened=reopened,
    )


PUBLISHED[contracts.SupervisionMatterOpened] = matter_opened
PUBLISHED[contracts.SupervisionMatterClosed] = matter_closed
PUBLISHED[contracts.SupervisionMatterDeadlineSet] = matter_deadline_set
