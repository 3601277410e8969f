"""The visits waiting for the auditor in a narrow queue, ``visit_unaudited``, instead of ``visit.audited_at``
(issue #16 item 1): the auditor's ``UPDATE visit SET audited_at`` could not be a HOT update (the column was
in the predicate of ``ix_visit_unaudited``, and a ~2 kB row on full pages has no room beside it), so every
visit was written twice, with an entry in each of its indexes twice. Now the check-in's statement queues the
visit (recorded_at, visit_id, started_at) and the auditor deletes it in the transaction that appends it to
the chain (docs/benchmarks/checkin-postgres.md, "Round three").

The upgrade queues the visits not audited yet (``audited_at IS NULL``, by the partial index), then drops the
index and the column. The downgrade gives the column back: a visit in the queue stays NULL; any other gets
the time of its start's entry in the audit chain, or its ``recorded_at`` when the chain has none (a visit
written already audited, as the generators write them); then the index, and the queue is dropped.

Revision ID: inspection_0013_visit_unaudited
Revises: inspection_0012_date_bounds
Create Date: 2026-12-13
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inspection_0013_visit_unaudited"
down_revision: str | None = "inspection_0012_date_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUE_UNAUDITED = (
    "INSERT INTO visit_unaudited (recorded_at, visit_id, started_at)"
    " SELECT recorded_at, visit_id, started_at FROM visit WHERE audited_at IS NULL"
)
_AUDITED_BY_THE_CHAIN = """
UPDATE visit v SET audited_at = a.at
FROM (SELECT entity_id, min(at) AS at FROM audit_entry
      WHERE entity_type = 'visit' AND action LIKE 'visit.started.%' GROUP BY entity_id) a
WHERE a.entity_id = v.visit_id::text
  AND NOT EXISTS (SELECT FROM visit_unaudited q WHERE q.visit_id = v.visit_id AND q.recorded_at = v.recorded_at)
"""
_AUDITED_BEFORE = """
UPDATE visit v SET audited_at = v.recorded_at
WHERE v.audited_at IS NULL
  AND NOT EXISTS (SELECT FROM visit_unaudited q WHERE q.visit_id = v.visit_id AND q.recorded_at = v.recorded_at)
"""


def upgrade() -> None:
    op.create_table(
        "visit_unaudited",
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recorded_at", "visit_id", name="pk_visit_unaudited"),
    )
    op.execute(_QUEUE_UNAUDITED)
    op.drop_index("ix_visit_unaudited", table_name="visit", postgresql_where=sa.text("audited_at IS NULL"))
    op.drop_column("visit", "audited_at")


def downgrade() -> None:
    op.add_column("visit", sa.Column("audited_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_AUDITED_BY_THE_CHAIN)
    op.execute(_AUDITED_BEFORE)
    op.create_index(
        "ix_visit_unaudited", "visit", ["recorded_at"], postgresql_where=sa.text("audited_at IS NULL")
    )
    op.drop_table("visit_unaudited")
