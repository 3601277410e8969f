"""The signals dated in the daily changed ranges found from their date indexes alone (issue #16 item 4): each
date index the incremental classification's candidate query scans also carries the columns it reads (the USCC;
for ``risk_case`` the party, tier and status the ``risk_penalty_signal`` view filters on), so each changed range
is an index-only range scan instead of a bitmap heap scan reading one heap page per signal
(docs/benchmarks/risk-daily-plans.md). Same names, key columns and predicates as before.

Revision ID: risk_0016_date_covering
Revises: risk_0015_audit_parts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0016_date_covering"
down_revision: str | None = "risk_0015_audit_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index: (table, key columns, included columns)
INDEXES = {
    "ix_risk_case_decided_on_unit_code": (
        "risk_case",
        ["decided_on", "unit_code"],
        ["party_uscc", "tier", "status"],
    ),
    "ix_complaint_lead_received_on_unit_code": ("complaint_lead", ["received_on", "unit_code"], ["uscc"]),
    "ix_risk_publication_signal_published_on": ("risk_publication_signal", ["published_on"], ["uscc"]),
    "ix_risk_publication_signal_withdrawn_on": ("risk_publication_signal", ["withdrawn_on"], ["uscc"]),
    "ix_risk_violation_signal_found_on": ("risk_violation_signal", ["found_on"], ["uscc"]),
    "ix_risk_repair_signal_completed_on": ("risk_repair_signal", ["completed_on"], ["uscc"]),
}


def _recreate(*, covering: bool) -> None:
    for name, (table, columns, include) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_include=include if covering else [])


def upgrade() -> None:
    _recreate(covering=True)


def downgrade() -> None:
    _recreate(covering=False)
