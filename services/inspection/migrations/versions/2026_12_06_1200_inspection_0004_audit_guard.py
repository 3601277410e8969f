"""The audit guard (issue #13): signed checkpoints of the audit chain, the position ``verify`` reached, and
``audit_entry``/``audit_checkpoint`` made append-only (services/common/tables.py).

Revision ID: inspection_0004
Revises: inspection_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import create_audit_guard, drop_audit_guard

revision: str = "inspection_0004"
down_revision: str | None = "inspection_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_guard(op)


def downgrade() -> None:
    drop_audit_guard(op)
