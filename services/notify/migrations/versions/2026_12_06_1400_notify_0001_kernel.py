"""Kernel tables: outbox, inbox, dead letters, idempotency keys, audit chain, calendar overrides, pings.

Revision ID: notify_0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import create_kernel_tables, drop_kernel_tables

revision: str = "notify_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables(op)


def downgrade() -> None:
    drop_kernel_tables(op)
