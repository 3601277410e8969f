"""``ix_visit_dept_codes`` dropped (issue #16 item 1): no query can read it. The one condition on a visit's
departments is the supervisors' visibility, ``'SJ' = ANY(dept_codes)`` (services/common/access.py
``any_of``), and a GIN index of an array serves ``@>``, ``<@``, ``&&`` and ``=`` only: every plan filters
the rows another index (or the month's scan) found. Each check-in still paid its insert into the index's
pending list, and vacuum the pending list's merge (docs/benchmarks/checkin-postgres.md, "Round three").

Revision ID: inspection_0014_visit_dept_codes
Revises: inspection_0013_visit_unaudited
Create Date: 2026-12-13
"""

from collections.abc import Sequence

from alembic import op

revision: str = "inspection_0014_visit_dept_codes"
down_revision: str | None = "inspection_0013_visit_unaudited"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_visit_dept_codes", table_name="visit", postgresql_using="gin")


def downgrade() -> None:
    op.create_index("ix_visit_dept_codes", "visit", ["dept_codes"], unique=False, postgresql_using="gin")
