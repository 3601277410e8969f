"""Enterprise classes A–D: classification (incremental, after a signal; full, by a run), reading classes,
and full reclassification runs requested by a supervisor or made by the daily job."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, idnumbers
from services.common.access import Scope
from services.common.auth import Principal
from services.common.events import json_time
from services.common.logs import request_id_var
from services.risk.domain import classes as class_rules
from services.risk.domain.report import RiskConfigSet
from services.risk.errors import UsccInvalid
from services.risk.models import ClassificationRun
from services.risk.repository import announcements as announcement_repo
from services.risk.repository import classes as class_repo
from services.risk.repository.classes import ClassificationCounts, ClassifiedEnterprise
from services.risk.schemas import ClassificationRunRead, EnterpriseClassRead
from services.risk.views import enterprise_read, run_read

log = logging.getLogger(__name__)


async def classify_enterprises(
    session: AsyncSession, *, config: RiskConfigSet, usccs: Sequence[str] | None = None
) -> ClassificationCounts:
    """Reclassify every enterprise (``usccs`` None) or the given ones; emits risk.enterprise.classified for
    every class change, set-based in the same statement, into the outbox; a first classification's events
    are announced afterwards from its classes (repository.announcements, which says what is guaranteed: the
    unannounced first-run events of the enterprises classified here go to the outbox first)."""
    today, now = clock.today(), clock.now()
    version = config.in_effect(today)
    at_text, request_id = json_time(now), request_id_var.get()
    await class_repo.lock_classification(session, exclusive=usccs is None)
    pending = await announcement_repo.pending(session, exclusive=usccs is None)
    if pending:
        taken = await announcement_repo.take_over(session, pending, usccs)
        log.info(
            "first-run events of %d enterprises written to the outbox ahead of their reclassification", taken
        )
    counts = await class_repo.classify(
        session,
        config=version.classes,
        version=version.version,
        today=today,
        at=now,
        at_text=at_text,
        request_id=request_id,
        usccs=usccs,
    )
    if counts.first and counts.written:
        await announcement_repo.create(session, at=now, at_text=at_text, request_id=request_id)
    return counts


async def reclassify(session: AsyncSession, *, uscc: str | None, config: RiskConfigSet) -> None:
    """A signal about an enterprise: register it if new and reclassify it at once."""
    if uscc:
        await class_repo.ensure_enterprises(session, [uscc])
        await classify_enterprises(session, config=config, usccs=[uscc])


def valid_uscc(uscc: str) -> str:
    """The USCC with a verified check character (GB 32100-2015), or 422 ENTERPRISE_USCC_INVALID."""
    try:
        return idnumbers.uscc(uscc)
    except Exception:
        raise UsccInvalid(
            f"统一社会信用代码“{uscc[:40]}”无效（格式或校验位错误）",
            detail_en=f"“{uscc[:40]}” is not a valid unified social credit code (shape or check character)",
        ) from None


async def readable_enterprise(session: AsyncSession, scope: Scope, uscc: str) -> ClassifiedEnterprise | None:
    """An enterprise's class if ``scope`` may see it; a USCC that does not verify is refused first (422)."""
    return await class_repo.readable_class(session, scope, valid_uscc(uscc))


def get_enterprise(found: ClassifiedEnterprise) -> EnterpriseClassRead:
    return enterprise_read(found)


async def list_enterprises(
    session: AsyncSession, scope: Scope, *, risk_class: str | None, after: str | None, limit: int
) -> list[EnterpriseClassRead]:
    rows = await class_repo.list_classes(session, scope, risk_class=risk_class, after=after, limit=limit)
    return [enterprise_read(r) for r in rows]


async def request_reclassification(
    session: AsyncSession, *, principal: Principal, scope: Scope
) -> ClassificationRunRead:
    """Queue a full reclassification; the worker runs it (it can take a minute for a million enterprises)."""
    run_id = uuid.uuid4()
    run_on = clock.today()
    await class_repo.request_run(
        session,
        {
            "id": run_id,
            "kind": "requested",
            "run_on": run_on,
            "status": "requested",
            "requested_by": principal.sub,
            "requested_at": clock.now(),
        },
    )
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="classification.requested",
        entity_type="classification_run",
        entity_id=str(run_id),
        after={"run_on": run_on.isoformat()},
    )
    run = await class_repo.readable_run(session, scope, run_id)
    assert run is not None
    return run_read(run)


