"""Projections of other services' events (``risk_case``, ``unit_signal``, the enterprise signal tables), the
intake of external outcomes and 12345 leads, published reports with their warnings and rectifications, the
enterprise classes and the received audit checkpoints."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.risk.models.base import Base


def _by_uscc(col: str, *inc: str, where: str | None = None, dated: bool = False) -> tuple[sa.Index, ...]:
    """A signal table's index on the USCC carrying what the classification reads (it reads them from it alone,
    risk_0014); ``dated``: and one on each date carrying the USCC (risk_0009; index-only since risk_0016)."""
    index = sa.Index(None, col, postgresql_include=list(inc), postgresql_where=where and sa.text(where))
    return (index, *(sa.Index(None, c, postgresql_include=[col]) for c in inc if dated))


class Unit(Base):
    """An enforcement unit (执法主体), e.g. ``SJ-210102`` 沈阳市和平区市场监督管理局."""

    __tablename__ = "risk_unit"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text, server_default="")
    department_code: Mapped[str | None] = mapped_column(sa.Text)
    district_code: Mapped[str | None] = mapped_column(sa.Text, index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class ExternalOutcome(Base):
    """A reconsideration decision or an effective judgment concerning a unit's act (intake)."""

    __tablename__ = "external_outcome"
    __table_args__ = (
        sa.UniqueConstraint("kind", "external_id"),
        sa.CheckConstraint("kind IN ('reconsideration', 'litigation')", name="kind"),
        sa.CheckConstraint(
            "counts_as IS NULL OR counts_as IN ('reconsideration_correction', 'litigation_loss')",
            name="counts_as",
        ),
        sa.Index("ix_external_outcome_decided_on_unit_code", "decided_on", "unit_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    external_id: Mapped[str] = mapped_column(sa.Text)
    body_hash: Mapped[str] = mapped_column(sa.Text)
    client: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str] = mapped_column(sa.Text)
    domain: Mapped[str] = mapped_column(sa.Text)
    penalty_case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_on: Mapped[date] = mapped_column(sa.Date)
    penalty_decided_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str] = mapped_column(sa.Text)
    loss_type: Mapped[str | None] = mapped_column(sa.Text)
    illegality: Mapped[str | None] = mapped_column(sa.Text)
    counts_as: Mapped[str | None] = mapped_column(sa.Text)
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    upload_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # the bulk upload that stored it


class LeadTransfer(Base):
    """One weekly transfer (周移送) of a batch's leads to one department."""

    __tablename__ = "lead_transfer"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    batch: Mapped[str] = mapped_column(sa.Text, index=True)
    unit_code: Mapped[str] = mapped_column(sa.Text)
    transferred_at: Mapped[datetime]
    transferred_by: Mapped[str] = mapped_column(sa.Text)
    lead_count: Mapped[int] = mapped_column(sa.Integer)


class ComplaintLead(Base):
    """A 12345 hotline lead about a unit's enforcement, tracked received → transferred → answered → closed."""

    __tablename__ = "complaint_lead"
    __table_args__ = (
        sa.CheckConstraint("status IN ('received', 'transferred', 'answered', 'closed')", name="status"),
        sa.Index(None, "received_on", "unit_code", postgresql_include=["uscc"]),  # risk_0016
        sa.Index("ix_complaint_lead_batch_status", "batch", "status"),
        *_by_uscc("uscc", "received_on", where="uscc IS NOT NULL"),  # risk_0014 (and the other _by_uscc)
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.Text, unique=True)
    body_hash: Mapped[str] = mapped_column(sa.Text)
    client: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str] = mapped_column(sa.Text, index=True)
    domain: Mapped[str] = mapped_column(sa.Text)
    penalty_case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    uscc: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime]
    received_on: Mapped[date] = mapped_column(sa.Date)
    batch: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, server_default="received")
    upload_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # the bulk upload that stored it
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("lead_transfer.id")
    )
    department: Mapped[str] = mapped_column(sa.Text, server_default="")
    transferred_at: Mapped[datetime | None]
    answer_due_on: Mapped[date | None] = mapped_column(sa.Date)
    answered_at: Mapped[datetime | None]
    answered_late: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    answer: Mapped[str] = mapped_column(sa.Text, server_default="")
    close_due_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_at: Mapped[datetime | None]
    return_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    history: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)


