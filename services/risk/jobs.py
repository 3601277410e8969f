"""The worker's periodic work, run by the kernel's job runner (services/common/jobs.py).

- ``classification``: requested full reclassifications (one per round, claimed with ``FOR UPDATE SKIP
  LOCKED``), then the daily reclassification (points decay with time, so classes change without any new
  event) and the weekly transfer of 12345 leads (周移送), once a day after ``daily_job_hour`` (Beijing time).
  The daily run is claimed by a unique (run_on) row written in the run's own transaction (a failed run leaves
  no row and is retried next round); a full run takes an exclusive advisory lock.
- ``announce-classes``: a first classification's events, published from its classes after the run
  (repository.announcements).
- ``intake-uploads``: bulk intake jobs, one upload per round, batch by batch (``use_cases/uploads.py``).
- ``intake-purge``: forget finished uploads after their retention, hourly.

These rounds own their transactions (as the edge does for a request); several replicas may run them.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.app import Runtime
from services.common.db import transaction
from services.common.jobs import periodic
from services.common.logs import request_id_var
from services.risk.domain import bulk
from services.risk.domain.intake import IntakeKind
from services.risk.models import IntakeUpload
from services.risk.settings import RiskContext
from services.risk.use_cases import announcements, classes, leads, matters, uploads

log = logging.getLogger(__name__)

SYSTEM_ACTOR = classes.SYSTEM_ACTOR

# --------------------------------------------------------------------------------------------------- classification


async def run_requested(factory: async_sessionmaker[AsyncSession], context: RiskContext) -> uuid.UUID | None:
    """Run the oldest requested reclassification, if any; returns its id."""
    async with transaction(factory) as session:
        run_id = await classes.claim_requested_run(session)
        if run_id is None:
            return None
        await classes.mark_run_started(session, run_id)
    try:
        async with transaction(factory) as session:
            await classes.execute_run(session, run_id=run_id, config=context.config)
    except Exception as exc:
        log.exception("reclassification %s failed", run_id)
        async with transaction(factory) as session:
            await classes.mark_run_failed(session, run_id, repr(exc))
    return run_id


async def run_daily(factory: async_sessionmaker[AsyncSession], context: RiskContext) -> bool:
    """Today's reclassification and lead transfer, once per day after ``daily_job_hour`` (Beijing time)."""
    settings = context.settings
    now = clock.now()
    if not settings.daily_job_enabled:
        return False
    if now.astimezone(clock.CHINA).hour < settings.daily_job_hour:
        return False
    async with transaction(factory) as session:
        run_id = await classes.claim_daily_run(session, now)
        if run_id is None:
            return False
        # same transaction: a failed run leaves no row and is tried again next round
        await classes.execute_run(session, run_id=run_id, config=context.config, incremental=True)
    if settings.lead_auto_transfer:
        try:
            async with transaction(factory) as session:
                await leads.transfer_leads(
                    session, batch=None, actor=SYSTEM_ACTOR, actor_role="system", config=context.config
                )
        except Exception:  # the classification above stands; a supervisor can transfer by hand
            log.exception("daily transfer of 12345 leads failed")
    return True


async def classification(runtime: Runtime) -> bool:
    """One round: a requested run if one waits (then at once again), else the daily work when it is due."""
    if await run_requested(runtime.factory, runtime.context) is not None:
        return True
    return await run_daily(runtime.factory, runtime.context)


# --------------------------------------------------------------------------------------------------- bulk intake


class LeaseLost(Exception):
    """Another worker took the upload over (this one was too slow to beat): stop without writing."""


async def run_next_upload(
    factory: async_sessionmaker[AsyncSession], context: RiskContext
) -> uuid.UUID | None:
    """Claim and process the oldest waiting upload (or one whose worker stopped); returns its id."""
    limits = context.limits
    token = uuid.uuid4()
    async with transaction(factory) as session:
        upload = await uploads.claim(session, token=token, limits=limits)
    if upload is None:
        return None
    request = request_id_var.set(upload.request_id)
    try:
        if upload.attempts > limits.max_attempts:
            reason = f"处理中断{upload.attempts - 1}次，已停止；已保存的记录保留，可重新上传"
            await _give_up(factory, upload, token, reason)
            return upload.id
        try:
            await _process(factory, upload, token, context)
        except LeaseLost:
            log.warning("upload %s was taken over by another worker", upload.id)
        except Exception as exc:
            log.exception("upload %s failed (attempt %d)", upload.id, upload.attempts)
            if upload.attempts >= limits.max_attempts:
                await _give_up(factory, upload, token, f"处理失败：{exc!r}"[:2000])
            else:
                async with transaction(factory) as session:
                    await uploads.release(session, upload, token, repr(exc)[:2000])
    finally:
        request_id_var.reset(request)
    return upload.id


