"""责令改正 follow-ups of penalty decisions (issue #14 item 6; 行政处罚法 第二十八条第一款).

Revision ID: penalty_0010_follow_ups
Revises: penalty_0009_enforcement
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "penalty_0010_follow_ups"
down_revision: str | None = "penalty_0009_enforcement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "penalty_follow_up",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("party_uscc", sa.Text, nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("ordered_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("result_note", sa.Text, nullable=False, server_default=""),
        sa.Column("checked_on", sa.Date, nullable=True),
        sa.Column("closed_by", sa.Text, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("id", name="pk_penalty_follow_up"),
        sa.UniqueConstraint("case_id", name="uq_penalty_follow_up_case_id"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["penalty_case.id"], name="fk_penalty_follow_up_case_id_penalty_case"
        ),
        sa.CheckConstraint(
            "status IN ('open', 'corrected', 'not_corrected')", name="ck_penalty_follow_up_status"
        ),
    )
    op.create_index(
        "ix_penalty_follow_up_dept_code_status_due_on", "penalty_follow_up", ["dept_code", "status", "due_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_penalty_follow_up_dept_code_status_due_on", table_name="penalty_follow_up")
    op.drop_table("penalty_follow_up")
