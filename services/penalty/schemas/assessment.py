"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — assessment."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from services.common.fields import Day, StrictBool, StrictInt
from services.common.money import Fen, SignedFen
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.schemas.base import BenchmarkCode, Text, _In

# --------------------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------------------


class FactsIn(_In):
    """The facts the discretion engine needs (SPEC §3.2). Money in fen."""

    violation_date: Day = Field(description="the day of the violation (or its first day if continuing)")
    continuing_until: Day | None = Field(None, description="last day of a continuing violation")
    discovered_on: Day | None = Field(None, description="the day the violation was discovered (第三十六条)")
    decision_date: Day | None = Field(None, description="planned decision date; today when omitted")
    harm: d.Harm = d.Harm.ORDINARY
    correction: d.Correction = d.Correction.AFTER_ORDER
    first_offence: StrictBool = False
    minor_violation: StrictBool = Field(False, description="违法行为轻微 (第三十三条第一款)")
    no_fault_proven: StrictBool = Field(False, description="有证据足以证明没有主观过错 (第三十三条第二款)")
    base_amounts: dict[cat.BaseKind, SignedFen] = Field(
        default_factory=dict,
        description="bases of multiples in fen: goods_value, illegal_gains, advertising_fees...",
    )
    obviously_low_bases: list[cat.BaseKind] = Field(default_factory=list, max_length=10)
    illegal_property_value_fen: Fen | None = None
    birth_date: Day | None = Field(None, description="natural persons: for 第三十条")
    age_years: StrictInt | None = Field(None, ge=0, le=150)
    capacity: d.Capacity = d.Capacity.FULL
    mitigations: list[d.Mitigation] = Field(default_factory=list, max_length=10)
    aggravations: list[d.Aggravation] = Field(default_factory=list, max_length=10)
    statutory_serious: StrictBool = Field(False, description="the item's 情节严重 conditions are met")
    meets_no_penalty_list: StrictBool = False
    meets_lighter_list: StrictBool = False
    meets_mitigated_list: StrictBool = False
    major_public_interest: StrictBool = False
    complex_case: StrictBool = False


class AssessRequest(FactsIn):
    """A what-if assessment: the facts plus the kind of party."""

    party_type: cat.PartyType
    enterprise: StrictBool = Field(False, description="an enterprise (economic impact assessment rules)")


class FactContestIn(_In):
    """The officer contests a fact the record decides (初次违法 / 再次违法) — only with a written reason."""

    fact: Literal["first_offence", "repeated"]
    value: StrictBool = Field(description="what the officer holds the fact to be")
    reason: Text = Field(description="why the record is wrong here (flagged to supervisors)")

    @model_validator(mode="after")
    def _reasoned(self) -> FactContestIn:
        if not self.reason.strip():
            raise ValueError("对记录认定的事实提出异议须书面说明理由")
        return self


class CaseAssessmentRequest(FactsIn):
    """The assessment of a case; the party comes from the case. ``benchmark_code`` changes the case's item.

    ``first_offence`` and the ``repeated`` aggravation are not taken from the request: the party's decision
    history decides them (domain.history); ``contests`` overrides one only with a written reason."""

    benchmark_code: BenchmarkCode | None = None
    contests: list[FactContestIn] = Field(default_factory=list, max_length=2)
    # 行政处罚法 第二十九条后段: the further provisions the same act breaches; the higher fine governs
    provisions: list[BenchmarkCode] = Field(
        default_factory=list, max_length=10, description="other benchmark items the same act breaches"
    )


class CitationRead(BaseModel):
    law: str
    article: str
    benchmark_code: str
    benchmark_version: int | None
    text: str


class StepRead(BaseModel):
    rule: str
    text: str
    citations: list[CitationRead]


class FenRangeRead(BaseModel):
    low_fen: int
    high_fen: int
    text: str


class KindRead(BaseModel):
    kind: str
    label: str


class LimitationRead(BaseModel):
    years: int
    starts_on: date
    last_day: date
    measured_on: date
    expired: bool


class ProposalRead(BaseModel):
    tier: str = Field(description="不予处罚 / 减轻 / 从轻 / 一般 / 从重")
    tier_key: str
    legal_range: FenRangeRead | None
    tier_range: FenRangeRead | None
    suggested_fine_fen: int | None
    fine_optional: bool
    kinds: list[KindRead]
    allowed_kinds: list[KindRead]
    escalations: list[str]


class PriorDecisionRead(BaseModel):
    case_id: uuid.UUID
    decision_no: str
    decided_on: date


class ContestRead(BaseModel):
    fact: str
    derived: bool
    value: bool
    reason: str


class RecordFactsRead(BaseModel):
    period_months: int
    period_source: str
    window_start: date
    window_end: date
    identified: bool
    first_offence: bool = Field(description="as the record says")
    repeated: bool = Field(description="as the record says")
    relied_on: list[PriorDecisionRead]
    contests: list[ContestRead]


class AssessmentRead(BaseModel):
    benchmark_code: str
    benchmark_version: int
    outcome: str
    outcome_label: str
    limitation: LimitationRead
    penalty: ProposalRead | None
    first_violation_eligible: bool
    education_required: bool
    guardian_order: str
    coercive_measures_excluded: bool
    simple_procedure_allowed: bool
    hearing_required: bool
    hearing_reasons: list[str]
    legal_review_required: bool
    legal_review_reasons: list[str]
    collective_discussion_required: bool
    collective_discussion_reasons: list[str]
    economic_impact_assessment_required: bool
    economic_impact_reasons: list[str]
    steps: list[StepRead]
    explanation: str = Field(description="the steps numbered, ready to print as 说理")
    record: RecordFactsRead | None = Field(
        None, description="a case's assessment: 初次违法/再次违法 from the party's decision history"
    )
