"""Composition root of the risk service."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.app import Role, ServiceParts, build_service_app
from services.common.auth import Principal
from services.common.registry import SERVICES
from services.risk import consumers, jobs
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases import complaints, leads, matters, rectifications


def create_app(settings: RiskSettings | None = None, role: Role = "all") -> FastAPI:
    """The risk service: Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes."""
    settings = settings or RiskSettings()

    async def fill_in_leads(session: AsyncSession, year: int, principal: Principal) -> None:
        # the lead settings of the service's context, as the lead routes and jobs use them
        await leads.fill_in(session, year, principal, config=parts.context.config)

    async def fill_in_rectifications(session: AsyncSession, year: int, principal: Principal) -> None:
        await rectifications.fill_in(session, year, principal, config=parts.context.config)

    async def fill_in_complaints(session: AsyncSession, year: int, principal: Principal) -> None:
        await complaints.fill_in(session, year, principal, settings=parts.context.settings)

    parts = ServiceParts(
        info=SERVICES["risk"],
        settings=settings,
        context=RiskContext.from_settings(settings),
        consumers=consumers.consumers,
        periodic=jobs.JOBS,
        description="Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes",
        # lead, supervision matter, rectification and complaint deadlines pending for want of the year's
        # arrangement
        on_calendar_year=[fill_in_leads, matters.fill_in, fill_in_rectifications, fill_in_complaints],
    )
    if role != "worker":  # a worker never imports the routes it does not serve (services/common/app.py)
        from services.risk import api, deps

        parts.routers, parts.audit_entities = [api.router, api.public_router], deps.AUDIT_ENTITIES
    return build_service_app(parts, role=role)
