"""信用松绑 clean-up runs: end every publication the rules in force today no longer allow.

A supervisor (dry run only) or an administrator queues a run; the ``cleanups`` job runs it in committed
steps (repository.bulk), resumable after a failure.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.common import audit, clock
from services.common.auth import Principal
from services.common.db import transaction
from services.credit_repair.errors import CleanupDryRunOnly, CleanupNotResumable
from services.credit_repair.models import CleanupRun
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository import deferred
from services.credit_repair.repository import rule_sets as rule_set_repo
from services.credit_repair.use_cases.rule_sets import rule_set_today

log = logging.getLogger(__name__)

CLEANUP_LOCK = 0x636C65616E7570  # "cleanup": one clean-up at a time per database


async def create_cleanup(
    session: AsyncSession,
    principal: Principal,
    *,
    dry_run: bool,
    reasons: Sequence[str] | None,
    department_codes: Sequence[str] | None,
) -> CleanupRun:
    """Queue a 信用松绑 clean-up under the rules in force today; a worker runs it (202)."""
    if not dry_run and principal.role != "admin":
        raise CleanupDryRunOnly(
            "监督人员只能预演（dry_run）清理，正式清理须由管理员执行",
            detail_en="Supervisors may only dry-run (dry_run) a clean-up; an administrator runs a real one",
        )
    today = clock.today()
    rule_set = await rule_set_today(session, today)
    run = CleanupRun(
        id=uuid.uuid4(),
        dry_run=dry_run,
        status="pending",
        as_of=today,
        rule_set_id=rule_set.id,
        reasons=sorted(set(reasons), key=bulk_repo.CLEANUP_REASON_VALUES.index) if reasons else None,
        department_codes=sorted(set(department_codes)) if department_codes else None,
        requested_by=principal.sub,
        requested_role=principal.role,
        requested_at=clock.now(),
        next_seq=0,
        examined=0,
        matched=0,
    )
    session.add(run)
    await session.flush()
    deferred.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="cleanup.requested",
        entity_type="cleanup_run",
        entity_id=str(run.id),
        after={
            "dry_run": dry_run,
            "rule_set_id": rule_set.id,
            "as_of": today.isoformat(),
            "reasons": run.reasons,
            "department_codes": run.department_codes,
        },
    )
    await deferred.write_deferred_audit(session)
    return run


async def progress(
    session: AsyncSession, run: CleanupRun
) -> tuple[bulk_repo.StepTotals, list[bulk_repo.ReportRow]]:
    """A run's progress (steps done, publications examined and matched so far) and its report."""
    return await bulk_repo.step_totals(session, run.id), await bulk_repo.cleanup_counts(session, run.id)


async def list_cleanups(session: AsyncSession, *, before: str | None, limit: int) -> list[CleanupRun]:
    return await bulk_repo.cleanup_runs(session, before=before, limit=limit)


async def resume_cleanup(session: AsyncSession, principal: Principal, run: CleanupRun) -> CleanupRun:
    """Queue a failed run again from its first unfinished step (``run`` is locked)."""
    if run.status != "failed":
        raise CleanupNotResumable(
            f"清理任务 {run.id} 当前状态为 {run.status}，无需继续",
            detail_en=f"Clean-up run {run.id} is {run.status}: there is nothing to resume",
        )
    run.status = "pending"
    run.error = None
    deferred.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="cleanup.resumed",
        entity_type="cleanup_run",
        entity_id=str(run.id),
        after={"next_seq": run.next_seq},
    )
    await deferred.write_deferred_audit(session)
    return run


