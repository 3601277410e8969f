"""Issue 13 (facts from the record): decision deadlines waiting for next year's statutory calendar; the
economic impact assessments of enterprise cases; officers' contests of facts derived from the record.

Revision ID: penalty_0004_facts
Revises: penalty_0003_disclosure
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "penalty_0004_facts"
down_revision: str | None = "penalty_0003_disclosure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("penalty_case", sa.Column("deadlines_unknown_year", sa.Integer(), nullable=True))
    op.create_index(
        "ix_penalty_case_deadlines_unknown_year",
        "penalty_case",
        ["deadlines_unknown_year"],
        postgresql_where=sa.text("deadlines_unknown_year IS NOT NULL"),
    )
    op.create_table(
        "economic_impact_assessment",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("penalty_case.id"), nullable=False),
        sa.Column("assessors", JSONB, nullable=False),
        sa.Column("assessed_on", sa.Date, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("mitigation_measures", JSONB, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_by_cert", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_economic_impact_assessment_case_id", "economic_impact_assessment", ["case_id"])

    op.create_table(
        "fact_contest",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("penalty_case.id"), nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("benchmark_code", sa.Text, nullable=False),
        sa.Column("fact", sa.Text, nullable=False),
        sa.Column("derived", sa.Boolean, nullable=False),
        sa.Column("claimed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("relied_on", JSONB, nullable=False),
        sa.Column("officer", sa.Text, nullable=False),
        sa.Column("contested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_index("ix_fact_contest_case_id", "fact_contest", ["case_id"])
    # the party's decision history is looked up by identifier (USCC already indexed)
    op.create_index("ix_penalty_case_party_id_number", "penalty_case", ["party_id_number"])


def downgrade() -> None:
    op.drop_index("ix_penalty_case_party_id_number", table_name="penalty_case")
    op.drop_table("fact_contest")
    op.drop_table("economic_impact_assessment")
    op.drop_index("ix_penalty_case_deadlines_unknown_year", table_name="penalty_case")
    op.drop_column("penalty_case", "deadlines_unknown_year")
