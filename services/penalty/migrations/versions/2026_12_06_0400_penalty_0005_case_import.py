"""Cases imported from a department's former case system, keyed by that system's case number.

Revision ID: penalty_0005_import
Revises: penalty_0004_facts
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "penalty_0005_import"
down_revision: str | None = "penalty_0004_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imported_case",
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("source_case_no", sa.Text, nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        # the case's revision when imported, and whether its decision came with it: an imported decision was
        # the former system's to publish, so 行政执法公示 here starts with the first change made here
        sa.Column("case_revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("decision_imported", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("dept_code", "source_case_no", name="pk_imported_case"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["penalty_case.id"], name="fk_imported_case_case_id_penalty_case"
        ),
        sa.UniqueConstraint("case_id", name="uq_imported_case_case_id"),
    )


def downgrade() -> None:
    op.drop_table("imported_case")
