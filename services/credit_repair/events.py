"""What credit_repair publishes: one builder per contract of services/common/contracts/credit.py
(``PUBLISHED``). The use cases stage them with ``outbox.add`` in the state change's own transaction. The
set-based ends of the sweep and clean-ups build ``credit.publication.ended`` in SQL (repository.bulk); a test
holds that envelope to this builder's contract. What it consumes is declared in ``consumers``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.common.contracts import credit as contracts
from services.common.events import Event
from services.common.registry import SERVICES
from services.credit_repair.domain.publication import Window
from services.credit_repair.domain.rules import CreditClass
from services.credit_repair.models import CreditRecord, Publication, RepairApplication, RepairNotice

API = SERVICES["credit_repair"].api_prefix


def class_label(code: str) -> contracts.CreditClass:
    return CreditClass(code).label  # type: ignore[return-value]


def publication_started(record: CreditRecord, publication: Publication, window: Window) -> Event:
    return contracts.PublicationStarted(
        publication_id=publication.id,
        record_id=record.id,
        case_id=record.case_id,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        credit_class=class_label(record.credit_class),
        starts_on=window.start,
        earliest_repair_on=window.earliest_repair_date or window.maximum_end,
        ends_on=window.maximum_end,
        never_early=not window.early_end_allowed,
    )


def notice_issued(record: CreditRecord, notice: RepairNotice, window: Window | None, at: datetime) -> Event:
    return contracts.NoticeIssued(
        notice_id=notice.id,
        notice_no=notice.notice_no,
        case_id=record.case_id,
        decision_no=record.decision_no,
        party_uscc=record.party_uscc,
        credit_class=class_label(record.credit_class),
        published=record.published,
        publication_starts_on=window.start if window else None,
        earliest_repair_on=window.earliest_repair_date if window else None,
        publication_ends_on=window.maximum_end if window else None,
        document_url=f"{API}/notices/{notice.id}/pdf",
        html_url=f"{API}/notices/{notice.id}/html",
        issued_at=at,
        department_code=record.department_code,
    )


def publication_ended(record: CreditRecord, publication: Publication, reason: str, at: datetime) -> Event:
    return contracts.PublicationEnded(
        publication_id=publication.id,
        record_id=record.id,
        case_id=record.case_id,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        reason=reason,
        ended_at=at,
    )


def repair_completed(app: RepairApplication, record: CreditRecord, at: datetime) -> Event:
    return contracts.RepairCompleted(
        repair_id=app.id,
        record_id=record.id,
        case_id=record.case_id,
        party_uscc=record.party_uscc,
        accepted_at=at,
    )


#: What credit_repair publishes: each contract and its builder (used by use_cases.decisions, .records
#: and .repairs; ``credit.publication.ended`` of bulk ends is built in SQL, repository.bulk).
PUBLISHED: dict[type[Event], Callable[..., Event]] = {
    contracts.PublicationStarted: publication_started,
    contracts.NoticeIssued: notice_issued,
    contracts.PublicationEnded: publication_ended,
    contracts.RepairCompleted: repair_completed,
}
