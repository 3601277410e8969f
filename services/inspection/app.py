"""Composition root of the inspection service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.inspection import api, consumers, jobs
from services.inspection.settings import InspectionContext, InspectionSettings


def create_app(settings: InspectionSettings | None = None, role: Role = "all") -> FastAPI:
    """The inspection service: 扫码入企: registries, tasks, scan-to-enter, visits and ratings."""
    settings = settings or InspectionSettings()
    return build_service_app(
        ServiceParts(
            info=SERVICES["inspection"],
            settings=settings,
            routers=[api.entry_router, api.router, api.public_router],
            context=InspectionContext.from_settings(settings),
            consumers=consumers.consumers,
            periodic=jobs.JOBS,
            description="扫码入企: registries, tasks, scan-to-enter, visits and ratings",
        ),
        role=role,
    )
