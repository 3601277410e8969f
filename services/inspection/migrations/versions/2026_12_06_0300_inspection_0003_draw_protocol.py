"""The 双随机 draw protocol (commit-reveal-v1): every draw of a task in order, committed at approval with a
secret nonce, drawn with a public value, or cancelled with a reason; the task keeps its pool filter and the
current draw's commitment.

Revision ID: inspection_0003
Revises: inspection_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "inspection_0003"
down_revision: str | None = "inspection_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("task", sa.Column("draw_commitment", sa.Text(), nullable=True))
    op.add_column("task", sa.Column("pool_filter", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_table(
        "task_draw",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("public_source", sa.Text(), nullable=False),
        sa.Column("draw_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_by", sa.Text(), nullable=False),
        sa.Column("public_value", sa.Text(), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawn_by", sa.Text(), nullable=True),
        sa.Column("pool_snapshot", sa.Text(), nullable=True),
        sa.Column("pool_hash", sa.Text(), nullable=True),
        sa.Column("seed", sa.Text(), nullable=True),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("fingerprint", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('committed', 'drawn', 'cancelled')", name=op.f("ck_task_draw_status")),
        sa.CheckConstraint("octet_length(nonce) = 32", name=op.f("ck_task_draw_nonce_length")),
        sa.ForeignKeyConstraint(["task_id"], ["task.task_id"], name=op.f("fk_task_draw_task_id_task")),
        sa.PrimaryKeyConstraint("task_id", "seq", name=op.f("pk_task_draw")),
    )


def downgrade() -> None:
    op.drop_table("task_draw")
    op.drop_column("task", "pool_filter")
    op.drop_column("task", "draw_commitment")
