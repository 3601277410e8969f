"""The days (and the instants from outside) penalty stores are the days the API accepts, years 1900–2199
(services/common/date_bounds.py): the stored values out of range reported, repaired where a repair keeps their
meaning (an open end past 2199-12-31, as ``infinity``, becomes 2199-12-31; an open start before 1900-01-01
becomes 1900-01-01), the migration refused naming the rows where none does (a day something happened on);
then a CHECK constraint per column. The downgrade drops the constraints; repaired values stay repaired.

Revision ID: penalty_0017_date_bounds
Revises: penalty_0016_case_parts
Create Date: 2026-12-12
"""

from collections.abc import Sequence

from alembic import op

from services.common.date_bounds import Bounded, bound_columns, unbound_columns

revision: str = "penalty_0017_date_bounds"
down_revision: str | None = "penalty_0016_case_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, repair, kind): the date columns, and the timestamptz columns that take an instant from a
# request; those only the server clock sets are left alone (docs/operations.md, "Days and instants out of
# range"). A repair writes no audit entry and no event: each service's copy of a day (penalty's
# officer_certificate of inspection's officer, risk's signals) is repaired by its own migration, by the same
# rule.
COLUMNS = (
    Bounded("calendar_override", "day"),
    Bounded("benchmark_version", "effective_from"),
    Bounded("benchmark_version", "effective_to"),
    Bounded("penalty_case", "decided_on"),
    Bounded("officer_certificate", "valid_until", "last"),
    Bounded("credit_notice", "publication_starts_on"),
    Bounded("credit_notice", "earliest_repair_on", "last"),
    Bounded("credit_notice", "publication_ends_on", "last"),
    Bounded("document", "issued_on"),
    Bounded("decided_case", "decided_on"),
    Bounded("decided_case", "first_decided_on"),
    Bounded("decision_disclosure", "decided_on"),
    Bounded("decision_disclosure", "due_on", "last"),
    Bounded("decision_disclosure", "published_on"),
    Bounded("decision_disclosure", "withdraw_by", "last"),
    Bounded("decision_disclosure", "withdrawn_on"),
    Bounded("economic_impact_assessment", "assessed_on"),
    Bounded("deadline_report", "due_on"),
    Bounded("deadline_report", "detected_on"),
    Bounded("case_enforcement", "window_missed_reported_on"),
    Bounded("violation_act", "started_on"),
    Bounded("violation_act", "ended_on"),
    Bounded("spot_collection", "collected_on"),
    Bounded("spot_collection", "landed_on"),
    Bounded("spot_collection", "handover_due_on", "last"),
    Bounded("spot_collection", "handed_over_on"),
    Bounded("spot_collection", "banking_due_on", "last"),
    Bounded("spot_collection", "banked_on"),
    Bounded("case_supervision_matter", "due_on", "last"),
    Bounded("penalty_follow_up", "ordered_on"),
    Bounded("penalty_follow_up", "due_on", "last"),
    Bounded("penalty_follow_up", "checked_on"),
)


def upgrade() -> None:
    bound_columns(op, COLUMNS)


def downgrade() -> None:
    unbound_columns(op, COLUMNS)
