"""Request and response models of the penalty API (the HTTP contract)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from services.common.fields import Day, StrictBool, StrictInt, UsccText
from services.common.money import Fen, SignedFen
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p

Text = Annotated[str, Field(min_length=1, max_length=2_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=10_000)]
OptionalText = Annotated[str, Field(max_length=2_000)]
CertNo = Annotated[str, Field(min_length=1, max_length=50, description="执法证号")]
BenchmarkCode = Annotated[str, Field(min_length=1, max_length=40, examples=["SY-SJ-0001"])]


def _valid_uscc(value: str) -> str:
    value = value.strip().upper()
    try:
        return str(uscc.validate(value))
    except StdnumError as exc:
        raise ValueError(f"统一社会信用代码 {value} 无效（校验位或格式错误）") from exc


def _valid_ric(value: str) -> str:
    value = value.strip().upper()
    try:
        return str(ric.validate(value))
    except StdnumError as exc:
        raise ValueError("居民身份证号码无效（校验位、出生日期或格式错误）") from exc


USCC = Annotated[UsccText, AfterValidator(_valid_uscc)]
RIC = Annotated[str, AfterValidator(_valid_ric)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


# --------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------


class BenchmarkVersionRead(BaseModel):
    code: str
    version: int
    status: str
    effective_from: date
    effective_to: date | None
    approving_document: str
    department_code: str
    department_name: str
    domain: str
    violation_name: str
    first_violation_allowed: bool
    detail: dict[str, Any] = Field(description="the full version as in the JSON catalogue format")


class BenchmarkAdminRead(BenchmarkVersionRead):
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None


class BenchmarkDraftIn(_In):
    """One version in the catalogue's JSON format (``version`` and ``status`` as in an export)."""

    version: dict[str, Any] = Field(description="a version object of the zhifa.benchmarks/1 format")


class ImportResultRead(BaseModel):
    drafted: list[str]
    unchanged: list[str]
    replaced_drafts: list[str]
    catalogue_revision: int


class CatalogueMetaIn(_In):
    title: ShortText
    jurisdiction: ShortText
    tier_split: dict[str, StrictInt] | None = None
    note: OptionalText = ""


class CatalogueMetaRead(BaseModel):
    revision: int
    meta: dict[str, Any]


# --------------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------------


class DepartmentIn(_In):
    name: ShortText = Field(examples=["沈阳市市场监督管理局"])
    abbreviation: Annotated[str, Field(min_length=1, max_length=10, examples=["市监"])]
    address: OptionalText = ""
    contact: OptionalText = ""
    phone: OptionalText = ""
    reconsideration_body: ShortText = Field(examples=["沈阳市人民政府"])
    court: ShortText = Field(examples=["有管辖权的人民法院"])
    bank: ShortText = Field(examples=["本机关指定的代收罚款银行"])
    account_name: OptionalText = ""
    account_no: OptionalText = ""


class DepartmentRead(DepartmentIn):
    code: str


# --------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------


class PartyIn(_In):
    kind: p.PartyKind
    name: ShortText
    uscc: USCC | None = Field(None, description="organisations: 统一社会信用代码")
    id_number: RIC | None = Field(
        None, description="natural persons: 居民身份证号 (never shown unmasked but to the officers)"
    )
    address: OptionalText = ""
    legal_representative: OptionalText = ""
    phone: Annotated[str, Field(max_length=40)] = ""

    @model_validator(mode="after")
    def _identifier(self) -> PartyIn:
        if self.kind is p.PartyKind.ORGANISATION and not self.uscc:
            raise ValueError("法人或者其他组织须提供统一社会信用代码")
        if self.kind is p.PartyKind.INDIVIDUAL and not self.id_number:
            raise ValueError("公民须提供居民身份证号码")
        return self


class CaseOpenIn(_In):
    party: PartyIn
    benchmark_code: BenchmarkCode
    procedure: p.ProcedureKind = p.ProcedureKind.GENERAL
    summary: OptionalText = Field("", description="案由; the benchmark's violation name when empty")
    facts_brief: Text = Field(description="简要案情")
    officers: list[CertNo] = Field(
        min_length=1, max_length=10, description="the other officers handling the case (the caller is added)"
    )
    approved_by: ShortText = Field(description="立案审批负责人")
    source: Literal["direct", "complaint"] = "direct"
    place: OptionalText = Field("", description="simple procedure: where the decision is made")


class LeadConfirmIn(_In):
    benchmark_code: BenchmarkCode
    procedure: p.ProcedureKind = p.ProcedureKind.GENERAL
    summary: OptionalText = ""
    facts_brief: OptionalText = Field("", description="简要案情; the violation's description when empty")
    officers: list[CertNo] = Field(default_factory=list, max_length=10)
    approved_by: ShortText
    party_address: OptionalText = ""
    legal_representative: OptionalText = ""
    place: OptionalText = ""


