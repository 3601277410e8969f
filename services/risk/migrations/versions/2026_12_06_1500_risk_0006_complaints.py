"""Complaints received by the justice bureau (投诉举报, issue #14 item 3) with their yearly 受理编号 counter, and
the registries of appointed 行政执法监督员 (with their invitations to visits and reviews) and 执法监督联系点
(issue #14 item 4).

Revision ID: risk_0006_complaints
Revises: risk_0005_matters
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "risk_0006_complaints"
down_revision: str | None = "risk_0005_matters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "risk_complaint",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("ack_no", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("subject_kind", sa.Text, nullable=False),
        sa.Column("visit_id", UUID(as_uuid=True)),
        sa.Column("officer_cert_no", sa.Text),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("complainant_uscc", sa.Text),
        sa.Column("complainant_sub", sa.Text),
        sa.Column("contact_point_id", UUID(as_uuid=True)),
        sa.Column("contact_name", sa.Text),
        sa.Column("contact_phone", sa.Text),
        sa.Column("secret_hash", sa.Text),
        sa.Column("token_nonce", sa.Text),
        sa.Column("client_key", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="received"),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("forwarded_at", TZ),
        sa.Column("forwarded_by", sa.Text),
        sa.Column("reply_due_on", sa.Date),
        sa.Column("replied_at", TZ),
        sa.Column("reply", sa.Text, nullable=False, server_default=""),
        sa.Column("concluded_at", TZ),
        sa.Column("finding", sa.Text),
        sa.Column("conclusion", sa.Text, nullable=False, server_default=""),
        sa.Column("referred_to_discipline", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answered_at", TZ),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("history", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.CheckConstraint(
            "source IN ('enterprise', 'public', 'rating', 'contact_point')", name="ck_risk_complaint_source"
        ),
        sa.CheckConstraint(
            "status IN ('received', 'forwarded', 'replied', 'concluded', 'answered')",
            name="ck_risk_complaint_status",
        ),
        sa.CheckConstraint(
            "subject_kind IN ('visit', 'officer', 'department')", name="ck_risk_complaint_subject_kind"
        ),
        sa.CheckConstraint(
            "finding IS NULL OR finding IN ('substantiated', 'partly_substantiated', 'unsubstantiated')",
            name="ck_risk_complaint_finding",
        ),
        sa.UniqueConstraint("ack_no", name="uq_risk_complaint_ack_no"),
        sa.UniqueConstraint("token_nonce", name="uq_risk_complaint_token_nonce"),
    )
    op.create_index("ix_risk_complaint_received_at_id", "risk_complaint", ["received_at", "id"])
    op.create_index("ix_risk_complaint_unit_code", "risk_complaint", ["unit_code"])
    op.create_index(
        "ix_risk_complaint_complainant_uscc",
        "risk_complaint",
        ["complainant_uscc"],
        postgresql_where=sa.text("complainant_uscc IS NOT NULL"),
    )
    op.create_index(
        "ix_risk_complaint_client_key_received_at", "risk_complaint", ["client_key", "received_at"]
    )
    op.create_index(
        "uq_risk_complaint_rating_visit_unit",
        "risk_complaint",
        ["visit_id", "unit_code"],
        unique=True,
        postgresql_where=sa.text("source = 'rating'"),
    )
    op.create_table(
        "risk_complaint_counter",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "risk_supervision_member",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("background", sa.Text, nullable=False),
        sa.Column("organisation", sa.Text, nullable=False, server_default=""),
        sa.Column("district_code", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("term_start", sa.Date, nullable=False),
        sa.Column("term_end", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'ended')", name="ck_risk_supervision_member_status"
        ),
        sa.CheckConstraint("term_end >= term_start", name="ck_risk_supervision_member_term"),
    )
    op.create_index("ix_risk_supervision_member_name_id", "risk_supervision_member", ["name", "id"])
    op.create_table(
        "risk_member_invitation",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "member_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                "risk_supervision_member.id",
                name="fk_risk_member_invitation_member_id_risk_supervision_member",
            ),
            nullable=False,
        ),
        sa.Column("target_kind", sa.Text, nullable=False),
        sa.Column("target_id", sa.Text, nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("invited_by", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "target_kind IN ('visit', 'review')", name="ck_risk_member_invitation_target_kind"
        ),
    )
    op.create_index("ix_risk_member_invitation_member_id", "risk_member_invitation", ["member_id"])
    op.create_table(
        "risk_contact_point",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("uscc", sa.Text),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text),
        sa.Column("contact_name", sa.Text),
        sa.Column("contact_phone", sa.Text),
        sa.Column("term_start", sa.Date, nullable=False),
        sa.Column("term_end", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "kind IN ('enterprise', 'community', 'organisation')", name="ck_risk_contact_point_kind"
        ),
        sa.CheckConstraint("status IN ('active', 'ended')", name="ck_risk_contact_point_status"),
        sa.CheckConstraint("term_end >= term_start", name="ck_risk_contact_point_term"),
    )
    op.create_index("ix_risk_contact_point_name_id", "risk_contact_point", ["name", "id"])
    op.create_index("ix_risk_contact_point_uscc", "risk_contact_point", ["uscc"])


def downgrade() -> None:
    op.drop_table("risk_contact_point")
    op.drop_table("risk_member_invitation")
    op.drop_table("risk_supervision_member")
    op.drop_table("risk_complaint_counter")
    op.drop_table("risk_complaint")
