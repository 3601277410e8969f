"""Settings of the risk service (environment prefix ``ZHIFA_RISK_``) and its context: the configuration
resolved once at start-up (the versioned thresholds, the bulk intake limits) that every request, consumer
and job reads as ``runtime.context``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, model_validator

from services.common.checkpoints import DEV_CHECKPOINT_KEYS_FILE, keys_from_settings, verifying_keys
from services.common.settings import settings_class
from services.risk.domain.bulk import Limits
from services.risk.domain.report import RiskConfigSet, load_config

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
        5000, ge=1, le=50_000, description="bulk intake: lines (good or rejected) per batch, at most"
    )
    intake_batch_bytes: int = Field(
        4 * 1024 * 1024,
        ge=64 * 1024,
        le=64 * 1024 * 1024,
        description="bulk intake: bytes per batch, at most",
    )
    intake_sync_max_bytes: int = Field(
        1024 * 1024,
        ge=0,
        le=16 * 1024 * 1024,
        description="bulk intake: a larger upload (or one sent with Prefer: respond-async) becomes a job (202)",
    )
    intake_chunk_bytes: int = Field(
        1024 * 1024,
        ge=64 * 1024,
        le=16 * 1024 * 1024,
        description="bulk intake: a job's body is kept in pieces of this size",
    )
    intake_first_errors: int = Field(
        100, ge=0, le=1000, description="bulk intake: rejected lines listed in the response and the status"
    )
    intake_report_max_errors: int = Field(
        100_000,
        ge=0,
        le=10_000_000,
        description="bulk intake: rejected lines kept in the downloadable report",
    )
    intake_job_lease_s: float = Field(
        60.0, gt=0, description="bulk intake: a running job not heard from for this long is taken over"
    )
    intake_job_max_attempts: int = Field(
        3, ge=1, le=20, description="bulk intake: a job interrupted this many times is marked failed"
    )
    intake_upload_retention_days: int = Field(
        30, ge=1, description="bulk intake: finished uploads and their reports are kept this many days"
    )
    intake_job_interval_s: float = Field(
        1.0, gt=0, description="bulk intake: how often the worker looks for jobs"
    )
    job_interval_s: float = Field(
        5.0, gt=0, description="how often the worker looks for requested reclassifications and daily work"
    )
    announce_interval_s: float = Field(
        0.5,
        gt=0,
        description="how often the worker publishes a first classification's events (from its classes)",
    )
    announce_batch_size: int = Field(
        1000, ge=1, description="events per round when publishing a first classification's events"
    )
    daily_job_enabled: bool = Field(True, description="run the daily reclassification and lead transfer")
    daily_job_hour: int = Field(
        2, ge=0, le=23, description="hour (Beijing time) after which the daily reclassification runs"
    )
    lead_auto_transfer: bool = Field(
        True, description="the daily job transfers every finished week's received 12345 leads (周移送)"
    )
    audit_checkpoint_keys_file: Path = Field(
        DEV_CHECKPOINT_KEYS_FILE,
        description="the public keys every service signs its audit checkpoints with, as JSON "
        '{"<service>": <JWKS>, ...} (current and retired keys; the development keys are refused outside dev)',
    )

    # complaints (issue #14 item 3; services/risk/domain/complaints.py says where the figures come from)
    complaint_handling_working_days: int = Field(
        15, ge=1, le=60, description="complaints: working days from receipt to the bureau's conclusion"
    )
    complaint_reply_working_days: int = Field(
        10, ge=1, le=60, description="complaints: working days a department has to reply to a forwarded one"
    )
    complaint_token_minutes: int = Field(
        15, ge=1, le=120, description="complaints: minutes a public filing token stays valid"
    )
    complaint_public_per_hour: int = Field(
        5, ge=1, le=1000, description="complaints: public complaints accepted per client address per hour"
    )
    complaint_trusted_proxies: str = Field(
        "127.0.0.1/32,::1/128",
        description="complaints: CIDRs of the proxies (the gateway) whose X-Forwarded-For names the public "
        "caller's address, for the per-address limit",
    )

    @model_validator(mode="after")
    def _no_dev_checkpoint_keys(self) -> RiskSettings:
        if (
            not self.is_dev
            and Path(self.audit_checkpoint_keys_file).resolve() == DEV_CHECKPOINT_KEYS_FILE.resolve()
        ):
            raise ValueError(
                "refusing to start outside dev: ZHIFA_RISK_AUDIT_CHECKPOINT_KEYS_FILE is the development key set"
            )
        return self


def read_config(settings: RiskSettings) -> RiskConfigSet:
    """The versioned thresholds (validated: RISK_CONFIG_INVALID lists every bad field)."""
    return load_config(json.loads(settings.config_file.read_text(encoding="utf-8")))


def intake_limits(settings: RiskSettings) -> Limits:
    """The bounds of bulk intake, from the ``intake_*`` settings."""
    return Limits(
        sync_max_bytes=settings.intake_sync_max_bytes,
        chunk_bytes=settings.intake_chunk_bytes,
        batch_lines=settings.intake_batch_size,
        batch_bytes=settings.intake_batch_bytes,
        first_errors=settings.intake_first_errors,
        report_max=settings.intake_report_max_errors,
        lease_s=settings.intake_job_lease_s,
        max_attempts=settings.intake_job_max_attempts,
        retention=timedelta(days=settings.intake_upload_retention_days),
    )


@dataclass(frozen=True, slots=True)
class RiskContext:
    """What the risk service resolved at start-up; ``runtime.context`` in requests, consumers and jobs."""

    settings: RiskSettings
    config: RiskConfigSet
    limits: Limits
    #: service → kid → public key: what received audit checkpoints must be signed with (issue #13)
    checkpoint_keys: dict[str, dict[str, Ed25519PublicKey]]
    #: HMAC key of the public complaint filing tokens, derived from the service's checkpoint key (issue #14)
    complaint_token_key: bytes = b""

    @classmethod
    def from_settings(cls, settings: RiskSettings) -> RiskContext:
        return cls(
            settings=settings,
            config=read_config(settings),
            limits=intake_limits(settings),
            checkpoint_keys=verifying_keys(settings.audit_checkpoint_keys_file),
            complaint_token_key=complaint_token_key(settings),
        )


def complaint_token_key(settings: RiskSettings) -> bytes:
    """The key of the public complaint filing tokens: HKDF-SHA256 of the service's own audit checkpoint key
    (its key material; a derived key with its own purpose, never the signing key itself)."""
    raw = keys_from_settings(settings).private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"zhifa.risk.complaint-token/1").derive(
        raw
    )
