"""Supervision matters (issue #14: 个案监督 and 提级办理): the matters, the level each target is supervised at,
the numbering counter of their documents, and ``overdue_matter`` as a kind of unit signal (the quarterly
report counts overdue and late-answered matters).

Revision ID: risk_0005_matters
Revises: risk_0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "risk_0005_matters"
down_revision: str | None = "risk_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
_OLD_KINDS = "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit')"
_NEW_KINDS = "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit', 'overdue_matter')"


def upgrade() -> None:
    op.create_table(
        "supervision_matter",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("target_kind", sa.Text, nullable=False),
        sa.Column("target_id", UUID(as_uuid=True), nullable=False),
        sa.Column("target_ref", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("requested_action", sa.Text, nullable=False),
        sa.Column("deadline_working_days", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("answered_late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answer_outcome", sa.Text, nullable=True),
        sa.Column("answer_text", sa.Text, nullable=False, server_default=""),
        sa.Column("corrected", sa.Text, nullable=False, server_default=""),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("answered_by", sa.Text, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("closed_by", sa.Text, nullable=True),
        sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supervision_level", sa.Text, nullable=False, server_default="district"),
        sa.Column("level_decided_by", sa.Text, nullable=True),
        sa.Column("level_decided_at", TZ, nullable=True),
        sa.Column("opened_by", sa.Text, nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("document_no", sa.Text, nullable=False),
        sa.Column("document_html", sa.Text, nullable=False),
        sa.Column("document_pdf", sa.LargeBinary, nullable=True),
        sa.Column("history", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_matter"),
        sa.UniqueConstraint("document_no", name="uq_supervision_matter_document_no"),
        sa.CheckConstraint(
            "kind IN ('opinion', 'correction', 'escalation')", name="ck_supervision_matter_kind"
        ),
        sa.CheckConstraint(
            "target_kind IN ('case', 'visit', 'lead')", name="ck_supervision_matter_target_kind"
        ),
        sa.CheckConstraint(
            "status IN ('open', 'overdue', 'answered', 'closed')", name="ck_supervision_matter_status"
        ),
        sa.CheckConstraint(
            "supervision_level IN ('district', 'city')", name="ck_supervision_matter_supervision_level"
        ),
    )
    op.create_index(
        "ix_supervision_matter_unit_code_opened_at", "supervision_matter", ["unit_code", "opened_at"]
    )
    op.create_index("ix_supervision_matter_target", "supervision_matter", ["target_kind", "target_id"])
    op.create_index(
        "ix_supervision_matter_open_due_on",
        "supervision_matter",
        ["due_on"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "supervision_target",
        sa.Column("target_kind", sa.Text, nullable=False),
        sa.Column("target_id", UUID(as_uuid=True), nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("matter_id", UUID(as_uuid=True), nullable=False),
        sa.PrimaryKeyConstraint("target_kind", "target_id", name="pk_supervision_target"),
    )
    op.create_table(
        "matter_document_counter",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name="pk_matter_document_counter"),
    )
    op.drop_constraint("ck_unit_signal_kind", "unit_signal", type_="check")
    op.create_check_constraint("ck_unit_signal_kind", "unit_signal", _NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM unit_signal WHERE kind = 'overdue_matter'")
    op.drop_constraint("ck_unit_signal_kind", "unit_signal", type_="check")
    op.create_check_constraint("ck_unit_signal_kind", "unit_signal", _OLD_KINDS)
    op.drop_table("matter_document_counter")
    op.drop_table("supervision_target")
    op.drop_index("ix_supervision_matter_open_due_on", table_name="supervision_matter")
    op.drop_index("ix_supervision_matter_target", table_name="supervision_matter")
    op.drop_index("ix_supervision_matter_unit_code_opened_at", table_name="supervision_matter")
    op.drop_table("supervision_matter")
