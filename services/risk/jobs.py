"""The worker's periodic work: requested full reclassifications, the daily reclassification (points decay
with time, so classes change without any new event), the weekly transfer of 12345 leads (周移送), and bulk
intake uploads (``uploads.run_next``: one at a time per process, claimed with ``FOR UPDATE SKIP LOCKED``).

Every round runs in its own transactions; several replicas may run the job: a requested run is claimed with
``FOR UPDATE SKIP LOCKED``, the daily run by a unique (run_on) row written in the run's own transaction (a
failed run leaves no row and is retried next round), and the full run takes an exclusive advisory lock.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.app import Runtime
from services.common.db import transaction
from services.risk import repository as repo
from services.risk import service, uploads
from services.risk.domain.report import RiskConfigSet
from services.risk.settings import RiskSettings

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:risk-daily"


async def run_requested(factory: async_sessionmaker[AsyncSession], config: RiskConfigSet) -> uuid.UUID | None:
    """Run the oldest requested reclassification, if any; returns its id."""
    async with transaction(factory) as session:
        run = await repo.claim_requested_run(session)
        if run is None:
            return None
        await repo.update_run(session, run.id, {"status": "running", "started_at": clock.now()})
    try:
        async with transaction(factory) as session:
            await service.execute_run(session, run_id=run.id, config=config)
    except Exception as exc:
        log.exception("reclassification %s failed", run.id)
        async with transaction(factory) as session:
            await repo.update_run(
                session, run.id, {"status": "failed", "finished_at": clock.now(), "error": repr(exc)[:2000]}
            )
    return run.id  # type: ignore[no-any-return]


async def run_daily(
    factory: async_sessionmaker[AsyncSession], settings: RiskSettings, config: RiskConfigSet
) -> bool:
    """Today's reclassification and lead transfer, once per day after ``daily_job_hour`` (Beijing time)."""
    now = clock.now()
    if not settings.daily_job_enabled:
        return False
    if now.astimezone(clock.CHINA).hour < settings.daily_job_hour:
        return False
    async with transaction(factory) as session:
        run_id = uuid.uuid4()
        claimed = await repo.insert_daily_run(
            session,
            {
                "id": run_id,
                "kind": "daily",
                "run_on": clock.today(),
                "status": "running",
                "requested_by": SYSTEM_ACTOR,
                "requested_at": now,
                "started_at": now,
            },
        )
        if not claimed:
            return False
        # same transaction: a failed run leaves no row and is tried again next round
        await service.execute_run(session, run_id=run_id, config=config)
    if settings.lead_auto_transfer:
        try:
            async with transaction(factory) as session:
                await service.transfer_leads(
                    session, batch=None, actor=SYSTEM_ACTOR, actor_role="system", config=config
                )
        except Exception:  # e.g. CALENDAR_NOT_COVERED; a supervisor can transfer by hand
            log.exception("daily transfer of 12345 leads failed")
    return True


def daily_and_requested(
    settings: RiskSettings, config: RiskConfigSet
) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """The job the app registers (``ServiceParts.jobs``)."""

    async def risk_jobs(runtime: Runtime) -> None:
        while True:
            try:
                while await run_requested(runtime.factory, config) is not None:
                    pass
                await run_daily(runtime.factory, settings, config)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be down: try again next round
                log.warning("risk job round failed: %r", exc)
            await asyncio.sleep(settings.job_interval_s)

    return risk_jobs


def intake_uploads(
    settings: RiskSettings, config: RiskConfigSet
) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """Process queued bulk uploads, one after another, and forget finished ones after the retention."""
    limits = uploads.Limits.of(settings)

    async def risk_intake_uploads(runtime: Runtime) -> None:
        purged_at = 0.0
        while True:
            try:
                while await uploads.run_next(runtime.factory, config=config, limits=limits) is not None:
                    pass
                now = asyncio.get_running_loop().time()
                if now - purged_at > 3600:
                    purged = await uploads.purge(runtime.factory, limits)
                    purged_at = now
                    if purged:
                        log.info("forgot %d finished bulk uploads", purged)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be down: try again next round
                log.warning("bulk intake round failed: %r", exc)
            await asyncio.sleep(settings.intake_job_interval_s)

    return risk_intake_uploads
