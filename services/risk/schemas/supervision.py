"""Request and response models of the supervision instruments (issue #14): complaints, supervisors and contact points, supervision matters, case-file review, bulletins."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.fields import Day, StrictBool
from services.risk.schemas.monitoring import (
    UnitCode,
    Uscc,
    _Out,
)

# --------------------------------------------------------------------------------------------------- complaints (issue #14)

ComplaintCategory = Literal[
    "索要财物", "未出示证件", "超范围检查", "态度问题", "重复检查", "逾期未办", "其他"
]
Phone = Annotated[str, Field(min_length=5, max_length=20, pattern=r"^\+?[0-9][0-9\- ]{3,18}[0-9]$")]
CertNo = Annotated[str, Field(min_length=1, max_length=40, description="执法证号, e.g. 辽A-0012345")]


class ComplaintBody(BaseModel):
    """What a complaint is about and says (the enterprise's, the public's and a contact point's alike)."""

    subject_kind: Literal["visit", "officer", "department"] = Field(
        description="visit (visit_id), officer (officer_cert_no) or department"
    )
    unit_code: UnitCode = Field(description="the unit complained about, e.g. SJ-210102")
    visit_id: uuid.UUID | None = None
    officer_cert_no: CertNo | None = None
    category: ComplaintCategory
    text: str = Field(min_length=1, max_length=5_000)
    contact_name: str | None = Field(None, min_length=1, max_length=50)
    contact_phone: Phone | None = None

    @model_validator(mode="after")
    def _names_its_subject(self) -> ComplaintBody:
        if self.subject_kind == "visit" and self.visit_id is None:
            raise ValueError("投诉检查行为须填写检查编号（visit_id）")
        if self.subject_kind == "officer" and self.officer_cert_no is None:
            raise ValueError("投诉执法人员须填写执法证号（officer_cert_no）")
        return self


class ComplaintWrite(ComplaintBody):
    anonymous: StrictBool = Field(
        False, description="hide the enterprise from the department when the bureau forwards the complaint"
    )


class PublicComplaintWrite(ComplaintBody):
    token: str = Field(min_length=1, max_length=512, description="from POST /public/risk/complaints/tokens")


class ComplaintTokenRead(BaseModel):
    token: str
    expires_at: datetime


class ComplaintFiledRead(BaseModel):
    id: uuid.UUID
    ack_no: str = Field(description="受理编号")
    secret: str | None = Field(description="public complaints: read the answer with ack_no + secret (once)")
    status: str
    status_label: str
    received_at: datetime
    due_on: date | None


class ComplaintLookupWrite(BaseModel):
    ack_no: str = Field(min_length=1, max_length=30, pattern=r"^TS-[0-9]{4}-[0-9]{6,}$")
    secret: str = Field(min_length=1, max_length=100)


class ComplaintStepRead(BaseModel):
    at: datetime
    action: str
    status: str
    actor_role: str
    note: str


class ComplaintRead(BaseModel):
    id: uuid.UUID
    ack_no: str
    source: str
    source_label: str
    subject_kind: str
    visit_id: uuid.UUID | None
    officer_cert_no: str | None
    unit_code: str
    category: str
    summary: str
    text: str
    anonymous: bool
    complainant_uscc: str | None = Field(description="hidden from the department when anonymous")
    contact_name: str | None = Field(description="masked for the department")
    contact_phone: str | None = Field(description="masked for the department")
    status: str
    status_label: str
    received_at: datetime
    due_on: date | None
    overdue: bool
    forwarded_at: datetime | None
    reply_due_on: date | None
    reply_overdue: bool = Field(description="forwarded, not replied past reply_due_on")
    replied_at: datetime | None
    reply: str
    concluded_at: datetime | None
    finding: str | None
    finding_label: str | None
    conclusion: str
    referred_to_discipline: bool
    answered_at: datetime | None
    answer: str
    history: list[ComplaintStepRead]


class ComplaintPublicRead(BaseModel):
    """What an anonymous complainant reads with the acknowledgement number and the secret."""

    ack_no: str
    category: str
    status: str
    status_label: str
    received_at: datetime
    due_on: date | None
    finding_label: str | None
    answer: str
    answered_at: datetime | None


class ForwardWrite(BaseModel):
    note: str = Field("", max_length=2_000, description="转办意见")


class ComplaintReplyWrite(BaseModel):
    text: str = Field(min_length=1, max_length=10_000, description="the department's reply (办理情况)")


class ConcludeWrite(BaseModel):
    finding: Literal["substantiated", "partly_substantiated", "unsubstantiated"] = Field(
        description="属实 / 部分属实 / 不属实"
    )
    conclusion: str = Field(min_length=1, max_length=10_000)
    refer_to_discipline: StrictBool = Field(False, description="移交纪检监察机关")


class ComplaintAnswerWrite(BaseModel):
    text: str = Field(min_length=1, max_length=10_000, description="the answer to the complainant (答复)")


# --------------------------------------------------------------------------------------------------- supervisors and contact points (issue #14)

#: 000: "择优选聘企业家代表、人民监督员、律师、专家学者、新闻工作者等担任监督员"; 人大代表 and 政协委员 as in the 专家库.
Background = Literal["企业家", "律师", "人大代表", "政协委员", "专家学者", "人民监督员", "新闻工作者", "其他"]
DistrictCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="a district code, e.g. 210102")]


