"""Queries of the stage after the decision (issue #17): a case's enforcement row (plans, 催告书, application to
the court), each department's coercive power, and the cases the window scan looks at. The case itself is
loaded (and locked) through the access rule by the route before any of these run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import CaseEnforcement, DepartmentEnforcement, PenaltyCase


async def enforcement(session: AsyncSession, case_id: uuid.UUID) -> CaseEnforcement | None:
    return await session.get(CaseEnforcement, case_id)


async def enforcement_for_update(session: AsyncSession, case_id: uuid.UUID, now: datetime) -> CaseEnforcement:
    """The case's enforcement row, created empty on first use (the caller holds the case row's lock)."""
    await session.execute(
        insert(CaseEnforcement)
        .values(case_id=case_id, plans=[], updated_at=now)
        .on_conflict_do_nothing(index_elements=["case_id"])
    )
    stmt = sa.select(CaseEnforcement).where(CaseEnforcement.case_id == case_id).with_for_update()
    return (await session.scalars(stmt.execution_options(populate_existing=True))).one()


async def department_power(session: AsyncSession, dept_code: str) -> DepartmentEnforcement | None:
    return await session.get(DepartmentEnforcement, dept_code)


async def set_department_power(
    session: AsyncSession, *, dept_code: str, coercive_power: bool, basis: str, actor: str, now: datetime
) -> DepartmentEnforcement:
    values = {"coercive_power": coercive_power, "basis": basis, "updated_by": actor, "updated_at": now}
    await session.execute(
        insert(DepartmentEnforcement)
        .values(dept_code=dept_code, **values)
        .on_conflict_do_update(index_elements=["dept_code"], set_=values)
    )
    row = await session.get(DepartmentEnforcement, dept_code, populate_existing=True)
    assert row is not None
    return row


async def window_scan_cases(session: AsyncSession) -> Sequence[PenaltyCase]:
    """Delivered fines not yet executed whose missed window has not been reported, with no application yet."""
    stmt = (
        sa.select(PenaltyCase)
        .outerjoin(CaseEnforcement, CaseEnforcement.case_id == PenaltyCase.id)
        .where(
            PenaltyCase.state.in_(("delivered", "changed")),
            PenaltyCase.fine_fen > 0,
            CaseEnforcement.application.is_(None),
            CaseEnforcement.window_missed_reported_on.is_(None),
        )
        .order_by(PenaltyCase.id)
    )
    return (await session.scalars(stmt)).all()
