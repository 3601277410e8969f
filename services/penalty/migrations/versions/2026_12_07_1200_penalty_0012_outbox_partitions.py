"""The outbox partitioned by China day on ``created_at`` (issue #16 item 6; docs/scaling.md, "Partitioning"):
a new partitioned table with its partitions from the oldest row's day to the days kept ahead, the rows copied
and counted per day under a lock, swapped in; the two partition functions the service role calls
(services/common/partitions.py). The downgrade copies the rows back into one table.

Revision ID: penalty_0012_outbox_parts
Revises: penalty_0011_outbox_indexes
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import outbox_partitioned_v3, outbox_unpartitioned_v2

revision: str = "penalty_0012_outbox_parts"
down_revision: str | None = "penalty_0011_outbox_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox_partitioned_v3(op)


def downgrade() -> None:
    outbox_unpartitioned_v2(op)
