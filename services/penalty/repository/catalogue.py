"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import (
    BenchmarkVersionRow,
    CatalogueState,
    Department,
)

# --------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------


async def catalogue_revision(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(CatalogueState.revision).where(CatalogueState.id == 1)) or 0)


async def catalogue_state(session: AsyncSession, *, lock: bool = False) -> CatalogueState:
    stmt = sa.select(CatalogueState).where(CatalogueState.id == 1)
    if lock:
        stmt = stmt.with_for_update()
    state = (await session.scalars(stmt)).one()
    return state


async def bump_catalogue(session: AsyncSession, *, meta: dict[str, Any] | None = None) -> int:
    values: dict[str, Any] = {"revision": CatalogueState.revision + 1, "updated_at": sa.func.now()}
    if meta is not None:
        values["meta"] = meta
    result = await session.execute(
        sa.update(CatalogueState)
        .where(CatalogueState.id == 1)
        .values(**values)
        .returning(CatalogueState.revision)
    )
    return int(result.scalar_one())


async def published_versions(session: AsyncSession) -> Sequence[BenchmarkVersionRow]:
    stmt = (
        sa.select(BenchmarkVersionRow)
        .where(BenchmarkVersionRow.status == "published")
        .order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version)
    )
    return (await session.scalars(stmt)).all()


async def all_versions(session: AsyncSession, *, status: str | None = None) -> Sequence[BenchmarkVersionRow]:
    stmt = sa.select(BenchmarkVersionRow).order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version)
    if status is not None:
        stmt = stmt.where(BenchmarkVersionRow.status == status)
    return (await session.scalars(stmt)).all()


async def versions_of(
    session: AsyncSession, code: str, *, lock: bool = False
) -> Sequence[BenchmarkVersionRow]:
    stmt = (
        sa.select(BenchmarkVersionRow)
        .where(BenchmarkVersionRow.code == code)
        .order_by(BenchmarkVersionRow.version)
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).all()


async def lock_code(session: AsyncSession, code: str) -> None:
    """Serialise catalogue changes to one code (drafting a new version number, publishing)."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("benchmark:" + code))))


async def add_version(session: AsyncSession, row: BenchmarkVersionRow) -> None:
    session.add(row)
    await session.flush()


async def list_published_page(
    session: AsyncSession,
    *,
    after: tuple[str, int] | None,
    limit: int,
    department_code: str | None,
    domain: str | None,
    in_force_on: date | None,
    query: str | None,
) -> Sequence[BenchmarkVersionRow]:
    stmt = sa.select(BenchmarkVersionRow).where(BenchmarkVersionRow.status == "published")
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(BenchmarkVersionRow.code, BenchmarkVersionRow.version) > sa.tuple_(*after)
        )
    if department_code:
        stmt = stmt.where(BenchmarkVersionRow.department_code == department_code)
    if domain:
        stmt = stmt.where(BenchmarkVersionRow.domain == domain)
    if in_force_on is not None:
        stmt = stmt.where(
            BenchmarkVersionRow.effective_from <= in_force_on,
            sa.or_(
                BenchmarkVersionRow.effective_to.is_(None), BenchmarkVersionRow.effective_to >= in_force_on
            ),
        )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(BenchmarkVersionRow.violation_name.like(pattern), BenchmarkVersionRow.code.like(pattern))
        )
    stmt = stmt.order_by(BenchmarkVersionRow.code, BenchmarkVersionRow.version).limit(limit + 1)
    return (await session.scalars(stmt)).all()


# --------------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------------


async def department(session: AsyncSession, code: str) -> Department | None:
    return await session.get(Department, code)


async def departments(session: AsyncSession) -> Sequence[Department]:
    return (await session.scalars(sa.select(Department).order_by(Department.code))).all()


async def upsert_department(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(Department).values(**values)
    update: dict[str, Any] = {k: stmt.excluded[k] for k in values if k != "code"}
    update["updated_at"] = sa.func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=update))
