"""Request and response models of the inspection HTTP API (the contract with the app and integrations)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from services.common.fields import TRIMMED_TEXT_PATTERN, Day, Instant, StrictBool, StrictInt, UsccText
from services.inspection.domain import registry as reg
from services.inspection.domain.visits import MAX_COMMENT_LENGTH, MAX_DESCRIPTION_LENGTH, RATING_TAGS
from services.inspection.errors import InvalidUscc


def _uscc(value: str) -> str:
    try:
        return reg.validate_uscc(value)
    except InvalidUscc as exc:
        raise PydanticCustomError("invalid_uscc", exc.detail) from None


def _item_code(value: str) -> str:
    code = value.strip().upper()
    if not reg.ITEM_CODE.match(code):
        raise PydanticCustomError(
            "invalid_item_code",
            "检查事项编码“{value}”格式应为“部门-领域-三位序号”，如 SJ-SP-001",
            {"value": value},
        )
    return code


def _sha256(value: str) -> str:
    digest = value.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise PydanticCustomError("invalid_sha256", "证据文件摘要须为64位十六进制SHA-256值")
    return digest


Uscc = Annotated[UsccText, AfterValidator(_uscc)]
ITEM_CODE_PATTERN = r"^[A-Za-z]{2}-[A-Za-z]{2,3}-[0-9]{3}$"  # department-domain-serial, as reg.ITEM_CODE
ItemCode = Annotated[
    str, Field(pattern=ITEM_CODE_PATTERN, examples=["SJ-SP-001"]), AfterValidator(_item_code)
]
DeptCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["SJ"])]
DistrictCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["210102"])]
ShortText = Annotated[str, Field(max_length=200)]
Sha256 = Annotated[str, Field(min_length=64, max_length=64), AfterValidator(_sha256)]
PersonRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="执法证号 (辽A-0012345) or, for a person without a certificate, the registry officer_id",
    ),
]

OfficerStatusName = Literal["active", "suspended", "revoked", "expired"]
TaskKindName = Literal["random", "joint", "complaint", "key_area"]
TaskStatusName = Literal["pending_approval", "approved", "rejected", "completed", "cancelled"]
VisitModeName = Literal["entry_code", "enterprise_code", "emergency", "backfilled"]
OutcomeName = Literal["compliant", "violation", "ordered_to_correct", "educated"]
RatingTag = Literal[RATING_TAGS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------------------
# Registries


class DistrictRead(BaseModel):
    code: str
    name: str
    kind: str


class DepartmentWrite(Strict):
    code: DeptCode
    name: str = Field(min_length=1, max_length=50)
    authority: str = Field(min_length=2, max_length=100, description="执法主体 (the city-level body)")


class DepartmentUpdate(Strict):
    name: str = Field(min_length=1, max_length=50)
    authority: str = Field(min_length=2, max_length=100)


class DepartmentRead(BaseModel):
    code: str
    name: str
    authority: str


class EnforcementBodyWrite(Strict):
    code: str = Field(pattern=r"^[A-Z]{2}-[0-9]{6}$", examples=["SJ-210102"])
    name: str = Field(min_length=2, max_length=100)
    dept_code: DeptCode
    level: Literal["city", "district"]
    district_code: DistrictCode


class EnforcementBodyRead(BaseModel):
    code: str
    name: str
    dept_code: str
    level: str
    district_code: str


class LegalRefModel(Strict):
    # No control characters and no surrounding white space: a law's short title is stored as sent (it used to be
    # stripped after the length check, so "K\r" became the one-character "K" and reading it back failed).
    law: str = Field(
        min_length=2,
        max_length=60,
        pattern=TRIMMED_TEXT_PATTERN,
        examples=["食品安全法"],
    )
    article: str = Field(pattern=r"^第[一二三四五六七八九十百零]+条$", examples=["第五十三条"])
    title: str = Field("", max_length=100, examples=["中华人民共和国食品安全法"])


class ItemWrite(Strict):
    code: ItemCode
    name: str = Field(min_length=2, max_length=200)
    dept_code: DeptCode
    level: Literal["city", "district"] = "city"
    enterprise_related: StrictBool = True
    key_area: StrictBool = False
    on_site: StrictBool = True
    legal_basis: list[LegalRefModel] = Field(min_length=1, max_length=20)
    effective_from: Day


class ItemRevision(Strict):
    name: str = Field(min_length=2, max_length=200)
    level: Literal["city", "district"] = "city"
    enterprise_related: StrictBool = True
    key_area: StrictBool = False
    on_site: StrictBool = True
    legal_basis: list[LegalRefModel] = Field(min_length=1, max_length=20)
    effective_from: Day


class ItemRead(BaseModel):
    code: str
    version: int
    name: str
    dept_code: str
    level: str
    enterprise_related: bool
    key_area: bool
    on_site: bool
    legal_basis: list[LegalRefModel]
    legal_basis_text: str
    effective_from: date
    retired_on: date | None


class OfficerWrite(Strict):
    officer_id: uuid.UUID | None = None
    name: str = Field(min_length=2, max_length=20)
    dept_code: DeptCode
    body_code: str | None = Field(None, max_length=20)
    cert_no: str | None = Field(None, max_length=20, description="执法证号; none for auxiliary staff")
    auxiliary: StrictBool = False
    valid_until: Day | None = None
    id_number: str | None = Field(
        None, min_length=15, max_length=18, description="居民身份证号: validated, stored masked only"
    )


class OfficerUpdate(Strict):
    name: str | None = Field(None, min_length=2, max_length=20)
    dept_code: DeptCode | None = None
    body_code: str | None = Field(None, max_length=20)
    valid_until: Day | None = None


class OfficerStatusChange(Strict):
    status: OfficerStatusName
    reason: str = Field("", max_length=500)
    retraining: StrictBool = Field(False, description="离岗轮训: a suspension that ends on return_date")
    return_date: Day | None = None
    valid_until: Day | None = Field(None, description="a renewed certificate's new valid-until date")


class OfficerRead(BaseModel):
    officer_id: uuid.UUID
    name: str
    dept_code: str
    body_code: str | None
    cert_no: str | None
    status: str
    effective_status: str = Field(
        description="status today: an active certificate past valid_until is expired"
    )
    valid_until: date | None
    auxiliary: bool
    id_number_masked: str
    status_since: date | None
    status_reason: str
    retraining: bool
    return_date: date | None
    revision: int


class EnterpriseWrite(Strict):
    uscc: Uscc
    name: str = Field(min_length=2, max_length=100)
    district_code: DistrictCode
    industry: str = Field("", max_length=50)
    address: str = Field("", max_length=200)
    legal_rep_name: str | None = Field(None, max_length=20, description="stored masked (张**)")
    registered_on: Day | None = None


class EnterpriseUpdate(Strict):
    name: str | None = Field(None, min_length=2, max_length=100)
    district_code: DistrictCode | None = None
    industry: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=200)


class EnterpriseRead(BaseModel):
    uscc: str
    name: str
    district_code: str
    industry: str
    address: str
    legal_rep_masked: str
    registered_on: date | None
    risk_class: str | None = Field(None, description="from the risk service (risk.enterprise.classified)")
    code_serial: int


class EnterpriseCodeRead(BaseModel):
    uscc: str
    serial: int
    code: str = Field(description="the signed enterprise code (企业码) printed at the entrance")
    qr_svg: str
    qr_png_base64: str
    issued_at: datetime


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int


class QuietWindowWrite(Strict):
    uscc: Uscc | None = Field(None, description="none: a city-wide no-inspection period")
    starts_on: Day
    ends_on: Day
    reason: str = Field(min_length=2, max_length=200)


class QuietWindowRead(BaseModel):
    window_id: uuid.UUID
    uscc: str | None
    starts_on: date
    ends_on: date
    reason: str


class EnterpriseClassRead(BaseModel):
    uscc: str
    risk_class: str
    score: int
    reasons: list[str]
    classified_at: datetime
    revision: int


# ---------------------------------------------------------------------------------------------------------
# Tasks


class PoolFilter(Strict):
    district_codes: list[DistrictCode] = Field(default_factory=list, max_length=20)
    industries: list[ShortText] = Field(default_factory=list, max_length=50)


class TaskCreate(Strict):
    kind: TaskKindName
    title: str = Field(min_length=2, max_length=200)
    lead_dept: DeptCode
    dept_codes: list[DeptCode] = Field(default_factory=list, max_length=10, description="joint: the others")
    item_codes: list[ItemCode] = Field(default_factory=list, max_length=50)
    enterprises: list[Uscc] = Field(default_factory=list, max_length=5000, description="not for random")
    pool: PoolFilter | None = Field(None, description="random: which enterprises may be drawn")
    # Refused (DRAW_SEED_NOT_ACCEPTED) when sent at all: nobody chooses a draw's seed (commit-reveal-v1,
    # docs/api/inspection.md). Kept out of the OpenAPI document; its presence is what is checked.
    seed: SkipJsonSchema[Any] = Field(None, exclude=True)
    starts_on: Day | None = None
    ends_on: Day | None = None
    urgent: StrictBool = Field(False, description="complaint only: inspect first, approval within 24 hours")
    lead_id: str | None = Field(None, max_length=100, description="complaint: the 线索 id (12345 ...)")
    requested_by_enterprise: StrictBool = False


class TaskDecision(Strict):
    reason: str = Field("", max_length=500)


class TaskEnterpriseRead(BaseModel):
    uscc: str
    name: str
    district_code: str
    assigned_cert_nos: list[str]


class TaskRead(BaseModel):
    task_id: uuid.UUID
    title: str
    kind: str
    status: str
    lead_dept: str
    dept_codes: list[str]
    item_codes: list[str]
    district_codes: list[str]
    starts_on: date | None
    ends_on: date | None
    urgent: bool
    lead_id: str | None
    requested_by_enterprise: bool
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    approval_due_at: datetime | None
    approval_overdue: bool
    status_reason: str
    completed_at: datetime | None
    enterprise_count: int
    draw_algorithm: str | None
    draw_commitment: str | None = Field(
        description="random: SHA-256 of the current draw's secret nonce, published at approval"
    )
    draw_fingerprint: str | None


class TaskDetail(TaskRead):
    enterprises: list[TaskEnterpriseRead]


class TaskApproval(Strict):
    """Approval of a task; for a random task, the draw's schedule published with its commitment."""

    draw_at: Instant | None = Field(
        None, description="random: when the draw may happen (default: at once); published at approval"
    )
    public_source: str | None = Field(
        None,
        min_length=2,
        max_length=200,
        pattern=TRIMMED_TEXT_PATTERN,
        description="random: the agreed public source whose value the supervisor enters at the draw",
    )


