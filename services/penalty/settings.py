"""Settings of the penalty service (environment prefix ``ZHIFA_PENALTY_``)."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import settings_class


class PenaltySettings(settings_class("penalty")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_PENALTY_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_penalty",
        description="SQLAlchemy URL of the penalty database",
    )
    port: int = Field(8102, description="HTTP port")
