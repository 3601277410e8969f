"""The days (and the instants from outside) notify stores are the days the API accepts, years 1900–2199
(services/common/date_bounds.py): the stored values out of range reported, repaired where a repair keeps their
meaning (an open end past 2199-12-31, as ``infinity``, becomes 2199-12-31; an open start before 1900-01-01
becomes 1900-01-01), the migration refused naming the rows where none does (a day something happened on);
then a CHECK constraint per column. The downgrade drops the constraints; repaired values stay repaired.

Revision ID: notify_0008_date_bounds
Revises: notify_0007_audit_parts
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from alembic import op

from services.common.date_bounds import Bounded, bound_columns, unbound_columns

revision: str = "notify_0008_date_bounds"
down_revision: str | None = "notify_0007_audit_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, repair, kind): the date columns, and the timestamptz columns that take an instant from a
# request; those only the server clock sets are left alone (docs/operations.md, "Days and instants out of range").
COLUMNS = (Bounded("calendar_override", "day"),)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
