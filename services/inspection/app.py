"""Composition root of the inspection service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.inspection import consumers, jobs
from services.inspection.settings import InspectionContext, InspectionSettings


def create_app(settings: InspectionSettings | None = None, role: Role = "all") -> FastAPI:
    """The inspection service: 扫码入企: registries, tasks, scan-to-enter, visits and ratings."""
    settings = settings or InspectionSettings()
    parts = ServiceParts(
        info=SERVICES["inspection"],
        settings=settings,
        context=InspectionContext.from_settings(settings),
        consumers=consumers.consumers,
        periodic=jobs.JOBS,
        description="扫码入企: registries, tasks, scan-to-enter, visits and ratings",
    )
    if role != "worker":  # a worker never imports the routes it does not serve (services/common/app.py)
        from services.inspection import api, deps

        parts.hot_routers = [api.entry_router]  # scan-to-enter: check-in is the hot path (issue #16)
        parts.routers, parts.audit_entities = [api.router, api.public_router], deps.AUDIT_ENTITIES
    return build_service_app(parts, role=role)
