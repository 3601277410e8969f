"""Composition root of the notify service."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from services.common.app import Role, Runtime, ServiceParts, build_service_app, supervise
from services.common.registry import SERVICES
from services.notify import consumers, jobs
from services.notify.settings import NotifyContext, NotifySettings
from services.notify.use_cases import stream


async def start_listener(runtime: Runtime) -> None:
    """The one LISTEN connection of this process that wakes its streams (stopped with the service)."""
    context: NotifyContext = runtime.context

    async def listen() -> None:
        await stream.listen(runtime.settings.database_url, context.fanout)

    name = "notify-listen"
    runtime.tasks.append(asyncio.create_task(supervise(name, listen), name=name))


def create_app(settings: NotifySettings | None = None, role: Role = "all") -> FastAPI:
    """The notify service: the per-recipient notification log, its live streams, and webhooks."""
    settings = settings or NotifySettings()
    parts = ServiceParts(
        info=SERVICES["notify"],
        settings=settings,
        context=NotifyContext.from_settings(settings),
        consumers=consumers.consumers,
        periodic=jobs.JOBS,
        on_startup=[start_listener],
        description="notifications (a durable log per recipient, live over SSE) and signed webhooks",
    )
    if role != "worker":  # a worker never imports the routes it does not serve (services/common/app.py)
        from services.notify import api

        parts.routers = [api.router, api.webhooks_router]
    return build_service_app(parts, role=role)
