"""Composition root of the risk service."""

from __future__ import annotations

import json

from fastapi import FastAPI

from services.common.app import Role, ServiceParts, build_service_app
from services.common.registry import SERVICES
from services.risk import api, events, jobs
from services.risk.domain.report import RiskConfigSet, load_config
from services.risk.settings import RiskSettings


def read_config(settings: RiskSettings) -> RiskConfigSet:
    """The versioned thresholds (validated: RISK_CONFIG_INVALID lists every bad field)."""
    return load_config(json.loads(settings.config_file.read_text(encoding="utf-8")))


def create_app(settings: RiskSettings | None = None, role: Role = "all") -> FastAPI:
    """The risk service: Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes."""
    settings = settings or RiskSettings()
    config = read_config(settings)
    app = build_service_app(
        ServiceParts(
            info=SERVICES["risk"],
            settings=settings,
            routers=[api.router, api.public_router],
            subscriptions=events.subscriptions(config),
            jobs=[jobs.daily_and_requested(settings, config), jobs.intake_uploads(settings, config)],
            description="Intake from courts, reconsideration and 12345; 红黄蓝 warnings; enterprise A–D classes",
        ),
        role=role,
    )
    app.state.risk_config = config
    return app
