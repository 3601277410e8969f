"""``entry_code_taken(code_id)``: raises SQLSTATE ``ZE001`` (issue #16 item 1, round four). The check-in sends
its claim-and-insert, COMMIT and the relay's NOTIFY in ONE simple-protocol message (services/inspection/
repository/entry.py ``insert_visit``); a message's statements return no rows to the driver, and an error stops
the message before its COMMIT. So a claim that finds the code already used must fail the statement: the
statement calls this function when it claimed nothing, the transaction is left aborted, and the service
rolls it back and records the refusal (CODE_USED) as before (docs/benchmarks/checkin-postgres.md,
"Round four").

Rolling updates: the previous release's pods never call it; the new pods run after their init container has
migrated. The downgrade drops it (the new code cannot then serve a check-in on its pooled path).

Revision ID: inspection_0015_entry_code_taken
Revises: inspection_0014_visit_dept_codes
Create Date: 2026-12-14
"""

from collections.abc import Sequence

from alembic import op

revision: str = "inspection_0015_entry_code_taken"
down_revision: str | None = "inspection_0014_visit_dept_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION entry_code_taken(code uuid) RETURNS uuid LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'entry code % is used or unknown: nothing claimed', code USING ERRCODE = 'ZE001';
END $$
"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION entry_code_taken(uuid)")
