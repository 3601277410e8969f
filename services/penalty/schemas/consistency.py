"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — consistency."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from services.penalty.schemas.assessment import PriorDecisionRead

# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


class OutsideRangeFlag(BaseModel):
    benchmark_code: str
    tier: str
    district_code: str
    dept_code: str
    fine_fen: int
    tier_low_fen: int | None
    tier_high_fen: int | None
    case_ids: list[uuid.UUID]
    links: list[str]


class PositionFlag(BaseModel):
    benchmark_code: str
    tier: str
    district_code: str
    district_cases: int
    district_median_bp: int
    city_cases: int
    city_median_bp: int
    difference_bp: int
    case_ids: list[uuid.UUID]
    links: list[str]


class SameFactsFlag(BaseModel):
    benchmark_code: str
    facts_key: str
    cases: int
    tiers: list[str]
    districts: list[str]
    case_ids: list[uuid.UUID]
    links: list[str]


class ContestedFactFlag(BaseModel):
    """A fact of the record (初次违法 / 再次违法) the officer overrode with a reason: for the supervisor."""

    case_id: uuid.UUID
    dept_code: str
    district_code: str
    benchmark_code: str
    fact: str
    derived: bool
    claimed: bool
    reason: str
    relied_on: list[PriorDecisionRead]
    officer: str
    contested_at: datetime
    link: str


class ConsistencyRead(BaseModel):
    scope: str
    decided_cases: int
    margin_bp: int
    min_cases: int
    outside_range_total: int
    outside_range: list[OutsideRangeFlag]
    district_position_total: int
    district_position: list[PositionFlag]
    same_facts_total: int
    same_facts_different_tier: list[SameFactsFlag]
    contested_facts_total: int = 0
    contested_facts: list[ContestedFactFlag] = Field(
        default_factory=list, description="record facts (初次违法/再次违法) officers contested, with reasons"
    )
    generated_at: datetime
