"""Settings of the risk service (environment prefix ``ZHIFA_RISK_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.common.settings import settings_class

DEFAULT_CONFIG_FILE = Path(__file__).parent / "risk_config.json"


class RiskSettings(settings_class("risk")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_RISK_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_risk",
        description="SQLAlchemy URL of the risk database",
    )
    port: int = Field(8104, description="HTTP port")
    config_file: Path = Field(
        DEFAULT_CONFIG_FILE,
        description="versioned thresholds (risk_config.json, schema zhifa.risk.config/1; see docs/risk-model.md)",
    )
    intake_batch_size: int = Field(
        5000, ge=1, le=50_000, description="bulk intake: good lines stored per set-based INSERT"
    )
    job_interval_s: float = Field(
        5.0, gt=0, description="how often the worker looks for requested reclassifications and daily work"
    )
    daily_job_enabled: bool = Field(True, description="run the daily reclassification and lead transfer")
    daily_job_hour: int = Field(
        2, ge=0, le=23, description="hour (Beijing time) after which the daily reclassification runs"
    )
    lead_auto_transfer: bool = Field(
        True, description="the daily job transfers every finished week's received 12345 leads (周移送)"
    )
