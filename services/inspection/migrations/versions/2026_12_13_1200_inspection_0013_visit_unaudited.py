"""The visits waiting for the auditor in a narrow queue, ``visit_unaudited``, instead of ``visit.audited_at``
(issue #16 item 1): the auditor's ``UPDATE visit SET audited_at`` could not be a HOT update (the column was
in the predicate of ``ix_visit_unaudited``, and a ~2 kB row on full pages has no room beside it), so every
visit was written twice, with an entry in each of its indexes twice. Now every visit inserted is queued
(recorded_at, visit_id, started_at) by a statement trigger, ``visit_queue_for_audit``, and the auditor deletes it
in the transaction that appends it to the chain (docs/benchmarks/checkin-postgres.md, "Round three"). A
trigger, not the check-in's statement, so that no writer can leave a visit out of the chain: the previous
release's pods during a rolling update, a future path, a hand-written INSERT (a bulk load that disables
user triggers writes its visits as already audited, as the generators did with ``audited_at``).

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


# Statement-level, with transition tables: an UPDATE that moves a visit to another month's partition (a
# correction of its start) runs as a DELETE and an INSERT in the partitions and would fire a row-level AFTER
# INSERT trigger again, queueing a visit already audited (appended twice) or already queued (a duplicate key);
# the root's statement-level INSERT trigger fires for INSERT and COPY only. A queued visit moved to another
# month follows in the queue (the auditor reads each visit in the month the queue names).
_QUEUE_FUNCTIONS = (
    """
CREATE FUNCTION visit_queue_for_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_unaudited (recorded_at, visit_id, started_at)
    SELECT recorded_at, visit_id, started_at FROM new_visits;
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION visit_queue_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE visit_unaudited q SET started_at = n.started_at
    FROM new_visits n
    WHERE q.recorded_at = n.recorded_at AND q.visit_id = n.visit_id AND q.started_at <> n.started_at;
    RETURN NULL;
END
$$
""",
)
_QUEUE_TRIGGERS = (
    "CREATE TRIGGER visit_queue_for_audit AFTER INSERT ON visit REFERENCING NEW TABLE AS new_visits"
    " FOR EACH STATEMENT EXECUTE FUNCTION visit_queue_for_audit()",
    "CREATE TRIGGER visit_queue_follow AFTER UPDATE ON visit REFERENCING NEW TABLE AS new_visits"
    " FOR EACH STATEMENT EXECUTE FUNCTION visit_queue_follow()",
)


def upgrade() -> None:
    op.create_table(
        "visit_unaudited",
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recorded_at", "visit_id", name="pk_visit_unaudited"),
    )
    op.execute(_QUEUE_UNAUDITED)
    for statement in (*_QUEUE_FUNCTIONS, *_QUEUE_TRIGGERS):
        op.execute(statement)
    op.drop_index("ix_visit_unaudited", table_name="visit", postgresql_where=sa.text("audited_at IS NULL"))
    op.drop_column("visit", "audited_at")


def downgrade() -> None:
    for name in ("visit_queue_for_audit", "visit_queue_follow"):
        op.execute(f"DROP TRIGGER {name} ON visit")
        op.execute(f"DROP FUNCTION {name}()")
    op.add_column("visit", sa.Column("audited_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_AUDITED_BY_THE_CHAIN)
    op.execute(_AUDITED_BEFORE)
    op.create_index(
        "ix_visit_unaudited", "visit", ["recorded_at"], postgresql_where=sa.text("audited_at IS NULL")
    )
    op.drop_table("visit_unaudited")