class DrawPerform(Strict):
    public_value: str = Field(
        min_length=1,
        max_length=500,
        description="the value the agreed public source published after the commitment (required)",
    )


class DrawCancel(Strict):
    reason: str = Field(min_length=2, max_length=500, description="published with the cancelled draw")
    draw_at: Instant | None = Field(None, description="the redraw's scheduled time (default: at once)")
    public_source: str | None = Field(
        None, min_length=2, max_length=200, pattern=TRIMMED_TEXT_PATTERN, description="default: unchanged"
    )


class ClassCount(BaseModel):
    risk_class: str
    pool_size: int
    ratio_bp: int
    drawn: int


class DrawReveal(BaseModel):
    """What is published once the task has ended (completed or cancelled): every input and the result."""

    nonce: str = Field(description="hex of the 32-byte secret; SHA-256 of its bytes is the commitment")
    pool_snapshot: str | None = Field(description="canonical text of the pool (sampling.pool_snapshot)")
    pool_hash: str | None
    seed: str | None = Field(description="hex SHA-256(nonce || pool_hash || UTF-8(public_value))")
    record: dict[str, Any] | None = Field(description="inputs and results (sampling.Draw.to_record)")
    fingerprint: str | None
    verified: bool = Field(
        description="commitment, pool hash, seed and result all recompute from the published inputs"
    )


