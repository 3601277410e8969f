"""The per-recipient notification log and its counters (issue #15).

Revision ID: notify_0003
Revises: notify_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "notify_0003"
down_revision: str | None = "notify_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("recipient_kind", sa.Text, nullable=False),
        sa.Column("recipient_id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=True),
        sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("source_event_type", sa.Text, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("read_at", TZ, nullable=True),
        sa.UniqueConstraint(
            "recipient_kind", "recipient_id", "seq", name="uq_notification_recipient_kind_recipient_id_seq"
        ),
        sa.UniqueConstraint(
            "recipient_kind",
            "recipient_id",
            "source_event_id",
            name="uq_notification_recipient_kind_recipient_id_source_event_id",
        ),
    )
    op.create_index(
        "ix_notification_unread",
        "notification",
        ["recipient_kind", "recipient_id", "seq"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notification_counter",
        sa.Column("recipient_kind", sa.Text, primary_key=True),
        sa.Column("recipient_id", sa.Text, primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_counter")
    op.drop_index("ix_notification_unread", table_name="notification")
    op.drop_table("notification")