def get_run(run: ClassificationRun) -> ClassificationRunRead:
    return run_read(run)


# How long before the last finished run's transaction began (its ``snapshot_at``) an enterprise may have been
# first seen and still be unclassified. Every service path (``reclassify``, ``after_intake``: signals,
# enterprise.registered, intake) classifies an enterprise in the transaction that registers it, and a finished
# run classifies every enterprise its snapshots saw; only a bulk or seed insert (services/risk/sample.py)
# leaves one unclassified, and only one whose transaction was still open at the run's snapshot escapes the run.
# Its first_seen_at is that transaction's now(), earlier than the run's start by at most the transaction's
# duration: one day is far beyond any (the province generator's 5 M enterprises take minutes), and costs the
# next run only the enterprises first seen in that day (an index range, risk_0013).
NEW_ENTERPRISE_MARGIN = timedelta(days=1)


async def execute_run(
    session: AsyncSession, *, run_id: uuid.UUID, config: RiskConfigSet, incremental: bool = False
) -> None:
    """Run one reclassification and record its figures on the run row (same transaction).

    ``incremental`` (the daily run): when a run under the configuration in effect today has finished before,
    only the enterprises whose signals score differently since its day are reclassified
    (``domain.classes.changed_ranges``: signals entering or leaving their window, linear decay stepping down,
    publications starting or withdrawn; new signals reclassify their enterprise on arrival), plus those never
    classified; the result equals a full reclassification (tests/risk/domain/test_incremental_classes.py). Without
    such a run (first run, new configuration version) it is a full one. The never classified are looked for
    only among the enterprises first seen since that run's start less ``NEW_ENTERPRISE_MARGIN``."""
    started = time.perf_counter()
    today = clock.today()
    version = config.in_effect(today)
    last = await class_repo.last_run(session, version.version) if incremental else None
    if last is not None and last.run_on <= today:
        ranges = class_rules.changed_ranges(version.classes, last.run_on, today)
        seen_since = None if last.snapshot_at is None else last.snapshot_at - NEW_ENTERPRISE_MARGIN
        usccs = await class_repo.changed_candidates(session, ranges, seen_since=seen_since)
        log.info("daily reclassification since %s: %d candidate enterprises", last.run_on, len(usccs))
        counts = await classify_enterprises(session, config=config, usccs=usccs)
        examined = len(usccs)
    else:
        counts = await classify_enterprises(session, config=config)
        examined = await class_repo.count_enterprises(session)
    await class_repo.finish_run(
        session,
        run_id,
        {
            "status": "done",
            "finished_at": clock.now(),
            "config_version": config.in_effect(clock.today()).version,
            "enterprises": examined,  # reclassified: every one, or an incremental run's candidates
            "written": counts.written,
            "emitted": counts.emitted,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    log.info("reclassification %s: %d written, %d events", run_id, counts.written, counts.emitted)


async def claim_requested_run(session: AsyncSession) -> uuid.UUID | None:
    """The oldest requested run, claimed for this worker (FOR UPDATE SKIP LOCKED); its id, or None."""
    return await class_repo.claim_requested_run(session)


async def mark_run_started(session: AsyncSession, run_id: uuid.UUID) -> None:
    await class_repo.update_run(session, run_id, {"status": "running", "started_at": clock.now()})


async def mark_run_failed(session: AsyncSession, run_id: uuid.UUID, error: str) -> None:
    await class_repo.update_run(
        session, run_id, {"status": "failed", "finished_at": clock.now(), "error": error[:2000]}
    )


SYSTEM_ACTOR = "system:risk-daily"


async def claim_daily_run(session: AsyncSession, now: datetime) -> uuid.UUID | None:
    """Claim today's daily run (once per day, whichever replica comes first); its id, or None."""
    run_id = uuid.uuid4()
    claimed = await class_repo.insert_daily_run(
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
    return run_id if claimed else None
