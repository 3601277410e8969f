"""The days (and the instants from outside) risk stores are the days the API accepts, years 1900–2199
(services/common/date_bounds.py): the stored values out of range reported, repaired where a repair keeps their
meaning (an open end past 2199-12-31, as ``infinity``, becomes 2199-12-31; an open start before 1900-01-01
becomes 1900-01-01), the migration refused naming the rows where none does (a day something happened on);
then a CHECK constraint per column. The downgrade drops the constraints; repaired values stay repaired.

Revision ID: risk_0018_date_bounds
Revises: risk_0017_class_fillfactor
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from alembic import op

from services.common.date_bounds import Bounded, bound_columns, unbound_columns

revision: str = "risk_0018_date_bounds"
down_revision: str | None = "risk_0017_class_fillfactor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, repair, kind): the date columns, and the timestamptz columns that take an instant from a
# request; those only the server clock sets are left alone (docs/operations.md, "Days and instants out of
# range"). A repair writes no audit entry and no event: each service's copy of a day (penalty's
# officer_certificate of inspection's officer, risk's signals) is repaired by its own migration, by the same
# rule.
COLUMNS = (
    Bounded("calendar_override", "day"),
    Bounded("external_outcome", "decided_on"),
    Bounded("external_outcome", "penalty_decided_on"),
    Bounded("complaint_lead", "received_on"),
    Bounded("complaint_lead", "answer_due_on", "last"),
    Bounded("complaint_lead", "close_due_on", "last"),
    Bounded("risk_case", "decided_on"),
    Bounded("risk_case", "changed_on"),
    Bounded("risk_case", "revoked_on"),
    Bounded("unit_signal", "occurred_on"),
    Bounded("risk_publication_signal", "published_on"),
    Bounded("risk_publication_signal", "ends_on", "last"),
    Bounded("risk_publication_signal", "withdrawn_on"),
    Bounded("risk_violation_signal", "found_on"),
    Bounded("risk_repair_signal", "completed_on"),
    Bounded("enterprise_class", "changed_on"),
    Bounded("classification_run", "run_on"),
    Bounded("rectification", "issued_on"),
    Bounded("rectification", "deadline", "last"),
    Bounded("risk_complaint", "due_on", "last"),
    Bounded("risk_complaint", "reply_due_on", "last"),
    Bounded("risk_supervision_member", "term_start", "first"),
    Bounded("risk_supervision_member", "term_end", "last"),
    Bounded("risk_member_invitation", "on_date"),
    Bounded("risk_contact_point", "term_start", "first"),
    Bounded("risk_contact_point", "term_end", "last"),
    Bounded("supervision_matter", "due_on", "last"),
    Bounded("supervision_matter", "opened_on"),
    Bounded("review_campaign", "period_from", "first"),
    Bounded("review_campaign", "period_to", "last"),
    Bounded("review_campaign", "starts_on"),
    Bounded("review_campaign", "draw_at", "refuse", "instant"),
    Bounded("review_file", "decided_on"),
    Bounded("bulletin", "issued_on"),
)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
