"""责令改正 follow-ups (issue #14 item 6): a unit signal of kind ``overdue_follow_up`` (from
inspection.correction.follow_up_overdue), counted in the quarterly report.

Revision ID: risk_0007_followups
Revises: risk_0006_complaints
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0007_followups"
down_revision: str | None = "risk_0006_complaints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# risk_0002 passed the full name to the naming convention, which may have prefixed it again
# (ck_unit_signal_ck_unit_signal_kind); the models call it ck_unit_signal_kind: whichever exists is dropped,
# and the new one is named as risk_0005_matters names it (through the convention), so each downgrade finds it.
NAMES = ("ck_unit_signal_ck_unit_signal_kind", "ck_unit_signal_kind")
OLD = "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit', 'overdue_matter')"
NEW = (
    "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit', 'overdue_matter', 'overdue_follow_up')"
)


def _drop() -> None:
    for name in NAMES:
        op.execute(f"ALTER TABLE unit_signal DROP CONSTRAINT IF EXISTS {name}")


def upgrade() -> None:
    _drop()
    op.create_check_constraint(
        "ck_unit_signal_kind", "unit_signal", NEW
    )  # named as risk_0005_matters names it


def downgrade() -> None:
    op.execute("DELETE FROM unit_signal WHERE kind = 'overdue_follow_up'")
    _drop()
    op.create_check_constraint("ck_unit_signal_kind", "unit_signal", OLD)