class LeadDismissIn(_In):
    note: Text = Field(description="why no case is opened (不予立案的理由)")


class InvestigationIn(_In):
    officers: list[CertNo] | None = Field(None, max_length=10, description="defaults to the case's officers")


class PenaltyIn(_In):
    kinds: list[p.PenaltyKind] = Field(min_length=1, max_length=14)
    fine_fen: Fen = 0
    confiscation_fen: Fen = 0
    terms: OptionalText = Field("", description="e.g. 暂扣许可证件三个月")

    def domain(self) -> p.Penalty:
        return p.Penalty(frozenset(self.kinds), self.fine_fen, self.confiscation_fen, self.terms)


class NoticeIn(_In):
    facts: list[Text] = Field(min_length=1, max_length=50, description="违法事实, one paragraph each")
    evidence: list[ShortText] = Field(default_factory=list, max_length=100)
    proposed: PenaltyIn
    served_on: Day | None = Field(None, description="the day the notice is served; today when omitted")
    hearing_offered: StrictBool | None = Field(None, description="defaults to whether the law requires it")
    statement_working_days: StrictInt = Field(5, ge=1, le=30)
    reasons: list[Text] = Field(default_factory=list, max_length=20, description="说理 beyond the engine's")
    outside_range_reason: OptionalText = ""
    renotice_reason: OptionalText = ""
    new_evidence: OptionalText = ""


class StatementIn(_In):
    content: LongText
    received_on: Day | None = None


class StatementReviewIn(_In):
    opinion: Text
    adopted: StrictBool


class WaiverIn(_In):
    statement: StrictBool = False
    hearing: StrictBool = False
    declared_on: Day | None = None


class HearingRequestIn(_In):
    requested_on: Day | None = None


class HearingScheduleIn(_In):
    notified_on: Day | None = None
    hearing_on: Day
    presider: ShortText


class HearingRecordIn(_In):
    held_on: Day | None = None
    outcome: p.HearingOutcome
    transcript_ref: OptionalText = ""


class HearingWithdrawIn(_In):
    withdrawn_on: Day | None = None


class LegalReviewIn(_In):
    passed: StrictBool
    opinion: Text
    reviewed_on: Day | None = None
    proposal: PenaltyIn


class CollectiveDiscussionIn(_In):
    held_on: Day | None = None
    participants: list[ShortText] = Field(min_length=1, max_length=30)
    minutes_ref: ShortText
    conclusion: PenaltyIn


class ExtensionIn(_In):
    new_limit: Day
    approver: ShortText
    basis: Text
    reason: Text


class DecisionIn(_In):
    penalty: PenaltyIn
    facts: list[Text] | None = Field(None, max_length=50, description="defaults to the notice's facts")
    evidence: list[ShortText] | None = Field(None, max_length=100)
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    outside_range_reason: OptionalText = ""
    serious: StrictBool = Field(False, description="the department marks the decision serious (严重失信)")
    defence: list[Text] | None = Field(
        None, max_length=20, description="陈述申辩和听证情况; summarised when omitted"
    )
    place: OptionalText = Field("", description="simple procedure: where the decision is made")


class NoPenaltyDecisionIn(_In):
    facts: list[Text] | None = Field(None, max_length=50)
    evidence: list[ShortText] | None = Field(None, max_length=100)
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    education: list[Text] = Field(default_factory=list, max_length=10)


class DeliveryIn(_In):
    delivered_on: Day | None = None
    method: p.DeliveryMethod
    recipient: ShortText
    electronic_consent: StrictBool = False


class DeferralIn(_In):
    approved_by: ShortText
    new_due: Day
    reason: Text


class PaymentIn(_In):
    paid_on: Day | None = None
    fine_fen: Annotated[Fen, Field(ge=1)]
    surcharge_fen: Fen = 0
    receipt_ref: OptionalText = ""


class ExecutionIn(_In):
    executed_on: Day | None = None
    note: Text


class RemedyIn(_In):
    source: p.RemedySource
    filed_on: Day
    reference: ShortText


class RemedyConcludeIn(_In):
    concluded_on: Day | None = None
    upheld: StrictBool


class RevocationIn(_In):
    source: p.CorrectionSource
    reason: Text
    source_document: ShortText
    effective_on: Day | None = None


class ChangeIn(RevocationIn):
    penalty: PenaltyIn
    contrary_third_party_request: StrictBool = False


class PublicationIn(_In):
    published_on: Day | None = None
    exempt_reason: OptionalText = ""


class CloseIn(_In):
    reason: p.ClosureReason
    note: Text


class PartyRead(BaseModel):
    kind: str
    name: str
    uscc: str | None
    id_masked: str | None
    id_number: str | None = Field(None, description="only for the officers of the case's department")
    address: str
    legal_representative: str


