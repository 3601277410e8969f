"""Queries of the 责令改正 follow-ups of penalty decisions (issue #14 item 6). Who sees one: the officers of the
deciding department, the supervisors of its district (a city supervisor and admins: all)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.domain import follow_ups as fu
from services.penalty.models import PenaltyFollowUp

FOLLOW_UP = Visibility(department_code=PenaltyFollowUp.dept_code, district_code=PenaltyFollowUp.district_code)


async def add_follow_up(session: AsyncSession, row: PenaltyFollowUp) -> None:
    session.add(row)
    await session.flush()


async def readable_follow_up(
    session: AsyncSession, scope: Scope, follow_up_id: uuid.UUID
) -> PenaltyFollowUp | None:
    query = sa.select(PenaltyFollowUp).where(PenaltyFollowUp.id == follow_up_id)
    return await session.scalar(readable(query, scope, FOLLOW_UP))


async def lockable_follow_up(
    session: AsyncSession, scope: Scope, follow_up_id: uuid.UUID
) -> PenaltyFollowUp | None:
    query = sa.select(PenaltyFollowUp).where(PenaltyFollowUp.id == follow_up_id)
    return await session.scalar(readable(query, scope, FOLLOW_UP).with_for_update())


async def list_follow_ups(
    session: AsyncSession,
    scope: Scope,
    *,
    state: fu.FollowUpState | None,
    today: date,
    offset: int,
    limit: int,
) -> Sequence[PenaltyFollowUp]:
    """By deadline, earliest first; ``state`` due / overdue / done as of ``today``."""
    t = PenaltyFollowUp
    query = readable(sa.select(t), scope, FOLLOW_UP)
    if state is fu.FollowUpState.DONE:
        query = query.where(t.status != fu.FollowUpStatus.OPEN.value)
    elif state is fu.FollowUpState.OVERDUE:
        query = query.where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on < today)
    elif state is fu.FollowUpState.DUE:
        query = query.where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on >= today)
    query = query.order_by(t.due_on, t.id).offset(offset).limit(limit)
    return (await session.scalars(query)).all()


async def overdue_unpublished(session: AsyncSession, today: date, limit: int) -> Sequence[PenaltyFollowUp]:
    """Open follow-ups past their deadline whose overdue event is not out yet, locked for the job."""
    t = PenaltyFollowUp
    query = (
        sa.select(t)
        .where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on < today, t.overdue_published_at.is_(None))
        .order_by(t.due_on, t.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()
