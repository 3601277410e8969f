"""The audit guard (issue #13): signed checkpoints of risk's own audit chain, the position ``verify``
reached, ``audit_entry``/``audit_checkpoint`` made append-only (services/common/tables.py), and the
checkpoints of every service's chain as received and verified (``received_checkpoint``, append-only too).

Revision ID: risk_0004
Revises: risk_0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from services.common.tables import create_audit_guard, drop_audit_guard

revision: str = "risk_0004"
down_revision: str | None = "risk_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_audit_guard(op)
    op.create_table(
        "received_checkpoint",
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("entry_at", TZ, nullable=False),
        sa.Column("signed_at", TZ, nullable=False),
        sa.Column("kid", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("received_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("service", "seq", name="pk_received_checkpoint"),
    )
    op.execute(
        "CREATE TRIGGER received_checkpoint_append_only BEFORE UPDATE OR DELETE ON received_checkpoint "
        "FOR EACH ROW EXECUTE FUNCTION zhifa_append_only()"
    )
    op.execute(
        "CREATE TRIGGER received_checkpoint_no_truncate BEFORE TRUNCATE ON received_checkpoint "
        "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_append_only()"
    )


def downgrade() -> None:
    op.drop_table("received_checkpoint")
    drop_audit_guard(op)
