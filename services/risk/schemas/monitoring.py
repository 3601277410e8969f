"""Request and response models of the risk HTTP API (the contract with the app and integrations)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from services.common import idnumbers
from services.common.fields import UsccText
from services.risk.domain.intake import IntakeKind


class IntakePath(StrEnum):
    """The path segment of an intake endpoint."""

    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"
    COMPLAINTS = "complaints"

    @property
    def kind(self) -> IntakeKind:
        return IntakeKind.COMPLAINT if self is IntakePath.COMPLAINTS else IntakeKind(self.value)


def _uscc(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return idnumbers.uscc(value)
    except Exception:  # idnumbers.InvalidNumber, whatever its kind: all mean the same to a caller
        raise PydanticCustomError("invalid_uscc", "统一社会信用代码无效（格式或校验位错误）") from None


Uscc = Annotated[UsccText, BeforeValidator(_uscc)]

# An enforcement unit's code as a path segment (``SJ-210102``).
UnitCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._\-]*$")]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --------------------------------------------------------------------------------------------------- intake


class IntakeRead(_Out):
    """A stored intake record (the same body is returned for a retry with the same external id and body)."""

    id: uuid.UUID
    kind: Literal["reconsideration", "litigation", "complaint"]
    external_id: str
    unit_code: str
    domain: str
    penalty_case_id: uuid.UUID | None
    event_date: date = Field(description="decision / judgment date, or the lead's receipt day (Beijing)")
    counts_as: Literal["reconsideration_correction", "litigation_loss"] | None = Field(
        description="what the record adds to the unit's corrections (纠错), if anything"
    )
    batch: str | None = Field(
        None, description="12345 leads: the weekly transfer batch (周移送), e.g. 2026-W18"
    )


# --------------------------------------------------------------------------------------------------- uploads


class UploadErrorRead(BaseModel):
    """One rejected line (texts longer than 500 characters are cut)."""

    line: int = Field(description="line number, from 1; blank lines are counted")
    code: str
    field: str | None
    detail: str
    issues: list[dict[str, Any]]


class UploadRead(BaseModel):
    """A bulk upload: its state and progress, its figures, the first rejected lines and where the rest are."""

    id: uuid.UUID
    kind: Literal["reconsideration", "litigation", "complaint"]
    state: Literal["queued", "running", "done", "failed"]
    mode: Literal["sync", "async"] = Field(description="sync: answered at once (200); async: a job (202)")
    bytes: int = Field(description="size of the body")
    bytes_processed: int = Field(description="bytes read so far (progress)")
    lines: int = Field(description="non-blank lines read so far")
    stored: int = Field(description="records stored by this upload")
    duplicates: int = Field(description="lines whose external id was already stored with the same content")
    rejected: int
    errors: list[UploadErrorRead] = Field(description="the first rejected lines, by line number")
    errors_truncated: bool = Field(description="more lines were rejected than are listed in errors")
    errors_by_code: dict[str, int] = Field(description="rejected lines per error code")
    report_lines: int = Field(description="rejected lines in the downloadable report")
    report_truncated: bool = Field(description="more lines were rejected than the report keeps")
    status_url: str
    report_url: str | None = Field(description="the report of every rejected line (NDJSON), when any")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int = Field(
        description="workers that started on it (2 or more: taken over after an interruption)"
    )
    error: str | None = Field(description="why a failed upload stopped, or why the last attempt did")


# --------------------------------------------------------------------------------------------------- reports


class ReasonRead(BaseModel):
    rule: str
    colour: Literal["red", "yellow", "blue", "none"]
    text: str
    figures: dict[str, int | str]


class FiguresRead(BaseModel):
    decisions: int
    reconsideration_corrections: int
    litigation_losses: int
    corrections: int
    complaints: int
    refused_entries: int
    low_ratings: int
    benchmark_deviations: int
    overdue_procedures: int
    overdue_matters: int = Field(0, description="supervision matters overdue or answered late (issue #14)")
    overdue_follow_ups: int = Field(0, description="责令改正 unchecked after the deadline (issue #14 item 6)")
    correction_rate: str | None = Field(description="percentage with two decimals, null without decisions")


class PreviousWarningRead(BaseModel):
    quarter: str
    warning_id: uuid.UUID
    colour: Literal["red", "yellow", "blue", "none"]
    lamp: bool
    rectification_status: str


class AssessmentRead(BaseModel):
    level: Literal["unit", "domain", "cell"]
    unit_code: str | None
    unit_name: str | None
    district_code: str | None
    domain: str | None
    figures: FiguresRead
    colour: Literal["red", "yellow", "blue", "none"]
    colour_label: str
    lamp: bool
    reasons: list[ReasonRead]
    lamp_reason: ReasonRead | None


class FollowUpRead(BaseModel):
    """A unit warned in the previous quarter: did it improve this quarter (整改落实—考核闭环)?"""

    unit_code: str
    previous: PreviousWarningRead
    colour: Literal["red", "yellow", "blue", "none"]
    lamp: bool
    improved: bool
    text: str


class CityRead(BaseModel):
    figures: FiguresRead
    correction_rate_text: str
    active_units: int
    average_losses: str | None = Field(description="litigation losses per active unit, two decimals")


class ReportRead(BaseModel):
    quarter: str
    label: str
    config_version: str
    provisional: bool = Field(description="the quarter has not ended: figures may still change")
    published: bool
    published_at: datetime | None
    city: CityRead
    units: list[AssessmentRead]
    domains: list[AssessmentRead]
    cells: list[AssessmentRead]
    follow_up: list[FollowUpRead]


class WarningRead(_Out):
    id: uuid.UUID
    quarter: str
    unit_code: str
    colour: Literal["red", "yellow", "blue", "none"]
    lamp: bool
    reasons: list[ReasonRead]
    issued_at: datetime
    rectification_status: str
    deadline: date | None


class PublishRead(BaseModel):
    quarter: str
    newly_published: bool = Field(description="false when the quarter had already been published")
    published_at: datetime
    published_by: str
    config_version: str
    warnings: list[WarningRead]


class HeatCellRead(BaseModel):
    unit_code: str
    colour: Literal["red", "yellow", "blue", "none"]
    decisions: int
    corrections: int
    correction_rate: str | None


class HeatRowRead(BaseModel):
    domain: str
    colour: Literal["red", "yellow", "blue", "none"]
    decisions: int
    corrections: int
    correction_rate: str | None
    cells: list[HeatCellRead]


class HeatTableRead(BaseModel):
    quarter: str
    city_correction_rate: str | None
    units: list[str]
    rows: list[HeatRowRead]


class ColourCounts(BaseModel):
    red: int
    yellow: int
    blue: int
    none: int


class OverviewRead(BaseModel):
    quarter: str
    provisional: bool
    published: bool
    city: CityRead
    units: ColourCounts
    lit_units: list[str]
    warned_units: list[AssessmentRead]
    rectifications: dict[str, int]
    leads: dict[str, int]
    enterprise_classes: dict[str, int]


class EvidenceRead(BaseModel):
    """One record behind a number of the drill-down."""

    ref: str = Field(
        description="the id to look the record up by (case id, external id, lead id, visit id ...)"
    )
    on: date
    domain: str
    detail: str


class ComplaintCountsRead(BaseModel):
    received: int
    substantiated: int
    overdue: int


#: The drill-down's lists of evidence, each read a page at a time from
#: ``GET /units/{unit_code}/quarters/{quarter}/evidence/{kind}``.
EvidenceKind = Literal[
    "decisions",
    "reconsideration_corrections",
    "litigation_losses",
    "complaints",
    "refused_entries",
    "low_ratings",
    "benchmark_deviations",
    "overdue_procedures",
    "overdue_matters",
    "overdue_follow_ups",
    "visits",
]


class EvidenceTotalsRead(BaseModel):
    """How many records each list of the drill-down holds in all (counted in SQL), listed or not."""

    decisions: int
    reconsideration_corrections: int
    litigation_losses: int
    complaints: int
    refused_entries: int
    low_ratings: int
    benchmark_deviations: int
    overdue_procedures: int
    overdue_matters: int
    overdue_follow_ups: int
    visits: int


class EvidenceCursorsRead(BaseModel):
    """For each list of the drill-down, the cursor of its next page (``GET .../evidence/{kind}?cursor=``), or
    null when the list is complete in the response."""

    decisions: str | None = None
    reconsideration_corrections: str | None = None
    litigation_losses: str | None = None
    complaints: str | None = None
    refused_entries: str | None = None
    low_ratings: str | None = None
    benchmark_deviations: str | None = None
    overdue_procedures: str | None = None
    overdue_matters: str | None = None
    overdue_follow_ups: str | None = None
    visits: str | None = None


_FIRST_PAGE = "its first page (``?limit=``); the rest from ``next_cursors``"


class DrillDownRead(BaseModel):
    """One unit's quarter. Each list of evidence holds its first page (``?limit=``, default 50, at most 200);
    ``evidence_totals`` says how many records each holds in all and ``next_cursors`` where its next page is."""

    quarter: str
    unit_code: str
    unit_name: str
    district_code: str | None
    assessment: AssessmentRead | None
    cells: list[AssessmentRead]
    decisions: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    reconsideration_corrections: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    litigation_losses: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    complaints: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    refused_entries: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    low_ratings: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    benchmark_deviations: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    overdue_procedures: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    overdue_matters: list[EvidenceRead] = Field(
        default_factory=list,
        description="supervision matters overdue or answered late, by matter id: " + _FIRST_PAGE,
    )
    overdue_follow_ups: list[EvidenceRead] = Field(default_factory=list, description=_FIRST_PAGE)
    visits: list[EvidenceRead] = Field(description=_FIRST_PAGE)
    evidence_totals: EvidenceTotalsRead = Field(description="how many records each list holds in all")
    next_cursors: EvidenceCursorsRead = Field(
        default_factory=EvidenceCursorsRead, description="each list's next page, null when it is complete"
    )
    complaint_counts: ComplaintCountsRead | None = Field(
        None, description="complaints to the bureau about the unit received in the quarter (issue #14)"
    )


# --------------------------------------------------------------------------------------------------- rectifications


class StepRead(BaseModel):
    at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str


class RectificationRead(BaseModel):
    warning_id: uuid.UUID
    unit_code: str
    quarter: str
    colour: Literal["red", "yellow", "blue", "none"]
    lamp: bool
    issued_on: date
    deadline: date | None
    status: Literal["pending", "submitted", "reopened", "closed", "withdrawn"]
    status_label: str
    measures: str
    submitted_at: datetime | None
    submitted_late: bool
    reopen_count: int
    overdue: bool
    days_overdue: int
    history: list[StepRead]


class MeasuresWrite(BaseModel):
    measures: str = Field(min_length=1, max_length=10_000, description="整改措施")


class ReasonWrite(BaseModel):
    reason: str = Field(min_length=1, max_length=2_000)


class NoteWrite(BaseModel):
    note: str = Field("", max_length=2_000)


# --------------------------------------------------------------------------------------------------- leads


class LeadFlagsRead(BaseModel):
    transfer_overdue: bool
    answer_overdue: bool
    close_overdue: bool
    due_on: date | None
    due_unknown: bool = Field(
        False, description="the deadline falls in a year the working-day calendar does not cover yet"
    )
    note: str = ""


class LeadRead(BaseModel):
    id: uuid.UUID
    external_id: str
    unit_code: str
    domain: str
    uscc: str | None
    category: str
    text: str
    received_at: datetime
    batch: str
    status: Literal["received", "transferred", "answered", "closed"]
    status_label: str
    department: str
    transferred_at: datetime | None
    answer_due_on: date | None
    answered_at: datetime | None
    answered_late: bool
    answer: str
    close_due_on: date | None
    closed_at: datetime | None
    return_count: int
    flags: LeadFlagsRead
    history: list[StepRead]


class AnswerWrite(BaseModel):
    text: str = Field(min_length=1, max_length=10_000, description="the department's answer (答复)")


class TransferWrite(BaseModel):
    batch: str | None = Field(
        None,
        pattern=r"^[0-9]{4}-W[0-9]{2}$",
        description="the weekly batch to transfer, e.g. 2026-W18; omitted: every finished week",
    )


class TransferRead(_Out):
    id: uuid.UUID
    batch: str
    unit_code: str
    transferred_at: datetime
    transferred_by: str
    lead_count: int


class OverdueLeadsRead(BaseModel):
    items: list[LeadRead]
    truncated: bool


# --------------------------------------------------------------------------------------------------- classes


class ContributionRead(BaseModel):
    kind: str
    count: int
    points: int
    text: str


class EnterpriseClassRead(BaseModel):
    uscc: str
    name: str
    district_code: str | None
    risk_class: Literal["A", "B", "C", "D"]
    class_label: str
    score: int
    reasons: list[ContributionRead]
    explanation: str
    config_version: str
    changed_on: date
    revision: int
    classified_at: datetime


class ReclassifyWrite(BaseModel):
    note: str = Field("", max_length=200)


class ClassificationRunRead(_Out):
    id: uuid.UUID
    kind: Literal["daily", "requested"]
    run_on: date
    status: Literal["requested", "running", "done", "failed"]
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    config_version: str | None
    enterprises: int | None
    written: int | None
    emitted: int | None
    seconds: float | None
    error: str | None


class ConfigRead(BaseModel):
    schema_: str = Field(alias="schema")
    versions: list[dict[str, Any]]
    in_effect: str

    model_config = ConfigDict(populate_by_name=True)
