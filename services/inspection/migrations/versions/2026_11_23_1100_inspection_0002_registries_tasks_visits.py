"""Registries (districts, departments, enforcement bodies, versioned inspection items, officers,
enterprises), the risk-class projection, quiet windows, tasks and their enterprises, entry codes, visits
and their outcomes, and refused entry attempts.

Revision ID: inspection_0002
Revises: inspection_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "inspection_0002"
down_revision: str | None = "inspection_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_department")),
    )
    op.create_table(
        "district",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="区", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district")),
    )
    op.create_table(
        "enterprise",
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), server_default="", nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("legal_rep_masked", sa.Text(), server_default="", nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("code_serial", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "code_issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_enterprise")),
    )
    op.create_index(op.f("ix_enterprise_district_code"), "enterprise", ["district_code"], unique=False)
    op.create_table(
        "enterprise_class",
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("risk_class", sa.Text(), nullable=False),
        sa.Column("previous_class", sa.Text(), nullable=True),
        sa.Column("score", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), server_default="risk", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_enterprise_class")),
    )
    op.create_table(
        "entry_refusal",
        sa.Column("refusal_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("task_id", sa.UUID(), nullable=True),
        sa.Column("uscc", sa.Text(), nullable=True),
        sa.Column("dept_code", sa.Text(), nullable=True),
        sa.Column("district_code", sa.Text(), nullable=True),
        sa.Column("cert_nos", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("entry_code_id", sa.UUID(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("attempt_key", sa.Text(), nullable=True),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("refusal_id", name=op.f("pk_entry_refusal")),
        sa.UniqueConstraint("attempt_key", name=op.f("uq_entry_refusal_attempt_key")),
    )
    op.create_index("ix_entry_refusal_code", "entry_refusal", ["code"], unique=False)
    op.create_index("ix_entry_refusal_refused_at", "entry_refusal", ["refused_at"], unique=False)
    op.create_table(
        "quiet_window",
        sa.Column("window_id", sa.UUID(), nullable=False),
        sa.Column("uscc", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("window_id", name=op.f("pk_quiet_window")),
    )
    op.create_index(op.f("ix_quiet_window_uscc"), "quiet_window", ["uscc"], unique=False)
    op.create_table(
        "enforcement_body",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("dept_code", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dept_code"], ["department.code"], name=op.f("fk_enforcement_body_dept_code_department")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_enforcement_body")),
    )
    op.create_index(op.f("ix_enforcement_body_dept_code"), "enforcement_body", ["dept_code"], unique=False)
    op.create_table(
        "inspection_item",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("dept_code", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("enterprise_related", sa.Boolean(), nullable=False),
        sa.Column("key_area", sa.Boolean(), nullable=False),
        sa.Column("on_site", sa.Boolean(), nullable=False),
        sa.Column("legal_basis", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dept_code"], ["department.code"], name=op.f("fk_inspection_item_dept_code_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_item")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_inspection_item_code_version")),
    )
    op.create_index(op.f("ix_inspection_item_code"), "inspection_item", ["code"], unique=False)
    op.create_index(op.f("ix_inspection_item_dept_code"), "inspection_item", ["dept_code"], unique=False)
    op.create_table(
        "officer",
        sa.Column("officer_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("dept_code", sa.Text(), nullable=False),
        sa.Column("body_code", sa.Text(), nullable=True),
        sa.Column("cert_no", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("auxiliary", sa.Boolean(), nullable=False),
        sa.Column("id_number_masked", sa.Text(), server_default="", nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("status_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("retraining", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("return_date", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'revoked', 'expired')", name=op.f("ck_officer_status")
        ),
        sa.ForeignKeyConstraint(
            ["dept_code"], ["department.code"], name=op.f("fk_officer_dept_code_department")
        ),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officer")),
        sa.UniqueConstraint("cert_no", name=op.f("uq_officer_cert_no")),
    )
    op.create_index(op.f("ix_officer_dept_code"), "officer", ["dept_code"], unique=False)
    op.create_table(
        "task",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("lead_dept", sa.Text(), nullable=False),
        sa.Column("dept_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("item_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("district_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("urgent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("lead_id", sa.Text(), nullable=True),
        sa.Column("requested_by_enterprise", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_by_role", sa.Text(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("status_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("approval_overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draw_algorithm", sa.Text(), nullable=True),
        sa.Column("draw_seed", sa.Text(), nullable=True),
        sa.Column("draw_fingerprint", sa.Text(), nullable=True),
        sa.Column("draw_record", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("kind IN ('random', 'joint', 'complaint', 'key_area')", name=op.f("ck_task_kind")),
        sa.CheckConstraint(
            "status IN ('pending_approval', 'approved', 'rejected', 'completed', 'cancelled')",
            name=op.f("ck_task_status"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_dept"], ["department.code"], name=op.f("fk_task_lead_dept_department")
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task")),
    )
    op.create_index("ix_task_kind_status", "task", ["kind", "status"], unique=False)
    op.create_index(op.f("ix_task_lead_dept"), "task", ["lead_dept"], unique=False)
    op.create_table(
        "entry_code",
        sa.Column("code_id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("cert_nos", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("accompanying_ids", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("item_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("kid", sa.Text(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_id", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["task.task_id"], name=op.f("fk_entry_code_task_id_task")),
        sa.PrimaryKeyConstraint("code_id", name=op.f("pk_entry_code")),
    )
    op.create_index(op.f("ix_entry_code_task_id"), "entry_code", ["task_id"], unique=False)
    op.create_table(
        "task_enterprise",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("assigned_cert_nos", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.task_id"], name=op.f("fk_task_enterprise_task_id_task")),
        sa.PrimaryKeyConstraint("task_id", "uscc", name=op.f("pk_task_enterprise")),
    )
    op.create_table(
        "visit",
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("task_kind", sa.Text(), nullable=False),
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("entry_code_id", sa.UUID(), nullable=True),
        sa.Column("requested_by_enterprise", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("dept_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("cert_nos", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("officers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "accompanying", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("item_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("started_by", sa.Text(), nullable=False),
        sa.Column("started_by_role", sa.Text(), server_default="officer", nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating_stars", sa.SmallInteger(), nullable=True),
        sa.Column("rating_tags", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("rating_anonymous", sa.Boolean(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "mode IN ('entry_code', 'enterprise_code', 'emergency', 'backfilled')", name=op.f("ck_visit_mode")
        ),
        sa.CheckConstraint("status IN ('in_progress', 'completed')", name=op.f("ck_visit_status")),
        sa.CheckConstraint("rating_stars BETWEEN 1 AND 5", name=op.f("ck_visit_rating_stars")),
        sa.ForeignKeyConstraint(["task_id"], ["task.task_id"], name=op.f("fk_visit_task_id_task")),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_visit")),
        sa.UniqueConstraint("entry_code_id", name=op.f("uq_visit_entry_code_id")),
    )
    op.create_index("ix_visit_cert_nos", "visit", ["cert_nos"], unique=False, postgresql_using="gin")
    op.create_index("ix_visit_dept_codes", "visit", ["dept_codes"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_visit_district_code_started_at", "visit", ["district_code", "started_at"], unique=False
    )
    op.create_index("ix_visit_started_at", "visit", ["started_at"], unique=False)
    op.create_index(op.f("ix_visit_task_id"), "visit", ["task_id"], unique=False)
    op.create_index(
        "ix_visit_unaudited",
        "visit",
        ["recorded_at"],
        unique=False,
        postgresql_where=sa.text("audited_at IS NULL"),
    )
    op.create_index("ix_visit_uscc_started_at", "visit", ["uscc", "started_at"], unique=False)
    op.create_table(
        "visit_outcome",
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("evidence_sha256", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("correction_deadline", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('compliant', 'violation', 'ordered_to_correct', 'educated')",
            name=op.f("ck_visit_outcome_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.visit_id"], name=op.f("fk_visit_outcome_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("visit_id", "item_code", name=op.f("pk_visit_outcome")),
    )


def downgrade() -> None:
    op.drop_table("visit_outcome")
    op.drop_index("ix_visit_uscc_started_at", table_name="visit")
    op.drop_index("ix_visit_unaudited", table_name="visit", postgresql_where=sa.text("audited_at IS NULL"))
    op.drop_index(op.f("ix_visit_task_id"), table_name="visit")
    op.drop_index("ix_visit_started_at", table_name="visit")
    op.drop_index("ix_visit_district_code_started_at", table_name="visit")
    op.drop_index("ix_visit_dept_codes", table_name="visit", postgresql_using="gin")
    op.drop_index("ix_visit_cert_nos", table_name="visit", postgresql_using="gin")
    op.drop_table("visit")
    op.drop_table("task_enterprise")
    op.drop_index(op.f("ix_entry_code_task_id"), table_name="entry_code")
    op.drop_table("entry_code")
    op.drop_index(op.f("ix_task_lead_dept"), table_name="task")
    op.drop_index("ix_task_kind_status", table_name="task")
    op.drop_table("task")
    op.drop_index(op.f("ix_officer_dept_code"), table_name="officer")
    op.drop_table("officer")
    op.drop_index(op.f("ix_inspection_item_dept_code"), table_name="inspection_item")
    op.drop_index(op.f("ix_inspection_item_code"), table_name="inspection_item")
    op.drop_table("inspection_item")
    op.drop_index(op.f("ix_enforcement_body_dept_code"), table_name="enforcement_body")
    op.drop_table("enforcement_body")
    op.drop_index(op.f("ix_quiet_window_uscc"), table_name="quiet_window")
    op.drop_table("quiet_window")
    op.drop_index("ix_entry_refusal_refused_at", table_name="entry_refusal")
    op.drop_index("ix_entry_refusal_code", table_name="entry_refusal")
    op.drop_table("entry_refusal")
    op.drop_table("enterprise_class")
    op.drop_index(op.f("ix_enterprise_district_code"), table_name="enterprise")
    op.drop_table("enterprise")
    op.drop_table("district")
    op.drop_table("department")