#: The statuses of a decision whose publication the law withdraws (penalty.decision.revoked's ``outcome``): 撤销,
#: 确认违法, 确认无效 (行政处罚法 第四十八条第二款). Each leaves the enterprise's score (risk_0023's view).
WITHDRAWN_STATUSES = ("revoked", "confirmed_illegal", "confirmed_void")


class RiskCase(Base):
    """Projection of a penalty case (penalty.case.opened / decision.issued / changed / revoked)."""

    __tablename__ = "risk_case"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('opened', 'issued', 'changed', 'revoked', 'confirmed_illegal', 'confirmed_void')",
            name="status",
        ),
        sa.Index(None, "decided_on", "unit_code", postgresql_include=["party_uscc", "tier", "status"]),
        *_by_uscc("party_uscc", "decided_on", "tier", "status", where="party_uscc IS NOT NULL"),
        # the quarterly report's counts, index-only (risk_0012)
        sa.Index(
            "ix_risk_case_counted",
            "decided_on",
            postgresql_include=["unit_code", "domain", "outside_tier"],
            postgresql_where=sa.text("issued_revision IS NOT NULL AND unit_code IS NOT NULL"),
        ),
        # one unit's decisions in a quarter, a page at a time and counted (the drill-down, risk_0022)
        sa.Index(
            "ix_risk_case_unit_decided",
            "unit_code",
            "decided_on",
            "case_id",
            postgresql_include=["outside_tier"],
            postgresql_where=sa.text("issued_revision IS NOT NULL AND unit_code IS NOT NULL"),
        ),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    case_no: Mapped[str | None] = mapped_column(sa.Text)
    decision_no: Mapped[str | None] = mapped_column(sa.Text)
    unit_code: Mapped[str | None] = mapped_column(sa.Text)
    district_code: Mapped[str | None] = mapped_column(sa.Text)
    domain: Mapped[str | None] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    # aggravated / general / lenient / mitigated (class points), none (不予处罚: a decision, no points)
    tier: Mapped[str | None] = mapped_column(sa.Text)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    outside_tier: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    status: Mapped[str] = mapped_column(sa.Text)
    revision: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    issued_revision: Mapped[int | None] = mapped_column(sa.Integer)
    changed_on: Mapped[date | None] = mapped_column(sa.Date)
    revoked_on: Mapped[date | None] = mapped_column(sa.Date)
    correction_source: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    # the benchmark item (裁量基准事项) of the decision: the item a 案卷评查 campaign's scope names (risk_0005)
    benchmark_code: Mapped[str | None] = mapped_column(sa.Text)


class UnitQuarterTally(Base):
    """The quarterly report's counts of decided cases and unit signals per quarter, unit and domain, kept by
    statement-level triggers on ``risk_case`` and ``unit_signal`` (risk_0020, risk_0021)."""

    __tablename__ = "unit_quarter_tally"

    quarter: Mapped[str] = mapped_column(sa.Text, primary_key=True)  # 2026Q3
    unit_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    domain: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    decisions: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    deviations: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    refused: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    low: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    overdue: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    matters: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    follow_ups: Mapped[int] = mapped_column(sa.Integer, server_default="0")


