"""What anyone may read, without a token (一公开, 优化营商环境条例 第五十四条): approved and completed 双随机
tasks (their drawn enterprises once completed), their draws (use_cases/draws.py) and, once a task is
completed, its results with the officers' names masked; the item
catalogue in force and the key set are read through their own topics (catalogue, entry)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.pagination import Page, page_of
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.errors import ResultsNotPublished, TaskNotFound
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.use_cases import cursor_pair


async def _public_task(session: AsyncSession, row: m.Task) -> s.PublicTaskRead:
    departments = {d.code: d for d in await registry_repo.list_departments(session)}
    catalogue = await registry_repo.catalogue_for(session, row.item_codes)
    members = await task_repo.task_enterprises(session, row.task_id)
    enterprises = await registry_repo.enterprises_by_uscc(session, [t.uscc for t in members])
    current = await task_repo.current_draw(session, row.task_id)
    return views.public_task_read(
        row, departments.get(row.lead_dept), catalogue, members, enterprises, current
    )


async def _published_task(session: AsyncSession, task_id: uuid.UUID) -> m.Task:
    row = await task_repo.published_task(session, task_id)
    if row is None:
        raise TaskNotFound(
            f"双随机抽查任务 {task_id} 不存在或尚未公开",
            detail_en=f"Random task {task_id} does not exist or is not published yet",
        )
    return row


async def public_tasks(session: AsyncSession, *, cursor: str | None, limit: int) -> Page[s.PublicTaskRead]:
    rows = await task_repo.published_tasks(session, after=cursor_pair(cursor), limit=limit + 1)
    reads = [await _public_task(session, r) for r in rows[: limit + 1]]
    created = {r.task_id: r.created_at for r in rows}
    return page_of(reads, limit, lambda t: [created[t.task_id].isoformat(), str(t.task_id)])


async def public_task(session: AsyncSession, *, task_id: uuid.UUID) -> s.PublicTaskRead:
    return await _public_task(session, await _published_task(session, task_id))


async def public_results(session: AsyncSession, *, task_id: uuid.UUID) -> s.PublicResultsRead:
    """Per drawn enterprise: inspected or not, when, by whom (masked names), and the result in one phrase."""
    row = await _published_task(session, task_id)
    if row.status != "completed" or row.completed_at is None:
        raise ResultsNotPublished(
            f"检查任务 {task_id} 尚未办结，结果办结后公开",
            detail_en=f"Task {task_id} is not completed yet; its results are published once it is",
        )
    members = await task_repo.task_enterprises(session, row.task_id)
    enterprises = await registry_repo.enterprises_by_uscc(session, [t.uscc for t in members])
    task_visits = await visit_repo.completed_visits(session, row.task_id)
    outcomes = await visit_repo.visit_outcomes(session, task_visits)
    by_uscc: dict[str, list[m.Visit]] = {}
    for v in task_visits:
        by_uscc.setdefault(v.uscc, []).append(v)
    result_rows = []
    for t in members:
        done = sorted(by_uscc.get(t.uscc, []), key=lambda v: v.started_at)
        codes = [o.outcome for v in done for o in outcomes.get(v.visit_id, [])]
        result_rows.append(views.public_result_row(t.uscc, enterprises.get(t.uscc), done, codes))
    return s.PublicResultsRead(
        task_id=row.task_id, title=row.title, completed_at=row.completed_at, rows=result_rows
    )