async def run_cleanups(
    engine: AsyncEngine,
    factory: async_sessionmaker[AsyncSession],
    *,
    chunk_size: int,
    parallelism: int = 1,
) -> int:
    """Run every pending (or interrupted) clean-up; returns the number of runs finished.

    A run is cut into steps of at most ``chunk_size`` publications (by ``seq``; ``step_size``: a multiple of
    ``parallelism`` steps), fixed when it starts. Each step is
    one transaction that claims the step's row (``FOR UPDATE SKIP LOCKED``), judges and ends its
    publications and marks the step done, so a run interrupted anywhere resumes with its unfinished steps,
    and ``parallelism`` steps run at once. A session-level advisory lock keeps a second worker out.
    """
    finished = 0
    async with engine.connect() as holder:
        if not await bulk_repo.try_session_lock(holder, CLEANUP_LOCK):
            return 0
        try:
            while (run_id := await _start_next(factory, chunk_size, parallelism)) is not None:
                try:
                    async with asyncio.TaskGroup() as group:
                        for _ in range(max(1, parallelism)):
                            group.create_task(_run_steps(factory, run_id))
                    await _complete(factory, run_id)
                except Exception as exc:
                    await _fail(factory, run_id, exc)
                    continue
                finished += 1
            return finished
        finally:
            await bulk_repo.release_session_lock(holder, CLEANUP_LOCK)


def step_size(lo: int, hi: int, *, chunk_size: int, parallelism: int) -> int:
    """The size of a run's steps over ``lo..hi``: at most ``chunk_size`` publications each, and as many steps
    as a multiple of ``parallelism``, so that the workers finish together. Steps of 200,000 over 1,000,000
    would be five, the last running alone on two workers (three rounds of 200,000 publications); six of
    166,667 run in three rounds of 166,667, as long as ten of 100,000 (docs/benchmarks/cleanup-plans.md)."""
    span = max(1, hi - lo + 1)
    workers = max(1, parallelism)
    rounds = -(-span // (max(1, chunk_size) * workers))  # ceiling division
    return max(1, -(-span // (rounds * workers)))


async def _start_next(
    factory: async_sessionmaker[AsyncSession], chunk_size: int, parallelism: int
) -> uuid.UUID | None:
    """The next pending or interrupted run, started and cut into steps; None when there is none."""
    async with transaction(factory) as session:
        run = await bulk_repo.next_cleanup_run(session)
        if run is None:
            return None
        if run.status == "pending":
            run.status = "running"
            run.started_at = run.started_at or clock.now()
        if run.max_seq is None:
            # Publications created after the run starts are not its business: the next run's.
            run.max_seq = await bulk_repo.max_publication_seq(session)
            lo = await bulk_repo.min_publication_seq(session)
            size = step_size(lo, run.max_seq, chunk_size=chunk_size, parallelism=parallelism)
            await bulk_repo.create_steps(session, run.id, lo=lo, hi=run.max_seq, size=size)
        return run.id


async def _fail(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID, exc: Exception) -> None:
    error = exc.exceptions[0] if isinstance(exc, ExceptionGroup) else exc
    log.error("clean-up %s failed: %r", run_id, error)
    async with transaction(factory) as session:
        failed = await bulk_repo.cleanup_run(session, run_id, lock=True)
        if failed is not None:
            failed.status = "failed"
            failed.error = repr(error)[:2000]


async def _run_steps(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> None:
    while True:
        async with transaction(factory) as session:
            step = await bulk_repo.claim_step(session, run_id)
            if step is None:
                return
            run = await bulk_repo.cleanup_run(session, run_id)
            assert run is not None
            rule_set = await rule_set_repo.rule_set(session, run.rule_set_id)
            assert rule_set is not None
            await bulk_repo.judge_step(session, run=run, rule_set=rule_set, step=step, now=clock.now())


async def _complete(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> None:
    async with transaction(factory) as session:
        run = await bulk_repo.cleanup_run(session, run_id, lock=True)
        assert run is not None
        totals = await bulk_repo.step_totals(session, run_id)
        if totals.done < totals.total:
            return  # another worker still holds a step (cannot happen under the advisory lock)
        run.examined, run.matched = totals.examined, totals.matched
        run.next_seq = (run.max_seq or 0) + 1
        run.status = "completed"
        run.finished_at = clock.now()
        await audit.append(
            session,
            actor=run.requested_by,
            actor_role=run.requested_role,
            action="cleanup.completed",
            entity_type="cleanup_run",
            entity_id=str(run.id),
            after={"dry_run": run.dry_run, "examined": run.examined, "matched": run.matched},
        )
