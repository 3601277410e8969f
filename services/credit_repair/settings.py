"""Settings of the credit_repair service (environment prefix ``ZHIFA_CREDIT_REPAIR_``)."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import settings_class


class CreditRepairSettings(settings_class("credit_repair")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_CREDIT_REPAIR_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_credit_repair",
        description="SQLAlchemy URL of the credit_repair database",
    )
    port: int = Field(8103, description="HTTP port")
