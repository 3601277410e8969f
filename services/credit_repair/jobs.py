"""The credit_repair service's periodic jobs (services.common.jobs runs them in the worker role)."""

from __future__ import annotations

import logging

from services.common.app import Runtime
from services.common.jobs import periodic
from services.credit_repair.settings import CreditRepairContext
from services.credit_repair.use_cases import announcements, cleanups, sweep

log = logging.getLogger(__name__)


def _context(runtime: Runtime) -> CreditRepairContext:
    context: CreditRepairContext = runtime.context
    return context


async def end_expired_publications(runtime: Runtime) -> None:
    """End publications at their maximum period (idempotent: every round ends what is due today)."""
    today, ended = await sweep.sweep(runtime.factory, actor="sweep", actor_role="system")
    if ended:
        log.info("sweep ended %d publications at their maximum period (%s)", ended, today)


async def run_queued_cleanups(runtime: Runtime) -> None:
    """Run queued (or interrupted) clean-up runs."""
    settings = _context(runtime).settings
    await cleanups.run_cleanups(
        runtime.engine,
        runtime.factory,
        chunk_size=settings.cleanup_chunk_size,
        parallelism=settings.cleanup_parallelism,
    )


async def announce_cleanup_ends(runtime: Runtime) -> bool:
    """Publish the ``credit.publication.ended`` events of clean-up ends, from the feed, through the relay."""
    if runtime.relay is None or not runtime.bus.connected:
        return False
    return await announcements.announce_cleanup_ends(
        runtime.factory, runtime.relay.publish, batch_size=_context(runtime).settings.announce_batch_size
    )


def _sweep_interval(context: CreditRepairContext) -> float:
    return float(context.settings.sweep_interval_s)


def _cleanup_interval(context: CreditRepairContext) -> float:
    return float(context.settings.cleanup_poll_interval_s)


def _announce_interval(context: CreditRepairContext) -> float:
    return float(context.settings.announce_interval_s)


JOBS = [
    periodic("sweep", every=_sweep_interval, fn=end_expired_publications),
    periodic("cleanups", every=_cleanup_interval, fn=run_queued_cleanups),
    periodic("announce-ends", every=_announce_interval, fn=announce_cleanup_ends),
]
