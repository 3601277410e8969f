"""Inspection tasks (SPEC §2.2): creation, approval by someone else (a 双随机 task's draw is committed then and
made later: use_cases/draws.py), rejection, completion and cancellation, the published draw, and the flag on urgent complaint
tasks approved late. The task is loaded through the one access rule by the route's dependency
(deps.TaskDep)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.clock import local_date
from services.common.pagination import Page, page_of
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import entry_rules, registry, sampling
from services.inspection.domain.frequency import TaskKind
from services.inspection.errors import (
    ApprovalNotAllowed,
    DrawNotDone,
    DrawSeedNotAccepted,
    InvalidTask,
    NotYourDepartment,
)
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository.rows import to_task
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import cursor_pair, draws

# ---------------------------------------------------------------------------------------------------------
# Creation and the draw


async def create_task(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    body: s.TaskCreate,
    task_id: uuid.UUID | None = None,
) -> s.TaskDetail:
    """A task awaiting approval. A 双随机 task names no enterprise yet: it is drawn after approval, by the
    commit-reveal protocol (use_cases/draws.py); a seed sent by the caller is refused."""
    now = clock.now()
    if "seed" in body.model_fields_set:
        raise DrawSeedNotAccepted(
            "抽取种子不由任何人指定：审批时系统生成保密随机数并公布其SHA-256承诺，抽取时与抽取名录摘要和"
            "约定公开来源的值共同生成种子（见检查服务接口文档“抽取规程”），请删除 seed 字段",
            detail_en="Nobody chooses a draw's seed: a secret nonce is committed at approval and mixed at the "
            "draw with the pool's hash and the public source's value (docs/api/inspection.md, the draw "
            "protocol); remove the seed field",
        )
    if principal.role == "officer" and body.lead_dept != principal.dept_code:
        raise NotYourDepartment(
            f"只能发起本部门（{principal.dept_code}）牵头的检查任务",
            detail_en=f"Only tasks led by your own department ({principal.dept_code})",
        )
    kind = TaskKind(body.kind)
    depts = sorted({body.lead_dept, *body.dept_codes})
    item_codes = list(dict.fromkeys(body.item_codes))
    catalogue = await registry_repo.catalogue_for(session, item_codes)
    await _check_request(session, body, kind, depts, item_codes, catalogue, body.starts_on or local_date(now))
    task_id = task_id or uuid.uuid4()
    usccs = [] if kind is TaskKind.RANDOM else await _named_enterprises(session, body.enterprises)
    task = entry_rules.new_task(
        task_id=str(task_id),
        kind=kind,
        lead_dept=body.lead_dept,
        enterprises=usccs,
        created_at=now,
        created_by=principal.sub,
        dept_codes=depts,
        item_codes=item_codes,
        catalogue=catalogue,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        urgent=body.urgent,
        lead_id=body.lead_id,
        requested_by_enterprise=body.requested_by_enterprise,
    )
    row = await _insert(session, task, body, principal)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.created",
        entity_type="task",
        entity_id=str(task_id),
        after={**_task_audit(row), "enterprises": sorted(task.enterprises)},
    )
    return await _task_detail(session, row, ctx)


async def _check_request(
    session: AsyncSession,
    body: s.TaskCreate,
    kind: TaskKind,
    depts: list[str],
    item_codes: list[str],
    catalogue: registry.Catalogue,
    day: date,
) -> None:
    """Every problem of the request the domain cannot see (departments, kinds of items), all at once."""
    known = await registry_repo.department_names(session)
    problems: list[tuple[str, str]] = [
        (f"部门代码“{d}”不存在", f"department code {d} does not exist") for d in depts if d not in known
    ]
    if kind is TaskKind.RANDOM and not item_codes:
        problems.append(("双随机抽查任务须列明抽查事项", "a random task must list its items"))
    if kind is TaskKind.KEY_AREA:
        not_key = [c for c in item_codes if (i := catalogue.get(c, day)) is not None and not i.key_area]
        if not_key:
            problems.append(
                (
                    f"重点领域检查只能包含重点领域检查事项，{'、'.join(not_key)}不是",
                    f"a key-area task may only list key-area items; {', '.join(not_key)} are not",
                )
            )
    if kind is TaskKind.RANDOM and body.enterprises:
        problems.append(
            (
                "双随机抽查任务的检查对象由系统随机抽取，不能指定",
                "the enterprises of a random task are drawn, not named",
            )
        )
    if kind is not TaskKind.RANDOM and body.pool is not None:
        problems.append(("仅双随机抽查任务可以设定抽取名录", "only a random task has a pool to draw from"))
    if problems:
        raise InvalidTask(
            "；".join(zh for zh, _ in problems),
            detail_en="; ".join(en for _, en in problems),
            extra={"problems": [zh for zh, _ in problems]},
        )


async def _named_enterprises(session: AsyncSession, named: list[str]) -> list[str]:
    """The enterprises a task names, each registered."""
    usccs = list(dict.fromkeys(named))
    found = await registry_repo.enterprises_by_uscc(session, usccs)
    missing = [u for u in usccs if u not in found]
    if missing:
        raise InvalidTask(
            f"以下企业未在企业名录中登记：{'、'.join(missing)}",
            detail_en=f"These enterprises are not registered: {', '.join(missing)}",
            extra={"problems": [f"{u} 未登记" for u in missing]},
        )
    return usccs


async def _insert(
    session: AsyncSession,
    task: entry_rules.Task,
    body: s.TaskCreate,
    principal: Principal,
) -> m.Task:
    """The task's row and its enterprises (a random task's are drawn after approval: use_cases/draws.py)."""
    enterprises = await registry_repo.enterprises_by_uscc(session, task.enterprises)
    task_id = uuid.UUID(task.task_id)
    random_task = task.kind is TaskKind.RANDOM
    pool_filter = (body.pool or s.PoolFilter()).model_dump() if random_task else None
    districts = {e.district_code for e in enterprises.values()}
    if pool_filter is not None:
        districts |= set(pool_filter["district_codes"])
    row = m.Task(
        task_id=task_id,
        title=body.title,
        kind=task.kind.value,
        lead_dept=task.lead_dept,
        dept_codes=sorted(task.dept_codes),
        item_codes=sorted(task.item_codes),
        district_codes=sorted(districts),
        status=task.status.value,
        starts_on=task.starts_on,
        ends_on=task.ends_on,
        urgent=task.urgent,
        lead_id=task.lead_id,
        requested_by_enterprise=task.requested_by_enterprise,
        created_at=task.created_at,
        created_by=principal.sub,
        created_by_role=principal.role,
        status_reason="",
        draw_algorithm=sampling.ALGORITHM_V1 if random_task else None,
        pool_filter=pool_filter,
    )
    session.add(row)
    await session.flush()
    session.add_all(m.TaskEnterprise(task_id=task_id, uscc=u) for u in sorted(task.enterprises))
    await session.flush()
    return row


# ---------------------------------------------------------------------------------------------------------
# Reads


async def _task_detail(session: AsyncSession, row: m.Task, ctx: InspectionContext) -> s.TaskDetail:
    members = await task_repo.task_enterprises(session, row.task_id)
    enterprises = await registry_repo.enterprises_by_uscc(session, [t.uscc for t in members])
    read = views.task_read(row, len(members), ctx.entry, clock.now())
    return views.task_detail(read, members, enterprises)


async def get_task(session: AsyncSession, *, ctx: InspectionContext, row: m.Task) -> s.TaskDetail:
    return await _task_detail(session, row, ctx)


async def list_tasks(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    scope: Scope,
    kind: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.TaskRead]:
    rows = await task_repo.list_tasks(
        session, scope, kind=kind, status=status, after=cursor_pair(cursor), limit=limit + 1
    )
    counts = await task_repo.task_enterprise_counts(session, [r.task_id for r in rows])
    now = clock.now()
    reads = [views.task_read(r, counts.get(r.task_id, 0), ctx.entry, now) for r in rows]
    return page_of(reads, limit, lambda t: [t.created_at.isoformat(), str(t.task_id)])


# ---------------------------------------------------------------------------------------------------------
# Approval and the end of a task


def _task_audit(row: m.Task) -> dict[str, Any]:
    return {
        "title": row.title,
        "kind": row.kind,
        "status": row.status,
        "lead_dept": row.lead_dept,
        "dept_codes": list(row.dept_codes),
        "item_codes": list(row.item_codes),
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "urgent": row.urgent,
        "lead_id": row.lead_id,
        "approved_by": row.approved_by,
        "status_reason": row.status_reason,
        "draw_fingerprint": row.draw_fingerprint,
    }


async def _audit_change(
    session: AsyncSession, principal: Principal, row: m.Task, action: str, before: dict[str, Any]
) -> None:
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type="task",
        entity_id=str(row.task_id),
        before=before,
        after=_task_audit(row),
    )


def _approver(principal: Principal, row: m.Task) -> tuple[str, str | None]:
    """(approver role for the domain, department): supervisors, or officers holding the dept_head claim."""
    if principal.role == "supervisor":
        if principal.scope != "city" and any(d != principal.scope for d in row.district_codes):
            raise ApprovalNotAllowed(
                "区级执法监督人员只能审批本区范围内的检查任务",
                detail_en=f"A district supervisor ({principal.scope}) approves only tasks within the district",
            )
        return "supervisor", None
    if principal.role == "officer" and principal.claims.get("dept_head") is True:
        return "dept_head", principal.dept_code
    return principal.role, principal.dept_code


async def approve_task(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    row: m.Task,
    body: s.TaskApproval | None = None,
) -> s.TaskDetail:
    """Approve a task (supervisor or head of the lead department; nobody approves their own). A random task's
    draw is committed now: SHA-256 of a fresh secret nonce, with the draw time and the public source."""
    now = clock.now()
    if body is not None and body.model_fields_set and row.kind != TaskKind.RANDOM.value:
        raise InvalidTask(
            "只有双随机抽查任务在审批时确定抽取时间和公开来源",
            detail_en="Only a random task has a draw time and a public source to set at approval",
        )
    before = _task_audit(row)
    role, dept = _approver(principal, row)
    task = entry_rules.approve(
        to_task(row, []), approver_id=principal.sub, approver_role=role, approver_dept=dept, now=now
    )
    row.status, row.approved_at, row.approved_by = task.status.value, now, principal.sub
    if entry_rules.approval_overdue(task, now, ctx.entry) and row.approval_overdue_at is None:
        row.approval_overdue_at = now  # an urgent complaint approved after its 24 hours stays flagged
    await session.flush()
    await _audit_change(session, principal, row, "task.approved", before)
    if row.kind == TaskKind.RANDOM.value:
        schedule = body or s.TaskApproval()
        await draws.commit(
            session,
            principal=principal,
            row=row,
            draw_at=schedule.draw_at,
            public_source=schedule.public_source,
            reason="任务审批后首次抽取",
        )
    return await _task_detail(session, row, ctx)


async def reject_task(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Task, reason: str
) -> s.TaskDetail:
    now = clock.now()
    before = _task_audit(row)
    role, _ = _approver(principal, row)
    task = entry_rules.reject(
        to_task(row, []), approver_id=principal.sub, approver_role=role, reason=reason, now=now
    )
    row.status, row.approved_by, row.status_reason = task.status.value, principal.sub, task.status_reason
    await session.flush()
    await _audit_change(session, principal, row, "task.rejected", before)
    return await _task_detail(session, row, ctx)


def _require_lead(principal: Principal, row: m.Task) -> None:
    if principal.role == "officer" and principal.dept_code != row.lead_dept:
        raise NotYourDepartment(
            f"只有牵头部门（{row.lead_dept}）可以办结或撤销该任务",
            detail_en=f"Only the lead department ({row.lead_dept}) may complete or cancel this task",
        )


async def complete_task(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Task
) -> s.TaskDetail:
    """Close the task; a 双随机 task's results are public from now on (一公开)."""
    now = clock.now()
    _require_lead(principal, row)
    before = _task_audit(row)
    task = entry_rules.complete(to_task(row, []), now=now)
    if row.kind == TaskKind.RANDOM.value:
        current = await task_repo.current_draw(session, row.task_id)
        if current is None or current.status != "drawn":
            raise DrawNotDone(
                "双随机抽查任务尚未抽取，不能办结（可撤销任务并说明理由）",
                detail_en="The random task has not been drawn; it cannot be completed (cancel it with a reason)",
            )
    row.status, row.completed_at = task.status.value, now
    await session.flush()
    await _audit_change(session, principal, row, "task.completed", before)
    return await _task_detail(session, row, ctx)


async def cancel_task(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Task, reason: str
) -> s.TaskDetail:
    now = clock.now()
    _require_lead(principal, row)
    before = _task_audit(row)
    task = entry_rules.cancel(to_task(row, []), reason=reason, now=now)
    row.status, row.status_reason = task.status.value, task.status_reason
    await session.flush()
    if row.kind == TaskKind.RANDOM.value:
        await draws.close(session, principal=principal, row=row, reason=task.status_reason)
    await _audit_change(session, principal, row, "task.cancelled", before)
    return await _task_detail(session, row, ctx)


async def flag_overdue_approvals(session: AsyncSession, *, ctx: InspectionContext) -> int:
    """Flag urgent complaint tasks still unapproved after the window (job); returns how many."""
    now = clock.now()
    rows = await task_repo.urgent_tasks_past_deadline(session, now, ctx.entry.urgent_approval_window)
    for row in rows:
        row.approval_overdue_at = now
        await session.flush()
        await audit.append(
            session,
            actor="system",
            actor_role="system",
            action="task.approval_overdue",
            entity_type="task",
            entity_id=str(row.task_id),
            after={"created_at": row.created_at.isoformat(), "flagged_at": now.isoformat()},
        )
    return len(rows)
