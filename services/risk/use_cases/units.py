"""Enforcement units: registered the first time an event or a record names them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk.domain.units import UnitRef, unit_of_event
from services.risk.repository import units as unit_repo


async def register(session: AsyncSession, codes: Iterable[str]) -> None:
    """Register the units named by stored records (department and district read from the code)."""
    await unit_repo.ensure_units(session, [UnitRef.of(code) for code in sorted(set(codes))])


async def of_event(session: AsyncSession, department_code: str, district_code: str | None) -> str:
    """The unit an event names, registered if new; returns its code."""
    unit = unit_of_event(department_code, district_code)
    await unit_repo.ensure_units(session, [unit])
    return unit.code