class UnitSignal(Base):
    """A process indicator of a unit: refused entry, a visit rating, a missed procedure deadline, a visit."""

    __tablename__ = "unit_signal"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit', 'overdue_matter', 'overdue_follow_up')",
            name="kind",
        ),
        sa.Index("ix_unit_signal_occurred_on_unit_code", "occurred_on", "unit_code"),
        # one unit's signals of one kind, a page at a time and counted (the drill-down, risk_0022)
        sa.Index(
            "ix_unit_signal_unit_kind",
            "unit_code",
            "kind",
            "occurred_on",
            "ref",
            postgresql_include=["value"],
        ),
        # the quarterly report's counts, index-only, without the visits (risk_0012)
        sa.Index(
            "ix_unit_signal_counted",
            "occurred_on",
            postgresql_include=["unit_code", "kind", "value", "domain", "case_id"],
            postgresql_where=sa.text("kind <> 'visit'"),
        ),
        # a case's signals without a domain of their own, whose counts move with the case's domain (risk_0021)
        sa.Index(
            "ix_unit_signal_case_domainless",
            "case_id",
            postgresql_where=sa.text("case_id IS NOT NULL AND domain IS NULL AND kind <> 'visit'"),
        ),
    )

    kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    domain: Mapped[str | None] = mapped_column(sa.Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[datetime]
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    value: Mapped[int | None] = mapped_column(sa.Integer)
    detail: Mapped[str] = mapped_column(sa.Text, server_default="")


class RiskEnterprise(Base):
    """Every market entity the service classifies (the universe of ``classification_sql``)."""

    __tablename__ = "risk_enterprise"

    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text, server_default="")
    district_code: Mapped[str | None] = mapped_column(sa.Text)
    first_seen_at: Mapped[datetime] = mapped_column(server_default=sa.func.now(), index=True)  # risk_0013


class PublicationSignal(Base):
    """A penalty record published on the credit platform (credit.publication.started / ended)."""

    __tablename__ = "risk_publication_signal"
    __table_args__ = _by_uscc("uscc", "published_on", "withdrawn_on", dated=True)

    publication_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    published_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    ended_at: Mapped[datetime | None]
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)


class ViolationSignal(Base):
    """An inspection finding against an enterprise (inspection.violation.found)."""

    __tablename__ = "risk_violation_signal"
    __table_args__ = _by_uscc("uscc", "found_on", dated=True)

    violation_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str | None] = mapped_column(sa.Text)
    item_code: Mapped[str] = mapped_column(sa.Text, server_default="")
    found_on: Mapped[date] = mapped_column(sa.Date)


class RepairSignal(Base):
    """A completed credit repair (credit.repair.completed)."""

    __tablename__ = "risk_repair_signal"
    __table_args__ = _by_uscc("uscc", "completed_on", dated=True)

    repair_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    completed_on: Mapped[date] = mapped_column(sa.Date)


class EnterpriseClass(Base):
    """The current class of an enterprise; ``revision`` grows at every change of the row (fillfactor 90: risk_0017)."""

    __tablename__ = "enterprise_class"
    __table_args__ = (sa.CheckConstraint("class IN ('A', 'B', 'C', 'D')", name="class"),)

    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    risk_class: Mapped[str] = mapped_column("class", sa.CHAR(1))
    score: Mapped[int] = mapped_column(sa.Integer)
    reasons: Mapped[list[Any]] = mapped_column(JSONB)
    reason_texts: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))
    version: Mapped[str] = mapped_column(sa.Text)
    changed_on: Mapped[date] = mapped_column(sa.Date)
    revision: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    classified_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class ClassificationRun(Base):
    """A full reclassification: requested by a supervisor or the daily job, run by the worker."""

    __tablename__ = "classification_run"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('daily', 'requested')", name="kind"),
        sa.CheckConstraint("status IN ('requested', 'running', 'done', 'failed')", name="status"),
        sa.Index(
            "uq_classification_run_daily", "run_on", unique=True, postgresql_where=sa.text("kind = 'daily'")
        ),
        sa.Index("ix_classification_run_status_requested_at", "status", "requested_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    run_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.Text)
    requested_by: Mapped[str] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    config_version: Mapped[str | None] = mapped_column(sa.Text)
    enterprises: Mapped[int | None] = mapped_column(sa.Integer)
    written: Mapped[int | None] = mapped_column(sa.Integer)
    emitted: Mapped[int | None] = mapped_column(sa.Integer)
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    error: Mapped[str | None] = mapped_column(sa.Text)
    snapshot_at: Mapped[datetime | None]  # the run's transaction start, now() (risk_0013, execute_run)


class ClassAnnouncement(Base):
    """A first classification's ``risk.enterprise.classified`` events, announced from the classes it wrote (no
    outbox rows): ``after_uscc`` is the last USCC announced (risk_0019, repository.announcements)."""

    __tablename__ = "class_announcement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)  # the event ids' namespace
    classified_at: Mapped[datetime]  # the run's time: its classes carry it until rewritten
    at_text: Mapped[str] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    after_uscc: Mapped[str] = mapped_column(sa.Text, server_default="")
    done: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())