class DrawEntry(BaseModel):
    seq: int
    status: Literal["committed", "drawn", "cancelled"]
    reason: str = Field(description="why this draw exists: the approval, or the reason of the redraw")
    protocol: str
    algorithm: str
    commitment: str
    public_source: str
    draw_at: datetime
    committed_at: datetime
    public_value: str | None
    drawn_at: datetime | None
    counts: list[ClassCount] = Field(description="per risk class: pool size, ratio and how many were drawn")
    cancelled_at: datetime | None
    cancel_reason: str | None
    reveal: DrawReveal | None = Field(description="none until the task has ended")


class DrawRead(BaseModel):
    task_id: uuid.UUID
    task_status: str
    revealed: bool = Field(description="the task has ended: nonces, pools, targets and officers are public")
    draws: list[DrawEntry] = Field(description="every draw of the task, in order, cancelled ones included")


# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter


class EntryCodeRequest(Strict):
    task_id: uuid.UUID
    enterprise_uscc: Uscc
    officers: list[PersonRef] = Field(
        default_factory=list,
        max_length=20,
        description="the inspectors present besides the caller (the caller is always counted)",
    )
    accompanying: list[uuid.UUID] = Field(
        default_factory=list, max_length=10, description="执法辅助人员 coming along (registry officer_id)"
    )
    item_codes: list[ItemCode] = Field(min_length=1, max_length=50)


