"""Background jobs of the penalty service (run by services.common.jobs in worker processes)."""

from __future__ import annotations

import logging

from services.common.app import Runtime
from services.common.jobs import periodic
from services.penalty.settings import PenaltyContext
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


JOBS = [periodic("deadline-scan", every=_interval, fn=deadline_scan, enabled=_enabled)]
