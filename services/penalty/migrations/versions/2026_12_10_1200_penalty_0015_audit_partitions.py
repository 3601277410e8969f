"""The audit chain's ``audit_entry`` partitioned by China month on ``at`` (issue #16 item 6; docs/scaling.md,
"The audit chain"): a new partitioned table, primary key ``(seq, at)``, with its partitions from the oldest
entry's month to the months kept ahead; the entries copied and counted per month under an EXCLUSIVE lock
(reads go on, appends wait), swapped in; the append-only guard on the parent and on every partition
(services/common/tables.py ``audit_partitioned``). The downgrade copies the entries back into one table.

Revision ID: penalty_0015_audit_parts
Revises: penalty_0014_decided_parts
Create Date: 2026-12-10
"""

from collections.abc import Sequence

from alembic import op

from services.common.tables import audit_partitioned, audit_unpartitioned

revision: str = "penalty_0015_audit_parts"
down_revision: str | None = "penalty_0014_decided_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_partitioned(op)


def downgrade() -> None:
    audit_unpartitioned(op)
