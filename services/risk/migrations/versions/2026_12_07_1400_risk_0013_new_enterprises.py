"""The daily classification's search for enterprises never classified, bounded by time (issue #16 item 4): a
finished run records the start of its transaction (``classification_run.snapshot_at``, the database's
``now()``, never later than any snapshot the run read with), and the next incremental run looks for
unclassified enterprises only among those first seen since shortly before it, through an index on
``risk_enterprise.first_seen_at`` (services/risk/use_cases/classes.py ``NEW_ENTERPRISE_MARGIN``).

Revision ID: risk_0013_new_enterprises
Revises: risk_0012_report_indexes
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0013_new_enterprises"
down_revision: str | None = "risk_0012_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("classification_run", sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_risk_enterprise_first_seen_at", "risk_enterprise", ["first_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_risk_enterprise_first_seen_at", table_name="risk_enterprise")
    op.drop_column("classification_run", "snapshot_at")
