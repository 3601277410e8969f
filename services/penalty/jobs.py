"""Background jobs of the penalty service (run by services.common.jobs in worker processes)."""

from __future__ import annotations

import logging

from services.common.app import Runtime
from services.common.jobs import periodic
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import collections, disclosure, enforcement, follow_ups
from services.penalty.use_cases.deadlines import scan_deadlines

log = logging.getLogger(__name__)


async def deadline_scan(runtime: Runtime) -> None:
    """Publish ``penalty.deadline.missed`` for overdue deadlines; each (case, deadline, due date) once."""
    reported = await scan_deadlines(runtime.factory)
    if reported:
        log.info("reported %d missed deadlines", reported)


def _interval(ctx: PenaltyContext) -> float:
    return ctx.settings.deadline_scan_interval_s


def _enabled(ctx: PenaltyContext) -> bool:
    return ctx.settings.deadline_scan_enabled


async def disclosure_sweep(runtime: Runtime) -> bool:
    """行政执法公示 for decisions no step reached; overdue publications reported once."""
    ctx: PenaltyContext = runtime.context
    return await disclosure.sweep(runtime.factory, decided_since=ctx.settings.disclosure_since)


async def enforcement_window_scan(runtime: Runtime) -> None:
    """Publish ``penalty.enforcement.window_missed`` once per case whose 第五十三条 window closed unused."""
    await enforcement.scan_windows(runtime.factory)


async def collection_scan(runtime: Runtime) -> None:
    """Publish ``penalty.collection.overdue`` for fines collected on the spot and not handed over or banked
    within 第七十一条's two working days; each (collection, stage) once."""
    reported = await collections.scan_overdue(runtime.factory)
    if reported:
        log.info("reported %d overdue on-the-spot collections", reported)


JOBS = [
    periodic("deadline-scan", every=_interval, fn=deadline_scan, enabled=_enabled),
    periodic(
        "disclosure-sweep", every=lambda ctx: ctx.settings.disclosure_sweep_interval_s, fn=disclosure_sweep
    ),
]
# after the decision (issue #17): the court-application windows (行政强制法 第五十三条), on the deadline scan's cadence
JOBS.append(
    periodic("enforcement-window-scan", every=_interval, fn=enforcement_window_scan, enabled=_enabled)
)
# issue #17: overdue on-the-spot collections (行政处罚法 第七十一条), on the deadline scan's schedule
JOBS.append(periodic("collection-scan", every=_interval, fn=collection_scan, enabled=_enabled))


async def follow_up_scan(runtime: Runtime) -> bool:
    """Publish ``penalty.correction.follow_up_overdue`` once per order to correct of a decision still unchecked
    after its deadline (行政处罚法 第二十八条第一款; issue #14 item 6); a full batch runs again at once."""
    reported = await follow_ups.scan_overdue(runtime.factory)
    if reported:
        log.info("reported %d overdue follow-ups", reported)
    return reported >= follow_ups.OVERDUE_BATCH


# issue #14 item 6: overdue 责令改正 follow-ups, on the deadline scan's schedule
JOBS.append(periodic("follow-up-scan", every=_interval, fn=follow_up_scan, enabled=_enabled))
