"""Settings: one base class shared by every process, one subclass per service.

Shared values come from ``ZHIFA_<NAME>`` (``ZHIFA_NATS_URL``); a service's own values from
``ZHIFA_<SERVICE>_<NAME>`` (``ZHIFA_PENALTY_DATABASE_URL``). Outside ``ZHIFA_ENV=dev``/``test`` the
development keys and placeholder passwords are refused at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common import scopes
from services.common.auth import DEFAULT_MAX_LIFETIMES

DEV_KEYS_DIR = Path(__file__).parent / "devkeys"
DEV_JWKS_FILE = DEV_KEYS_DIR / "dev-jwks.json"
DEV_JWT_PRIVATE_KEY = DEV_KEYS_DIR / "dev-jwt-signing.pem"
DEV_ENTRY_CODE_KEY = DEV_KEYS_DIR / "dev-entry-code-signing.pem"
PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder", "dev-only")

Env = Literal["dev", "test", "prod"]


def _shared(name: str, default: object, description: str) -> object:
    return Field(default, validation_alias=AliasChoices(f"ZHIFA_{name}"), description=description)


class CommonSettings(BaseSettings):
    """Values every process reads (environment, NATS, token verification, logging)."""

    model_config = SettingsConfigDict(env_prefix="ZHIFA_", extra="ignore", populate_by_name=True)

    env: Env = _shared("ENV", "dev", "dev, test or prod; dev enables /auth/dev-token and the dev keys")  # type: ignore[assignment]
    log_level: str = _shared("LOG_LEVEL", "INFO", "Python log level name")  # type: ignore[assignment]
    log_json: bool = _shared("LOG_JSON", True, "JSON log lines (one object per line)")  # type: ignore[assignment]
    nats_url: str = _shared("NATS_URL", "nats://127.0.0.1:4222", "NATS server URL(s), comma-separated")  # type: ignore[assignment]
    nats_stream_replicas: int = _shared(
        "NATS_STREAM_REPLICAS", 1, "JetStream replicas per stream (3 in production)"
    )  # type: ignore[assignment]
    nats_tls_ca_file: Path | None = _shared(
        "NATS_TLS_CA_FILE", None, "CA bundle that signed the NATS servers' certificates (TLS to NATS)"
    )  # type: ignore[assignment]
    nats_tls_cert_file: Path | None = _shared(
        "NATS_TLS_CERT_FILE", None, "client certificate for NATS (mutual TLS, optional)"
    )  # type: ignore[assignment]
    nats_tls_key_file: Path | None = _shared(
        "NATS_TLS_KEY_FILE", None, "client certificate's private key for NATS (mutual TLS, optional)"
    )  # type: ignore[assignment]
    jwks_file: Path | None = _shared(
        "JWKS_FILE", DEV_JWKS_FILE, "JWKS JSON file with the token-signing public keys"
    )  # type: ignore[assignment]
    jwks_url: str | None = _shared("JWKS_URL", None, "JWKS URL (used instead of the file when set)")  # type: ignore[assignment]
    jwks_refresh_cooldown_s: float = _shared(
        "JWKS_REFRESH_COOLDOWN_S", 30.0, "minimum seconds between JWKS reloads for an unknown kid"
    )  # type: ignore[assignment]
    jwt_issuer: str = _shared("JWT_ISSUER", "https://auth.zhifa.shenyang.gov.cn", "expected iss claim")  # type: ignore[assignment]
    jwt_audience: str = _shared("JWT_AUDIENCE", "zhifa", "expected aud claim")  # type: ignore[assignment]
    jwt_leeway_s: int = _shared("JWT_LEEWAY_S", 30, "clock skew tolerated on exp/nbf/iat, seconds")  # type: ignore[assignment]
    jwt_max_lifetime_officer_s: int = _shared(
        "JWT_MAX_LIFETIME_OFFICER_S",
        DEFAULT_MAX_LIFETIMES["officer"],
        "longest accepted token lifetime (exp - iat), officers",
    )  # type: ignore[assignment]
    jwt_max_lifetime_enterprise_s: int = _shared(
        "JWT_MAX_LIFETIME_ENTERPRISE_S",
        DEFAULT_MAX_LIFETIMES["enterprise"],
        "longest accepted token lifetime, enterprises",
    )  # type: ignore[assignment]
    jwt_max_lifetime_supervisor_s: int = _shared(
        "JWT_MAX_LIFETIME_SUPERVISOR_S",
        DEFAULT_MAX_LIFETIMES["supervisor"],
        "longest accepted token lifetime, supervisors",
    )  # type: ignore[assignment]
    jwt_max_lifetime_integration_s: int = _shared(
        "JWT_MAX_LIFETIME_INTEGRATION_S",
        DEFAULT_MAX_LIFETIMES["integration"],
        "longest accepted token lifetime, integration clients",
    )  # type: ignore[assignment]
    jwt_max_lifetime_admin_s: int = _shared(
        "JWT_MAX_LIFETIME_ADMIN_S",
        DEFAULT_MAX_LIFETIMES["admin"],
        "longest accepted token lifetime, administrators",
    )  # type: ignore[assignment]
    http_max_header_bytes: int = _shared(
        "HTTP_MAX_HEADER_BYTES",
        32 * 1024,
        "largest request head (request line and headers), bytes; 431 above",
    )  # type: ignore[assignment]
    http_max_headers: int = _shared("HTTP_MAX_HEADERS", 100, "most header lines in a request; 431 above")  # type: ignore[assignment]

    @property
    def is_dev(self) -> bool:
        return self.env in ("dev", "test")

    def jwt_max_lifetimes(self) -> dict[str, int]:
        """The longest token lifetime (``exp - iat``, seconds) accepted per role."""
        return {
            "officer": self.jwt_max_lifetime_officer_s,
            "enterprise": self.jwt_max_lifetime_enterprise_s,
            "supervisor": self.jwt_max_lifetime_supervisor_s,
            "integration": self.jwt_max_lifetime_integration_s,
            "admin": self.jwt_max_lifetime_admin_s,
        }

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> CommonSettings:
        if self.is_dev:
            return self
        problems = []
        if (
            self.jwks_url is None
            and self.jwks_file is not None
            and self.jwks_file.resolve() == DEV_JWKS_FILE.resolve()
        ):
            problems.append("ZHIFA_JWKS_FILE points at the development key set")
        for name, value in self.model_dump().items():
            text = str(value).lower()
            if any(marker in text for marker in PLACEHOLDER_MARKERS):
                problems.append(f"{name} holds a placeholder value")
        if problems:
            raise ValueError("refusing to start outside dev: " + "; ".join(problems))
        return self


class ServiceSettings(CommonSettings):
    """A service's own settings; subclasses set ``env_prefix = "ZHIFA_<SERVICE>_"``."""

    service_name: str = Field("", description="set by the subclass")
    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        description="SQLAlchemy URL of the service's own database (postgresql+asyncpg://...)",
    )
    database_owner_url: str | None = Field(
        None,
        description="URL of the role that owns the tables and runs the migrations (`zhifa migrate`); the "
        "service itself connects with database_url, whose role gets DML but cannot change or delete audit "
        "entries (docs/operations.md, Database roles). Unset: one role for both (development only)",
    )
    database_pool_size: int = Field(10, description="connections kept in the pool")
    database_max_overflow: int = Field(10, description="extra connections under load")
    nats_user: str | None = Field(None, description="this service's NATS user (docs/operations.md, NATS)")
    nats_password: str | None = Field(None, description="this service's NATS password")
    nats_creds_file: Path | None = Field(
        None, description="NATS credentials file (JWT + nkey seed), instead of user and password"
    )
    host: str = Field("127.0.0.1", description="HTTP bind address")
    port: int = Field(0, description="HTTP port (0: the registry's default)")
    max_body_bytes: int = Field(2 * 1024 * 1024, description="largest accepted request body")
    bulk_max_body_bytes: int = Field(64 * 1024 * 1024, description="largest accepted NDJSON bulk body")
    relay_batch_size: int = Field(1000, description="outbox rows claimed per relay round")
    relay_max_in_flight: int = Field(256, description="JetStream publishes awaiting their ack at once")
    relay_atomic_batch: int = Field(
        250, ge=0, le=1000, description="outbox rows per JetStream atomic batch (0: publish one by one)"
    )
    relay_poll_interval_s: float = Field(1.0, description="polling fallback when no NOTIFY arrives")
    relay_min_interval_s: float = Field(
        0.05,
        ge=0,
        le=1,
        description="at most one outbox claim per this many seconds: the commits of a burst are one claim "
        "(0: a claim at every NOTIFY)",
    )
    relay_max_interval_s: float = Field(
        0.2,
        ge=0,
        le=5,
        description="under a high write rate the claim interval grows up to this many seconds (fewer, fuller "
        "claims; <= relay_min_interval_s: never grows)",
    )
    relay_busy_rate: float = Field(
        100.0,
        gt=0,
        description="events/s above which the claim interval grows in proportion to the rate (0.05 s up to "
        "100/s, 0.1 s at 200/s, up to relay_max_interval_s)",
    )
    outbox_retention_days: int = Field(
        14, ge=1, description="days sent outbox rows are kept for replay (whole day partitions are dropped)"
    )
    partitions_interval_s: float = Field(
        3600.0, gt=0, description="how often the kernel's partitions job creates and drops partitions"
    )
    consumer_max_deliver: int = Field(8, description="deliveries before a message is dead-lettered")
    consumer_ack_wait_s: float = Field(30.0, description="JetStream ack wait for consumers")
    consumer_concurrency: int = Field(8, description="messages handled at once per consumer")
    idempotency_ttl_hours: int = Field(48, description="how long Idempotency-Key responses are kept (>= 24)")
    audit_checkpoint_key_file: Path | None = Field(
        None,
        description="PEM file with this service's Ed25519 audit-checkpoint signing key (unset: the "
        "repository's development key, dev and test only)",
    )
    audit_checkpoint_key_id: str = Field(
        "", max_length=64, description="kid of the checkpoint key; empty: ac- + 16 hex digits of its SHA-256"
    )
    audit_checkpoint_previous_keys_file: Path | None = Field(
        None, description="JWKS of retired checkpoint public keys, still published so old checkpoints verify"
    )
    document_seal_image: Path | None = Field(
        None,
        description="PNG of the agency's seal printed in a document's seal area (services/common/seal.py); "
        "unset: the area reads 「（印章）」 for a hand seal",
    )
    audit_checkpoint_entries: int = Field(
        100, ge=1, le=1_000_000, description="sign the audit chain's head after this many new entries"
    )
    audit_checkpoint_interval_s: float = Field(
        300.0, gt=0, description="or once the oldest unsigned entry is this old, seconds"
    )
    audit_checkpoint_poll_s: float = Field(15.0, gt=0, description="how often the checkpoint job looks")
    integration_scopes: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in scopes.DEFAULT_CLIENT_SCOPES.items()},
        validation_alias=AliasChoices("ZHIFA_INTEGRATION_SCOPES"),
        description="integration clients (the token's client claim) and the scopes each holds, as JSON; "
        "the same on every service (services/common/scopes.py lists the scopes)",
    )

    @field_validator("integration_scopes")
    @classmethod
    def _known_scopes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return scopes.validate_grants(value)

    @property
    def nats_authenticated(self) -> bool:
        return self.nats_creds_file is not None or bool(self.nats_user and self.nats_password)

    @model_validator(mode="after")
    def _require_nats_auth_and_tls(self) -> ServiceSettings:
        """Outside dev, NATS without a service's own credentials or without TLS is refused (等保: every
        connection authenticated, data in transit encrypted)."""
        if self.is_dev:
            return self
        problems = []
        if not self.nats_authenticated:
            problems.append(
                f"no NATS credentials: set ZHIFA_{self.service_name.upper()}_NATS_USER and _NATS_PASSWORD "
                "(or _NATS_CREDS_FILE)"
            )
        key = self.audit_checkpoint_key_file
        if key is None:
            problems.append(
                f"no audit checkpoint key: set ZHIFA_{self.service_name.upper()}_AUDIT_CHECKPOINT_KEY_FILE"
            )
        elif _is_dev_checkpoint_key(Path(key)):
            problems.append("the audit checkpoint key is a development key (by path or by content)")
        servers = [s.strip() for s in self.nats_url.split(",") if s.strip()]
        if self.nats_tls_ca_file is None and not all(s.startswith("tls://") for s in servers):
            problems.append("NATS without TLS: set ZHIFA_NATS_TLS_CA_FILE or use tls:// URLs")
        if problems:
            raise ValueError("refusing to start outside dev: " + "; ".join(problems))
        return self


def _is_dev_checkpoint_key(path: Path) -> bool:
    """The repository's development checkpoint keys, wherever they are mounted."""
    dev = sorted(DEV_KEYS_DIR.glob("dev-audit-checkpoint-*.pem"))
    if path.resolve() in {d.resolve() for d in dev}:
        return True
    content = path.read_bytes().strip() if path.is_file() else b""
    return any(content == d.read_bytes().strip() for d in dev)


def settings_class(service: str) -> type[ServiceSettings]:
    """A ServiceSettings subclass reading ``ZHIFA_<SERVICE>_*``; services subclass it to add fields."""

    class _Settings(ServiceSettings):
        model_config = SettingsConfigDict(
            env_prefix=f"ZHIFA_{service.upper()}_", extra="ignore", populate_by_name=True
        )
        service_name: str = service

    _Settings.__name__ = f"{service.title().replace('_', '')}BaseSettings"
    return _Settings
