"""Settings of the inspection service (environment prefix ``ZHIFA_INSPECTION_``) and the context built from
them at start-up (``InspectionContext``: the loaded entry-code keys and the resolved rules).

Lists and mappings are JSON in the environment, e.g. ``ZHIFA_INSPECTION_SAMPLING_RATIOS_BP='{"A": 300,
"B": 2000, "C": 6000, "D": 10000}'``. Outside ``ZHIFA_ENV=dev``/``test`` the repository's development
entry-code key is refused, by path and by content.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import Field, model_validator

from services.common.auth import load_private_key
from services.common.settings import DEV_ENTRY_CODE_KEY, settings_class
from services.inspection.domain import entry_code, entry_rules, frequency, qualifications, sampling


class InspectionSettings(settings_class("inspection")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_INSPECTION_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_inspection",
        description="SQLAlchemy URL of the inspection database",
    )
    port: int = Field(8101, description="HTTP port")

    # Entry codes (检查码) and enterprise codes (企业码)
    entry_code_key_file: Path = Field(
        DEV_ENTRY_CODE_KEY,
        description="PEM file with the Ed25519 private key that signs entry and enterprise codes "
        "(the repository's development key is refused outside dev)",
    )
    entry_code_key_id: str = Field(
        "",
        max_length=64,
        description="kid of the signing key in the published key set; empty: derived from the public key "
        "(ec- + the first 16 hex digits of its SHA-256)",
    )
    entry_code_previous_keys_file: Path | None = Field(
        None,
        description="JWKS of retired public keys whose codes still verify (key rotation: printed enterprise "
        "codes keep working until re-issued)",
    )
    entry_code_ttl_s: int = Field(600, ge=30, le=3600, description="lifetime of an entry code, seconds")
    entry_code_leeway_s: int = Field(
        30,
        ge=0,
        le=300,
        description="clock difference tolerated between the officer's and enterprise's phones",
    )

    # Entry rules
    min_officers: int = Field(2, ge=1, description="certified officers at least (行政处罚法 第四十二条: 2)")
    min_officers_per_department: int = Field(
        2, ge=1, description="certified officers at least per department whose items are inspected"
    )
    urgent_approval_window_h: int = Field(
        24, ge=1, le=168, description="hours within which an urgent complaint task must be approved"
    )

    # Frequency (SPEC §2.4)
    per_department_cap: int | None = Field(
        1, ge=0, description="capped visits per department per enterprise per year (null: no cap)"
    )
    enterprise_total_cap: int | None = Field(
        4, ge=0, description="capped visits per enterprise per year across departments (null: no cap)"
    )
    quiet_classes: list[str] = Field(
        ["A"], description="risk classes left alone unless a lead exists (无事不扰)"
    )
    quiet_allows_random: bool = Field(
        True, description="the 双随机 draw may still pick quiet-class enterprises"
    )

    # 双随机 sampling
    sampling_ratios_bp: dict[str, int] = Field(
        dict(sampling.DEFAULT_RATIOS_BP), description="sampling ratio per risk class, basis points (500 = 5%)"
    )
    sampling_unknown_class: str = Field(
        sampling.DEFAULT_UNKNOWN_CLASS, description="class assumed for an enterprise risk has not classified"
    )
    sampling_group_size: int = Field(2, ge=1, le=10, description="officers per drawn inspection group")

    # Visits
    backfill_window_days: int = Field(
        10, ge=1, le=30, description="days within which a visit may be back-filled"
    )
    emergency_scan_window_h: int = Field(
        12, ge=1, le=48, description="hours after entering an emergency scan is due"
    )
    rating_window_days: int = Field(7, ge=1, le=30, description="days after checkout the enterprise may rate")

    # Officers' qualifications (issue #14 item 5)
    training_yearly_hours: Decimal = Field(
        qualifications.DEFAULT_YEARLY_HOURS,
        gt=0,
        le=500,
        multiple_of=0.5,
        description="学时 of training required per officer per year (辽政办发〔2023〕18号 二(一)2: 60)",
    )
    training_hours_enforced_from: date | None = Field(
        None,
        description="from this day an officer below the yearly hours (the 365 days up to the day of entry) is "
        "refused entry (TRAINING_HOURS_SHORT); null: the rule is off",
    )

    # Jobs
    job_interval_s: float = Field(60.0, gt=0, description="period of the housekeeping jobs")

    @model_validator(mode="after")
    def _check(self) -> InspectionSettings:
        for cls, bp in self.sampling_ratios_bp.items():
            if not 0 <= bp <= 10000:
                raise ValueError(f"sampling ratio of class {cls} must be 0..10000 basis points")
        if self.sampling_unknown_class not in self.sampling_ratios_bp:
            raise ValueError("sampling_unknown_class must be a key of sampling_ratios_bp")
        if self.is_dev:
            return self
        path = Path(self.entry_code_key_file)
        dev = DEV_ENTRY_CODE_KEY.resolve()
        same_file = path.resolve() == dev
        same_key = path.is_file() and path.read_bytes().strip() == dev.read_bytes().strip()
        if same_file or same_key:
            raise ValueError(
                "refusing to start outside dev: ZHIFA_INSPECTION_ENTRY_CODE_KEY_FILE holds the development "
                "entry-code key (generate one: openssl genpkey -algorithm ed25519)"
            )
        return self


# ---------------------------------------------------------------------------------------------------------
# The entry-code signing key (检查码 and 企业码) and the published key set, loaded once at start-up


@dataclass(frozen=True)
class SigningKeys:
    private_key: Ed25519PrivateKey
    kid: str
    public_keys: dict[str, Ed25519PublicKey]  # the signing key's and the retired ones still accepted
    jwks: dict[str, Any]


def derived_kid(public_key: Ed25519PublicKey) -> str:
    """``ec-`` + the first 16 hex digits of SHA-256 of the raw public key: stable across restarts."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ec-" + hashlib.sha256(raw).hexdigest()[:16]


