"""Case-file review (案卷评查) and bulletins (通报), issue #14 items 2 and 7: the benchmark item of a projected
case (``risk_case.benchmark_code``, from penalty.decision.issued), review campaigns with their drawn files and
findings, and bulletins.

Revision ID: risk_0008_reviews
Revises: risk_0007_followups
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "risk_0008_reviews"
down_revision: str | None = "risk_0007_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
TEXTS = sa.ARRAY(sa.Text)


def upgrade() -> None:
    op.add_column("risk_case", sa.Column("benchmark_code", sa.Text))
    op.create_table(
        "review_campaign",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("unit_codes", TEXTS, nullable=False),
        sa.Column("district_codes", TEXTS, nullable=False),
        sa.Column("item_codes", TEXTS, nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("sample_size", sa.Integer, nullable=False),
        sa.Column("sheet", JSONB, nullable=False),
        sa.Column("reviewers", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("public_source", sa.Text, nullable=False),
        sa.Column("draw_at", TZ, nullable=False),
        sa.Column("algorithm", sa.Text, nullable=False),
        sa.Column("public_value", sa.Text),
        sa.Column("pool_snapshot", sa.Text),
        sa.Column("pool_hash", sa.Text),
        sa.Column("seed", sa.Text),
        sa.Column("drawn_at", TZ),
        sa.Column("drawn_by", sa.Text),
        sa.Column("completed_at", TZ),
        sa.Column("completed_by", sa.Text),
        sa.CheckConstraint("status IN ('committed', 'drawn', 'completed')", name="ck_review_campaign_status"),
    )
    op.create_table(
        "review_file",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "campaign_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                "review_campaign.id", name="fk_review_file_campaign_id_review_campaign", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("decision_no", sa.Text),
        sa.Column("item_code", sa.Text),
        sa.Column("decided_on", sa.Date),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("rank_key", sa.Text, nullable=False),
        sa.Column("points", JSONB),
        sa.Column("total", sa.Integer),
        sa.Column("reviewer_id", sa.Text),
        sa.Column("recorded_by", sa.Text),
        sa.Column("reviewed_at", TZ),
        sa.UniqueConstraint("campaign_id", "case_id", name="uq_review_file_campaign_id_case_id"),
    )
    op.create_table(
        "review_finding",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "file_id",
            UUID(as_uuid=True),
            sa.ForeignKey("review_file.id", name="fk_review_finding_file_id_review_file", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("campaign_id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("dimension", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("deduction", sa.Text),
        sa.Column("matter_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("matter_grounds", sa.Text),
        sa.Column("matter_requested_at", TZ),
        sa.Column("matter_requested_by", sa.Text),
        sa.Column("matter_id", UUID(as_uuid=True)),
        sa.Column("matter_no", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("severity IN ('minor', 'major', 'serious')", name="ck_review_finding_severity"),
    )
    op.create_index("ix_review_finding_file_id", "review_finding", ["file_id"])
    op.create_table(
        "bulletin",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source_kind", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("unit_codes", TEXTS, nullable=False),
        sa.Column("district_codes", TEXTS, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False),
        sa.Column("issuer_name", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "source_kind IN ('quarter_colour', 'review', 'matter')", name="ck_bulletin_source_kind"
        ),
        sa.UniqueConstraint("year", "seq", name="uq_bulletin_year_seq"),
        sa.UniqueConstraint("number", name="uq_bulletin_number"),
    )


def downgrade() -> None:
    op.drop_table("bulletin")
    op.drop_index("ix_review_finding_file_id", table_name="review_finding")
    op.drop_table("review_finding")
    op.drop_table("review_file")
    op.drop_table("review_campaign")
    op.drop_column("risk_case", "benchmark_code")
