"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from services.common.fields import Day, StrictBool, StrictInt
from services.common.money import Fen
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.schemas.acts import ActIn
from services.penalty.schemas.assessment import AssessmentRead, KindRead
from services.penalty.schemas.base import (
    RIC,
    USCC,
    BenchmarkCode,
    CertNo,
    LongText,
    OptionalText,
    ShortText,
    Text,
    _In,
)
from services.penalty.schemas.follow_ups import CorrectionIn

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
    address: Text = Field(
        description="住所（住址）, printed on every document: a 决定书 must carry it (行政处罚法 第五十九条第一款第一项)"
    )
    legal_representative: OptionalText = Field(
        "", description="organisations: 法定代表人（负责人）, required for them and printed on the documents"
    )
    phone: Annotated[str, Field(max_length=40)] = ""

    @model_validator(mode="after")
    def _identifier(self) -> PartyIn:
        if self.kind is p.PartyKind.ORGANISATION and not self.uscc:
            raise ValueError("法人或者其他组织须提供统一社会信用代码")
        if self.kind is p.PartyKind.INDIVIDUAL and not self.id_number:
            raise ValueError("公民须提供居民身份证号码")
        if not self.address.strip():  # 行政处罚法 第五十九条第一款第一项: 当事人的姓名或者名称、地址
            raise ValueError(
                "须提供当事人的住所（地址）：行政处罚决定书应当载明当事人的地址（行政处罚法第五十九条第一款第一项）"
            )
        if self.kind is p.PartyKind.ORGANISATION and not self.legal_representative.strip():
            raise ValueError("法人或者其他组织须提供法定代表人（负责人）姓名，行政处罚决定书据此载明")
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
    act: ActIn | None = Field(
        None, description="the act (违法行为): an existing one, or the one filed (第二十九条)"
    )


class LeadConfirmIn(_In):
    benchmark_code: BenchmarkCode
    procedure: p.ProcedureKind = p.ProcedureKind.GENERAL
    summary: OptionalText = ""
    facts_brief: OptionalText = Field("", description="简要案情; the violation's description when empty")
    officers: list[CertNo] = Field(default_factory=list, max_length=10)
    approved_by: ShortText
    party_address: Text = Field(
        description="the enterprise's 住所, printed on the 决定书 (行政处罚法 第五十九条第一款第一项)"
    )
    legal_representative: ShortText = Field(description="法定代表人（负责人）")
    place: OptionalText = ""
    act: ActIn | None = Field(None, description="name an existing act; else the act derived from the finding")


class LeadDismissIn(_In):
    note: Text = Field(description="why no case is opened (不予立案的理由)")


class InvestigationIn(_In):
    officers: list[CertNo] | None = Field(None, max_length=10, description="defaults to the case's officers")


class PenaltyIn(_In):
    kinds: list[p.PenaltyKind] = Field(min_length=1, max_length=14)
    fine_fen: Fen = 0
    confiscation_fen: Fen = 0
    terms: OptionalText = Field("", description="e.g. 暂扣许可证件三个月")
    restriction_months: StrictInt | None = Field(
        None,
        ge=1,
        le=p.MAX_RESTRICTION_MONTHS,
        description="months of restrict_business (限制开展生产经营活动) or restrict_employment (限制从业), only with "
        "one of them, e.g. 60 for 化妆品监督管理条例 第六十五条's 5年内禁止; omit it for a ban without a term (终身). "
        "Printed on the documents; credit repair publishes a restriction longer than its maximum for its length",
        examples=[60],
    )
    refund_reason: OptionalText = Field("", description="退赔: why the gains not confiscated are returned")

    def domain(self) -> p.Penalty:
        return p.Penalty(
            frozenset(self.kinds),
            self.fine_fen,
            self.confiscation_fen,
            self.terms,
            self.restriction_months,
            self.refund_reason,
        )


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


class ConfiscatedItemIn(_In):
    """One line of the list of confiscated property (没收非法财物清单) printed on the 决定书."""

    name: ShortText = Field(description="名称及规格, e.g. 无标签预包装食品（500克/袋）")
    quantity: Annotated[str, Field(min_length=1, max_length=40)] = Field(description="数量及单位, e.g. 30袋")
    value_fen: Fen = Field(description="价值, in fen")


class DecisionIn(_In):
    penalty: PenaltyIn
    confiscated_items: list[ConfiscatedItemIn] = Field(
        default_factory=list,
        max_length=200,
        description="没收非法财物: each item with its quantity and value; required when the penalty includes "
        "confiscate_illegal_property, refused otherwise",
    )
    facts: list[Text] | None = Field(None, max_length=50, description="defaults to the notice's facts")
    evidence: list[ShortText] | None = Field(None, max_length=100)
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    outside_range_reason: OptionalText = ""
    serious: StrictBool = Field(False, description="the department marks the decision serious (严重失信)")
    defence: list[Text] | None = Field(
        None, max_length=20, description="陈述申辩和听证情况; summarised when omitted"
    )
    place: OptionalText = Field("", description="simple procedure: where the decision is made")
    # issue #14 item 6: 责令改正或者限期改正 (行政处罚法 第二十八条第一款), checked again at its deadline
    correction: CorrectionIn | None = Field(None, description="限期改正: what to correct and by when")

    @model_validator(mode="after")
    def _confiscated_items(self) -> DecisionIn:
        confiscates = p.PenaltyKind.CONFISCATE_PROPERTY in self.penalty.kinds
        if confiscates and not self.confiscated_items:
            raise ValueError("没收非法财物的，须逐项列明被没收财物的名称、数量和价值（confiscated_items）")
        if self.confiscated_items and not confiscates:
            raise ValueError("处罚种类不含没收非法财物，不应填写没收财物清单")
        return self

    def confiscated(self) -> tuple[docs.ConfiscatedItem, ...]:
        return tuple(docs.ConfiscatedItem(i.name, i.quantity, i.value_fen) for i in self.confiscated_items)


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


class ConfirmationIn(_In):
    source: p.RemedySource = Field(description="reconsideration 行政复议决定, litigation 人民法院裁判")
    finding: p.Finding = Field(description="confirmed_illegal 确认违法, confirmed_void 确认无效")
    reason: Text
    source_document: ShortText = Field(description="the 复议决定书 or 判决书 that confirms it")
    effective_on: Day | None = Field(None, description="the confirming document's date; today if omitted")


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
    restriction_months: int | None = Field(
        None, description="the term in months of 限制开展生产经营活动 / 限制从业, when the decision fixes one"
    )
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


class SupervisionMatterRef(BaseModel):
    """An open supervision matter of the justice bureau on the case (issue #14): the case cannot close."""

    matter_id: uuid.UUID
    kind: str = Field(description="opinion 监督意见书, correction 纠错通知书, escalation 提级办理")
    title: str = Field(description="e.g. 纠错通知书 沈司纠错〔2026〕1号")
    document_no: str
    due_on: date | None = Field(description="the unit's last day to answer; null: pending (year not entered)")


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
    supervision_matters: list[SupervisionMatterRef] = Field(
        default_factory=list,
        description="the justice bureau's open supervision matters on the case (officers, supervisors, admins)",
    )


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
    act_id: uuid.UUID | None = Field(
        None,
        description="the act of this finding (行政处罚法 第二十九条), derived from the visit and the item",
    )
