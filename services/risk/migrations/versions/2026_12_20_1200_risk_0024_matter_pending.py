"""A supervision matter's deadline may be pending: ``supervision_matter.due_on`` is nullable (null while the
working days run into a year whose holiday arrangement is not entered yet; computed in the transaction of
PUT /admin/calendar/{year}, use_cases/matters.fill_in), and ``ix_supervision_matter_pending`` (the rows waiting
for a year, in opening order) serves that fill-in and the list's ``pending`` filter. The partial index
``ix_supervision_matter_open_due_on`` stays as it is: the overdue job's ``due_on < today`` never matches null.

Expand only, safe while the previous release runs (it only ever writes a date). The downgrade refuses while a
matter's deadline is pending (no date can be written back without guessing one, and a guess is never made):
enter the missing year first (PUT /api/v1/risk/admin/calendar/{year} fills them in), then downgrade.

Revision ID: risk_0024_matter_pending
Revises: risk_0023_confirmed_outcomes
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0024_matter_pending"
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


def downgrade() -> None:
    pending = op.get_bind().scalar(sa.text("SELECT count(*) FROM supervision_matter WHERE due_on IS NULL"))
    if pending:
        raise RuntimeError(
            f"{pending} supervision matter(s) wait for a year's holiday arrangement (due_on null): enter the "
            "year (PUT /api/v1/risk/admin/calendar/{year}) to compute their deadlines, then downgrade"
        )
    op.drop_index("ix_supervision_matter_pending", table_name="supervision_matter")
    op.alter_column("supervision_matter", "due_on", existing_type=sa.Date(), nullable=False)
