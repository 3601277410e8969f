"""Queries of tasks. Who sees a task is said once (``TASK``): the departments taking part (a joint task is
every participating department's) and the supervisors of the districts its enterprises are in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Condition, Scope, Visibility, any_of, condition, readable
from services.inspection import models as m

TASK = Visibility(department_code=any_of(m.Task.dept_codes), district_code=any_of(m.Task.district_codes))


def _before(after: tuple[str, str]) -> Condition:
    """Tasks after the cursor (created_at, task_id) in newest-first order."""
    created, task_id = after
    return sa.tuple_(m.Task.created_at, m.Task.task_id) < sa.tuple_(
        sa.literal(datetime.fromisoformat(created)), sa.literal(uuid.UUID(task_id))
    )


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> m.Task | None:
    return await session.get(m.Task, task_id)


async def readable_task(session: AsyncSession, scope: Scope, task_id: uuid.UUID) -> m.Task | None:
    """The task, if ``scope`` may see it."""
    return await session.scalar(readable(sa.select(m.Task).where(m.Task.task_id == task_id), scope, TASK))


async def task_enterprises(session: AsyncSession, task_id: uuid.UUID) -> list[m.TaskEnterprise]:
    query = sa.select(m.TaskEnterprise).where(m.TaskEnterprise.task_id == task_id)
    return list((await session.scalars(query.order_by(m.TaskEnterprise.uscc))).all())


async def task_enterprise_counts(
    session: AsyncSession, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not task_ids:
        return {}
    query = (
        sa.select(m.TaskEnterprise.task_id, sa.func.count())
        .where(m.TaskEnterprise.task_id.in_(list(task_ids)))
        .group_by(m.TaskEnterprise.task_id)
    )
    return dict((await session.execute(query)).all())


async def list_tasks(
    session: AsyncSession,
    scope: Scope,
    *,
    kind: str | None = None,
    status: str | None = None,
    statuses: Sequence[str] = (),
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[m.Task]:
    """Tasks ``scope`` may see, newest first (``statuses``: any of them)."""
    query = readable(sa.select(m.Task), scope, TASK)
    if kind:
        query = query.where(m.Task.kind == kind)
    if status:
        query = query.where(m.Task.status == status)
    if statuses:
        query = query.where(m.Task.status.in_(list(statuses)))
    if after:
        query = query.where(_before(after))
    query = query.order_by(m.Task.created_at.desc(), m.Task.task_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def urgent_tasks_past_deadline(session: AsyncSession, now: datetime, window: timedelta) -> list[m.Task]:
    query = sa.select(m.Task).where(
        m.Task.kind == "complaint",
        m.Task.urgent.is_(True),
        m.Task.status == "pending_approval",
        m.Task.approval_overdue_at.is_(None),
        m.Task.created_at < now - window,
    )
    return list((await session.scalars(query.with_for_update(skip_locked=True))).all())


async def overdue_tasks(session: AsyncSession, scope: Scope) -> list[m.Task]:
    """Tasks flagged for a late approval, in ``scope``, oldest flag first."""
    query = sa.select(m.Task).where(m.Task.approval_overdue_at.is_not(None), condition(scope, TASK))
    return list((await session.scalars(query.order_by(m.Task.approval_overdue_at))).all())


PUBLISHED_STATUSES = ("approved", "completed")


async def published_task(session: AsyncSession, task_id: uuid.UUID) -> m.Task | None:
    """A 双随机 task the public may read (一公开): approved or completed."""
    query = sa.select(m.Task).where(
        m.Task.task_id == task_id, m.Task.kind == "random", m.Task.status.in_(PUBLISHED_STATUSES)
    )
    return await session.scalar(query)


async def published_tasks(
    session: AsyncSession, *, after: tuple[str, str] | None, limit: int
) -> list[m.Task]:
    """Every published 双随机 task, newest first."""
    query = sa.select(m.Task).where(m.Task.kind == "random", m.Task.status.in_(PUBLISHED_STATUSES))
    if after:
        query = query.where(_before(after))
    query = query.order_by(m.Task.created_at.desc(), m.Task.task_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


# ---------------------------------------------------------------------------------------------------------
# Draws (commit-reveal-v1): every draw of a task, in order


async def task_draws(session: AsyncSession, task_id: uuid.UUID) -> list[m.TaskDraw]:
    query = sa.select(m.TaskDraw).where(m.TaskDraw.task_id == task_id).order_by(m.TaskDraw.seq)
    return list((await session.scalars(query)).all())


async def current_draw(session: AsyncSession, task_id: uuid.UUID, *, lock: bool = False) -> m.TaskDraw | None:
    """The task's last draw (committed, drawn or cancelled), locked when about to change."""
    query = (
        sa.select(m.TaskDraw).where(m.TaskDraw.task_id == task_id).order_by(m.TaskDraw.seq.desc()).limit(1)
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def current_draws(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, m.TaskDraw]:
    """Each task's last draw."""
    if not task_ids:
        return {}
    query = (
        sa.select(m.TaskDraw)
        .where(m.TaskDraw.task_id.in_(list(task_ids)))
        .distinct(m.TaskDraw.task_id)
        .order_by(m.TaskDraw.task_id, m.TaskDraw.seq.desc())
    )
    return {d.task_id: d for d in (await session.scalars(query)).all()}


async def replace_task_enterprises(
    session: AsyncSession, task_id: uuid.UUID, assignments: dict[str, list[str]]
) -> None:
    """The task's enterprises become exactly the drawn ones, each with its officer group."""
    await session.execute(sa.delete(m.TaskEnterprise).where(m.TaskEnterprise.task_id == task_id))
    session.add_all(
        m.TaskEnterprise(task_id=task_id, uscc=u, assigned_cert_nos=officers)
        for u, officers in sorted(assignments.items())
    )
    await session.flush()


async def task_has_visits(session: AsyncSession, task_id: uuid.UUID) -> bool:
    """Whether any visit or entry code exists under the task (its draw is then in use)."""
    visit = sa.select(m.Visit.visit_id).where(m.Visit.task_id == task_id).limit(1)
    code = sa.select(m.EntryCode.code_id).where(m.EntryCode.task_id == task_id).limit(1)
    return (await session.scalar(visit)) is not None or (await session.scalar(code)) is not None
