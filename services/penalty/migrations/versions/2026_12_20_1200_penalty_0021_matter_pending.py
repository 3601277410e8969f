"""A supervision matter's deadline may be pending in risk (risk_0024: the working days run into a year whose
holiday arrangement is not entered yet), and risk.supervision.matter_opened / matter_closed then carry
``due_on`` null: ``case_supervision_matter.due_on`` is nullable. The case is held open all the same; the
closing refusal says the deadline is 待定 (use_cases/supervision.py).

Expand only, safe while the previous release runs. Deploy penalty (and notify) before risk publishes a null
``due_on`` (only a matter opened or closed in the last weeks of a year, before the next year is entered): the
previous release's consumer refuses such an event, which goes to its dead letters and is replayed after.

The downgrade refuses while a row's deadline is null: no date can be written back without guessing one. The
deadline is risk's (``GET /api/v1/risk/supervision/matters/{matter_id}``, computed once the year is entered):
copy it into the row, then downgrade.

Revision ID: penalty_0021_matter_pending
Revises: penalty_0020_positions_median
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "penalty_0021_matter_pending"
down_revision: str | None = "penalty_0020_positions_median"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("case_supervision_matter", "due_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    pending = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM case_supervision_matter WHERE due_on IS NULL")
    )
    if pending:
        raise RuntimeError(
            f"{pending} supervision matter(s) on cases have no deadline (pending in risk when published): copy "
            "each one's due_on from risk (GET /api/v1/risk/supervision/matters/{matter_id}), then downgrade"
        )
    op.alter_column("case_supervision_matter", "due_on", existing_type=sa.Date(), nullable=False)
