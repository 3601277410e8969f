"""Issue 13 (facts from the record): decision deadlines waiting for next year's statutory calendar.

Revision ID: penalty_0003_facts
Revises: penalty_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "penalty_0003_facts"
down_revision: str | None = "penalty_0002"
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


def downgrade() -> None:
    op.drop_index("ix_penalty_case_deadlines_unknown_year", table_name="penalty_case")
    op.drop_column("penalty_case", "deadlines_unknown_year")