class QuarterReport(Base):
    """A published quarterly report: the snapshot as published, so it stays what the units were told."""

    __tablename__ = "quarter_report"

    quarter: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    config_version: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(sa.Text)
    warnings: Mapped[int] = mapped_column(sa.Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)


class RiskWarning(Base):
    """A warning issued to a unit by a published report (risk.warning.issued)."""

    __tablename__ = "risk_warning"
    __table_args__ = (
        sa.UniqueConstraint("quarter", "unit_code"),
        sa.CheckConstraint("colour IN ('red', 'yellow', 'blue', 'none')", name="colour"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("quarter_report.quarter"))
    unit_code: Mapped[str] = mapped_column(sa.Text, index=True)
    colour: Mapped[str] = mapped_column(sa.Text)
    lamp: Mapped[bool] = mapped_column(sa.Boolean)
    reasons: Mapped[list[Any]] = mapped_column(JSONB)
    issued_at: Mapped[datetime]


class Rectification(Base):
    """The unit's rectification (整改) of a warning: pending → submitted → closed, reopened, withdrawn."""

    __tablename__ = "rectification"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'submitted', 'reopened', 'closed', 'withdrawn')", name="status"
        ),
        sa.Index("ix_rectification_status_deadline", "status", "deadline"),
    )

    warning_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("risk_warning.id"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(sa.Text, index=True)
    quarter: Mapped[str] = mapped_column(sa.Text)
    colour: Mapped[str] = mapped_column(sa.Text)
    lamp: Mapped[bool] = mapped_column(sa.Boolean)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    deadline: Mapped[date | None] = mapped_column(sa.Date)  # None: pending (domain/rectification.py)
    status: Mapped[str] = mapped_column(sa.Text)
    measures: Mapped[str] = mapped_column(sa.Text, server_default="")
    submitted_at: Mapped[datetime | None]
    submitted_late: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    reopen_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    history: Mapped[list[Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class IntakeUpload(Base):
    """A bulk NDJSON upload: answered at once (``sync``) or processed by the worker (``async``), with its
    progress (committed batch by batch: a restart resumes after the last committed line) and its figures."""

    __tablename__ = "intake_upload"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('reconsideration', 'litigation', 'complaint')", name="kind"),
        sa.CheckConstraint("mode IN ('sync', 'async')", name="mode"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        sa.Index("ix_intake_upload_state_created_at", "state", "created_at"),
        sa.Index("ix_intake_upload_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    client: Mapped[str] = mapped_column(sa.Text)
    requested_by: Mapped[str] = mapped_column(sa.Text)
    requested_role: Mapped[str] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    mode: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.Text)
    bytes: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    chunk_bytes: Mapped[int] = mapped_column(sa.Integer)
    chunks: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    bytes_processed: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    line_no: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    lines: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    stored: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    duplicates: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    rejected: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    errors_by_code: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"))
    first_errors: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))
    report_lines: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    claimed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)


class IntakeUploadChunk(Base):
    """A piece of an upload's body, kept until the upload is processed (so any worker can process it)."""

    __tablename__ = "intake_upload_chunk"

    upload_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("intake_upload.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class IntakeUploadError(Base):
    """One rejected line of an upload: the downloadable report (the first ``intake_report_max_errors``)."""

    __tablename__ = "intake_upload_error"

    upload_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("intake_upload.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    code: Mapped[str] = mapped_column(sa.Text)
    field: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[str] = mapped_column(sa.Text)
    issues: Mapped[list[Any]] = mapped_column(JSONB)


class ReceivedCheckpoint(Base):
    """A signed checkpoint of another service's audit chain (or of risk's own), as received and verified
    (issue #13): the supervisors' copy, which the supervised department cannot change."""

    __tablename__ = "received_checkpoint"

    service: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.Text)
    entry_at: Mapped[datetime] = mapped_column()
    signed_at: Mapped[datetime] = mapped_column()
    kid: Mapped[str] = mapped_column(sa.Text)
    signature: Mapped[str] = mapped_column(sa.Text)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    received_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
