"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — documents."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.domain.documents import DocumentKind
from services.penalty.models import (
    Document,
    PenaltyCase,
)

# --------------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------------


async def add_document(session: AsyncSession, row: Document) -> None:
    session.add(row)
    await session.flush()


async def case_documents(session: AsyncSession, case_id: uuid.UUID) -> Sequence[Document]:
    stmt = (
        sa.select(Document).where(Document.case_id == case_id).order_by(Document.created_at, Document.number)
    )
    return (await session.scalars(stmt)).all()


#: A document is seen by whoever sees its case, except the 立案审批表: an internal form, never served on the
#: party.
DOCUMENTS = Visibility(
    uscc=lambda uscc: sa.and_(
        PenaltyCase.party_uscc == uscc, Document.kind != DocumentKind.FILING_APPROVAL.value
    ),
    department_code=PenaltyCase.dept_code,
    district_code=PenaltyCase.district_code,
)


async def readable_document(session: AsyncSession, scope: Scope, document_id: uuid.UUID) -> Document | None:
    stmt = (
        sa.select(Document)
        .join(PenaltyCase, PenaltyCase.id == Document.case_id)
        .where(Document.id == document_id)
    )
    return (await session.scalars(readable(stmt, scope, DOCUMENTS))).one_or_none()


async def document_pdf(session: AsyncSession, document_id: uuid.UUID) -> bytes | None:
    return await session.scalar(sa.select(Document.pdf).where(Document.id == document_id))


async def store_pdf(session: AsyncSession, document_id: uuid.UUID, pdf: bytes) -> None:
    """Cache rendered bytes; a concurrent first request that stored them already wins."""
    await session.execute(
        sa.update(Document)
        .where(Document.id == document_id, Document.pdf.is_(None))
        .values(pdf=pdf, pdf_rendered_at=sa.func.now())
    )
