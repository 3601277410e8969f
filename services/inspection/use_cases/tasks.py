"""Inspection tasks (SPEC §2.2): creation — a 双随机 task drawn at once from a recorded seed —, approval by
someone else, rejection, completion and cancellation, the published draw, and the flag on urgent complaint
tasks approved late. The task is loaded through the one access rule by the route's dependency
(deps.TaskDep)."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
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
from services.inspection.domain import entry_rules, frequency, registry, sampling
from services.inspection.domain.frequency import TaskKind, year_of
from services.inspection.errors import ApprovalNotAllowed, InvalidTask, NotYourDepartment, TaskNotFound
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.repository.rows import to_officer, to_task
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import cursor_pair

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
    """A task awaiting approval; a 双随机 task is drawn now, from the pool and the certified officers."""
    now = clock.now()
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
    assignments: dict[str, list[str]] = {}
    drawn: sampling.Draw | None = None
    if kind is TaskKind.RANDOM:
        drawn = await _draw(session, ctx, body, now)
        assignments = {a.uscc: list(a.officers) for a in drawn.assignments}
        usccs = list(assignments)
    else:
        usccs = await _named_enterprises(session, body.enterprises)
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
        draw_fingerprint=drawn.fingerprint() if drawn else None,
    )
    row = await _insert(session, task, body, principal, drawn, assignments)
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
    drawn: sampling.Draw | None,
    assignments: dict[str, list[str]],
) -> m.Task:
    """The task's row and its enterprises (with the officers drawn for each, for a random task)."""
    enterprises = await registry_repo.enterprises_by_uscc(session, task.enterprises)
    task_id = uuid.UUID(task.task_id)
    row = m.Task(
        task_id=task_id,
        title=body.title,
        kind=task.kind.value,
        lead_dept=task.lead_dept,
        dept_codes=sorted(task.dept_codes),
        item_codes=sorted(task.item_codes),
        district_codes=sorted({e.district_code for e in enterprises.values()}),
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
        draw_algorithm=drawn.algorithm if drawn else None,
        draw_seed=drawn.seed if drawn else None,
        draw_fingerprint=task.draw_fingerprint,
        draw_record=drawn.to_record() if drawn else None,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        m.TaskEnterprise(task_id=task_id, uscc=u, assigned_cert_nos=assignments.get(u, []))
        for u in sorted(task.enterprises)
    )
    await session.flush()
    return row


async def _draw(
    session: AsyncSession, ctx: InspectionContext, body: s.TaskCreate, now: datetime
) -> sampling.Draw:
    """双随机: the pool (filter, minus enterprises at the department's yearly cap) and the certified officers.

    优化营商环境条例 第五十四条: the inspected entities and the officers are both chosen at random.
    """
    pool_filter = body.pool or s.PoolFilter()
    candidates = await registry_repo.enterprise_pool(
        session, pool_filter.district_codes, pool_filter.industries
    )
    year = year_of(now)
    records: dict[str, list[frequency.VisitRecord]] = {}
    for record in await visit_repo.visit_records(session, [year]):
        records.setdefault(record.uscc, []).append(record)
    pool = [
        sampling.PoolEnterprise(uscc, risk)
        for uscc, risk in candidates
        if frequency.cap_breach(
            frequency.enterprise_year(records.get(uscc, []), uscc, year, ctx.policy),
            TaskKind.RANDOM,
            [body.lead_dept],
            policy=ctx.policy,
        )
        is None
    ]
    if not pool:
        raise InvalidTask(
            "抽取名录中没有可抽取的企业（筛选条件过窄，或企业本年度检查次数已达上限）",
            detail_en="No enterprise can be drawn from the pool (the filter is too narrow, or every enterprise "
            "has reached this year's cap)",
        )
    officers = [to_officer(o) for o in await registry_repo.department_officers(session, body.lead_dept)]
    certified = sampling.certified_pool(officers, body.lead_dept, local_date(now))
    seed = body.seed or f"{local_date(now).isoformat()}-{body.lead_dept}-{secrets.token_hex(16)}"
    drawn = sampling.draw(
        pool,
        certified,
        ctx.ratios_bp,
        seed=seed,
        unknown_class=ctx.unknown_class,
        group_size=ctx.group_size,
    )
    if not drawn.assignments:
        raise InvalidTask(
            "按现行抽查比例未抽中任何企业，请调整抽取名录或抽查比例",
            detail_en="The current sampling ratios draw no enterprise; widen the pool or change the ratios",
        )
    return drawn


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


async def task_draw(session: AsyncSession, *, scope: Scope | None, task_id: uuid.UUID) -> s.DrawRead:
    """The published draw of a 双随机 task, recomputed from its inputs on every read.

    Anyone may read the draw of an approved or completed task (一公开); a pending one only those who see the task.
    """
    row = await task_repo.get_task(session, task_id)
    missing = TaskNotFound(
        f"双随机抽查任务 {task_id} 不存在或尚未公开",
        detail_en=f"Random task {task_id} does not exist or is not published yet",
    )
    if row is None or row.kind != "random" or row.draw_record is None:
        raise missing
    published = row.status in task_repo.PUBLISHED_STATUSES
    if not published and (scope is None or await task_repo.readable_task(session, scope, task_id) is None):
        raise missing
    return views.draw_read(row)


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
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Task
) -> s.TaskDetail:
    """Approve a task (supervisor or head of the lead department; nobody approves their own)."""
    now = clock.now()
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
