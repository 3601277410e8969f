"""Composition root of the credit_repair service."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.credit_repair import consumers, jobs
from services.credit_repair.settings import CreditRepairContext, CreditRepairSettings
from services.credit_repair.use_cases import calendar_deadlines


def create_app(settings: CreditRepairSettings | None = None, role: Role = "all") -> FastAPI:
    """The credit_repair service: 两书同达, publication classes, credit repair and 信用松绑 clean-up."""
    settings = settings or CreditRepairSettings()
    parts = ServiceParts(
        info=SERVICES["credit_repair"],
        settings=settings,
        context=CreditRepairContext.from_settings(settings),
        consumers=consumers.consumers,
        periodic=jobs.JOBS,
        description="两书同达, publication classes, credit repair and 信用松绑 clean-up",
        on_calendar_year=[calendar_deadlines.fill_in],  # review deadlines waiting for the year
    )
    if role != "worker":  # a worker never imports the routes it does not serve (services/common/app.py)
        from services.credit_repair import api, deps

        parts.routers, parts.audit_entities = [api.router, api.public_router], deps.AUDIT_ENTITIES
    return build_service_app(parts, role=role)