async def _give_up(
    factory: async_sessionmaker[AsyncSession], upload: IntakeUpload, token: uuid.UUID, reason: str
) -> None:
    log.error("upload %s marked failed: %s", upload.id, reason)
    async with transaction(factory) as session:
        await uploads.give_up(session, upload, token, reason)


async def _process(
    factory: async_sessionmaker[AsyncSession], upload: IntakeUpload, token: uuid.UUID, context: RiskContext
) -> None:
    """The upload from its last committed line to the end, one transaction per batch."""
    processor = uploads.Processor(
        upload_id=upload.id,
        kind=IntakeKind(upload.kind),
        client=upload.client,
        now=clock.now(),
        config=context.config,
        limits=context.limits,
        progress=upload,
    )
    splitter = bulk.LineSplitter(offset=upload.bytes_processed, number=upload.line_no)
    first, skip = divmod(upload.bytes_processed, upload.chunk_bytes)
    log.info(
        "upload %s: processing from byte %d of %d (attempt %d)",
        upload.id,
        upload.bytes_processed,
        upload.bytes,
        upload.attempts,
    )

    async def commit() -> None:
        async with transaction(factory) as session:
            if not await uploads.save_progress(session, upload, token, processor):
                raise LeaseLost

    for seq in range(first, upload.chunks):
        async with transaction(factory) as session:
            piece = await uploads.read_piece(session, upload, seq)
        if skip:
            piece, skip = piece[skip:], 0
        await uploads.take_all(processor, splitter.feed(piece), commit)
    await uploads.take_all(processor, splitter.finish(), commit)
    processor.at_end(splitter)
    async with transaction(factory) as session:
        if not await uploads.finish(session, upload, token, processor):
            raise LeaseLost
    log.info(
        "upload %s done: %d lines, %d stored, %d duplicates, %d rejected",
        upload.id,
        processor.lines,
        processor.stored,
        processor.duplicates,
        processor.summary.rejected,
    )


async def intake_uploads(runtime: Runtime) -> bool:
    """One round: one upload processed (then at once the next one), or nothing waiting."""
    return await run_next_upload(runtime.factory, runtime.context) is not None


async def intake_purge(runtime: Runtime) -> bool:
    """Forget finished uploads older than the retention (their reports with them)."""
    context: RiskContext = runtime.context
    async with transaction(runtime.factory) as session:
        purged = await uploads.purge(session, context.limits)
    if purged:
        log.info("forgot %d finished bulk uploads", purged)
    return False


async def announce_classes(runtime: Runtime) -> bool:
    """Publish a first classification's ``risk.enterprise.classified`` events, from its classes, through the
    relay (repository.announcements)."""
    if runtime.relay is None or not runtime.bus.connected:
        return False
    context: RiskContext = runtime.context
    return await announcements.announce_classes(
        runtime.factory, runtime.relay.publish, batch_size=context.settings.announce_batch_size
    )


JOBS = [
    periodic("classification", every=lambda ctx: ctx.settings.job_interval_s, fn=classification),
    periodic("announce-classes", every=lambda ctx: ctx.settings.announce_interval_s, fn=announce_classes),
    periodic("intake-uploads", every=lambda ctx: ctx.settings.intake_job_interval_s, fn=intake_uploads),
    periodic("intake-purge", every=3600.0, fn=intake_purge),
]


# --------------------------------------------------------------------------------------------------- supervision matters


async def supervision_overdue(runtime: Runtime) -> bool:
    """Open supervision matters past their last day become overdue (逾期未答复) and count against their unit; a
    full batch runs again at once."""
    async with transaction(runtime.factory) as session:
        marked = await matters.mark_overdue(session, today=clock.today())
    if marked:
        log.info("marked %d supervision matters overdue", marked)
    return marked >= matters.OVERDUE_BATCH


JOBS.append(periodic("supervision-overdue", every=600.0, fn=supervision_overdue))
