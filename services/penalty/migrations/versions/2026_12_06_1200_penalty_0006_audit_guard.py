"""The audit guard (issue #13): signed checkpoints of the audit chain, the position ``verify`` reached, and
``audit_entry``/``audit_checkpoint`` made append-only (services/common/tables.py).

Revision ID: penalty_0006_audit
Revises: penalty_0005_import
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import create_audit_guard, drop_audit_guard

revision: str = "penalty_0006_audit"
down_revision: str | None = "penalty_0005_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_guard(op)


def downgrade() -> None:
    drop_audit_guard(op)
