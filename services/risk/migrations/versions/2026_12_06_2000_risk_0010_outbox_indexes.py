"""The outbox's indexes (issue #16 item 4): no unique index on ``seq`` (an identity column), and
``ix_outbox_created_at`` a BRIN index instead of a B-tree (services/common/tables.py, ``_INDEXES``).

Revision ID: risk_0010_outbox_indexes
Revises: risk_0009_signal_dates
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import outbox_indexes_v1, outbox_indexes_v2

revision: str = "risk_0010_outbox_indexes"
down_revision: str | None = "risk_0009_signal_dates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_indexes_v2(op)


def downgrade() -> None:
    outbox_indexes_v1(op)
