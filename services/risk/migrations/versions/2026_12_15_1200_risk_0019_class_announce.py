"""A first classification announced from its classes: ``class_announcement`` (one row per first classification:
the event ids' namespace, the run's time and request id, the last USCC announced, done). A first
classification writes no ``risk.enterprise.classified`` outbox rows any more (repository.announcements,
docs/benchmarks/risk-first-plans.md).

The downgrade refuses while a first classification's events are not all announced (they are in no outbox row:
dropping the table would lose them); let the worker's ``announce-classes`` job finish first.

Revision ID: risk_0019_class_announce
Revises: risk_0018_date_bounds
Create Date: 2026-12-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "risk_0019_class_announce"
down_revision: str | None = "risk_0018_date_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "class_announcement",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_text", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("after_uscc", sa.Text(), server_default="", nullable=False),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_class_announcement"),
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(sa.text("SELECT count(*) FROM class_announcement WHERE NOT done"))
    if pending:
        raise RuntimeError(
            f"{pending} first classification(s) not yet announced: their risk.enterprise.classified events are "
            "in no outbox row; run the worker (job announce-classes) until class_announcement.done, then downgrade"
        )
    op.drop_table("class_announcement")
