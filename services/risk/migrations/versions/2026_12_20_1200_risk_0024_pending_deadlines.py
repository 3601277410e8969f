"""Deadlines that wait for a year's holiday arrangement (the working days run into a year not entered yet: null,
never guessed; computed in the transaction of PUT /admin/calendar/{year}):

- ``supervision_matter.due_on`` nullable (a matter opened or reopened in the last weeks of December), and
  ``ix_supervision_matter_pending`` (the rows waiting for a year, in opening order) for that fill-in and the
  list's ``pending`` filter. ``ix_supervision_matter_open_due_on`` stays as it is: the overdue job's
  ``due_on < today`` never matches null;
- ``rectification.deadline`` nullable (a rectification reopened then; a warning's first deadline is still
  refused, its report waits for the year).

Expand only, safe while the previous release runs (it only ever writes a date). The downgrade refuses while a
deadline is pending (no date can be written back without guessing one, and a guess is never made): enter the
missing year first (PUT /api/v1/risk/admin/calendar/{year} fills them in), then downgrade.

Revision ID: risk_0024_pending_deadlines
Revises: risk_0023_confirmed_outcomes
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0024_pending_deadlines"
down_revision: str | None = "risk_0023_confirmed_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("supervision_matter", "due_on", existing_type=sa.Date(), nullable=True)
    op.create_index(
        "ix_supervision_matter_pending",
        "supervision_matter",
        ["opened_at", "id"],
        postgresql_where=sa.text("due_on IS NULL"),
    )
    op.alter_column("rectification", "deadline", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    matters = bind.scalar(sa.text("SELECT count(*) FROM supervision_matter WHERE due_on IS NULL"))
    rectifications = bind.scalar(sa.text("SELECT count(*) FROM rectification WHERE deadline IS NULL"))
    if matters or rectifications:
        raise RuntimeError(
            f"{matters} supervision matter(s) and {rectifications} rectification(s) wait for a year's holiday "
            "arrangement (deadline null): enter the year (PUT /api/v1/risk/admin/calendar/{year}) to compute "
            "their deadlines, then downgrade"
        )
    op.alter_column("rectification", "deadline", existing_type=sa.Date(), nullable=False)
    op.drop_index("ix_supervision_matter_pending", table_name="supervision_matter")
    op.alter_column("supervision_matter", "due_on", existing_type=sa.Date(), nullable=False)
