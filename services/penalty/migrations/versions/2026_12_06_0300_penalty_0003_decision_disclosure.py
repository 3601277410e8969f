"""行政执法公示 of decisions: one row per revision of a case's decision (services/penalty/domain/disclosure.py).

Revision ID: penalty_0003_disclosure
Revises: penalty_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "penalty_0003_disclosure"
down_revision: str | None = "penalty_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_disclosure",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("content", JSONB, nullable=False, server_default="{}"),
        sa.Column("published_on", sa.Date),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("withdraw_by", sa.Date),
        sa.Column("withdrawn_on", sa.Date),
        sa.Column("withdrawal_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("exempt_ground", sa.Text),
        sa.Column("exempt_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("exempt_by", sa.Text),
        sa.Column("exempt_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_decision_disclosure"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["penalty_case.id"], name="fk_decision_disclosure_case_id_penalty_case"
        ),
        sa.UniqueConstraint("case_id", "revision", name="uq_decision_disclosure_case_id_revision"),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'withdrawn', 'exempt', 'superseded')",
            name="ck_decision_disclosure_status",
        ),
        sa.CheckConstraint(
            "rule IN ('general_penalty', 'simple_penalty', 'other')", name="ck_decision_disclosure_rule"
        ),
    )
    op.create_index(
        "ix_decision_disclosure_status_published_at",
        "decision_disclosure",
        ["status", "published_at", "id"],
    )
    op.create_index(
        "ix_decision_disclosure_dept_code_decided_on", "decision_disclosure", ["dept_code", "decided_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_decision_disclosure_dept_code_decided_on", table_name="decision_disclosure")
    op.drop_index("ix_decision_disclosure_status_published_at", table_name="decision_disclosure")
    op.drop_table("decision_disclosure")
