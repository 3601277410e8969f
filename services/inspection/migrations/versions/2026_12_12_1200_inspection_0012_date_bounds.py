"""The days (and the instants from outside) inspection stores are the days the API accepts, years 1900–2199
(services/common/date_bounds.py): the stored values out of range reported, repaired where a repair keeps their
meaning (an open end past 2199-12-31, as ``infinity``, becomes 2199-12-31; an open start before 1900-01-01
becomes 1900-01-01), the migration refused naming the rows where none does (a day something happened on);
then a CHECK constraint per column. The downgrade drops the constraints; repaired values stay repaired.

Revision ID: inspection_0012_date_bounds
Revises: inspection_0011_audit_parts
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from alembic import op

from services.common.date_bounds import Bounded, bound_columns, unbound_columns

revision: str = "inspection_0012_date_bounds"
down_revision: str | None = "inspection_0011_audit_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, repair, kind): the date columns, and the timestamptz columns that take an instant from a
# request; those only the server clock sets are left alone (docs/operations.md, "Days and instants out of
# range"). A repair writes no audit entry and no event: each service's copy of a day (penalty's
# officer_certificate of inspection's officer, risk's signals) is repaired by its own migration, by the same
# rule.
COLUMNS = (
    Bounded("calendar_override", "day"),
    Bounded("inspection_item", "effective_from", "first"),
    Bounded("inspection_item", "retired_on", "last"),
    Bounded("officer", "valid_until", "last"),
    Bounded("officer", "status_since"),
    Bounded("officer", "return_date", "last"),
    Bounded("enterprise", "registered_on"),
    Bounded("quiet_window", "starts_on", "first"),
    Bounded("quiet_window", "ends_on", "last"),
    Bounded("task", "starts_on", "first"),
    Bounded("task", "ends_on", "last"),
    Bounded("task_draw", "draw_at", "refuse", "instant"),
    Bounded("visit", "started_at", "refuse", "instant"),
    Bounded("visit_key", "started_at", "refuse", "instant"),
    Bounded("visit_outcome", "correction_deadline", "last"),
    Bounded("visit_outcome", "visit_started_at", "refuse", "instant"),
    Bounded("officer_training", "held_on"),
    Bounded("officer_exam", "held_on"),
    Bounded("officer_appraisal", "appraised_on"),
    Bounded("correction_follow_up", "ordered_on"),
    Bounded("correction_follow_up", "due_on", "last"),
    Bounded("correction_follow_up", "checked_on"),
)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
