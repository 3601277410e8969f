"""Tables of the credit_repair service (its own database).

- ``credit_rule_set``: versioned rule sets (the JSON document of ``domain.rules.RuleSet``) whose effective
  periods may not overlap (an exclusion constraint backs the service's check).
- ``credit_record``: one per penalty decision (and per revision of a changed decision): the projection of
  ``penalty.decision.issued`` and its class under the rule set in force.
- ``publication``: the publication of a published record. It repeats the decision facts the clean-up
  judges (procedure, kinds as a bit mask, fine, party kind) so a clean-up reads one table;
  ``publication_end`` records its end (active = no end row).
- ``repair_notice`` and ``notice_counter``: the 信用修复提示书, numbered without gaps per prefix and year.
- ``repair_application``: credit repair applications and their review.
- ``feed_entry`` and ``feed_counter``: every start and end of publication, numbered in commit order;
  ``feed_announcement``: how far the clean-up ends in it have been published (repository.announcements).
- ``pending_case_event``: revocations, changes and payments that arrived before their decision.
- ``cleanup_run`` and ``cleanup_count``: 信用松绑 clean-up runs, their resume point and report.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.date_bounds import bounded_metadata
from services.common.tables import register_kernel_tables

metadata = bounded_metadata()  # every date column in years 1900-2199 (credit_repair_0008_date_bounds)
kernel = register_kernel_tables(metadata)

TZ = sa.DateTime(timezone=True)
TEXTS = ARRAY(sa.Text)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {dict[str, Any]: JSONB, datetime: TZ, uuid.UUID: UUID(as_uuid=True)}


class RuleSetRow(Base):
    __tablename__ = "credit_rule_set"

    id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    effective_to: Mapped[date | None] = mapped_column(sa.Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sample: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class CreditRecord(Base):
    __tablename__ = "credit_record"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "revision"),
        sa.Index("ix_credit_record_party_uscc", "party_uscc"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column()
    revision: Mapped[int] = mapped_column(sa.Integer)
    decision_no: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date] = mapped_column(sa.Date)
    effective_on: Mapped[date | None] = mapped_column(sa.Date)
    party_kind: Mapped[str] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    party_id_masked: Mapped[str | None] = mapped_column(sa.Text)
    party_name: Mapped[str] = mapped_column(sa.Text)
    department_code: Mapped[str] = mapped_column(sa.Text)
    department_name: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    penalty_domain: Mapped[str] = mapped_column(sa.Text)  # the penalty catalogue's field, e.g. 化妆品
    domain_key: Mapped[str] = mapped_column(sa.Text)  # the rule sets' department domain
    benchmark_code: Mapped[str] = mapped_column(sa.Text)  # the kind of violation
    kinds: Mapped[list[str]] = mapped_column(TEXTS)
    fine_fen: Mapped[int] = mapped_column(sa.BigInteger)
    confiscation_fen: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    procedure: Mapped[str] = mapped_column(sa.Text)
    serious: Mapped[bool] = mapped_column(sa.Boolean)
    restriction_months: Mapped[int | None] = mapped_column(sa.Integer)
    credit_class: Mapped[str] = mapped_column(sa.Text)
    published: Mapped[bool] = mapped_column(sa.Boolean)
    class_reason: Mapped[str] = mapped_column(sa.Text)
    rule_set_id: Mapped[str] = mapped_column(sa.ForeignKey("credit_rule_set.id"))
    min_months: Mapped[int | None] = mapped_column(sa.Integer)
    max_months: Mapped[int | None] = mapped_column(sa.Integer)
    never_early: Mapped[bool] = mapped_column(sa.Boolean)
    never_early_kinds: Mapped[list[str]] = mapped_column(TEXTS)
    platforms: Mapped[list[str]] = mapped_column(TEXTS)
    decision_status: Mapped[str] = mapped_column(sa.Text, server_default="in_force")
    status_revision: Mapped[int] = mapped_column(sa.Integer)
    status_changed_on: Mapped[date | None] = mapped_column(sa.Date)
    status_reason: Mapped[str] = mapped_column(sa.Text, server_default="")
    fine_paid_fen: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    fully_performed: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    superseded_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class Publication(Base):
    """Partitioned by the year it starts (``starts_on``, never updated; credit_repair_0006, docs/scaling.md
    "Partitioning"): the primary key holds the key, and the global uniques (``seq``, ``record_id``) and the
    foreign key of ``repair_application`` are on ``publication_key``, which a trigger of the migration fills
    in the same statement as the publication. A lookup reads the key, then the one partition it names."""

    __tablename__ = "publication"
    __table_args__ = (
        sa.Index("ix_publication_max_ends_on", "max_ends_on"),
        sa.Index("ix_publication_party_uscc", "party_uscc"),
        sa.Index("ix_publication_department_code_seq", "department_code", "seq"),
        sa.Index("ix_publication_seq", "seq"),
        {"postgresql_partition_by": "RANGE (starts_on)"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=False))
    record_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("credit_record.id"))
    case_id: Mapped[uuid.UUID] = mapped_column()
    decision_no: Mapped[str] = mapped_column(sa.Text)
    party_kind: Mapped[str] = mapped_column(sa.Text)
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    public_name: Mapped[str] = mapped_column(sa.Text)  # masked for natural persons
    department_code: Mapped[str] = mapped_column(sa.Text)
    department_name: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    credit_class: Mapped[str] = mapped_column(sa.Text)
    rule_set_id: Mapped[str] = mapped_column(sa.Text)
    platforms: Mapped[list[str]] = mapped_column(TEXTS)
    starts_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # the partition key
    min_ends_on: Mapped[date] = mapped_column(sa.Date)
    earliest_repair_on: Mapped[date | None] = mapped_column(sa.Date)  # None: never ends early
    max_ends_on: Mapped[date] = mapped_column(sa.Date)  # first day no longer published
    # The decision facts a clean-up judges (immutable for a record).
    decided_on: Mapped[date] = mapped_column(sa.Date)
    procedure: Mapped[str] = mapped_column(sa.Text)
    kinds_mask: Mapped[int] = mapped_column(sa.Integer)
    fine_fen: Mapped[int] = mapped_column(sa.BigInteger)
    serious: Mapped[bool] = mapped_column(sa.Boolean)
    restriction_months: Mapped[int | None] = mapped_column(sa.Integer)
    decision_status: Mapped[str] = mapped_column(sa.Text, server_default="in_force")
    repaired_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class PublicationKey(Base):
    """One narrow row per publication, unpartitioned: the uniques across every year and the target of
    ``repair_application.publication_id``. Inserted by the trigger ``publication_key_insert`` (every write
    path: the service, the sample loader, a bench's COPY)."""

    __tablename__ = "publication_key"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    record_id: Mapped[uuid.UUID] = mapped_column(unique=True)


class PublicationEnd(Base):
    """The end of a publication: a row of its own, inserted once (``ON CONFLICT DO NOTHING``), so a bulk
    end writes a narrow row instead of rewriting the wide publication row. No foreign key: a clean-up inserts
    hundreds of thousands at once and only the service writes them."""

    __tablename__ = "publication_end"

    publication_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    ended_at: Mapped[datetime] = mapped_column()
    ended_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    cleanup_run_id: Mapped[uuid.UUID | None] = mapped_column()


class RepairNotice(Base):
    __tablename__ = "repair_notice"
    __table_args__ = (
        sa.UniqueConstraint("prefix", "year", "seq"),
        sa.Index("ix_repair_notice_case_id", "case_id"),
        sa.Index("ix_repair_notice_party_uscc", "party_uscc"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("credit_record.id"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column()
    notice_no: Mapped[str] = mapped_column(sa.Text, unique=True)
    prefix: Mapped[str] = mapped_column(sa.Text)
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    issued_at: Mapped[datetime] = mapped_column()
    party_uscc: Mapped[str | None] = mapped_column(sa.Text)
    department_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    html: Mapped[str] = mapped_column(sa.Text)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    pdf_rendered_at: Mapped[datetime | None] = mapped_column()


class NoticeCounter(Base):
    __tablename__ = "notice_counter"

    prefix: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer)


class RepairApplication(Base):
    __tablename__ = "repair_application"
    __table_args__ = (
        sa.Index(
            "uq_repair_application_open_record_id",
            "record_id",
            unique=True,
            postgresql_where=sa.text("status IN ('submitted', 'under_review')"),
        ),
        sa.Index("ix_repair_application_party_uscc", "party_uscc"),
        sa.Index("ix_repair_application_department_code_status", "department_code", "status"),
        sa.Index(
            "ix_repair_application_deadlines_pending_year",
            "deadlines_pending_year",
            postgresql_where=sa.text("deadlines_pending_year IS NOT NULL"),
        ),
        sa.CheckConstraint("status IN ('submitted', 'under_review', 'repaired', 'rejected')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("credit_record.id"))
    publication_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("publication_key.id"))
    case_id: Mapped[uuid.UUID] = mapped_column()
    party_uscc: Mapped[str] = mapped_column(sa.Text)
    department_code: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text)  # submitted, under_review, repaired, rejected
    submitted_on: Mapped[date] = mapped_column(sa.Date)
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by: Mapped[str] = mapped_column(sa.Text)
    commitment_text: Mapped[str] = mapped_column(sa.Text)
    violation_corrected: Mapped[bool] = mapped_column(sa.Boolean)
    evidence_refs: Mapped[list[str]] = mapped_column(TEXTS)
    rule_set_id: Mapped[str] = mapped_column(sa.Text)
    # None while the deadline runs into ``deadlines_pending_year``, a year whose holiday arrangement is not
    # entered yet (domain.repair.review_deadlines); entering it computes them (use_cases.calendar_deadlines)
    acceptance_due: Mapped[date | None] = mapped_column(sa.Date)
    decision_due: Mapped[date | None] = mapped_column(sa.Date)
    window_due: Mapped[date | None] = mapped_column(sa.Date)
    deadlines_pending_year: Mapped[int | None] = mapped_column(sa.Integer)
    extended: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    accepted_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_at: Mapped[datetime | None] = mapped_column()
    reviewer: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    reasons: Mapped[list[str]] = mapped_column(TEXTS, server_default="{}")
    on_time: Mapped[bool | None] = mapped_column(sa.Boolean)


class FeedEntry(Base):
    __tablename__ = "feed_entry"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    publication_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.Text)  # started, ended
    reason: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime] = mapped_column()


class FeedCounter(Base):
    """One row: the last feed sequence number handed out. Its row lock is taken at commit, so numbers
    follow commit order (see repository.stage_feed)."""

    __tablename__ = "feed_counter"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.BigInteger)


