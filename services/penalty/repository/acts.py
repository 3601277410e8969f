"""Every query of the penalty service, one module per topic; functions take the caller's session and never
commit — acts (行政处罚法 第二十九条) and on-the-spot collections (第六十八条–第七十一条)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.models import CaseAct, DecidedCase, PenaltyCase, SpotCollection, ViolationAct

# --------------------------------------------------------------------------------------------------------
# Acts
# --------------------------------------------------------------------------------------------------------

#: Acts are internal: the department that recorded the act, its district's supervisor, the city.
ACTS = Visibility(department_code=ViolationAct.dept_code, district_code=ViolationAct.district_code)


async def readable_act(session: AsyncSession, scope: Scope, act_id: uuid.UUID) -> ViolationAct | None:
    stmt = readable(sa.select(ViolationAct).where(ViolationAct.id == act_id), scope, ACTS)
    return (await session.scalars(stmt)).one_or_none()


async def lock_act(session: AsyncSession, act_id: uuid.UUID) -> ViolationAct | None:
    """The act, locked: two cases deciding fines on one act are serialised here (第二十九条)."""
    stmt = sa.select(ViolationAct).where(ViolationAct.id == act_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def act_by_id(session: AsyncSession, act_id: uuid.UUID) -> ViolationAct | None:
    """Any act (the caller has read a case that refers to it)."""
    return await session.get(ViolationAct, act_id)


async def add_act(session: AsyncSession, row: ViolationAct) -> None:
    session.add(row)
    await session.flush()


async def link_case(session: AsyncSession, row: CaseAct) -> None:
    session.add(row)
    await session.flush()


async def case_act(session: AsyncSession, case_id: uuid.UUID) -> CaseAct | None:
    return await session.get(CaseAct, case_id)


class ActCase(NamedTuple):
    case_id: uuid.UUID
    case_no: str
    state: str
    dept_code: str
    decision_no: str | None
    decided_on: date | None
    fine_fen: int | None  # the decided fine while it stands (not revoked), else None
    provisions: list[dict[str, object]]


async def act_cases(session: AsyncSession, act_id: uuid.UUID) -> Sequence[ActCase]:
    """Every case about the act, oldest first, with its standing fine."""
    fine = sa.case((sa.and_(DecidedCase.active, DecidedCase.has_fine), DecidedCase.fine_fen), else_=sa.null())
    stmt = (
        sa.select(
            PenaltyCase.id,
            PenaltyCase.case_no,
            PenaltyCase.state,
            PenaltyCase.dept_code,
            PenaltyCase.decision_no,
            PenaltyCase.decided_on,
            fine,
            CaseAct.provisions,
        )
        .join(CaseAct, CaseAct.case_id == PenaltyCase.id)
        .outerjoin(DecidedCase, DecidedCase.case_id == PenaltyCase.id)
        .where(CaseAct.act_id == act_id)
        .order_by(PenaltyCase.opened_at, PenaltyCase.id)
    )
    return [ActCase(*r) for r in (await session.execute(stmt)).all()]


# --------------------------------------------------------------------------------------------------------
# On-the-spot collections
# --------------------------------------------------------------------------------------------------------

#: Collections are internal: the collecting department, its district's supervisor, the city.
COLLECTIONS = Visibility(department_code=SpotCollection.dept_code, district_code=SpotCollection.district_code)


async def lockable_collection(
    session: AsyncSession, scope: Scope, collection_id: uuid.UUID
) -> SpotCollection | None:
    stmt = readable(sa.select(SpotCollection).where(SpotCollection.id == collection_id), scope, COLLECTIONS)
    return (await session.scalars(stmt.with_for_update())).one_or_none()


async def add_collection(session: AsyncSession, row: SpotCollection) -> None:
    session.add(row)
    await session.flush()


async def receipt_taken(session: AsyncSession, receipt_no: str) -> bool:
    stmt = sa.select(SpotCollection.id).where(SpotCollection.receipt_no == receipt_no)
    return (await session.scalar(stmt)) is not None


async def case_collections(session: AsyncSession, case_id: uuid.UUID) -> Sequence[SpotCollection]:
    stmt = (
        sa.select(SpotCollection)
        .where(SpotCollection.case_id == case_id)
        .order_by(SpotCollection.collected_on, SpotCollection.created_at)
    )
    return (await session.scalars(stmt)).all()


def _overdue(today: date) -> sa.ColumnElement[bool]:
    """Not handed over by its due day, or handed over and not banked by its due day (第七十一条)."""
    return sa.or_(
        sa.and_(SpotCollection.handed_over_on.is_(None), SpotCollection.handover_due_on < today),
        sa.and_(SpotCollection.banked_on.is_(None), SpotCollection.banking_due_on < today),
    )


async def overdue_collections(
    session: AsyncSession, scope: Scope | None, today: date, *, limit: int = 500
) -> Sequence[SpotCollection]:
    """Collections overdue on ``today``, oldest first (``scope`` None: all of them, for the job)."""
    stmt = sa.select(SpotCollection).where(_overdue(today))
    if scope is not None:
        stmt = readable(stmt, scope, COLLECTIONS)
    stmt = stmt.order_by(SpotCollection.collected_on, SpotCollection.id).limit(limit)
    if scope is None:  # the job: a second worker skips what the first is reporting
        stmt = stmt.with_for_update(skip_locked=True)
    return (await session.scalars(stmt)).all()
