"""Request and response models of the credit_repair HTTP API (the contract with the app and integrations)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from services.common import idnumbers
from services.common.fields import StrictBool, UsccText
from services.credit_repair.domain.publication import CleanupReason

CreditClassCode = Literal["minor", "general", "serious"]
CreditClassLabel = Literal["轻微", "一般", "严重"]
RepairStatus = Literal["submitted", "under_review", "repaired", "rejected"]


def check_uscc(value: str) -> str:
    """A valid 统一社会信用代码 (check digit included), upper-cased; a 422 with a Chinese message otherwise."""
    text = value.strip().upper()
    if not idnumbers.is_valid_uscc(text):
        raise PydanticCustomError(
            "invalid_uscc", "统一社会信用代码“{value}”无效（位数或校验码错误）", {"value": value}
        )
    return text


Uscc = Annotated[UsccText, AfterValidator(check_uscc)]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- rule sets ------------------------------------------------------------------------------------


class RuleSetCreate(BaseModel):
    rule_set: dict[str, Any] = Field(
        description="the rule set as in data/sample/credit_rules.json (one element of rule_sets)"
    )
    supersede_open_ended: StrictBool = Field(
        False,
        description="end the open-ended rule set in force before this one on the day before it takes effect",
    )


class RuleSetRead(_Read):
    id: str
    effective_from: date
    effective_to: date | None
    status: Literal["in_force", "future", "expired"]
    sample: bool
    created_by: str
    created_at: datetime
    document: dict[str, Any]


# --- records and publications ---------------------------------------------------------------------


class PublicationRead(_Read):
    id: uuid.UUID
    credit_class: CreditClassCode
    platforms: list[str]
    starts_on: date
    min_ends_on: date
    earliest_repair_on: date | None = Field(description="None: the publication can never end early")
    max_ends_on: date = Field(description="first day the record is no longer published")
    active: bool
    ended_on: date | None
    end_reason: str | None


class RecordRead(_Read):
    id: uuid.UUID
    case_id: uuid.UUID
    revision: int
    decision_no: str
    decided_on: date
    party_kind: str
    party_uscc: str | None
    party_name: str
    department_code: str
    department_name: str
    district_code: str
    benchmark_code: str
    kinds: list[str]
    fine_fen: int
    restriction_months: int | None = Field(
        None,
        description="the term in months of 限制开展生产经营活动 / 限制从业 as the decision fixed it (penalty's "
        "event); a longer one than the class's maximum is the publication's maximum (总局令第45号 第十三条第三款)",
    )
    procedure: str
    credit_class: CreditClassCode
    credit_class_label: CreditClassLabel
    published: bool
    class_reason: str
    rule_set_id: str
    never_early: bool
    decision_status: str
    fine_paid_fen: int
    fully_performed: bool
    notice_id: uuid.UUID | None
    publication: PublicationRead | None


# --- notices --------------------------------------------------------------------------------------


class NoticeRead(_Read):
    id: uuid.UUID
    notice_no: str
    record_id: uuid.UUID
    case_id: uuid.UUID
    decision_no: str
    issued_on: date
    issued_at: datetime
    party_uscc: str | None
    subject_name: str
    credit_class: CreditClassCode
    class_label: str
    published: bool
    publication_start: date | None
    earliest_repair_date: date | None
    maximum_end: date | None
    requirements: list[str]
    application_path: str
    review: str
    html_url: str
    pdf_url: str


# --- repairs --------------------------------------------------------------------------------------


class RepairCreate(BaseModel):
    record_id: uuid.UUID
    commitment_text: str = Field(
        min_length=10, max_length=5000, description="the text of the 信用承诺书 the enterprise makes public"
    )
    commitment_accepted: StrictBool = Field(
        description="the enterprise signs the commitment and agrees to its publication"
    )
    violation_corrected: StrictBool = Field(
        True, description="the enterprise declares the failing corrected (the reviewer verifies the evidence)"
    )
    evidence_refs: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list,
        max_length=20,
        description="references to uploaded evidence (file hashes or URLs)",
    )


class RepairAcceptance(BaseModel):
    extended: StrictBool = Field(
        False, description="complex case: extend the decision period (因案情复杂或需核查)"
    )


class RepairDecision(BaseModel):
    outcome: Literal["accepted", "rejected"] = Field(description="accepted: 予以修复; rejected: 不予修复")
    reasons: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=20, description="required for a rejection"
    )


class RepairRead(_Read):
    id: uuid.UUID
    record_id: uuid.UUID
    publication_id: uuid.UUID
    case_id: uuid.UUID
    party_uscc: str
    department_code: str
    status: RepairStatus
    submitted_on: date
    submitted_at: datetime
    commitment_text: str
    violation_corrected: bool
    evidence_refs: list[str]
    rule_set_id: str
    acceptance_due: date | None
    decision_due: date | None
    window_due: date | None
    deadlines_pending: bool
    deadlines_note: str | None
    extended: bool
    accepted_on: date | None
    decided_on: date | None
    outcome: str | None
    reasons: list[str]
    on_time: bool | None
    overdue_stage: Literal["acceptance", "decision"] | None


# --- clean-ups ------------------------------------------------------------------------------------


class CleanupReasonName(StrEnum):
    """The reasons a clean-up run records (domain.publication.CleanupReason)."""

    REVOKED = CleanupReason.REVOKED.value
    REPAIRED = CleanupReason.REPAIRED.value
    EXPIRED = CleanupReason.EXPIRED.value
    SIMPLE_PROCEDURE = CleanupReason.SIMPLE_PROCEDURE.value
    WARNING = CleanupReason.WARNING.value
    CIRCULATED_CRITICISM = CleanupReason.CIRCULATED_CRITICISM.value
    SMALL_FINE = CleanupReason.SMALL_FINE.value
    RECLASSIFIED = CleanupReason.RECLASSIFIED.value


class CleanupCreate(BaseModel):
    dry_run: StrictBool = Field(True, description="count what would end without ending anything")
    reasons: list[CleanupReasonName] | None = Field(
        None, max_length=8, description="end only publications whose clean-up reason is one of these"
    )
    department_codes: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        None, max_length=50, description="only publications of these departments (SJ, or SJ-210102)"
    )


class CleanupCountRead(BaseModel):
    reason: str
    label: str
    department_code: str
    count: int


class CleanupRead(BaseModel):
    id: uuid.UUID
    dry_run: bool
    status: Literal["pending", "running", "completed", "failed"]
    as_of: date
    rule_set_id: str
    reasons: list[str] | None
    department_codes: list[str] | None
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    examined: int = Field(description="active publications judged so far")
    matched: int = Field(description="publications ended (or, in a dry run, that would end)")
    progress: float = Field(description="share of the publication range processed, 0 to 1")
    error: str | None
    by_reason: dict[str, int]
    by_department: dict[str, int]
    counts: list[CleanupCountRead]


class SweepRead(BaseModel):
    as_of: date
    ended: int


# --- feeds ----------------------------------------------------------------------------------------


class FeedItem(BaseModel):
    seq: int
    kind: Literal["started", "ended"]
    publication_id: uuid.UUID
    reason: str | None
    occurred_at: datetime
    data: dict[str, Any]


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str = Field(description="pass back as ?cursor= to continue after the last item (always set)")
    has_more: bool


class PublicPublication(BaseModel):
    id: uuid.UUID
    decision_no: str
    party_name: str = Field(description="enterprise name; natural persons are masked")
    party_uscc: str | None
    department_code: str
    department_name: str
    credit_class: CreditClassLabel
    platforms: list[str]
    starts_on: date
    ends_on: date = Field(description="the day publication ends at the latest")
