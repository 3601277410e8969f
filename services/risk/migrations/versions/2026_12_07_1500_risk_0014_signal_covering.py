"""The signals of given enterprises read from their ``uscc`` indexes alone (issue #16 item 4): each signal
table's ``uscc`` index also carries the columns the classification reads (``INCLUDE``), so the daily
classification of the candidates (``uscc = ANY(:usccs)``) is an index-only scan, a few index pages per hundred
enterprises instead of one heap page per signal (docs/benchmarks/risk-daily-plans.md). Same names, columns and
predicates as before: every other use of these indexes is served as it was.

Revision ID: risk_0014_signal_covering
Revises: risk_0013_new_enterprises
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0014_signal_covering"
down_revision: str | None = "risk_0013_new_enterprises"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index: (table, column, included columns, predicate)
INDEXES = {
    "ix_risk_case_party_uscc": (
        "risk_case",
        "party_uscc",
        ["decided_on", "tier", "status"],
        "party_uscc IS NOT NULL",
    ),
    "ix_complaint_lead_uscc": ("complaint_lead", "uscc", ["received_on"], "uscc IS NOT NULL"),
    "ix_risk_publication_signal_uscc": (
        "risk_publication_signal",
        "uscc",
        ["published_on", "withdrawn_on"],
        None,
    ),
    "ix_risk_violation_signal_uscc": ("risk_violation_signal", "uscc", ["found_on"], None),
    "ix_risk_repair_signal_uscc": ("risk_repair_signal", "uscc", ["completed_on"], None),
}


def _create(name: str, *, covering: bool) -> None:
    table, column, include, where = INDEXES[name]
    op.create_index(
        name,
        table,
        [column],
        postgresql_include=include if covering else [],
        postgresql_where=sa.text(where) if where else None,
    )


def upgrade() -> None:
    for name, (table, *_) in INDEXES.items():
        op.drop_index(name, table_name=table)
        _create(name, covering=True)


def downgrade() -> None:
    for name, (table, *_) in INDEXES.items():
        op.drop_index(name, table_name=table)
        _create(name, covering=False)
