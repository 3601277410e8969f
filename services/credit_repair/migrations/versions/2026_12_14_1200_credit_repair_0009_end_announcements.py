"""Clean-up ends announced from the feed: ``feed_announcement`` (one row: the last feed number whose clean-up
ends have been published as ``credit.publication.ended``) and ``cleanup_step.request_id`` (the request id a
step ran under, which its events carry). A clean-up step no longer writes one outbox row per end
(repository.announcements, docs/benchmarks/cleanup-plans.md "Round five"). The cursor starts at the feed's
last number: ends numbered before this migration had their outbox rows and are not announced again.

Revision ID: credit_repair_0009_end_announce
Revises: credit_repair_0008_date_bounds
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "credit_repair_0009_end_announce"
down_revision: str | None = "credit_repair_0008_date_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_announcement",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_announcement"),
    )
    op.execute("INSERT INTO feed_announcement (id, last_seq) SELECT 1, last FROM feed_counter WHERE id = 1")
    op.add_column("cleanup_step", sa.Column("request_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("cleanup_step", "request_id")
    op.drop_table("feed_announcement")
