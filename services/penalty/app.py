"""Composition root of the penalty service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.penalty import consumers, jobs
from services.penalty.settings import PenaltyContext, PenaltySettings
from services.penalty.use_cases import calendar_deadlines


def create_app(settings: PenaltySettings | None = None, role: Role = "all") -> FastAPI:
    """The penalty service: Discretion benchmarks, the assessment engine, the lawful procedure, documents and consistency."""
    settings = settings or PenaltySettings()
    parts = ServiceParts(
        info=SERVICES["penalty"],
        settings=settings,
        context=PenaltyContext.from_settings(settings),
        consumers=consumers.consumers,
        periodic=jobs.JOBS,
        on_calendar_year=[calendar_deadlines.fill_in],  # issue 13: deadlines waiting for the year
        description="Discretion benchmarks, the assessment engine, the lawful procedure, documents and consistency",
    )
    if role != "worker":  # a worker never imports the routes it does not serve (services/common/app.py)
        from services.penalty import api, deps

        parts.routers, parts.audit_entities = [api.router, api.public_router], deps.AUDIT_ENTITIES
    return build_service_app(parts, role=role)
