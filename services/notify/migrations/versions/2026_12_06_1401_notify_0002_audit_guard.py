"""The audit guard (issue #13): signed checkpoints and the append-only audit chain (services/common/tables.py).

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import create_audit_guard, drop_audit_guard

revision: str = "notify_0002"
down_revision: str | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_guard(op)


def downgrade() -> None:
    drop_audit_guard(op)
