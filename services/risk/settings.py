"""Settings of the risk service (environment prefix ``ZHIFA_RISK_``)."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import settings_class


class RiskSettings(settings_class("risk")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_RISK_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_risk",
        description="SQLAlchemy URL of the risk database",
    )
    port: int = Field(8104, description="HTTP port")