class FeedAnnouncement(Base):
    """One row: the last feed number whose clean-up ends were published as ``credit.publication.ended``
    (repository.announcements). Its row lock serialises the workers that announce."""

    __tablename__ = "feed_announcement"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class PendingCaseEvent(Base):
    __tablename__ = "pending_case_event"
    __table_args__ = (
        sa.Index("ix_pending_case_event_case_id", "case_id", postgresql_where=sa.text("applied_at IS NULL")),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column()
    type: Mapped[str] = mapped_column(sa.Text)
    revision: Mapped[int | None] = mapped_column(sa.Integer)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    applied_at: Mapped[datetime | None] = mapped_column()


class CleanupRun(Base):
    __tablename__ = "cleanup_run"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'running', 'completed', 'failed')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    dry_run: Mapped[bool] = mapped_column(sa.Boolean)
    status: Mapped[str] = mapped_column(sa.Text)  # pending, running, completed, failed
    as_of: Mapped[date] = mapped_column(sa.Date)
    rule_set_id: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[list[str] | None] = mapped_column(TEXTS)
    department_codes: Mapped[list[str] | None] = mapped_column(TEXTS)
    requested_by: Mapped[str] = mapped_column(sa.Text)
    requested_role: Mapped[str] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    next_seq: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    max_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    examined: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    matched: Mapped[int] = mapped_column(sa.BigInteger, server_default="0")
    error: Mapped[str | None] = mapped_column(sa.Text)


class CleanupStep(Base):
    """One range of publications (``lo <= seq < hi``) of a clean-up run; done once committed."""

    __tablename__ = "cleanup_step"

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cleanup_run.id"), primary_key=True)
    lo: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hi: Mapped[int] = mapped_column(sa.BigInteger)
    examined: Mapped[int | None] = mapped_column(sa.BigInteger)
    matched: Mapped[int | None] = mapped_column(sa.BigInteger)
    done_at: Mapped[datetime | None] = mapped_column()
    request_id: Mapped[str | None] = mapped_column(sa.Text)  # carried by the step's events


class CleanupCount(Base):
    """A step's count of publications ended (or that would end) per reason and department."""

    __tablename__ = "cleanup_count"

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cleanup_run.id"), primary_key=True)
    step_lo: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    department_code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)
