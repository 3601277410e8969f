"""Risk tables: units, intake (outcomes, 12345 leads, weekly transfers), projections of penalty, inspection
and credit events, enterprise classes and their runs, published reports, warnings and rectifications.

``risk_penalty_signal`` and ``risk_complaint_signal`` are views: the classification SQL reads them by those
names (services/risk/domain/classes.py), and a revoked decision leaves the score with its ``risk_case`` row.

Revision ID: risk_0002
Revises: risk_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "risk_0002"
down_revision: str | None = "risk_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "risk_unit",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("department_code", sa.Text),
        sa.Column("district_code", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_risk_unit_district_code", "risk_unit", ["district_code"])

    op.create_table(
        "external_outcome",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("body_hash", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("penalty_case_id", UUID(as_uuid=True)),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("penalty_decided_on", sa.Date),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("loss_type", sa.Text),
        sa.Column("illegality", sa.Text),
        sa.Column("counts_as", sa.Text),
        sa.Column("record", JSONB, nullable=False),
        sa.Column("received_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("kind", "external_id", name="uq_external_outcome_kind_external_id"),
        sa.CheckConstraint("kind IN ('reconsideration', 'litigation')", name="ck_external_outcome_kind"),
        sa.CheckConstraint(
            "counts_as IS NULL OR counts_as IN ('reconsideration_correction', 'litigation_loss')",
            name="ck_external_outcome_counts_as",
        ),
    )
    op.create_index(
        "ix_external_outcome_decided_on_unit_code", "external_outcome", ["decided_on", "unit_code"]
    )

    op.create_table(
        "lead_transfer",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("batch", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("transferred_at", TZ, nullable=False),
        sa.Column("transferred_by", sa.Text, nullable=False),
        sa.Column("lead_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_lead_transfer_batch", "lead_transfer", ["batch"])

    op.create_table(
        "complaint_lead",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("body_hash", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("penalty_case_id", UUID(as_uuid=True)),
        sa.Column("uscc", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("batch", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="received"),
        sa.Column(
            "transfer_id",
            UUID(as_uuid=True),
            sa.ForeignKey("lead_transfer.id", name="fk_complaint_lead_transfer_id_lead_transfer"),
        ),
        sa.Column("department", sa.Text, nullable=False, server_default=""),
        sa.Column("transferred_at", TZ),
        sa.Column("answer_due_on", sa.Date),
        sa.Column("answered_at", TZ),
        sa.Column("answered_late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("close_due_on", sa.Date),
        sa.Column("closed_at", TZ),
        sa.Column("return_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("history", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("record", JSONB, nullable=False),
        sa.UniqueConstraint("external_id", name="uq_complaint_lead_external_id"),
        sa.CheckConstraint(
            "status IN ('received', 'transferred', 'answered', 'closed')", name="ck_complaint_lead_status"
        ),
    )
    op.create_index("ix_complaint_lead_received_on_unit_code", "complaint_lead", ["received_on", "unit_code"])
    op.create_index("ix_complaint_lead_batch_status", "complaint_lead", ["batch", "status"])
    op.create_index("ix_complaint_lead_unit_code", "complaint_lead", ["unit_code"])
    op.create_index(
        "ix_complaint_lead_uscc", "complaint_lead", ["uscc"], postgresql_where=sa.text("uscc IS NOT NULL")
    )

    op.create_table(
        "risk_case",
        sa.Column("case_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("case_no", sa.Text),
        sa.Column("decision_no", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("district_code", sa.Text),
        sa.Column("domain", sa.Text),
        sa.Column("party_uscc", sa.Text),
        sa.Column("tier", sa.Text),
        sa.Column("decided_on", sa.Date),
        sa.Column("outside_tier", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("issued_revision", sa.Integer),
        sa.Column("changed_on", sa.Date),
        sa.Column("revoked_on", sa.Date),
        sa.Column("correction_source", sa.Text),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "status IN ('opened', 'issued', 'changed', 'revoked')", name="ck_risk_case_status"
        ),
    )
    op.create_index("ix_risk_case_decided_on_unit_code", "risk_case", ["decided_on", "unit_code"])
    op.create_index(
        "ix_risk_case_party_uscc",
        "risk_case",
        ["party_uscc"],
        postgresql_where=sa.text("party_uscc IS NOT NULL"),
    )

    op.create_table(
        "unit_signal",
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("ref", sa.Text, primary_key=True),
        sa.Column("unit_code", sa.Text, primary_key=True),
        sa.Column("domain", sa.Text),
        sa.Column("case_id", UUID(as_uuid=True)),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("value", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint(
            "kind IN ('refused_entry', 'rating', 'overdue_procedure', 'visit')", name="ck_unit_signal_kind"
        ),
    )
    op.create_index("ix_unit_signal_occurred_on_unit_code", "unit_signal", ["occurred_on", "unit_code"])

    op.create_table(
        "risk_enterprise",
        sa.Column("uscc", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("district_code", sa.Text),
        sa.Column("first_seen_at", TZ, nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "risk_publication_signal",
        sa.Column("publication_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("uscc", sa.Text, nullable=False),
        sa.Column("case_id", UUID(as_uuid=True)),
        sa.Column("published_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        sa.Column("ended_at", TZ),
        sa.Column("withdrawn_on", sa.Date),
    )
    op.create_index("ix_risk_publication_signal_uscc", "risk_publication_signal", ["uscc"])

    op.create_table(
        "risk_violation_signal",
        sa.Column("violation_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("uscc", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text),
        sa.Column("item_code", sa.Text, nullable=False, server_default=""),
        sa.Column("found_on", sa.Date, nullable=False),
    )
    op.create_index("ix_risk_violation_signal_uscc", "risk_violation_signal", ["uscc"])

    op.create_table(
        "risk_repair_signal",
        sa.Column("repair_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("uscc", sa.Text, nullable=False),
        sa.Column("case_id", UUID(as_uuid=True)),
        sa.Column("completed_on", sa.Date, nullable=False),
    )
    op.create_index("ix_risk_repair_signal_uscc", "risk_repair_signal", ["uscc"])

    op.create_table(
        "enterprise_class",
        sa.Column("uscc", sa.Text, primary_key=True),
        sa.Column("class", sa.CHAR(1), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("reason_texts", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("changed_on", sa.Date, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("classified_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("class IN ('A', 'B', 'C', 'D')", name="ck_enterprise_class_class"),
    )

    op.create_table(
        "classification_run",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("run_on", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("config_version", sa.Text),
        sa.Column("enterprises", sa.Integer),
        sa.Column("written", sa.Integer),
        sa.Column("emitted", sa.Integer),
        sa.Column("seconds", sa.Float),
        sa.Column("error", sa.Text),
        sa.CheckConstraint("kind IN ('daily', 'requested')", name="ck_classification_run_kind"),
        sa.CheckConstraint(
            "status IN ('requested', 'running', 'done', 'failed')", name="ck_classification_run_status"
        ),
    )
    op.create_index(
        "uq_classification_run_daily",
        "classification_run",
        ["run_on"],
        unique=True,
        postgresql_where=sa.text("kind = 'daily'"),
    )
    op.create_index(
        "ix_classification_run_status_requested_at", "classification_run", ["status", "requested_at"]
    )

    op.create_table(
        "quarter_report",
        sa.Column("quarter", sa.Text, primary_key=True),
        sa.Column("config_version", sa.Text, nullable=False),
        sa.Column("published_at", TZ, nullable=False),
        sa.Column("published_by", sa.Text, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("snapshot", JSONB, nullable=False),
    )

    op.create_table(
        "risk_warning",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "quarter",
            sa.Text,
            sa.ForeignKey("quarter_report.quarter", name="fk_risk_warning_quarter_quarter_report"),
            nullable=False,
        ),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("colour", sa.Text, nullable=False),
        sa.Column("lamp", sa.Boolean, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.UniqueConstraint("quarter", "unit_code", name="uq_risk_warning_quarter_unit_code"),
        sa.CheckConstraint("colour IN ('red', 'yellow', 'blue', 'none')", name="ck_risk_warning_colour"),
    )
    op.create_index("ix_risk_warning_unit_code", "risk_warning", ["unit_code"])

    op.create_table(
        "rectification",
        sa.Column(
            "warning_id",
            UUID(as_uuid=True),
            sa.ForeignKey("risk_warning.id", name="fk_rectification_warning_id_risk_warning"),
            primary_key=True,
        ),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("quarter", sa.Text, nullable=False),
        sa.Column("colour", sa.Text, nullable=False),
        sa.Column("lamp", sa.Boolean, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("measures", sa.Text, nullable=False, server_default=""),
        sa.Column("submitted_at", TZ),
        sa.Column("submitted_late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("history", JSONB, nullable=False),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "status IN ('pending', 'submitted', 'reopened', 'closed', 'withdrawn')",
            name="ck_rectification_status",
        ),
    )
    op.create_index("ix_rectification_unit_code", "rectification", ["unit_code"])
    op.create_index("ix_rectification_status_deadline", "rectification", ["status", "deadline"])

    # The classification SQL reads signals by these names (services/risk/domain/classes.py).
    op.execute(
        """
        CREATE VIEW risk_penalty_signal AS
        SELECT c.party_uscc AS uscc, c.decided_on, c.tier, c.case_id
        FROM risk_case c
        WHERE c.status <> 'revoked'
          AND c.party_uscc IS NOT NULL
          AND c.decided_on IS NOT NULL
          AND c.tier IN ('aggravated', 'general', 'lenient', 'mitigated')
        """
    )
    op.execute(
        """
        CREATE VIEW risk_complaint_signal AS
        SELECT l.uscc, l.received_on, l.id AS lead_id
        FROM complaint_lead l
        WHERE l.uscc IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW risk_complaint_signal")
    op.execute("DROP VIEW risk_penalty_signal")
    for table in (
        "rectification",
        "risk_warning",
        "quarter_report",
        "classification_run",
        "enterprise_class",
        "risk_repair_signal",
        "risk_violation_signal",
        "risk_publication_signal",
        "risk_enterprise",
        "unit_signal",
        "risk_case",
        "complaint_lead",
        "lead_transfer",
        "external_outcome",
        "risk_unit",
    ):
        op.drop_table(table)
