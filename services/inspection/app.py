"""Composition root of the inspection service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.inspection import api, consumers, deps, jobs
from services.inspection.settings import InspectionContext, InspectionSettings


def create_app(settings: InspectionSettings | None = None, role: Role = "all") -> FastAPI:
    """The inspection service: 扫码入企: registries, tasks, scan-to-enter, visits and ratings."""
    settings = settings or InspectionSettings()
    return build_service_app(
        ServiceParts(
            info=SERVICES["inspection"],
            settings=settings,
            hot_routers=[api.entry_router],  # scan-to-enter: check-in is the hot path (issue #16)
            routers=[api.router, api.public_router],
            context=InspectionContext.from_settings(settings),
            consumers=consumers.consumers,
            periodic=jobs.JOBS,
            audit_entities=deps.AUDIT_ENTITIES,
            description="扫码入企: registries, tasks, scan-to-enter, visits and ratings",
        ),
        role=role,
    )
