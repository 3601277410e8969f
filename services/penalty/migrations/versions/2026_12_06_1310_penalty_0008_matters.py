"""Supervision matters on cases (issue #14): the matters risk opened on a case (risk.supervision.matter_opened /
matter_closed); a case with an open one cannot close.

Revision ID: penalty_0008_matters
Revises: penalty_0007_acts
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "penalty_0008_matters"
down_revision: str | None = "penalty_0007_acts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_supervision_matter",
        sa.Column("matter_id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("document_no", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("opened_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("matter_id", name="pk_case_supervision_matter"),
    )
    op.create_index("ix_case_supervision_matter_case_id", "case_supervision_matter", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_supervision_matter_case_id", table_name="case_supervision_matter")
    op.drop_table("case_supervision_matter")
