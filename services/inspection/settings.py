"""Settings of the inspection service (environment prefix ``ZHIFA_INSPECTION_``)."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import settings_class


class InspectionSettings(settings_class("inspection")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_INSPECTION_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_inspection",
        description="SQLAlchemy URL of the inspection database",
    )
    port: int = Field(8101, description="HTTP port")
