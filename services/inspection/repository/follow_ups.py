"""Queries of the 责令改正 follow-ups (issue #14 item 6). Who sees one: the officers of the department that
ordered the correction, the supervisors of its district (a city supervisor and admins: all)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.inspection import models as m
from services.inspection.domain import follow_ups as fu

FOLLOW_UP = Visibility(
    department_code=m.CorrectionFollowUp.dept_code, district_code=m.CorrectionFollowUp.district_code
)


async def add_follow_ups(session: AsyncSession, items: Sequence[fu.FollowUp]) -> None:
    """Insert the follow-ups of a checkout; one already there (a retried checkout) is left as it is."""
    if not items:
        return
    values = [
        {
            "follow_up_id": f.follow_up_id,
            "visit_id": uuid.UUID(f.visit_id),
            "item_code": f.item_code,
            "item_name": f.item_name,
            "legal_basis": f.legal_basis,
            "uscc": f.uscc,
            "enterprise_name": f.enterprise_name,
            "dept_code": f.dept_code,
            "district_code": f.district_code,
            "requirement": f.requirement,
            "ordered_on": f.ordered_on,
            "due_on": f.due_on,
            "officer_cert_nos": list(f.officer_cert_nos),
        }
        for f in items
    ]
    await session.execute(pg_insert(m.CorrectionFollowUp).values(values).on_conflict_do_nothing())


async def readable_follow_up(
    session: AsyncSession, scope: Scope, follow_up_id: uuid.UUID
) -> m.CorrectionFollowUp | None:
    query = sa.select(m.CorrectionFollowUp).where(m.CorrectionFollowUp.follow_up_id == follow_up_id)
    return await session.scalar(readable(query, scope, FOLLOW_UP))


async def readable_follow_up_for_update(
    session: AsyncSession, scope: Scope, follow_up_id: uuid.UUID
) -> m.CorrectionFollowUp | None:
    query = sa.select(m.CorrectionFollowUp).where(m.CorrectionFollowUp.follow_up_id == follow_up_id)
    return await session.scalar(readable(query, scope, FOLLOW_UP).with_for_update())


async def list_follow_ups(
    session: AsyncSession,
    scope: Scope,
    *,
    state: fu.FollowUpState | None,
    dept_code: str | None,
    today: date,
    offset: int,
    limit: int,
) -> Sequence[m.CorrectionFollowUp]:
    """By deadline, earliest first; ``state`` due / overdue / done as of ``today``."""
    t = m.CorrectionFollowUp
    query = readable(sa.select(t), scope, FOLLOW_UP)
    if state is fu.FollowUpState.DONE:
        query = query.where(t.status != fu.FollowUpStatus.OPEN.value)
    elif state is fu.FollowUpState.OVERDUE:
        query = query.where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on < today)
    elif state is fu.FollowUpState.DUE:
        query = query.where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on >= today)
    if dept_code:
        query = query.where(t.dept_code == dept_code)
    query = query.order_by(t.due_on, t.follow_up_id).offset(offset).limit(limit)
    return (await session.scalars(query)).all()


async def overdue_unpublished(
    session: AsyncSession, today: date, limit: int
) -> Sequence[m.CorrectionFollowUp]:
    """Open follow-ups past their deadline whose overdue event is not out yet, locked for the job."""
    t = m.CorrectionFollowUp
    query = (
        sa.select(t)
        .where(t.status == fu.FollowUpStatus.OPEN.value, t.due_on < today, t.overdue_published_at.is_(None))
        .order_by(t.due_on, t.follow_up_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(query)).all()
