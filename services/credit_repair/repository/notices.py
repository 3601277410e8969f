"""信用修复提示书: numbered without gaps per prefix and year, kept with their HTML (and PDF once asked for)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, in_department, readable
from services.credit_repair.models import RepairNotice

#: Who reads a notice: as for its record (repository.records.VISIBILITY).
VISIBILITY = Visibility(
    uscc=RepairNotice.party_uscc,
    department_code=in_department(RepairNotice.department_code),
    district_code=RepairNotice.district_code,
)


async def next_notice_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next number for ``prefix``/``year``. The counter row stays locked until commit and a rollback
    returns the number, so numbers have no gaps and no duplicates under concurrency."""
    value = await session.scalar(
        sa.text(
            "INSERT INTO notice_counter (prefix, year, last) VALUES (:prefix, :year, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = notice_counter.last + 1 RETURNING last"
        ),
        {"prefix": prefix, "year": year},
    )
    return int(value)


async def readable_notice(session: AsyncSession, scope: Scope, notice_id: uuid.UUID) -> RepairNotice | None:
    """The notice, if ``scope`` may read it."""
    query = readable(sa.select(RepairNotice).where(RepairNotice.id == notice_id), scope, VISIBILITY)
    return (await session.scalars(query)).first()


async def notice_pdf(session: AsyncSession, notice_id: uuid.UUID) -> bytes | None:
    value = await session.scalar(sa.select(RepairNotice.pdf).where(RepairNotice.id == notice_id))
    return None if value is None else bytes(value)


async def store_notice_pdf(session: AsyncSession, notice_id: uuid.UUID, pdf: bytes, at: datetime) -> None:
    await session.execute(
        sa.update(RepairNotice)
        .where(RepairNotice.id == notice_id, RepairNotice.pdf.is_(None))
        .values(pdf=pdf, pdf_rendered_at=at)
    )


async def list_notices(
    session: AsyncSession, scope: Scope, *, case_id: uuid.UUID | None, before: str | None, limit: int
) -> list[RepairNotice]:
    query = readable(
        sa.select(RepairNotice).order_by(RepairNotice.id.desc()).limit(limit + 1), scope, VISIBILITY
    )
    if case_id is not None:
        query = query.where(RepairNotice.case_id == case_id)
    if before is not None:
        query = query.where(RepairNotice.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())
