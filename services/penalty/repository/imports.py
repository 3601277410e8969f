"""Every query of the penalty service — cases imported from a former case system."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import CaseKey, ImportedCase


async def lock_import(session: AsyncSession, dept_code: str, source_case_no: str) -> None:
    """Serialise imports of one former case number (two concurrent imports of a row write it once)."""
    key = sa.func.hashtextextended(f"penalty.import:{dept_code}:{source_case_no}", 0)
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def imported_case(session: AsyncSession, dept_code: str, source_case_no: str) -> ImportedCase | None:
    return await session.get(ImportedCase, (dept_code, source_case_no))


async def add_imported(session: AsyncSession, row: ImportedCase) -> None:
    session.add(row)
    await session.flush()


async def numbers_taken(session: AsyncSession, *, case_no: str, decision_no: str | None) -> list[str]:
    """Which of a case number and a decision number another case already holds."""
    taken: list[str] = []
    if await session.scalar(sa.select(sa.exists().where(CaseKey.case_no == case_no))):
        taken.append(case_no)
    if decision_no is not None and await session.scalar(
        sa.select(sa.exists().where(CaseKey.decision_no == decision_no))
    ):
        taken.append(decision_no)
    return taken
