"""The unit quarter report's evidence read a page at a time (issue #16 item 6): each list of the drill-down
(one unit, one quarter, one kind of record) is a keyset page in its own order, and its total is counted in SQL.

- ``ix_unit_signal_unit_kind`` (unit, kind, day, ref) INCLUDE (value) replaces risk_0020's
  ``ix_unit_signal_unit_code_occurred_on`` (unit, day): a page of one kind of signal (``(occurred_on, ref)``
  after the cursor) is a range of the index in order, without reading the unit's other kinds (nine in ten of
  its signals are visits), and the totals per kind (low ratings: ``value``) are counted from the index alone.
- ``ix_risk_case_unit_decided`` (unit, day, case id) INCLUDE (outside_tier), issued decisions with a unit: a
  page of the unit's decisions (and of its deviations) in order, and their totals, without reading the whole
  quarter's decisions of every unit (``ix_risk_case_counted`` is by day first).

Revision ID: risk_0022_evidence_pages
Revises: risk_0021_tally_statements
Create Date: 2026-12-18
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0022_evidence_pages"
down_revision: str | None = "risk_0021_tally_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_unit_signal_unit_kind",
        "unit_signal",
        ["unit_code", "kind", "occurred_on", "ref"],
        postgresql_include=["value"],
    )
    op.drop_index("ix_unit_signal_unit_code_occurred_on", table_name="unit_signal")
    op.create_index(
        "ix_risk_case_unit_decided",
        "risk_case",
        ["unit_code", "decided_on", "case_id"],
        postgresql_include=["outside_tier"],
        postgresql_where=sa.text("issued_revision IS NOT NULL AND unit_code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_risk_case_unit_decided", table_name="risk_case")
    op.create_index("ix_unit_signal_unit_code_occurred_on", "unit_signal", ["unit_code", "occurred_on"])
    op.drop_index("ix_unit_signal_unit_kind", table_name="unit_signal")