class EntryCodeRead(BaseModel):
    code_id: uuid.UUID
    code: str = Field(description="compact JWS (EdDSA) — verify offline with GET /visits/entry-codes/keys")
    kid: str
    task_id: uuid.UUID
    enterprise_uscc: str
    officer_cert_nos: list[str]
    item_codes: list[str]
    issued_at: datetime
    expires_at: datetime
    qr_svg: str
    qr_png_base64: str


class CheckIn(Strict):
    code: str = Field(min_length=1, max_length=4096, description="the scanned entry code")


class EnterpriseScan(Strict):
    task_id: uuid.UUID
    enterprise_code: str = Field(min_length=1, max_length=4096, description="the scanned 企业码")
    officers: list[PersonRef] = Field(
        default_factory=list, max_length=20, description="the inspectors present besides the caller"
    )
    accompanying: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    item_codes: list[ItemCode] = Field(min_length=1, max_length=50)
    emergency: StrictBool = Field(
        False, description="inspected first in an emergency; scanning before leaving"
    )
    started_at: Instant | None = Field(
        None, description="emergency: when the officers entered (with a time zone offset)"
    )
    reason: str = Field("", max_length=500)


class Backfill(Strict):
    task_id: uuid.UUID
    enterprise_uscc: Uscc
    officers: list[PersonRef] = Field(
        default_factory=list, max_length=20, description="the inspectors present besides the caller"
    )
    accompanying: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    item_codes: list[ItemCode] = Field(min_length=1, max_length=50)
    started_at: Instant = Field(description="when the officers entered (with a time zone offset)")
    reason: str = Field(min_length=2, max_length=500, description="why the system could not be used")


class PersonRead(BaseModel):
    name: str
    cert_no: str | None
    dept_code: str
    department: str
    auxiliary: bool = False


class ItemBrief(BaseModel):
    code: str
    name: str
    dept_code: str
    legal_basis: str


class OutcomeRead(BaseModel):
    item_code: str
    outcome: str
    description: str
    evidence_sha256: list[str]
    correction_deadline: date | None
    recorded_by: str
    recorded_at: datetime


class RatingRead(BaseModel):
    stars: int
    tags: list[str]
    comment: str
    anonymous: bool
    rated_at: datetime
    rated_by: str | None = Field(None, description="shown to supervisors and the rater only")


class VisitRead(BaseModel):
    visit_id: uuid.UUID
    task_id: uuid.UUID
    task_kind: str
    enterprise_uscc: str | None = Field(description="hidden from the department when the rating is anonymous")
    enterprise_name: str | None
    district_code: str
    mode: str
    status: str
    emergency: bool
    backfilled: bool
    reason: str
    started_at: datetime
    recorded_at: datetime
    completed_at: datetime | None
    officers: list[PersonRead]
    accompanying: list[PersonRead]
    items: list[ItemBrief]
    outcomes: list[OutcomeRead]
    rating: RatingRead | None
    rating_due_at: datetime | None


class CheckInRead(BaseModel):
    visit: VisitRead
    rights: list[str] = Field(description="the enterprise's rights, to show on its screen")
    complaint_channels: list[str]


class OutcomeWrite(Strict):
    item_code: ItemCode
    outcome: OutcomeName
    description: str = Field("", max_length=MAX_DESCRIPTION_LENGTH)
    evidence_sha256: list[Sha256] = Field(default_factory=list, max_length=50)
    correction_deadline: Day | None = None


