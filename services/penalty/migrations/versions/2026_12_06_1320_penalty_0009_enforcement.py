"""After the decision (issue #17): applications for deferral or instalments, the 催告书 and the application to
the court per case, and each department's coercive power (行政强制法 第十三条, 第四十六条, 第五十三条).

Revision ID: penalty_0009_enforcement
Revises: penalty_0008_matters
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "penalty_0009_enforcement"
down_revision: str | None = "penalty_0008_matters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_enforcement",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("plans", JSONB, nullable=False, server_default="[]"),
        sa.Column("reminder", JSONB, nullable=True),
        sa.Column("application", JSONB, nullable=True),
        sa.Column("window_missed_reported_on", sa.Date, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_enforcement"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["penalty_case.id"], name="fk_case_enforcement_case_id_penalty_case"
        ),
    )
    op.create_table(
        "department_enforcement",
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("coercive_power", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("basis", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("dept_code", name="pk_department_enforcement"),
    )


def downgrade() -> None:
    op.drop_table("department_enforcement")
    op.drop_table("case_enforcement")
