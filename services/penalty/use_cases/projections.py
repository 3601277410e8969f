"""What the penalty service keeps of other services' events: inspection's certificate changes (who may
sign) and the credit service's repair notices (两书同达)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import credit as credit_contracts
from services.common.contracts import inspection as inspection_contracts
from services.penalty import repository as repo


async def record_officer_change(session: AsyncSession, event: inspection_contracts.OfficerChanged) -> None:
    """Keep the newest certificate status (events may arrive out of order: the revision decides)."""
    await repo.upsert_certificate(
        session,
        {
            "cert_no": event.cert_no,
            "officer_id": event.officer_id,
            "department_code": event.department_code,
            "status": event.status,
            "auxiliary": event.auxiliary,
            "valid_until": event.valid_until,
            "reason": event.reason,
            "changed_at": event.changed_at,
            "revision": event.revision,
        },
    )


async def record_credit_notice(session: AsyncSession, event: credit_contracts.NoticeIssued) -> None:
    """Keep the newest credit repair notice of a case (by issue time)."""
    await repo.upsert_credit_notice(
        session,
        {
            "case_id": event.case_id,
            "notice_id": event.notice_id,
            "notice_no": event.notice_no,
            "decision_no": event.decision_no,
            "credit_class": event.credit_class,
            "published": event.published,
            "publication_starts_on": event.publication_starts_on,
            "earliest_repair_on": event.earliest_repair_on,
            "publication_ends_on": event.publication_ends_on,
            "document_url": event.document_url,
            "issued_at": event.issued_at,
        },
    )