class OutcomesWrite(Strict):
    outcomes: list[OutcomeWrite] = Field(min_length=1, max_length=50)


class RatingWrite(Strict):
    stars: StrictInt = Field(ge=1, le=5)
    tags: list[RatingTag] = Field(default_factory=list, max_length=len(RATING_TAGS))
    comment: str = Field("", max_length=MAX_COMMENT_LENGTH)
    anonymous: StrictBool = Field(False, description="hide the rater from the inspected department")


class DepartmentRatingRead(BaseModel):
    """A rating as the department sees it: anonymous ones carry no visit, enterprise or time of day."""

    visit_id: uuid.UUID | None
    enterprise_uscc: str | None
    stars: int
    tags: list[str]
    comment: str
    anonymous: bool
    rated_on: date
    rated_by: str | None = None


class RefusalRead(BaseModel):
    refusal_id: uuid.UUID
    code: str
    status: int
    detail: str
    channel: str
    task_id: uuid.UUID | None
    enterprise_uscc: str | None
    dept_code: str | None
    district_code: str | None
    officer_cert_nos: list[str]
    actor_role: str
    refused_at: datetime


# ---------------------------------------------------------------------------------------------------------
# Supervision


class FrequencyRow(BaseModel):
    enterprise_uscc: str
    enterprise_name: str
    district_code: str
    dept_code: str
    visits: int = Field(description="on-site visits this year (a joint visit counts for each department)")
    capped_visits: int = Field(description="visits that count toward the caps")


class CapExcessRow(BaseModel):
    enterprise_uscc: str
    enterprise_name: str
    scope: Literal["department", "enterprise"]
    dept_code: str | None
    count: int
    limit: int


class YearOnYearRow(BaseModel):
    dept_code: str = Field(description="* is all departments (a joint visit counted once)")
    previous: int
    current: int
    change: int
    permille: int | None
    text: str = Field(examples=["-16.7%"])
    text_zh: str = Field(examples=["下降16.7%"])


class JointShareRead(BaseModel):
    year: int
    joint: int
    total: int
    permille: int | None
    text: str


class RefusalCountRow(BaseModel):
    code: str
    title: str
    count: int


class ModeCountRow(BaseModel):
    mode: str
    count: int


class SupervisionSummary(BaseModel):
    year: int
    scope: str
    visits: int
    by_mode: list[ModeCountRow]
    joint_share: JointShareRead
    refusals: list[RefusalCountRow]
    over_cap: int
    overdue_urgent_approvals: int
    low_ratings: int


# ---------------------------------------------------------------------------------------------------------
# Public (一公开)


class PublicTaskRead(BaseModel):
    task_id: uuid.UUID
    title: str
    status: str
    department: str
    authority: str
    items: list[ItemBrief]
    starts_on: date | None
    ends_on: date | None
    approved_at: datetime | None
    completed_at: datetime | None
    enterprises: list[str] = Field(
        description="names of the drawn enterprises (抽查对象), published once the task is completed"
    )
    draw_algorithm: str | None
    draw_commitment: str | None = Field(description="SHA-256 of the current draw's secret nonce")
    draw_at: datetime | None = Field(description="the current draw's published schedule")


class PublicResultRow(BaseModel):
    enterprise_name: str
    enterprise_uscc: str
    inspected: bool
    inspected_on: date | None
    officers: list[str] = Field(description="masked names (张**)")
    result: str = Field(examples=["未发现问题", "发现问题，已依法处理"])


class PublicResultsRead(BaseModel):
    task_id: uuid.UUID
    title: str
    completed_at: datetime
    rows: list[PublicResultRow]


class KeySetRead(BaseModel):
    keys: list[dict[str, str]]


class OfficerImport(OfficerWrite):
    """A row of an officer import: the registry fields plus the certificate's current state."""

    status: OfficerStatusName = "active"
    status_since: Day | None = None
    status_reason: str = Field("", max_length=500)
    retraining: StrictBool = False
    return_date: Day | None = None


class EnterpriseImport(EnterpriseWrite):
    legal_rep_masked: str | None = Field(None, max_length=20, description="already masked (张**)")
