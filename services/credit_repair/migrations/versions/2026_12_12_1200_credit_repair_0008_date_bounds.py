"""The days credit_repair stores are the days the API accepts, years 1900–2199
(services/common/date_bounds.py): the stored values out of range reported, repaired where a repair keeps their
meaning (an open end past 2199-12-31, as ``infinity``, becomes 2199-12-31; an open start before 1900-01-01
becomes 1900-01-01), the migration refused naming the rows where none does (a day something happened on);
then a CHECK constraint per column. The downgrade drops the constraints; repaired values stay repaired.

Revision ID: credit_repair_0008_date_bounds
Revises: credit_repair_0007_audit_parts
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from alembic import op

from services.common.date_bounds import Bounded, bound_columns, unbound_columns

revision: str = "credit_repair_0008_date_bounds"
down_revision: str | None = "credit_repair_0007_audit_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, repair, kind): the date columns, and the timestamptz columns that take an instant from a
# request; those only the server clock sets are left alone (docs/operations.md, "Days and instants out of
# range"). A repair writes no audit entry and no event: each service's copy of a day (penalty's
# officer_certificate of inspection's officer, risk's signals) is repaired by its own migration, by the same
# rule.
COLUMNS = (
    Bounded("calendar_override", "day"),
    Bounded("credit_rule_set", "effective_from", "first"),
    Bounded("credit_rule_set", "effective_to", "last"),
    Bounded("credit_record", "decided_on"),
    Bounded("credit_record", "effective_on"),
    Bounded("credit_record", "status_changed_on"),
    Bounded("publication", "starts_on"),
    Bounded("publication", "min_ends_on", "last"),
    Bounded("publication", "earliest_repair_on", "last"),
    Bounded("publication", "max_ends_on", "last"),
    Bounded("publication", "decided_on"),
    Bounded("publication", "repaired_on"),
    Bounded("publication_key", "starts_on"),
    Bounded("publication_end", "ended_on"),
    Bounded("repair_notice", "issued_on"),
    Bounded("repair_application", "submitted_on"),
    Bounded("repair_application", "acceptance_due", "last"),
    Bounded("repair_application", "decision_due", "last"),
    Bounded("repair_application", "window_due", "last"),
    Bounded("repair_application", "accepted_on"),
    Bounded("repair_application", "decided_on"),
    Bounded("cleanup_run", "as_of"),
)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
