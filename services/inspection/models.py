"""Tables of the inspection service (its own database): registries, the risk-class projection, tasks,
entry codes, visits and their outcomes, and the refusals of entry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.date_bounds import bounded_metadata
from services.common.tables import register_kernel_tables

# every date column, and the instants a request gives, in years 1900-2199 (inspection_0012_date_bounds)
metadata = bounded_metadata(
    {
        "task_draw": ["draw_at"],
        "visit": ["started_at"],
        "visit_key": ["started_at"],
        "visit_outcome": ["visit_started_at"],
    }
)
kernel = register_kernel_tables(metadata)

TEXTS = ARRAY(sa.Text)
Created = sa.DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = metadata


# ---------------------------------------------------------------------------------------------------------
# Registries


class District(Base):
    __tablename__ = "district"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.Text, server_default="区")


class Department(Base):
    __tablename__ = "department"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    authority: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class EnforcementBody(Base):
    """执法主体: the body in whose name a department's officers act (city or district level)."""

    __tablename__ = "enforcement_body"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    dept_code: Mapped[str] = mapped_column(sa.ForeignKey("department.code"), index=True)
    level: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)


class InspectionItem(Base):
    """One version of an item of the 行政检查事项清单; exactly one version of a code is in force per day."""

    __tablename__ = "inspection_item"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(sa.Text, index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.Text)
    dept_code: Mapped[str] = mapped_column(sa.ForeignKey("department.code"), index=True)
    level: Mapped[str] = mapped_column(sa.Text)
    enterprise_related: Mapped[bool] = mapped_column(sa.Boolean)
    key_area: Mapped[bool] = mapped_column(sa.Boolean)
    on_site: Mapped[bool] = mapped_column(sa.Boolean)
    legal_basis: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())
    created_by: Mapped[str] = mapped_column(sa.Text)


class Officer(Base):
    """执法人员 (or 执法辅助人员 when ``auxiliary``) and their certificate (执法证)."""

    __tablename__ = "officer"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'suspended', 'revoked', 'expired')", name="status"),
    )

    officer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    dept_code: Mapped[str] = mapped_column(sa.ForeignKey("department.code"), index=True)
    body_code: Mapped[str | None] = mapped_column(sa.Text)
    cert_no: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    status: Mapped[str] = mapped_column(sa.Text)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    auxiliary: Mapped[bool] = mapped_column(sa.Boolean)
    id_number_masked: Mapped[str] = mapped_column(sa.Text, server_default="")
    status_since: Mapped[date | None] = mapped_column(sa.Date)
    status_reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    retraining: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    return_date: Mapped[date | None] = mapped_column(sa.Date)
    revision: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class Enterprise(Base):
    __tablename__ = "enterprise"

    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text, index=True)
    industry: Mapped[str] = mapped_column(sa.Text, server_default="")
    address: Mapped[str] = mapped_column(sa.Text, server_default="")
    legal_rep_masked: Mapped[str] = mapped_column(sa.Text, server_default="")
    registered_on: Mapped[date | None] = mapped_column(sa.Date)
    code_serial: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    code_issued_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class EnterpriseClass(Base):
    """Projection of ``risk.enterprise.classified``: the newest class per enterprise (by revision)."""

    __tablename__ = "enterprise_class"

    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    risk_class: Mapped[str] = mapped_column(sa.Text)
    previous_class: Mapped[str | None] = mapped_column(sa.Text)
    score: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    reasons: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    classified_at: Mapped[datetime] = mapped_column(Created)
    revision: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text, server_default="risk")
    received_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class QuietWindow(Base):
    """A no-inspection period (无事不扰) for one enterprise or, with no USCC, for all."""

    __tablename__ = "quiet_window"

    window_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    uscc: Mapped[str | None] = mapped_column(sa.Text, index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


# ---------------------------------------------------------------------------------------------------------
# Tasks


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        sa.Index("ix_task_kind_status", "kind", "status"),
        sa.CheckConstraint("kind IN ('random', 'joint', 'complaint', 'key_area')", name="kind"),
        sa.CheckConstraint(
            "status IN ('pending_approval', 'approved', 'rejected', 'completed', 'cancelled')", name="status"
        ),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.Text)
    lead_dept: Mapped[str] = mapped_column(sa.ForeignKey("department.code"), index=True)
    dept_codes: Mapped[list[str]] = mapped_column(TEXTS)
    item_codes: Mapped[list[str]] = mapped_column(TEXTS)
    district_codes: Mapped[list[str]] = mapped_column(TEXTS)
    status: Mapped[str] = mapped_column(sa.Text)
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    urgent: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    lead_id: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_enterprise: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(Created)
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_by_role: Mapped[str] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None] = mapped_column(Created)
    approved_by: Mapped[str | None] = mapped_column(sa.Text)
    status_reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    approval_overdue_at: Mapped[datetime | None] = mapped_column(Created)
    completed_at: Mapped[datetime | None] = mapped_column(Created)
    draw_algorithm: Mapped[str | None] = mapped_column(sa.Text)
    draw_seed: Mapped[str | None] = mapped_column(sa.Text)
    draw_fingerprint: Mapped[str | None] = mapped_column(sa.Text)
    draw_record: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    draw_commitment: Mapped[str | None] = mapped_column(sa.Text)  # the current draw's SHA-256(nonce)
    pool_filter: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB
    )  # random: which enterprises may be drawn


