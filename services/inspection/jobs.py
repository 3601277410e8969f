"""The inspection service's periodic jobs (run by services.common.jobs in the worker role)."""

from __future__ import annotations

import logging

from services.common.app import Runtime
from services.common.db import transaction
from services.common.jobs import periodic
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import entry, follow_ups, tasks
from services.inspection.use_cases.registries import officers

log = logging.getLogger(__name__)

#: Visit starts appended to the audit chain per round; a full batch runs the next round at once.
AUDIT_BATCH = 500
#: Seconds between rounds of the auditor when it has caught up.
AUDIT_IDLE_S = 0.5


async def housekeeping(runtime: Runtime) -> None:
    """Flag urgent complaint tasks unapproved after 24 hours; mark certificates past validity expired."""
    ctx: InspectionContext = runtime.context
    async with transaction(runtime.factory) as session:
        flagged = await tasks.flag_overdue_approvals(session, ctx=ctx)
    async with transaction(runtime.factory) as session:
        expired = await officers.expire_certificates(session)
    if flagged or expired:
        log.info("housekeeping: %d overdue approvals flagged, %d certificates expired", flagged, expired)


async def audit_visits(runtime: Runtime) -> bool:
    """Append the start of new visits to the audit chain in batches (see entry.audit_visit_starts)."""
    async with transaction(runtime.factory) as session:
        done = await entry.audit_visit_starts(session, limit=AUDIT_BATCH)
    return done >= AUDIT_BATCH


def _housekeeping_interval(ctx: InspectionContext) -> float:
    return ctx.job_interval_s


JOBS = [
    periodic("housekeeping", every=_housekeeping_interval, fn=housekeeping),
    periodic("audit-visits", every=AUDIT_IDLE_S, fn=audit_visits),
]


async def follow_ups_overdue(runtime: Runtime) -> bool:
    """Publish inspection.correction.follow_up_overdue for orders to correct still unchecked after their
    deadline (issue #14 item 6), in batches."""
    async with transaction(runtime.factory) as session:
        done = await follow_ups.publish_overdue(session)
    if done:
        log.info("follow-ups: %d overdue published", done)
    return done >= follow_ups.OVERDUE_BATCH


JOBS.append(periodic("follow-ups-overdue", every=_housekeeping_interval, fn=follow_ups_overdue))
