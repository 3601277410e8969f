"""The days notify stores are the days the API accepts, years 1900–2199 (services/common/date_bounds.py).
notify's own tables hold only times its server's clock sets; its one column of days is the kernel's
``calendar_override.day``: a stored day out of range (as ``infinity``) means nothing, so the migration
refuses, naming it, rather than guess; then a CHECK constraint. The downgrade drops it.

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

# (table, column, repair, kind): docs/operations.md, "Days and instants out of range".
COLUMNS = (Bounded("calendar_override", "day"),)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