class TaskDraw(Base):
    """One draw of a 双随机 task (commit-reveal-v1, domain/sampling.py), in order: committed at approval,
    drawn with the supervisor's public value, or cancelled with a reason. Rows are never deleted: every draw,
    cancelled ones too, is in the public record."""

    __tablename__ = "task_draw"
    __table_args__ = (
        sa.CheckConstraint("status IN ('committed', 'drawn', 'cancelled')", name="status"),
        sa.CheckConstraint("octet_length(nonce) = 32", name="nonce_length"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("task.task_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    status: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)  # why this draw exists (approval, or the redraw's reason)
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary)  # secret until the task ends
    commitment: Mapped[str] = mapped_column(sa.Text)
    public_source: Mapped[str] = mapped_column(sa.Text)
    draw_at: Mapped[datetime] = mapped_column(Created)
    committed_at: Mapped[datetime] = mapped_column(Created)
    committed_by: Mapped[str] = mapped_column(sa.Text)
    public_value: Mapped[str | None] = mapped_column(sa.Text)
    drawn_at: Mapped[datetime | None] = mapped_column(Created)
    drawn_by: Mapped[str | None] = mapped_column(sa.Text)
    pool_snapshot: Mapped[str | None] = mapped_column(sa.Text)
    pool_hash: Mapped[str | None] = mapped_column(sa.Text)
    seed: Mapped[str | None] = mapped_column(sa.Text)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    fingerprint: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(Created)
    cancelled_by: Mapped[str | None] = mapped_column(sa.Text)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)


class TaskEnterprise(Base):
    """An enterprise of a task and, for a 双随机 task, the officer group drawn for it."""

    __tablename__ = "task_enterprise"

    task_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("task.task_id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    assigned_cert_nos: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")


# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter and visits


class EntryCode(Base):
    """An issued entry code (检查码); ``used_at`` is set once, by the check-in that consumed it."""

    __tablename__ = "entry_code"

    code_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("task.task_id"), index=True)
    uscc: Mapped[str] = mapped_column(sa.Text)
    cert_nos: Mapped[list[str]] = mapped_column(TEXTS)
    accompanying_ids: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    item_codes: Mapped[list[str]] = mapped_column(TEXTS)
    issued_at: Mapped[datetime] = mapped_column(Created)
    expires_at: Mapped[datetime] = mapped_column(Created)
    issued_by: Mapped[str] = mapped_column(sa.Text)
    kid: Mapped[str] = mapped_column(sa.Text)
    used_at: Mapped[datetime | None] = mapped_column(Created)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Visit(Base):
    """A visit (SPEC §2.3). Partitioned by the China month of ``started_at`` (set at insert, never updated;
    inspection_0010, docs/scaling.md "Partitioning"): the primary key holds the key, and "one entry code, one
    visit" across months is ``visit_key``'s, which the trigger ``visit_key_insert`` fills in the same
    statement."""

    __tablename__ = "visit"
    __table_args__ = (
        sa.Index("ix_visit_uscc_started_at", "uscc", "started_at"),
        sa.Index("ix_visit_started_at", "started_at"),
        sa.Index("ix_visit_district_code_started_at", "district_code", "started_at"),
        sa.Index("ix_visit_cert_nos", "cert_nos", postgresql_using="gin"),
        sa.CheckConstraint(
            "mode IN ('entry_code', 'enterprise_code', 'emergency', 'backfilled')", name="mode"
        ),
        sa.CheckConstraint("status IN ('in_progress', 'completed')", name="status"),
        sa.CheckConstraint("rating_stars BETWEEN 1 AND 5", name="rating_stars"),
        {"postgresql_partition_by": "RANGE (started_at)"},
    )

    visit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("task.task_id"), index=True)
    task_kind: Mapped[str] = mapped_column(sa.Text)
    uscc: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    mode: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(Created, primary_key=True)  # the partition key
    recorded_at: Mapped[datetime] = mapped_column(Created)
    completed_at: Mapped[datetime | None] = mapped_column(Created)
    reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    # unique across every month in ``VisitKey`` (one entry code, one visit)
    entry_code_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    requested_by_enterprise: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    dept_codes: Mapped[list[str]] = mapped_column(TEXTS)
    cert_nos: Mapped[list[str]] = mapped_column(TEXTS)
    officers: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    accompanying: Mapped[list[dict[str, str]]] = mapped_column(JSONB, server_default="[]")
    item_codes: Mapped[list[str]] = mapped_column(TEXTS)
    items: Mapped[list[dict[str, str]]] = mapped_column(JSONB, server_default="[]")
    started_by: Mapped[str] = mapped_column(sa.Text)
    started_by_role: Mapped[str] = mapped_column(sa.Text, server_default="officer")
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    # The start of a visit reaches the audit chain through the auditor job (entry.audit_visit_starts), so that
    # the chain's lock is not taken on the check-in path; until then the visit is in ``visit_unaudited``.
    rating_stars: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_tags: Mapped[list[str] | None] = mapped_column(TEXTS)
    rating_comment: Mapped[str | None] = mapped_column(sa.Text)
    rating_anonymous: Mapped[bool | None] = mapped_column(sa.Boolean)
    rated_at: Mapped[datetime | None] = mapped_column(Created)
    rated_by: Mapped[str | None] = mapped_column(sa.Text)


