"""Supervision matters on cases, as risk published them (issue #14): one row per matter, open while
``closed_at`` is null. An ``opened`` and a ``closed`` event of one matter may arrive in either order."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import CaseSupervisionMatter


async def record_opened(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(CaseSupervisionMatter).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["matter_id"], set_={"opened_at": stmt.excluded.opened_at})
    )


async def record_closed(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(CaseSupervisionMatter).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["matter_id"], set_={"closed_at": stmt.excluded.closed_at})
    )


async def record_deadline(session: AsyncSession, values: dict[str, Any]) -> None:
    """The deadline risk computed once its year was entered; before the opening arrives, the row it opens."""
    stmt = pg_insert(CaseSupervisionMatter).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["matter_id"], set_={"due_on": stmt.excluded.due_on})
    )


async def open_matters(session: AsyncSession, case_id: uuid.UUID) -> list[CaseSupervisionMatter]:
    """The case's matters still open, oldest deadline first."""
    query = (
        sa.select(CaseSupervisionMatter)
        .where(CaseSupervisionMatter.case_id == case_id, CaseSupervisionMatter.closed_at.is_(None))
        .order_by(CaseSupervisionMatter.due_on, CaseSupervisionMatter.document_no)
    )
    return list((await session.scalars(query)).all())
