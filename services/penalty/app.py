"""Composition root of the penalty service."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from services.common.app import Role, Runtime, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.penalty import api, events, service
from services.penalty.settings import PenaltySettings

log = logging.getLogger(__name__)


async def deadline_job(runtime: Runtime) -> None:
    """Publish ``penalty.deadline.missed`` for overdue deadlines; each (case, deadline, due date) once."""
    settings = runtime.settings
    assert isinstance(settings, PenaltySettings)
    if not settings.deadline_scan_enabled:
        await asyncio.Event().wait()  # disabled: idle (the supervisor restarts a job that returns)
    while True:
        try:
            reported = await service.scan_deadlines(runtime.factory)
            if reported:
                log.info("reported %d missed deadlines", reported)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("missed-deadline scan failed; retrying at the next interval")
        await asyncio.sleep(settings.deadline_scan_interval_s)


def create_app(settings: PenaltySettings | None = None, role: Role = "all") -> FastAPI:
    """The penalty service: Discretion benchmarks, the assessment engine, the lawful procedure, documents and consistency."""
    settings = settings or PenaltySettings()
    app = build_service_app(
        ServiceParts(
            info=SERVICES["penalty"],
            settings=settings,
            routers=[api.router, api.public_router],
            subscriptions=events.subscriptions(),
            jobs=[deadline_job],
            description="Discretion benchmarks, the assessment engine, the lawful procedure, documents and consistency",
        ),
        role=role,
    )
    app.state.penalty = service.make_context(settings)
    return app