def load_keys(key_file: Path, kid: str = "", previous_jwks_file: Path | None = None) -> SigningKeys:
    """The signing key from its PEM file plus the retired public keys of ``previous_jwks_file``."""
    private = load_private_key(Path(key_file))
    public = private.public_key()
    kid = kid or derived_kid(public)
    keys: dict[str, Ed25519PublicKey] = {}
    if previous_jwks_file is not None:
        keys.update(entry_code.public_keys_from_jwks(json.loads(Path(previous_jwks_file).read_text())))
    keys[kid] = public
    return SigningKeys(private, kid, keys, entry_code.public_jwks(keys))


# ---------------------------------------------------------------------------------------------------------
# The context


@dataclass(frozen=True)
class InspectionContext:
    """What the use cases, consumers and jobs need from the settings, resolved once at start-up
    (``runtime.context``)."""

    keys: SigningKeys
    entry: entry_rules.EntryConfig
    code_ttl: timedelta
    code_leeway: timedelta
    ratios_bp: dict[str, int]
    unknown_class: str
    group_size: int
    backfill_window: timedelta
    emergency_window: timedelta
    rating_window: timedelta
    job_interval_s: float
    #: the settings themselves: the documents' seal (services/common/seal.py) reads its key and image there
    settings: InspectionSettings

    @property
    def policy(self) -> frequency.FrequencyPolicy:
        return self.entry.frequency

    @classmethod
    def from_settings(cls, settings: InspectionSettings) -> InspectionContext:
        """The context of ``settings``: the signing keys loaded from their files."""
        keys = load_keys(
            settings.entry_code_key_file, settings.entry_code_key_id, settings.entry_code_previous_keys_file
        )
        policy = frequency.FrequencyPolicy(
            per_department_cap=settings.per_department_cap,
            enterprise_total_cap=settings.enterprise_total_cap,
            quiet_classes=frozenset(c.strip().upper() for c in settings.quiet_classes),
            quiet_allows_random=settings.quiet_allows_random,
        )
        return cls(
            keys=keys,
            entry=entry_rules.EntryConfig(
                min_officers=settings.min_officers,
                min_officers_per_department=settings.min_officers_per_department,
                urgent_approval_window=timedelta(hours=settings.urgent_approval_window_h),
                frequency=policy,
                training_required_hours=settings.training_yearly_hours,
                training_enforced_from=settings.training_hours_enforced_from,
            ),
            code_ttl=timedelta(seconds=settings.entry_code_ttl_s),
            code_leeway=timedelta(seconds=settings.entry_code_leeway_s),
            ratios_bp=dict(settings.sampling_ratios_bp),
            unknown_class=settings.sampling_unknown_class,
            group_size=settings.sampling_group_size,
            backfill_window=timedelta(days=settings.backfill_window_days),
            emergency_window=timedelta(hours=settings.emergency_scan_window_h),
            rating_window=timedelta(days=settings.rating_window_days),
            job_interval_s=settings.job_interval_s,
            settings=settings,
        )
