"""Composition root of the credit_repair service."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from services.common.app import Role, Runtime, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.credit_repair import api, events, service
from services.credit_repair.settings import CreditRepairSettings

log = logging.getLogger(__name__)


def create_app(settings: CreditRepairSettings | None = None, role: Role = "all") -> FastAPI:
    """The credit_repair service: 两书同达, publication classes, credit repair and 信用松绑 clean-up."""
    settings = settings or CreditRepairSettings()

    async def sweep_job(runtime: Runtime) -> None:
        """End publications at their maximum period (idempotent: every run ends what is due today)."""
        while True:
            try:
                today, ended = await service.sweep(runtime.factory, actor="sweep", actor_role="system")
                if ended:
                    log.info("sweep ended %d publications at their maximum period (%s)", ended, today)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("publication sweep failed; retrying at the next interval")
            await asyncio.sleep(settings.sweep_interval_s)

    async def cleanup_job(runtime: Runtime) -> None:
        """Run queued (or interrupted) clean-up runs."""
        while True:
            try:
                await service.run_cleanups(
                    runtime.engine, runtime.factory, chunk_size=settings.cleanup_chunk_size
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("clean-up worker round failed")
            await asyncio.sleep(settings.cleanup_poll_interval_s)

    return build_service_app(
        ServiceParts(
            info=SERVICES["credit_repair"],
            settings=settings,
            routers=[api.router, api.public_router],
            subscriptions=events.subscriptions(settings),
            jobs=[sweep_job, cleanup_job],
            description="两书同达, publication classes, credit repair and 信用松绑 clean-up",
        ),
        role=role,
    )
