"""Composition root of the risk service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.risk import api, consumers, deps, jobs
from services.risk.settings import RiskContext, RiskSettings


def create_app(settings: RiskSettings | None = None, role: Role = "all") -> FastAPI:
    """The risk service: Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes."""
    settings = settings or RiskSettings()
    return build_service_app(
        ServiceParts(
            info=SERVICES["risk"],
            settings=settings,
            routers=[api.router, api.public_router],
            context=RiskContext.from_settings(settings),
            consumers=consumers.consumers,
            periodic=jobs.JOBS,
            audit_entities=deps.AUDIT_ENTITIES,
            description="Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes",
        ),
        role=role,
    )
