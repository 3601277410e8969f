"""Composition root of the inspection service."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from services.common.app import Job, Role, Runtime, ServiceParts, build_service_app
from services.common.db import transaction
from services.common.registry import SERVICES
from services.inspection import api, events, keys, service
from services.inspection.settings import InspectionSettings

log = logging.getLogger(__name__)


def housekeeping_job(cfg: service.Config, interval: float) -> Job:
    async def housekeeping(runtime: Runtime) -> None:
        """Flag urgent complaint tasks unapproved after 24 hours; mark certificates past validity expired."""
        while True:
            await _housekeeping_round(runtime, cfg)
            await asyncio.sleep(interval)

    return housekeeping


async def _housekeeping_round(runtime: Runtime, cfg: service.Config) -> None:
    try:
        async with transaction(runtime.factory) as session:
            flagged = await service.flag_overdue_approvals(session, cfg=cfg)
        async with transaction(runtime.factory) as session:
            expired = await service.expire_certificates(session)
        if flagged or expired:
            log.info("housekeeping: %d overdue approvals flagged, %d certificates expired", flagged, expired)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("housekeeping round failed (will retry): %s", exc)


def auditor_job(idle_interval: float = 0.5) -> Job:
    async def audit_visits(runtime: Runtime) -> None:
        """Append the start of new visits to the audit chain in batches (see service.audit_visit_starts)."""
        while True:
            done = 0
            try:
                async with transaction(runtime.factory) as session:
                    done = await service.audit_visit_starts(session, limit=AUDIT_BATCH)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("auditing visits failed (will retry): %s", exc)
            if done < AUDIT_BATCH:
                await asyncio.sleep(idle_interval)

    return audit_visits


AUDIT_BATCH = 500


def create_app(settings: InspectionSettings | None = None, role: Role = "all") -> FastAPI:
    """The inspection service: 扫码入企: registries, tasks, scan-to-enter, visits and ratings."""
    settings = settings or InspectionSettings()
    signing = keys.load(
        settings.entry_code_key_file, settings.entry_code_key_id, settings.entry_code_previous_keys_file
    )
    cfg = service.config_from(settings, signing)

    app = build_service_app(
        ServiceParts(
            info=SERVICES["inspection"],
            settings=settings,
            routers=[api.entry_router, api.router, api.public_router],
            subscriptions=events.subscriptions(),
            jobs=[housekeeping_job(cfg, settings.job_interval_s), auditor_job()],
            description="扫码入企: registries, tasks, scan-to-enter, visits and ratings",
        ),
        role=role,
    )
    app.state.inspection = cfg
    return app