class _Term(BaseModel):
    term_start: Day
    term_end: Day

    @model_validator(mode="after")
    def _term_in_order(self) -> _Term:
        if self.term_end < self.term_start:
            raise ValueError("聘期结束日不得早于开始日")
        return self


class MemberWrite(_Term):
    name: str = Field(min_length=1, max_length=50)
    background: Background
    organisation: str = Field("", max_length=200, description="工作单位")
    district_code: DistrictCode | None = None
    phone: Phone | None = None
    status: Literal["active", "suspended", "ended"] = "active"


class MemberRead(BaseModel):
    id: uuid.UUID
    name: str
    background: str
    organisation: str
    district_code: str | None
    phone: str | None = Field(description="masked in lists")
    term_start: date
    term_end: date
    status: str
    status_label: str
    serving: bool = Field(description="active and today within the term")


class InvitationWrite(BaseModel):
    target_kind: Literal["visit", "review"] = Field(description="an inspection visit or a case-file review")
    target_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._\-]*$")
    on_date: Day
    note: str = Field("", max_length=1_000)


class InvitationRead(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    target_kind: str
    target_id: str
    on_date: date
    note: str
    invited_by: str
    created_at: datetime


class ContactPointWrite(_Term):
    kind: Literal["enterprise", "community", "organisation"] = Field(
        description="经营主体, 村（社区）, 社会组织"
    )
    name: str = Field(min_length=1, max_length=200)
    uscc: Uscc | None = Field(None, description="required for an enterprise")
    address: str = Field(min_length=1, max_length=300)
    district_code: DistrictCode | None = None
    contact_name: str | None = Field(None, min_length=1, max_length=50)
    contact_phone: Phone | None = None
    status: Literal["active", "ended"] = "active"

    @model_validator(mode="after")
    def _enterprise_has_uscc(self) -> ContactPointWrite:
        if self.kind == "enterprise" and self.uscc is None:
            raise ValueError("经营主体联系点须填写统一社会信用代码")
        return self


class ContactPointRead(BaseModel):
    id: uuid.UUID
    kind: str
    name: str
    uscc: str | None
    address: str
    district_code: str | None
    contact_name: str | None = Field(description="masked in lists")
    contact_phone: str | None = Field(description="masked in lists")
    term_start: date
    term_end: date
    status: str
    serving: bool


# --------------------------------------------------------------------------------------------------- supervision matters

from services.common.fields import StrictInt as _StrictInt  # noqa: E402


class MatterWrite(BaseModel):
    """A supervisor opens a supervision matter (个案监督) on a case, an inspection visit or a 12345 lead."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["opinion", "correction", "escalation"] = Field(
        description="opinion 监督意见书, correction 纠错通知书, escalation 提级办理"
    )
    target_kind: Literal["case", "visit", "lead"] = Field(
        description="a penalty case, an inspection visit or a lead"
    )
    target_id: uuid.UUID
    unit_code: UnitCode | None = Field(
        None,
        description="the unit concerned; taken from the case or lead when risk knows it (must then agree), "
        "required for a visit",
    )
    grounds: str = Field(min_length=1, max_length=5_000, description="监督事由: what was found")
    legal_basis: str = Field(min_length=1, max_length=2_000, description="法律依据")
    requested_action: str = Field(min_length=1, max_length=5_000, description="what the unit must do")
    deadline_working_days: Annotated[_StrictInt, Field(ge=1, le=60)] = Field(
        description="statutory working days after today to answer by"
    )


class MatterAnswerWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["corrected", "explained"] = Field(description="corrected 接受并纠正, explained 说明理由")
    text: str = Field(min_length=1, max_length=10_000, description="the unit's answer")
    corrected: str = Field(
        "", max_length=10_000, description="what was corrected (required when the outcome is corrected)"
    )


class MatterReopenWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2_000, description="why the answer is not accepted")
    deadline_working_days: Annotated[_StrictInt, Field(ge=1, le=60)]


class MatterRead(_Out):
    id: uuid.UUID
    title: str
    kind: Literal["opinion", "correction", "escalation"]
    kind_label: str
    target_kind: Literal["case", "visit", "lead"]
    target_id: uuid.UUID
    target_ref: str
    unit_code: str
    grounds: str
    legal_basis: str
    requested_action: str
    deadline_working_days: int
    due_on: date | None
    due_note: str
    status: Literal["open", "overdue", "answered", "closed"]
    status_label: str
    days_overdue: int = Field(description="calendar days past due_on while unanswered (0 otherwise)")
    answered_late: bool
    answer_outcome: Literal["corrected", "explained"] | None
    answer_text: str
    corrected: str
    answered_at: datetime | None
    answered_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    reopen_count: int
    supervision_level: Literal["district", "city"]
    level_decided_by: str | None
    level_decided_at: datetime | None
    opened_by: str
    opened_at: datetime
    document_no: str
    history: list[dict[str, Any]]


# --------------------------------------------------------------------------------------------------- case-file review (案卷评查)

from services.common.fields import Instant, StrictInt  # noqa: E402
from services.risk.domain.reviews import ScoringSheet  # noqa: E402

ItemCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z][0-9A-Za-z._\-]*$")]
ReviewerId = Annotated[str, Field(min_length=1, max_length=64)]


class ReviewerWrite(BaseModel):
    """A reviewer (评查人员) and the units whose files they review; ``unit_code`` is their own unit, if any
    (a reviewer never reviews their own unit)."""

    model_config = ConfigDict(extra="forbid")

    id: ReviewerId
    name: str = Field(min_length=1, max_length=40)
    unit_code: UnitCode | None = None
    units: list[UnitCode] = Field(min_length=1, max_length=200)


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["2026年度行政处罚案卷评查"])
    unit_codes: list[UnitCode] = Field(min_length=1, max_length=200, description="units reviewed")
    item_codes: list[ItemCode] = Field(
        default_factory=list, max_length=100, description="benchmark items (empty: every item)"
    )
    period_from: Day = Field(description="decisions made from this day")
    period_to: Day = Field(description="...to this day, inclusive")
    sample_size: StrictInt = Field(ge=1, le=100, description="files drawn per unit")
    sheet: ScoringSheet | None = Field(None, description="the scoring sheet (default: 主体…归档, 100 points)")
    reviewers: list[ReviewerWrite] = Field(min_length=1, max_length=100)
    starts_on: Day | None = None
    draw_at: Instant | None = Field(None, description="the published draw time (default: now)")
    public_source: str | None = Field(None, min_length=1, max_length=500)


class ReviewDrawRead(BaseModel):
    """The draw (commit-reveal-v1, case-file-rank-v1); nonce, snapshot and seed once the campaign is complete."""

    protocol: str
    algorithm: str
    commitment: str
    public_source: str
    draw_at: datetime
    public_value: str | None
    pool_hash: str | None
    drawn_at: datetime | None
    revealed: bool
    nonce: str | None
    pool_snapshot: str | None
    seed: str | None


class ReviewerRead(BaseModel):
    id: str
    name: str
    unit_code: str | None
    units: list[str]


class ReviewRead(BaseModel):
    id: uuid.UUID
    title: str
    year: int
    scope_label: str
    unit_codes: list[str]
    item_codes: list[str]
    period_from: date
    period_to: date
    sample_size: int
    status: Literal["committed", "drawn", "completed"]
    status_label: str
    starts_on: date
    reviewed: int
    total: int
    sheet: ScoringSheet
    reviewers: list[ReviewerRead]
    draw: ReviewDrawRead
    created_by: str
    created_at: datetime
    completed_at: datetime | None


class ReviewApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_value: str = Field(
        min_length=1, max_length=200, description="the public source's value published after the commitment"
    )


class FindingWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dimension: str = Field(min_length=1, max_length=20)
    severity: Literal["minor", "major", "serious"]
    text: str = Field(min_length=1, max_length=2_000)
    deduction: str | None = Field(None, min_length=1, max_length=20)
    open_matter: StrictBool = Field(
        False, description="open a supervision matter (个案监督) on the file's case"
    )
    matter_grounds: str | None = Field(None, max_length=2_000, description="the matter's grounds (监督事由)")
    matter_kind: Literal["opinion", "correction", "escalation"] = Field(
        "opinion", description="opinion 监督意见书, correction 纠错通知书, escalation 提级办理"
    )
    matter_deadline_working_days: StrictInt = Field(
        15, ge=1, le=60, description="working days the unit has to answer the matter"
    )


class ScoresWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer_id: ReviewerId | None = Field(None, description="the assigned reviewer (default: the caller)")
    points: dict[Annotated[str, Field(max_length=20)], Annotated[StrictInt, Field(ge=0, le=100)]] = Field(
        max_length=20, description="points awarded per dimension of the sheet"
    )
    findings: list[FindingWrite] = Field(default_factory=list, max_length=50)


class FindingRead(BaseModel):
    id: uuid.UUID
    dimension: str
    severity: Literal["minor", "major", "serious"]
    severity_label: str
    text: str
    deduction: str | None
    matter_requested: bool
    matter_grounds: str | None
    matter_id: uuid.UUID | None = Field(description="the supervision matter opened from the finding")
    matter_no: str | None = Field(
        description="its document number (监督意见书 / 纠错通知书 / 提级办理决定书)"
    )
    case_id: uuid.UUID


class ReviewFileRead(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    unit_code: str
    case_id: uuid.UUID
    decision_no: str | None
    item_code: str | None
    decided_on: date | None
    rank: int
    rank_key: str
    points: dict[str, int] | None
    total: int | None
    grade: Literal["excellent", "pass", "fail"] | None
    grade_label: str | None
    reviewer_id: str | None
    reviewed_at: datetime | None
    findings: list[FindingRead]


class UnitResultRead(BaseModel):
    unit_code: str
    files: int
    reviewed: int
    mean: str | None = Field(description="mean total, two decimals rounded half up")
    minimum: int | None
    passed: int
    failed: int
    excellent: int
    grade: Literal["excellent", "pass", "fail"] | None
    grade_label: str | None


class ReviewResultsRead(BaseModel):
    review_id: uuid.UUID
    status: Literal["committed", "drawn", "completed"]
    pass_mark: int
    excellent_mark: int
    reviewed: int
    total: int
    units: list[UnitResultRead]
    matters_opened: int = Field(description="supervision matters opened from the findings")


# --------------------------------------------------------------------------------------------------- bulletins (通报)


class BulletinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["2026年第三季度行政执法风险预警情况"])
    text: str = Field(min_length=1, max_length=20_000, description="the bulletin's text (paragraphs by line)")
    source_kind: Literal["quarter_colour", "review", "matter"] = Field(
        description="quarter_colour: a published warning's id; review: a completed campaign's id; "
        "matter: a supervision matter's id"
    )
    source_id: uuid.UUID
    unit_codes: list[UnitCode] = Field(
        default_factory=list, max_length=200, description="units concerned (default: the source's)"
    )
    public: StrictBool = Field(False, description="also published at /public/risk/bulletins")


class BulletinRead(BaseModel):
    id: uuid.UUID
    number: str
    year: int
    title: str
    text: str
    source_kind: Literal["quarter_colour", "review", "matter"]
    source_label: str
    source_id: str
    unit_codes: list[str]
    public: bool
    issued_on: date
    issued_at: datetime
    issuer_name: str
    html_url: str
    pdf_url: str


class PublicBulletinRead(BaseModel):
    id: uuid.UUID
    number: str
    title: str
    text: str
    source_label: str
    unit_codes: list[str]
    issued_on: date
    issued_at: datetime
    pdf_url: str
