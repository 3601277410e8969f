"""The 双随机 draw of a random task, by the commit-reveal protocol (domain/sampling.py, docs/api/inspection.md
"The draw protocol"): a secret nonce committed at approval, the draw made by a supervisor with a value from the
agreed public source, every draw (cancelled ones too) kept and published in order, and every input revealed
once the task has ended.

优化营商环境条例 第五十四条: the inspected entities and the officers are chosen at random and the results are
published (双随机、一公开). Nobody — neither the department that asked for the task nor the service operator —
can pick the seed: the nonce is fixed before the pool and the public value exist, the public value did not
exist when the nonce was fixed, and the pool is hashed into the seed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.clock import local_date
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import frequency, sampling
from services.inspection.domain.frequency import TaskKind, year_of
from services.inspection.errors import (
    DrawNotDue,
    DrawPublicValueRequired,
    DrawStateConflict,
    InvalidTask,
    NotYourDepartment,
    TaskNotFound,
)
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.repository.rows import to_officer
from services.inspection.settings import InspectionContext

#: The public source used when the approver names none: a value anyone can look up after the draw time.
DEFAULT_PUBLIC_SOURCE = (
    "中国福利彩票双色球在抽取时间之后开奖的第一期开奖号码（红球升序、蓝球在后，以空格分隔）"
)
ENDED_STATUSES = ("completed", "cancelled")


def _draw_audit(draw: m.TaskDraw) -> dict[str, Any]:
    """What the audit chain keeps of a draw: everything but the nonce (secret until the task ends)."""
    return {
        "seq": draw.seq,
        "status": draw.status,
        "reason": draw.reason,
        "commitment": draw.commitment,
        "public_source": draw.public_source,
        "draw_at": draw.draw_at,
        "public_value": draw.public_value,
        "pool_hash": draw.pool_hash,
        "fingerprint": draw.fingerprint,
        "cancel_reason": draw.cancel_reason,
    }


async def _audit(
    session: AsyncSession, principal: Principal, draw: m.TaskDraw, action: str, before: dict[str, Any] | None
) -> None:
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type="task",
        entity_id=str(draw.task_id),
        before=before,
        after=_draw_audit(draw),
    )


async def commit(
    session: AsyncSession,
    *,
    principal: Principal,
    row: m.Task,
    draw_at: datetime | None,
    public_source: str | None,
    reason: str,
    seq: int = 1,
) -> m.TaskDraw:
    """Step 1: a fresh secret nonce, and its commitment published with the schedule and the public source.

    Called at approval (and at a redraw): the commitment exists before the pool is fixed and before the public
    value is known, so nobody can choose the seed after seeing the pool or the outcome.
    """
    now = clock.now()
    nonce = sampling.new_nonce()
    draw = m.TaskDraw(
        task_id=row.task_id,
        seq=seq,
        status="committed",
        reason=reason,
        nonce=nonce,
        commitment=sampling.commitment(nonce),
        public_source=public_source or DEFAULT_PUBLIC_SOURCE,
        draw_at=max(draw_at or now, now),
        committed_at=now,
        committed_by=principal.sub,
    )
    session.add(draw)
    row.draw_commitment = draw.commitment
    row.draw_algorithm = sampling.ALGORITHM_V1
    await session.flush()
    await _audit(session, principal, draw, "task.draw_committed", None)
    return draw


async def _pool(
    session: AsyncSession, ctx: InspectionContext, row: m.Task, now: datetime
) -> tuple[list[sampling.PoolEnterprise], tuple[str, ...]]:
    """The pool as it stands at the draw (filter, minus enterprises at the department's yearly cap) and the
    department's certified officers on the day."""
    pool_filter = s.PoolFilter.model_validate(row.pool_filter or {})
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
            [row.lead_dept],
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
    officers = [to_officer(o) for o in await registry_repo.department_officers(session, row.lead_dept)]
    return pool, sampling.certified_pool(officers, row.lead_dept, local_date(now))


def _open_draw(row: m.Task, draw: m.TaskDraw | None) -> m.TaskDraw:
    if row.kind != "random" or draw is None:
        raise DrawStateConflict(
            "该任务没有待抽取的承诺（仅已审批的双随机抽查任务可以抽取）",
            detail_en="The task has no committed draw (only an approved random task is drawn)",
        )
    if row.status != "approved":
        raise DrawStateConflict(
            f"任务当前状态为“{row.status}”，不能抽取或撤销抽取",
            detail_en=f"The task is {row.status}: it cannot be drawn or redrawn",
        )
    return draw


async def perform(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    row: m.Task,
    public_value: str,
) -> s.DrawRead:
    """Step 2 (a supervisor): mix the nonce with the pool's hash and the public value, and draw.

    Refused without the public value, before the published draw time, and for a draw already made.
    """
    now = clock.now()
    value = public_value.strip()
    if not value:
        raise DrawPublicValueRequired(
            "抽取须录入约定公开来源在承诺之后公布的值", detail_en="The draw needs the public source's value"
        )
    draw = _open_draw(row, await task_repo.current_draw(session, row.task_id, lock=True))
    if draw.status != "committed":
        raise DrawStateConflict(
            f"第{draw.seq}次抽取已{'完成' if draw.status == 'drawn' else '撤销'}，重新抽取须先撤销并说明理由",
            detail_en=f"Draw {draw.seq} is {draw.status}; a redraw needs a cancellation with a reason",
        )
    if now < draw.draw_at:
        raise _not_due(draw)
    pool, officers = await _pool(session, ctx, row, now)
    params: dict[str, Any] = {"unknown_class": ctx.unknown_class, "group_size": ctx.group_size}
    snapshot = sampling.pool_snapshot(pool, officers, ctx.ratios_bp, **params)
    digest = sampling.pool_hash(snapshot)
    seed = sampling.derive_seed(draw.nonce, digest, value)
    drawn = sampling.draw(pool, officers, ctx.ratios_bp, seed=seed, **params)
    if not drawn.assignments:
        raise InvalidTask(
            "按现行抽查比例未抽中任何企业，请调整抽取名录或抽查比例",
            detail_en="The current sampling ratios draw no enterprise; widen the pool or change the ratios",
        )
    assignments = {a.uscc: list(a.officers) for a in drawn.assignments}
    await task_repo.replace_task_enterprises(session, row.task_id, assignments)
    enterprises = await registry_repo.enterprises_by_uscc(session, list(assignments))
    pool_filter = s.PoolFilter.model_validate(row.pool_filter or {})
    row.district_codes = sorted(
        {*pool_filter.district_codes, *(e.district_code for e in enterprises.values())}
    )
    before = _draw_audit(draw)
    draw.status, draw.public_value, draw.drawn_at, draw.drawn_by = "drawn", value, now, principal.sub
    draw.pool_snapshot, draw.pool_hash, draw.seed = snapshot, digest, seed
    draw.record, draw.fingerprint = drawn.to_record(), drawn.fingerprint()
    row.draw_seed, row.draw_record, row.draw_fingerprint = seed, draw.record, draw.fingerprint
    await session.flush()
    await _audit(session, principal, draw, "task.drawn", before)
    return views.draw_read(row, await task_repo.task_draws(session, row.task_id), revealed=False, staff=True)


def _not_due(draw: m.TaskDraw) -> DrawNotDue:
    return DrawNotDue(
        f"第{draw.seq}次抽取公布的抽取时间为{draw.draw_at.astimezone(clock.CHINA):%Y-%m-%d %H:%M}，尚未到时",
        detail_en=f"Draw {draw.seq} is published for {draw.draw_at.isoformat()}; that time has not come",
        extra={"draw_at": draw.draw_at.isoformat()},
    )


def _may_cancel(principal: Principal, row: m.Task) -> None:
    if principal.role == "officer" and principal.dept_code != row.lead_dept:
        raise NotYourDepartment(
            f"只有牵头部门（{row.lead_dept}）或执法监督人员可以撤销抽取",
            detail_en=f"Only the lead department ({row.lead_dept}) or a supervisor may cancel the draw",
        )


async def cancel(
    session: AsyncSession, *, principal: Principal, row: m.Task, body: s.DrawCancel
) -> s.DrawRead:
    """Cancel the current draw with a reason (published with it) and commit to the next one at once.

    The drawn enterprises are withdrawn from the task until the redraw; a draw under which an entry code was
    issued or a visit made is in use and cannot be cancelled (the task is then completed or cancelled).
    """
    _may_cancel(principal, row)
    reason = body.reason.strip()
    if not reason:
        raise InvalidTask("撤销抽取须说明理由", detail_en="Cancelling a draw needs a reason")
    draw = _open_draw(row, await task_repo.current_draw(session, row.task_id, lock=True))
    if await task_repo.task_has_visits(session, row.task_id):
        raise DrawStateConflict(
            "该任务已签发检查码或已有检查记录，抽取结果已在使用，不能撤销重抽",
            detail_en="Entry codes were issued or visits made under this draw: it cannot be redrawn",
        )
    await _cancel_one(session, principal, row, draw, reason)
    await commit(
        session,
        principal=principal,
        row=row,
        draw_at=body.draw_at,
        public_source=body.public_source or draw.public_source,
        reason=f"第{draw.seq}次抽取撤销后重新抽取：{reason}",
        seq=draw.seq + 1,
    )
    return views.draw_read(row, await task_repo.task_draws(session, row.task_id), revealed=False, staff=True)


async def _cancel_one(
    session: AsyncSession, principal: Principal, row: m.Task, draw: m.TaskDraw, reason: str
) -> None:
    before = _draw_audit(draw)
    draw.status, draw.cancelled_at, draw.cancelled_by = "cancelled", clock.now(), principal.sub
    draw.cancel_reason = reason
    await task_repo.replace_task_enterprises(session, row.task_id, {})
    row.draw_seed, row.draw_record, row.draw_fingerprint = None, None, None
    await session.flush()
    await _audit(session, principal, draw, "task.draw_cancelled", before)


async def close(session: AsyncSession, *, principal: Principal, row: m.Task, reason: str) -> None:
    """The task is cancelled: its open draw (committed or drawn) is cancelled with the task's reason."""
    draw = await task_repo.current_draw(session, row.task_id, lock=True)
    if draw is not None and draw.status != "cancelled":
        before = _draw_audit(draw)
        draw.status, draw.cancelled_at, draw.cancelled_by = "cancelled", clock.now(), principal.sub
        draw.cancel_reason = f"任务撤销：{reason}"
        await session.flush()
        await _audit(session, principal, draw, "task.draw_cancelled", before)


async def task_draw(session: AsyncSession, *, scope: Scope | None, task_id: uuid.UUID) -> s.DrawRead:
    """Every draw of a random task, in order (一公开).

    Anyone may read the draws of an approved, completed or cancelled random task; before the task ends only
    commitments, schedules, public values and counts by class (SAMR treats risk classes as internal, and naming
    the targets before the visits defeats 随机). ``scope`` (a reader who may see the task) also sees the
    inputs of the draws already made, as the task detail already shows them its enterprises and officers.
    """
    row = await task_repo.get_task(session, task_id)
    missing = TaskNotFound(
        f"双随机抽查任务 {task_id} 不存在或尚未公开",
        detail_en=f"Random task {task_id} does not exist or is not published yet",
    )
    if row is None or row.kind != "random":
        raise missing
    staff = scope is not None and await task_repo.readable_task(session, scope, task_id) is not None
    draws = await task_repo.task_draws(session, task_id)
    if not draws or (row.status not in (*task_repo.PUBLISHED_STATUSES, "cancelled") and not staff):
        raise missing
    return views.draw_read(row, draws, revealed=row.status in ENDED_STATUSES, staff=staff)
