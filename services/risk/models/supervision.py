"""The justice bureau's instruments: complaints, the supervision members and contact points, supervision
matters, case-file review (案卷评查) and bulletins (通报)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.risk.models.base import Base

# --------------------------------------------------------------------------------------------------- complaints (issue #14)


class Complaint(Base):
    """A complaint about an inspection, an officer or a department (投诉举报), received by the justice bureau
    and forwarded (转办) to the department only by it (services/risk/domain/complaints.py)."""

    __tablename__ = "risk_complaint"
    __table_args__ = (
        sa.CheckConstraint("source IN ('enterprise', 'public', 'rating', 'contact_point')", name="source"),
        sa.CheckConstraint(
            "status IN ('received', 'forwarded', 'replied', 'concluded', 'answered')", name="status"
        ),
        sa.CheckConstraint("subject_kind IN ('visit', 'officer', 'department')", name="subject_kind"),
        sa.CheckConstraint(
            "finding IS NULL OR finding IN ('substantiated', 'partly_substantiated', 'unsubstantiated')",
            name="finding",
        ),
        sa.Index("ix_risk_complaint_received_at_id", "received_at", "id"),
        sa.Index("ix_risk_complaint_unit_code", "unit_code"),
        sa.Index(
            "ix_risk_complaint_complainant_uscc",
            "complainant_uscc",
            postgresql_where=sa.text("complainant_uscc IS NOT NULL"),
        ),
        sa.Index("ix_risk_complaint_client_key_received_at", "client_key", "received_at"),
        sa.Index(
            "ix_risk_complaint_pending",
            "received_at",
            "id",
            postgresql_where=sa.text("due_on IS NULL OR (forwarded_at IS NOT NULL AND reply_due_on IS NULL)"),
        ),
        # a rating opens one complaint per visit and unit, however often it is re-rated or redelivered
        sa.Index(
            "uq_risk_complaint_rating_visit_unit",
            "visit_id",
            "unit_code",
            unique=True,
            postgresql_where=sa.text("source = 'rating'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    ack_no: Mapped[str] = mapped_column(sa.Text, unique=True)
    source: Mapped[str] = mapped_column(sa.Text)
    subject_kind: Mapped[str] = mapped_column(sa.Text)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    officer_cert_no: Mapped[str | None] = mapped_column(sa.Text)
    unit_code: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    anonymous: Mapped[bool] = mapped_column(sa.Boolean)
    complainant_uscc: Mapped[str | None] = mapped_column(sa.Text)
    complainant_sub: Mapped[str | None] = mapped_column(sa.Text)
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    contact_name: Mapped[str | None] = mapped_column(sa.Text)
    contact_phone: Mapped[str | None] = mapped_column(sa.Text)
    secret_hash: Mapped[str | None] = mapped_column(sa.Text)
    token_nonce: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    client_key: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, server_default="received")
    received_at: Mapped[datetime]
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # None: pending (domain/complaints.py)
    forwarded_at: Mapped[datetime | None]
    forwarded_by: Mapped[str | None] = mapped_column(sa.Text)
    reply_due_on: Mapped[date | None] = mapped_column(sa.Date)
    replied_at: Mapped[datetime | None]
    reply: Mapped[str] = mapped_column(sa.Text, server_default="")
    concluded_at: Mapped[datetime | None]
    finding: Mapped[str | None] = mapped_column(sa.Text)
    conclusion: Mapped[str] = mapped_column(sa.Text, server_default="")
    referred_to_discipline: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    answered_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(sa.Text, server_default="")
    history: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))


class ComplaintCounter(Base):
    """The last 受理编号 sequence of each year (TS-2026-000123)."""

    __tablename__ = "risk_complaint_counter"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer)


class SupervisionMember(Base):
    """An appointed 行政执法监督员 (特邀行政执法监督员): a citizen the bureau invites to watch enforcement."""

    __tablename__ = "risk_supervision_member"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'suspended', 'ended')", name="status"),
        sa.CheckConstraint("term_end >= term_start", name="term"),
        sa.Index("ix_risk_supervision_member_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    background: Mapped[str] = mapped_column(sa.Text)
    organisation: Mapped[str] = mapped_column(sa.Text, server_default="")
    district_code: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    term_start: Mapped[date] = mapped_column(sa.Date)
    term_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.Text, server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class MemberInvitation(Base):
    """A 监督员 invited to a visit or a review (target kind and id, the date)."""

    __tablename__ = "risk_member_invitation"
    __table_args__ = (sa.CheckConstraint("target_kind IN ('visit', 'review')", name="target_kind"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("risk_supervision_member.id"), index=True
    )
    target_kind: Mapped[str] = mapped_column(sa.Text)
    target_id: Mapped[str] = mapped_column(sa.Text)
    on_date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, server_default="")
    invited_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class ContactPoint(Base):
    """A 执法监督联系点: an enterprise (USCC) or a community the bureau appointed, for a term."""

    __tablename__ = "risk_contact_point"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('enterprise', 'community', 'organisation')", name="kind"),
        sa.CheckConstraint("status IN ('active', 'ended')", name="status"),
        sa.CheckConstraint("term_end >= term_start", name="term"),
        sa.Index("ix_risk_contact_point_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    uscc: Mapped[str | None] = mapped_column(sa.Text, index=True)
    address: Mapped[str] = mapped_column(sa.Text)
    district_code: Mapped[str | None] = mapped_column(sa.Text)
    contact_name: Mapped[str | None] = mapped_column(sa.Text)
    contact_phone: Mapped[str | None] = mapped_column(sa.Text)
    term_start: Mapped[date] = mapped_column(sa.Date)
    term_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.Text, server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


# --------------------------------------------------------------------------------------------------- supervision matters


class SupervisionMatter(Base):
    """A supervision matter (个案监督, issue #14): 监督意见书, 纠错通知书 or 提级办理 on a case, visit or 12345 lead,
    answered by the unit concerned before a working-day deadline and closed by the supervisor."""

    __tablename__ = "supervision_matter"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('opinion', 'correction', 'escalation')", name="kind"),
        sa.CheckConstraint("target_kind IN ('case', 'visit', 'lead')", name="target_kind"),
        sa.CheckConstraint("status IN ('open', 'overdue', 'answered', 'closed')", name="status"),
        sa.CheckConstraint("supervision_level IN ('district', 'city')", name="supervision_level"),
        sa.Index("ix_supervision_matter_unit_code_opened_at", "unit_code", "opened_at"),
        sa.Index("ix_supervision_matter_target", "target_kind", "target_id"),
        sa.Index("ix_supervision_matter_open_due_on", "due_on", postgresql_where=sa.text("status = 'open'")),
        sa.Index(
            "ix_supervision_matter_pending", "opened_at", "id", postgresql_where=sa.text("due_on IS NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    target_kind: Mapped[str] = mapped_column(sa.Text)
    target_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    target_ref: Mapped[str] = mapped_column(sa.Text)
    unit_code: Mapped[str] = mapped_column(sa.Text)
    grounds: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    requested_action: Mapped[str] = mapped_column(sa.Text)
    deadline_working_days: Mapped[int] = mapped_column(sa.Integer)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # None: pending (domain/matters.py)
    status: Mapped[str] = mapped_column(sa.Text)
    answered_late: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    answer_outcome: Mapped[str | None] = mapped_column(sa.Text)
    answer_text: Mapped[str] = mapped_column(sa.Text, server_default="")
    corrected: Mapped[str] = mapped_column(sa.Text, server_default="")
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(sa.Text)
    reopen_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    supervision_level: Mapped[str] = mapped_column(sa.Text, server_default="district")
    level_decided_by: Mapped[str | None] = mapped_column(sa.Text)
    level_decided_at: Mapped[datetime | None]
    opened_by: Mapped[str] = mapped_column(sa.Text)
    opened_at: Mapped[datetime]
    opened_on: Mapped[date] = mapped_column(sa.Date)
    document_no: Mapped[str] = mapped_column(sa.Text, unique=True)
    document_html: Mapped[str] = mapped_column(sa.Text)
    document_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    history: Mapped[list[Any]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"))


class SupervisionTarget(Base):
    """The level a case, visit or lead is supervised at: ``city`` once a 提级办理 matter moved it (who, when)."""

    __tablename__ = "supervision_target"

    target_kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    level: Mapped[str] = mapped_column(sa.Text)
    decided_by: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime]
    matter_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class MatterDocumentCounter(Base):
    """The last number given to a kind of supervision document in a year (沈司纠错〔2026〕3号): no gaps, no
    duplicates (the row is locked while the number is taken)."""

    __tablename__ = "matter_document_counter"

    kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer)


# --------------------------------------------------------------------------------------------------- case-file review (案卷评查)

TEXTS = sa.ARRAY(sa.Text)


class ReviewCampaign(Base):
    """A 案卷评查 campaign: its scope, sheet and reviewers, and its draw (commit-reveal, services/risk/domain/
    review_sampling.py): committed at creation, drawn at approval, revealed at completion."""

    __tablename__ = "review_campaign"
    __table_args__ = (sa.CheckConstraint("status IN ('committed', 'drawn', 'completed')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    year: Mapped[int] = mapped_column(sa.Integer)
    unit_codes: Mapped[list[str]] = mapped_column(TEXTS)
    district_codes: Mapped[list[str]] = mapped_column(TEXTS)
    item_codes: Mapped[list[str]] = mapped_column(TEXTS)
    period_from: Mapped[date] = mapped_column(sa.Date)
    period_to: Mapped[date] = mapped_column(sa.Date)
    sample_size: Mapped[int] = mapped_column(sa.Integer)
    sheet: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reviewers: Mapped[list[Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(sa.Text)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary)
    commitment: Mapped[str] = mapped_column(sa.Text)
    public_source: Mapped[str] = mapped_column(sa.Text)
    draw_at: Mapped[datetime]
    algorithm: Mapped[str] = mapped_column(sa.Text)
    public_value: Mapped[str | None] = mapped_column(sa.Text)
    pool_snapshot: Mapped[str | None] = mapped_column(sa.Text)
    pool_hash: Mapped[str | None] = mapped_column(sa.Text)
    seed: Mapped[str | None] = mapped_column(sa.Text)
    drawn_at: Mapped[datetime | None]
    drawn_by: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(sa.Text)


class ReviewFile(Base):
    """A drawn case file of a campaign, with its score once reviewed."""

    __tablename__ = "review_file"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "case_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("review_campaign.id", ondelete="CASCADE")
    )
    unit_code: Mapped[str] = mapped_column(sa.Text)
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    decision_no: Mapped[str | None] = mapped_column(sa.Text)
    item_code: Mapped[str | None] = mapped_column(sa.Text)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    rank: Mapped[int] = mapped_column(sa.Integer)
    rank_key: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    reviewer_id: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime | None]


class ReviewFinding(Base):
    """A finding of a reviewed file; ``matter_requested``: the reviewer asked for a supervision matter on the
    case, opened at once (``matter_id``, its document ``matter_no``) by ``use_cases.reviews.request_matter``."""

    __tablename__ = "review_finding"
    __table_args__ = (
        sa.CheckConstraint("severity IN ('minor', 'major', 'serious')", name="severity"),
        sa.Index("ix_review_finding_file_id", "file_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    file_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("review_file.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    case_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dimension: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    deduction: Mapped[str | None] = mapped_column(sa.Text)
    matter_requested: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    matter_grounds: Mapped[str | None] = mapped_column(sa.Text)
    matter_requested_at: Mapped[datetime | None]
    matter_requested_by: Mapped[str | None] = mapped_column(sa.Text)
    matter_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    matter_no: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


# --------------------------------------------------------------------------------------------------- bulletins (通报)


class Bulletin(Base):
    """A 通报 issued from a supervision result, to the units concerned and, if ``public``, to everyone."""

    __tablename__ = "bulletin"
    __table_args__ = (
        sa.CheckConstraint("source_kind IN ('quarter_colour', 'review', 'matter')", name="source_kind"),
        sa.UniqueConstraint("year", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    number: Mapped[str] = mapped_column(sa.Text, unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    source_kind: Mapped[str] = mapped_column(sa.Text)
    source_id: Mapped[str] = mapped_column(sa.Text)
    unit_codes: Mapped[list[str]] = mapped_column(TEXTS)
    district_codes: Mapped[list[str]] = mapped_column(TEXTS)
    public: Mapped[bool] = mapped_column(sa.Boolean)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    issued_by: Mapped[str] = mapped_column(sa.Text)
    issuer_name: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
