"""One act, one fine (行政处罚法 第二十九条): the violation as an act that cases refer to, with the provisions
assessed for it; on-the-spot collection (第六十八条–第七十一条) with its receipt, hand-over and banking.

Revision ID: penalty_0007_acts
Revises: penalty_0006_audit
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "penalty_0007_acts"
down_revision: str | None = "penalty_0006_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "violation_act",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("party_kind", sa.Text, nullable=False),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("party_uscc", sa.Text, nullable=True),
        sa.Column("party_id_number", sa.Text, nullable=True),
        sa.Column("place", sa.Text, nullable=False, server_default=""),
        sa.Column("started_on", sa.Date, nullable=True),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("facts_summary", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("visit_id", UUID(as_uuid=True), nullable=True),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_violation_act"),
        sa.CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on",
            name="ck_violation_act_span_ordered",
        ),
    )
    op.create_index("ix_violation_act_party_uscc", "violation_act", ["party_uscc"])
    op.create_table(
        "case_act",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("act_id", UUID(as_uuid=True), nullable=False),
        sa.Column("provisions", JSONB, nullable=False, server_default="[]"),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_act"),
        sa.ForeignKeyConstraint(["case_id"], ["penalty_case.id"], name="fk_case_act_case_id_penalty_case"),
        sa.ForeignKeyConstraint(["act_id"], ["violation_act.id"], name="fk_case_act_act_id_violation_act"),
    )
    op.create_index("ix_case_act_act_id", "case_act", ["act_id"])
    op.create_table(
        "spot_collection",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("ground", sa.Text, nullable=False),
        sa.Column("area", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("party_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("receipt_no", sa.Text, nullable=False),
        sa.Column("collected_on", sa.Date, nullable=False),
        sa.Column("collected_by", sa.Text, nullable=False),
        sa.Column("collected_by_cert", sa.Text, nullable=False),
        sa.Column("waterborne", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("landed_on", sa.Date, nullable=True),
        sa.Column("handover_due_on", sa.Date, nullable=True),
        sa.Column("handed_over_on", sa.Date, nullable=True),
        sa.Column("handed_over_to", sa.Text, nullable=False, server_default=""),
        sa.Column("banking_due_on", sa.Date, nullable=True),
        sa.Column("banked_on", sa.Date, nullable=True),
        sa.Column("bank_receipt_no", sa.Text, nullable=False, server_default=""),
        sa.Column("reported", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spot_collection"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["penalty_case.id"], name="fk_spot_collection_case_id_penalty_case"
        ),
        sa.UniqueConstraint("receipt_no", name="uq_spot_collection_receipt_no"),
        sa.CheckConstraint("amount_fen > 0", name="ck_spot_collection_amount_positive"),
        sa.CheckConstraint(
            "ground IN ('small_fine', 'hard_to_enforce', 'remote_area')", name="ck_spot_collection_ground"
        ),
    )
    op.create_index("ix_spot_collection_case_id", "spot_collection", ["case_id"])
    op.create_index(
        "ix_spot_collection_dept_code_collected_on", "spot_collection", ["dept_code", "collected_on"]
    )


def downgrade() -> None:
    op.drop_table("spot_collection")
    op.drop_table("case_act")
    op.drop_table("violation_act")
