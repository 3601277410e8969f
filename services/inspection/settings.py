"""Settings of the inspection service (environment prefix ``ZHIFA_INSPECTION_``).

Lists and mappings are JSON in the environment, e.g. ``ZHIFA_INSPECTION_SAMPLING_RATIOS_BP='{"A": 300,
"B": 2000, "C": 6000, "D": 10000}'``. Outside ``ZHIFA_ENV=dev``/``test`` the repository's development
entry-code key is refused, by path and by content.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from services.common.settings import DEV_ENTRY_CODE_KEY, settings_class
from services.inspection.domain import sampling


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
