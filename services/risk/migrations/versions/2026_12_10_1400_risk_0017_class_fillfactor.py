"""Room on each page of ``enterprise_class`` for its rows' next versions (issue #16 item 4): fillfactor 90, so
that a daily run's changed class is a heap-only (HOT) update, written on the page it was on, with no new
primary-key entry (``enterprise_class`` has no other index), instead of a new version on another page and a
new index entry per row (docs/benchmarks/risk-daily-plans.md).

``ALTER TABLE ... SET (fillfactor = ...)`` applies to pages filled from now on: the rows already stored stay as
they are until the table is rewritten (``VACUUM FULL enterprise_class``: an ACCESS EXCLUSIVE lock for the
time of the rewrite, docs/operations.md).

Revision ID: risk_0017_class_fillfactor
Revises: risk_0016_date_covering
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0017_class_fillfactor"
down_revision: str | None = "risk_0016_date_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 90


def upgrade() -> None:
    op.execute(f"ALTER TABLE enterprise_class SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    op.execute("ALTER TABLE enterprise_class RESET (fillfactor)")
