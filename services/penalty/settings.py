"""Settings of the penalty service (environment prefix ``ZHIFA_PENALTY_``) and the context built from them
at start-up (``PenaltyContext``, ``runtime.context``): the resolved assessment configuration and the
published catalogue, parsed once per catalogue revision."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import Field, field_validator

from services.common.settings import settings_class
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain.discretion import AssessmentConfig
from services.penalty.errors import BenchmarkVersionNotFound


class PenaltySettings(settings_class("penalty")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_PENALTY_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_penalty",
        description="SQLAlchemy URL of the penalty database",
    )
    port: int = Field(8102, description="HTTP port")
    assessment_config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "jurisdiction configuration of the assessment engine as JSON (fields of discretion.AssessmentConfig: "
            "simple-procedure limits, hearing thresholds for 较大数额, legal-review and collective-discussion "
            "rules, economic-impact thresholds, in fen); the catalogue's own tier_split, when set, overrides "
            "the one given here"
        ),
    )
    numbering_city: str = Field("沈", description="the city character that opens every document number")
    consistency_margin_bp: int = Field(
        2_000,
        ge=1,
        le=10_000,
        description=(
            "consistency flag (b): a district's median position within a tier's range may differ from the "
            "city's by at most this many basis points of the range (2,000 = 20 percentage points)"
        ),
    )
    consistency_min_cases: int = Field(
        5,
        ge=1,
        description="consistency flag (b): fewest decisions a district needs in a group to be compared",
    )
    consistency_cases_per_flag: int = Field(
        20, ge=1, le=500, description="case ids listed per consistency flag (the count is always complete)"
    )
    deadline_scan_interval_s: float = Field(
        3_600.0,
        gt=0,
        description=(
            "how often the missed-deadline job scans open cases (each missed deadline is published once, so "
            "scanning more often than daily only reports sooner)"
        ),
    )
    deadline_scan_enabled: bool = Field(True, description="run the missed-deadline job in worker processes")
    disclosure_sweep_interval_s: float = Field(
        600.0,
        gt=0,
        description=(
            "how often the 行政执法公示 sweep runs (decisions no step published: older or imported ones, "
            "deadlines waiting for a calendar year; overdue publications reported once)"
        ),
    )
    disclosure_since: date | None = Field(
        None,
        description="the sweep publishes decisions taken on or after this day only (None: every decision)",
    )
    pdf_render_timeout_s: float = Field(60.0, gt=0, description="longest a PDF rendering may take")
    catalogue_recheck_seconds: float = Field(
        1.0,
        ge=0,
        le=60,
        description=(
            "a what-if assessment rereads the catalogue revision at most this often (0: on every call); a "
            "publication by another process is seen within it, one by this process at once"
        ),
    )

    @field_validator("assessment_config")
    @classmethod
    def _valid_config(cls, value: dict[str, Any]) -> dict[str, Any]:
        AssessmentConfig.from_mapping(value)  # refuse a bad configuration at start-up, not at first use
        return value

    def engine_config(self, tier_split: dict[str, Any] | None = None) -> AssessmentConfig:
        """The assessment configuration, with the catalogue's tier split when it carries one."""
        data = dict(self.assessment_config)
        if tier_split:
            data["tier_split"] = tier_split
        return AssessmentConfig.from_mapping(data)


@dataclass(frozen=True, slots=True)
class CatalogueSnapshot:
    """The published catalogue at one revision, parsed once."""

    revision: int
    meta: Mapping[str, Any]
    versions: Mapping[str, tuple[cat.BenchmarkVersion, ...]]
    config: d.AssessmentConfig

    def of(self, code: str) -> tuple[cat.BenchmarkVersion, ...]:
        found = self.versions.get(code)
        if not found:
            raise d.NoBenchmarkVersion(
                f"裁量基准{code}不存在或尚未公布",
                detail_en=f"Benchmark {code} does not exist or is not published",
                extra={"code": code},
            )
        return found

    def version(self, code: str, number: int) -> cat.BenchmarkVersion:
        for v in self.of(code):
            if v.version == number:
                return v
        raise BenchmarkVersionNotFound(
            f"裁量基准{code}第{number}版不存在或尚未公布",
            detail_en=f"Version {number} of benchmark {code} does not exist or is not published",
        )

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "本机关公布的行政处罚裁量基准")


@dataclass(slots=True)
class CatalogueCache:
    """The last snapshot this process parsed; ``use_cases.catalogue.snapshot`` replaces it when the
    catalogue's revision has moved (a publication anywhere bumps it, so every process reloads)."""

    current: CatalogueSnapshot | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    checked_at: float = 0.0  # when published_snapshot last read the revision (time.monotonic)
    checked_bumps: int = -1  # this process's publications counted then
    checking: bool = False  # a reread is in flight (the others keep the current snapshot meanwhile)


@dataclass(frozen=True, slots=True)
class PenaltyContext:
    """What the penalty service resolved at start-up: its settings and its catalogue cache."""

    settings: PenaltySettings
    catalogue: CatalogueCache

    @classmethod
    def from_settings(cls, settings: PenaltySettings) -> PenaltyContext:
        return cls(settings=settings, catalogue=CatalogueCache())
