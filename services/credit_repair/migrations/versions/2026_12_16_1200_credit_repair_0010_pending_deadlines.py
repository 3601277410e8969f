"""A repair application is received even when a review deadline runs into a year whose holiday arrangement is
not entered yet (国办发〔2025〕22号: applying is the party's right): ``repair_application``'s three deadlines
become nullable, and ``deadlines_pending_year`` names the year that holds them up (indexed where set: the
administrator's list and the calendar hook read it). Entering the year computes them
(use_cases.calendar_deadlines).

The downgrade refuses while an application's deadlines are pending (the columns could not be NOT NULL again
without a guess): enter the year (PUT /api/v1/credit/admin/calendar/{year}) first.

Revision ID: credit_repair_0010_pending_dues
Revises: credit_repair_0009_end_announce
Create Date: 2026-12-16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credit_repair_0010_pending_dues"
down_revision: str | None = "credit_repair_0009_end_announce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEADLINES = ("acceptance_due", "decision_due", "window_due")
INDEX = "ix_repair_application_deadlines_pending_year"


def upgrade() -> None:
    op.add_column("repair_application", sa.Column("deadlines_pending_year", sa.Integer(), nullable=True))
    for column in DEADLINES:
        op.alter_column("repair_application", column, existing_type=sa.Date(), nullable=True)
    op.create_index(
        INDEX,
        "repair_application",
        ["deadlines_pending_year"],
        postgresql_where=sa.text("deadlines_pending_year IS NOT NULL"),
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM repair_application WHERE deadlines_pending_year IS NOT NULL"
            " OR acceptance_due IS NULL OR decision_due IS NULL OR window_due IS NULL"
        )
    )
    if pending:
        raise RuntimeError(
            f"{pending} repair application(s) wait for a year's holiday arrangement: their deadlines are unknown "
            "and cannot be NOT NULL; enter the year (PUT /api/v1/credit/admin/calendar/{year}), then downgrade"
        )
    op.drop_index(INDEX, table_name="repair_application")
    for column in DEADLINES:
        op.alter_column("repair_application", column, existing_type=sa.Date(), nullable=False)
    op.drop_column("repair_application", "deadlines_pending_year")
