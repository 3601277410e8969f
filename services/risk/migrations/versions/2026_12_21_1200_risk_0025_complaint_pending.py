"""Complaint deadlines that wait for a year's holiday arrangement (a complaint received or forwarded in the last
weeks of December before the next year is entered): ``risk_complaint.due_on`` nullable (``reply_due_on`` already
is: null before forwarding), never guessed, computed in the transaction of PUT /admin/calendar/{year}; and
``ix_risk_complaint_pending`` (the rows waiting for a year, in receipt order) for that fill-in and the list's
``pending`` filter.

Expand only, safe while the previous release runs (it only ever writes a date). The downgrade refuses while a
deadline is pending (no date can be written back without guessing one): enter the missing year first
(PUT /api/v1/risk/admin/calendar/{year} fills them in), then downgrade.

Revision ID: risk_0025_complaint_pending
Revises: risk_0024_pending_deadlines
Create Date: 2026-12-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0025_complaint_pending"
down_revision: str | None = "risk_0024_pending_deadlines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "due_on IS NULL OR (forwarded_at IS NOT NULL AND reply_due_on IS NULL)"


def upgrade() -> None:
    op.alter_column("risk_complaint", "due_on", existing_type=sa.Date(), nullable=True)
    op.create_index(
        "ix_risk_complaint_pending",
        "risk_complaint",
        ["received_at", "id"],
        postgresql_where=sa.text(PENDING),
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(sa.text(f"SELECT count(*) FROM risk_complaint WHERE {PENDING}"))
    if pending:
        raise RuntimeError(
            f"{pending} complaint(s) wait for a year's holiday arrangement (a deadline null): enter the year "
            "(PUT /api/v1/risk/admin/calendar/{year}) to compute their deadlines, then downgrade"
        )
    op.drop_index("ix_risk_complaint_pending", table_name="risk_complaint")
    op.alter_column("risk_complaint", "due_on", existing_type=sa.Date(), nullable=False)