class DocumentRef(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    number: str
    issued_on: date
    html_url: str
    pdf_url: str


class DeadlineRead(BaseModel):
    deadline: str
    level: str
    due_on: date
    days_left: int
    article: str
    message: str
    surcharge_fen: int


class CreditNoticeRead(BaseModel):
    notice_id: uuid.UUID
    notice_no: str
    credit_class: str
    published: bool
    publication_starts_on: date | None
    earliest_repair_on: date | None
    publication_ends_on: date | None
    document_url: str
    issued_at: datetime


class DecisionSummary(BaseModel):
    number: str
    outcome: str
    decided_on: date
    kinds: list[KindRead]
    fine_fen: int
    confiscation_fen: int
    terms: str
    outside_tier: bool
    serious: bool
    delivery_due: date | None = Field(description="null while unknown: see deadlines_unknown")
    publish_by: date | None
    deadlines_unknown: str | None = Field(
        None, description="why the deadlines are unknown (next year's statutory calendar not entered yet)"
    )
    delivered_on: date | None
    payment_due: date | None
    fine_paid_fen: int
    fine_outstanding_fen: int
    surcharge_today_fen: int


class CaseRead(BaseModel):
    id: uuid.UUID
    case_no: str
    state: str
    state_label: str
    procedure: str
    source: str
    dept_code: str
    district_code: str
    domain: str
    party: PartyRead
    summary: str
    benchmark_code: str | None
    benchmark_version: int | None
    tier: str | None
    filed_on: date
    decision_limit: date
    violation_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    decision: DecisionSummary | None
    deadlines: list[DeadlineRead]
    documents: list[DocumentRef]
    credit_notice: CreditNoticeRead | None
    revision: int
    opened_at: datetime
    updated_at: datetime
    procedure_record: dict[str, Any] | None = Field(
        None, description="the full procedural record (officers, supervisors, admins only)"
    )
    assessment: AssessmentRead | None = None


class CaseSummaryRead(BaseModel):
    id: uuid.UUID
    case_no: str
    state: str
    state_label: str
    procedure: str
    dept_code: str
    district_code: str
    party_name: str
    party_uscc: str | None
    summary: str
    benchmark_code: str | None
    tier: str | None
    decision_no: str | None
    decided_on: date | None
    fine_fen: int
    opened_at: datetime


class StepReadOut(BaseModel):
    seq: int
    action: str
    state: str
    actor: str
    actor_role: str
    at: datetime
    events: list[dict[str, Any]]


class DecisionViewRead(BaseModel):
    """The decision as the party sees it: both documents of 两书同达."""

    case_id: uuid.UUID
    decision: DecisionSummary
    decision_document: DocumentRef
    credit_notice: CreditNoticeRead | None
    both_documents_ready: bool


class DeliveryRead(BaseModel):
    case: CaseRead
    decision_document: DocumentRef
    credit_notice: CreditNoticeRead | None = Field(description="absent only for 不予行政处罚 decisions")


class EconomicImpactIn(_In):
    """涉企行政执法案件经济影响评估 (seed 000, seed 004): who assessed, when, what they found, what mitigates."""

    assessors: list[ShortText] = Field(min_length=1, max_length=20, description="评估人员")
    assessed_on: Day | None = Field(None, description="评估日期 (default today; not in the future)")
    findings: Text = Field(description="评估结论：对企业生产经营、就业等的影响")
    mitigation_measures: list[Text] = Field(
        min_length=1, max_length=20, description="降低不利影响的措施（如分期缴纳、合规指导）"
    )


class EconomicImpactRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    assessors: list[str]
    assessed_on: date
    findings: str
    mitigation_measures: list[str]
    recorded_by: str
    recorded_by_cert: str | None
    recorded_at: datetime


class UnknownDeadlinesRead(BaseModel):
    """A decision whose deadlines wait for a year's statutory calendar (行政处罚法 第六十条, 第六十一条)."""

    case_id: uuid.UUID
    case_no: str
    dept_code: str
    decision_no: str | None
    decided_on: date | None
    year: int = Field(description="enter this year's arrangement: PUT /api/v1/penalty/admin/calendar/{year}")
    reason: str


class LeadRead(BaseModel):
    id: uuid.UUID
    violation_id: uuid.UUID
    visit_id: uuid.UUID
    enterprise_uscc: str
    enterprise_name: str
    item_code: str
    item_name: str
    legal_basis: str
    description: str
    evidence_hashes: list[str]
    officer_cert_nos: list[str]
    department_code: str
    district_code: str
    found_at: datetime
    status: str
    case_id: uuid.UUID | None
    handled_by: str | None
    handled_at: datetime | None
    note: str
    suggested_benchmarks: list[str] = Field(default_factory=list)


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
