"""Credit repair applications and their review."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, in_department, readable
from services.credit_repair.models import RepairApplication

OPEN_STATUSES = ("submitted", "under_review")

#: Who reads an application: the applicant, the deciding department (谁认定谁修复), the district's supervisor.
VISIBILITY = Visibility(
    uscc=RepairApplication.party_uscc,
    department_code=in_department(RepairApplication.department_code),
    district_code=RepairApplication.district_code,
)


async def open_application_ids(session: AsyncSession, record_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        sa.select(RepairApplication.id).where(
            RepairApplication.record_id == record_id, RepairApplication.status.in_(OPEN_STATUSES)
        )
    )
    return [str(r) for r in rows]


async def readable_application(
    session: AsyncSession, scope: Scope, application_id: uuid.UUID, *, lock: bool = False
) -> RepairApplication | None:
    """The application, if ``scope`` may read it (locked for the review with ``lock``)."""
    query = readable(
        sa.select(RepairApplication).where(RepairApplication.id == application_id), scope, VISIBILITY
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def application_for_review(
    session: AsyncSession, scope: Scope, application_id: uuid.UUID
) -> RepairApplication | None:
    """The application locked until commit, if ``scope`` may read it: one review at a time."""
    return await readable_application(session, scope, application_id, lock=True)


async def list_applications(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    overdue_on: date | None,
    before: str | None,
    limit: int,
) -> list[RepairApplication]:
    query = readable(
        sa.select(RepairApplication).order_by(RepairApplication.id.desc()).limit(limit + 1),
        scope,
        VISIBILITY,
    )
    if status is not None:
        query = query.where(RepairApplication.status == status)
    if overdue_on is not None:
        # domain.repair.overdue_stage, as a filter: not decided, and past the acceptance deadline without
        # acceptance, or past the decision deadline (a pending deadline, NULL, is never past)
        query = query.where(
            RepairApplication.status.in_(OPEN_STATUSES),
            sa.or_(
                sa.and_(
                    RepairApplication.accepted_on.is_(None), RepairApplication.acceptance_due < overdue_on
                ),
                RepairApplication.decision_due < overdue_on,
            ),
        )
    if before is not None:
        query = query.where(RepairApplication.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())


async def pending_deadlines(
    session: AsyncSession, *, year: int | None = None, lock: bool = False
) -> Sequence[RepairApplication]:
    """Applications whose deadlines wait for a year's holiday arrangement (``year`` only, if given), oldest
    first; locked until commit with ``lock`` (the calendar hook fills them in)."""
    query = sa.select(RepairApplication).where(RepairApplication.deadlines_pending_year.is_not(None))
    if year is not None:
        query = query.where(RepairApplication.deadlines_pending_year == year)
    query = query.order_by(RepairApplication.submitted_at, RepairApplication.id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).all()
