"""Enforcement units (执法主体): registered from the events and records that name them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from services.common.access import Scope, Visibility, readable
from services.risk.domain.units import UnitRef
from services.risk.models import Unit, table_of

unit_t = table_of(Unit)

# An officer's scope in risk is its enforcement unit (services/risk/deps.py); a district supervisor sees the
# units of the district.
UNIT_VISIBILITY = Visibility(department_code=Unit.code, district_code=Unit.district_code)


def of_units_in(district_code: str) -> sa.ScalarSelect[str]:
    """The codes of the units of a district (for objects that record only their unit)."""
    return sa.select(unit_t.c.code).where(unit_t.c.district_code == district_code).scalar_subquery()


def unit_rule(unit_column: QueryableAttribute[str]) -> Visibility:
    """The visibility of an object that belongs to the unit in ``unit_column``: the unit's officers, the
    supervisors of the unit's district."""
    return Visibility(
        department_code=unit_column, district_code=lambda code: unit_column.in_(of_units_in(code))
    )


async def ensure_units(session: AsyncSession, rows: Sequence[UnitRef]) -> None:
    """Register units not seen before (code, department_code, district_code); existing rows are kept."""
    if not rows:
        return
    by_code = {r.code: r for r in rows}
    await session.execute(
        sa.text(
            "INSERT INTO risk_unit (code, department_code, district_code) "
            "SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:depts AS text[]), CAST(:districts AS text[])) "
            "ON CONFLICT (code) DO NOTHING"
        ),
        {
            "codes": list(by_code),
            "depts": [r.department_code for r in by_code.values()],
            "districts": [r.district_code for r in by_code.values()],
        },
    )


async def upsert_unit(
    session: AsyncSession, *, code: str, name: str, department_code: str | None, district_code: str | None
) -> None:
    stmt = pg_insert(unit_t).values(
        code=code, name=name, department_code=department_code, district_code=district_code
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={
                "name": stmt.excluded.name,
                "department_code": stmt.excluded.department_code,
                "district_code": stmt.excluded.district_code,
            },
        )
    )


async def readable_unit(session: AsyncSession, scope: Scope, code: str) -> Unit | None:
    """The unit, if ``scope`` may see it."""
    query = readable(sa.select(Unit).where(Unit.code == code), scope, UNIT_VISIBILITY)
    return (await session.scalars(query)).first()


async def units_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Unit]:
    if not codes:
        return {}
    rows = (await session.scalars(sa.select(Unit).where(Unit.code.in_(list(codes))))).all()
    return {r.code: r for r in rows}
