"""Indexes on the signal dates the incremental daily classification reads (issue #16 item 4): it looks up the
signals dated in the few ranges whose score changed since the last run (``domain.classes.changed_ranges``)
instead of scoring every enterprise. ``risk_case (decided_on, ...)`` and ``complaint_lead (received_on, ...)``
are indexed already.

Revision ID: risk_0009_signal_dates
Revises: risk_0008_reviews
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0009_signal_dates"
down_revision: str | None = "risk_0008_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("risk_publication_signal", "published_on"),
    ("risk_publication_signal", "withdrawn_on"),
    ("risk_violation_signal", "found_on"),
    ("risk_repair_signal", "completed_on"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