class VisitKey(Base):
    """One narrow row per visit, unpartitioned (inspection_0010): the entry code used once across every month,
    the target of foreign keys, and the month a lookup by id reads. Inserted by the trigger ``visit_key_insert``
    before the visit (every write path)."""

    __tablename__ = "visit_key"

    visit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Created)
    entry_code_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)


class VisitUnaudited(Base):
    """A visit whose start is not in the audit chain yet (inspection_0013): written with the visit, in the same
    statement (repository/entry.py), and deleted by the auditor in the transaction that appends the start to
    the chain (``audit_visit_starts``). A narrow row with one index instead of a column of ``visit``: marking
    the ~2 kB visit audited was a second version of it, with an entry in each of its indexes (issue #16)."""

    __tablename__ = "visit_unaudited"

    recorded_at: Mapped[datetime] = mapped_column(Created, primary_key=True)  # the chain's order
    visit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Created)  # the visit's month (its primary key's second part)


class VisitOutcome(Base):
    """An item's outcome of a visit, in its visit's month (``visit_started_at``, given by the writer: the
    partition is chosen before a trigger could fill it)."""

    __tablename__ = "visit_outcome"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome IN ('compliant', 'violation', 'ordered_to_correct', 'educated')", name="outcome"
        ),
        sa.ForeignKeyConstraint(["visit_id", "visit_started_at"], ["visit.visit_id", "visit.started_at"]),
        {"postgresql_partition_by": "RANGE (visit_started_at)"},
    )

    visit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    item_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text, server_default="")
    evidence_sha256: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    correction_deadline: Mapped[date | None] = mapped_column(sa.Date)
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(Created)
    visit_started_at: Mapped[datetime] = mapped_column(Created, primary_key=True)  # the partition key


class EntryRefusal(Base):
    """A refused attempt to enter (SPEC §2.3), kept even though the request itself answered 4xx.

    Partitioned by the China month of ``refused_at`` (set at insert, never updated; inspection_0009,
    docs/scaling.md "Partitioning"): the primary key holds the key, and "one attempt, one row" across months
    is ``refusal_attempt``'s, which the trigger ``refusal_attempt_insert`` fills in the same statement."""

    __tablename__ = "entry_refusal"
    __table_args__ = (
        sa.Index("ix_entry_refusal_refused_at", "refused_at"),
        sa.Index("ix_entry_refusal_code", "code"),
        {"postgresql_partition_by": "RANGE (refused_at)"},
    )

    refusal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    detail: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.Text)
    task_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    uscc: Mapped[str | None] = mapped_column(sa.Text)
    dept_code: Mapped[str | None] = mapped_column(sa.Text)
    district_code: Mapped[str | None] = mapped_column(sa.Text)
    cert_nos: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    entry_code_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor: Mapped[str] = mapped_column(sa.Text)
    actor_role: Mapped[str] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.Text)
    # A mobile retry with the same Idempotency-Key is the same attempt: recorded once (``RefusalAttempt``).
    attempt_key: Mapped[str | None] = mapped_column(sa.Text)
    refused_at: Mapped[datetime] = mapped_column(Created, primary_key=True)  # the partition key


class RefusalAttempt(Base):
    """One narrow row per refused attempt that carried an attempt key, unpartitioned: the key is unique across
    every month (a retry may reach the service after midnight at a month's end). Inserted by the trigger
    ``refusal_attempt_insert`` before the refusal (every write path: the service, the sample loader, a bench's
    COPY); when the key is already there the trigger skips the refusal row, as ``ON CONFLICT DO NOTHING``."""

    __tablename__ = "refusal_attempt"

    attempt_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    refusal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    refused_at: Mapped[datetime] = mapped_column(Created)


