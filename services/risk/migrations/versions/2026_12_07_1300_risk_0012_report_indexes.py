"""Covering indexes for the quarterly report's counts (issue #16 item 6): the report and a unit's drill-down
count, for a quarter and the two before it, the decided cases and the unit signals other than visits. At a
province's size nine signals in ten are visits (evidence for the drill-down, never counted) and the counts
read the cases' and signals' heap pages; these partial indexes hold just the counted rows and the columns
the counts read (index-only scans).

Revision ID: risk_0012_report_indexes
Revises: risk_0011_outbox_parts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0012_report_indexes"
down_revision: str | None = "risk_0011_outbox_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_unit_signal_counted",
        "unit_signal",
        ["occurred_on"],
        postgresql_include=["unit_code", "kind", "value", "domain", "case_id"],
        postgresql_where=sa.text("kind <> 'visit'"),
    )
    op.create_index(
        "ix_risk_case_counted",
        "risk_case",
        ["decided_on"],
        postgresql_include=["unit_code", "domain", "outside_tier"],
        postgresql_where=sa.text("issued_revision IS NOT NULL AND unit_code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_risk_case_counted", table_name="risk_case")
    op.drop_index("ix_unit_signal_counted", table_name="unit_signal")
