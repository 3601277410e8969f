"""Periodic jobs, declared by each service in its ``jobs.py`` and run by one runner here.

    JOBS = [
        periodic("sweep", every=lambda ctx: ctx.settings.sweep_interval_s, fn=sweep),
    ]

A job is a coroutine function of the service's ``Runtime`` that does one round of work in its own
transactions and returns whether more work is waiting (``True`` runs the next round at once, anything
else waits ``every`` seconds). The runner owns the loop every job used to write for itself: it logs and
counts each round (``zhifa_job_runs_total{service,job,outcome}``, ``zhifa_job_duration_seconds``), keeps
going after a failure (the next round is the retry, after the same interval), and stops when its task is
cancelled at shutdown. A job disabled by configuration is not started at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.common import metrics

if TYPE_CHECKING:
    from services.common.app import Runtime

log = logging.getLogger(__name__)

Round = Callable[["Runtime"], Awaitable[bool | None]]
Interval = float | Callable[[Any], float]
Enabled = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Periodic:
    """One declared job: its name (in logs, metrics and task names), its interval and its round."""

    name: str
    every: Interval
    fn: Round
    enabled: Enabled | None = None

    def interval(self, context: Any) -> float:
        """Seconds between rounds, read from the service context when the interval is configured."""
        return float(self.every(context) if callable(self.every) else self.every)

    def is_enabled(self, context: Any) -> bool:
        return self.enabled is None or bool(self.enabled(context))


def periodic(name: str, every: Interval, fn: Round, *, enabled: Enabled | None = None) -> Periodic:
    """Declare a job: ``fn(runtime)`` every ``every`` seconds (a number, or a function of the context)."""
    return Periodic(name=name, every=every, fn=fn, enabled=enabled)


async def run(job: Periodic, runtime: Runtime) -> None:
    """Run ``job`` until cancelled: one round, then the interval (or at once when the round says more)."""
    service = runtime.info.name
    interval = job.interval(runtime.context)
    while True:
        started = time.perf_counter()
        more = False
        try:
            more = bool(await job.fn(runtime))
            outcome = "ok"
        except asyncio.CancelledError:
            raise
        except Exception:
            outcome = "error"
            log.exception("job %s failed; the next round retries in %.1fs", job.name, interval)
        metrics.JOB_RUNS.labels(service, job.name, outcome).inc()
        metrics.JOB_DURATION.labels(service, job.name).observe(time.perf_counter() - started)
        if more and outcome == "ok":
            await asyncio.sleep(0)  # let requests in between rounds of a long backlog
            continue
        await asyncio.sleep(interval)