# ---------------------------------------------------------------------------------------------------------
# Officers' qualifications (issue #14 item 5; domain/qualifications.py)


class OfficerTraining(Base):
    """A course an officer attended: 学时 in half steps (辽政办发〔2023〕18号 二(一)2: 60 学时 a year)."""

    __tablename__ = "officer_training"
    __table_args__ = (
        sa.CheckConstraint("hours > 0 AND hours <= 200 AND hours * 2 = trunc(hours * 2)", name="hours"),
        sa.Index("ix_officer_training_officer_id_held_on", "officer_id", "held_on"),
    )

    training_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("officer.officer_id"))
    course: Mapped[str] = mapped_column(sa.Text)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    held_on: Mapped[date] = mapped_column(sa.Date)
    provider: Mapped[str] = mapped_column(sa.Text)
    certificate_ref: Mapped[str] = mapped_column(sa.Text, server_default="")
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class OfficerExam(Base):
    """An exam or random quiz (随机抽考, 沈法治发〔2021〕7号 12) and its result; ``lifted_retraining`` when it
    ended a 轮训 suspension."""

    __tablename__ = "officer_exam"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('exam', 'quiz')", name="kind"),
        sa.Index("ix_officer_exam_officer_id_held_on", "officer_id", "held_on"),
    )

    exam_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("officer.officer_id"))
    kind: Mapped[str] = mapped_column(sa.Text)
    held_on: Mapped[date] = mapped_column(sa.Date)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 1))
    passed: Mapped[bool] = mapped_column(sa.Boolean)
    examiner: Mapped[str] = mapped_column(sa.Text)
    lifted_retraining: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class OfficerAppraisal(Base):
    """A daily appraisal (日常考核, 辽政办发〔2023〕18号 二(一)4) of an officer."""

    __tablename__ = "officer_appraisal"
    __table_args__ = (
        sa.CheckConstraint("rating IN ('优秀', '合格', '基本合格', '不合格')", name="rating"),
        sa.Index("ix_officer_appraisal_officer_id_appraised_on", "officer_id", "appraised_on"),
    )

    appraisal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    officer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("officer.officer_id"))
    appraised_on: Mapped[date] = mapped_column(sa.Date)
    appraiser: Mapped[str] = mapped_column(sa.Text)
    rating: Mapped[str] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text, server_default="")
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


# ---------------------------------------------------------------------------------------------------------
# 责令改正 follow-up (issue #14 item 6; domain/follow_ups.py)


class CorrectionFollowUp(Base):
    """An order to correct (责令改正) of a completed visit, checked again when its deadline falls due."""

    __tablename__ = "correction_follow_up"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'corrected', 'not_corrected')", name="status"),
        sa.Index("ix_correction_follow_up_dept_code_status_due_on", "dept_code", "status", "due_on"),
    )

    follow_up_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("visit_key.visit_id"))
    item_code: Mapped[str] = mapped_column(sa.Text)
    item_name: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    uscc: Mapped[str] = mapped_column(sa.Text)
    enterprise_name: Mapped[str] = mapped_column(sa.Text)
    dept_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    requirement: Mapped[str] = mapped_column(sa.Text)
    ordered_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    officer_cert_nos: Mapped[list[str]] = mapped_column(TEXTS)
    status: Mapped[str] = mapped_column(sa.Text, server_default="open")
    checked_on: Mapped[date | None] = mapped_column(sa.Date)
    result_notes: Mapped[str] = mapped_column(sa.Text, server_default="")
    evidence_sha256: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    result_visit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    closed_by: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(Created)
    overdue_published_at: Mapped[datetime | None] = mapped_column(Created)
    created_at: Mapped[datetime] = mapped_column(Created, server_default=sa.func.now())


class VisitCapTally(Base):
    """Visits per (China-time) year, enterprise and department as the caps count them, by task kind; kept by
    a trigger on ``visit`` (migration inspection_0008). ``dept_code = ''`` is the enterprise's row (a joint
    visit counts once there). Visits the enterprise asked for are not counted (never capped)."""

    __tablename__ = "visit_cap_tally"
    __table_args__ = (
        sa.Index(
            "ix_visit_cap_tally_department",
            "year",
            sa.text("(random_n + joint_n)"),
            postgresql_where=sa.text("dept_code <> ''"),
        ),
        sa.Index(
            "ix_visit_cap_tally_enterprise",
            "year",
            sa.text("(random_n + joint_n)"),
            postgresql_where=sa.text("dept_code = ''"),
        ),
    )

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    dept_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    random_n: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    joint_n: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    complaint_n: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    key_area_n: Mapped[int] = mapped_column(sa.Integer, server_default="0")
