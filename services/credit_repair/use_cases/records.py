"""Credit records and their 信用修复提示书 (HTML at issue, PDF on first request), and ending a publication."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, documents, outbox
from services.common.access import Scope
from services.credit_repair import events
from services.credit_repair.domain import notice as notice_domain
from services.credit_repair.models import CreditRecord, Publication, RepairNotice
from services.credit_repair.repository import deferred
from services.credit_repair.repository import notices as notice_repo
from services.credit_repair.repository import publications as publication_repo
from services.credit_repair.repository import records as record_repo

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NOTICE_TEMPLATE = "repair_notice.html"

RecordView = record_repo.RecordView


async def list_records(
    session: AsyncSession,
    scope: Scope,
    *,
    case_id: uuid.UUID | None,
    uscc: str | None,
    published: bool | None,
    before: str | None,
    limit: int,
) -> list[RecordView]:
    """The records ``scope`` may read, newest first, each with its publication, end and notice: one
    statement, one snapshot (``repository.records.list_records``)."""
    return await record_repo.list_records(
        session, scope, case_id=case_id, uscc=uscc, published=published, before=before, limit=limit
    )


async def record_view(session: AsyncSession, record: CreditRecord) -> RecordView:
    """A record with its publication, the publication's end and its notice, read again with them in one
    statement (the record ``RecordDep`` loaded for the access check was an earlier snapshot)."""
    view = await record_repo.record_view(session, record.id)
    assert view is not None  # the record exists: records are never deleted
    return view


async def list_notices(
    session: AsyncSession, scope: Scope, *, case_id: uuid.UUID | None, before: str | None, limit: int
) -> list[RepairNotice]:
    return await notice_repo.list_notices(session, scope, case_id=case_id, before=before, limit=limit)


def notice_html(content: notice_domain.RepairNotice) -> str:
    """The notice as a self-contained HTML document."""
    return documents.render_html(TEMPLATES, NOTICE_TEMPLATE, n=content)


async def notice_pdf(session: AsyncSession, notice: RepairNotice) -> bytes:
    """The notice as PDF: rendered on the first request (off the event loop) and kept."""
    pdf = await notice_repo.notice_pdf(session, notice.id)
    if pdf is not None:
        return pdf
    pdf = await documents.pdf(notice_html(notice_domain.from_json(notice.content)))
    await notice_repo.store_notice_pdf(session, notice.id, pdf, clock.now())
    return pdf


async def end_publication(
    session: AsyncSession,
    record: CreditRecord,
    publication: Publication,
    *,
    reason: str,
    now: datetime,
    today: date,
) -> bool:
    """End a publication (feed entry and ``credit.publication.ended``) unless it has ended already."""
    if not await publication_repo.end_publication(
        session, publication.id, reason=reason, now=now, today=today
    ):
        return False
    deferred.stage_feed(session, publication.id, "ended", reason, now)
    outbox.add(session, events.publication_ended(record, publication, reason, now))
    return True
