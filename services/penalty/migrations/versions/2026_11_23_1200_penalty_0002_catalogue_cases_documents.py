"""Benchmark catalogue, departments, cases and their steps, leads, projections, documents and counters,
the consistency table and missed-deadline reports.

Revision ID: penalty_0002
Revises: penalty_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "penalty_0002"
down_revision: str | None = "penalty_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False, default: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.func.now() if default else None,
    )


# The sample jurisdiction's municipal departments (data/sample/departments.json), so a fresh database can
# number documents at once; administrators edit them with PUT /api/v1/penalty/admin/departments/{code}.
# 复议机关: 县级以上地方各级人民政府 for its own departments (行政复议法 第二十四条第一款第一项).
DEPARTMENTS = [
    ("SJ", "沈阳市市场监督管理局", "市监"),
    ("ST", "沈阳市生态环境局", "环"),
    ("CG", "沈阳市城市管理综合行政执法局", "城管"),
    ("JT", "沈阳市交通运输局", "交"),
    ("YJ", "沈阳市应急管理局", "应急"),
    ("WJ", "沈阳市卫生健康委员会", "卫"),
    ("XF", "沈阳市消防救援支队", "消"),
]

IMMUTABLE_TRIGGER = """
CREATE FUNCTION benchmark_version_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'published benchmark version %/% cannot be deleted', OLD.code, OLD.version
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        -- The only change allowed: closing the period when a successor is published (自新版施行之日起废止).
        IF NEW.status IS DISTINCT FROM OLD.status OR NEW.body IS DISTINCT FROM OLD.body
           OR NEW.effective_from IS DISTINCT FROM OLD.effective_from
           OR NEW.code IS DISTINCT FROM OLD.code OR NEW.version IS DISTINCT FROM OLD.version
           OR OLD.effective_to IS NOT NULL OR NEW.effective_to IS NULL THEN
            RAISE EXCEPTION 'published benchmark version %/% is immutable', OLD.code, OLD.version
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

IMMUTABLE_TRIGGER_ATTACH = """
CREATE TRIGGER benchmark_version_immutable BEFORE UPDATE OR DELETE ON benchmark_version
    FOR EACH ROW EXECUTE FUNCTION benchmark_version_immutable()
"""


def upgrade() -> None:
    op.create_table(
        "benchmark_version",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("violation_name", sa.Text, nullable=False),
        sa.Column("approving_document", sa.Text, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("drafted_by", sa.Text, nullable=False),
        _ts("drafted_at", default=True),
        sa.Column("approved_by", sa.Text),
        _ts("approved_at", nullable=True),
        sa.Column("published_by", sa.Text),
        _ts("published_at", nullable=True),
        sa.PrimaryKeyConstraint("code", "version", name="pk_benchmark_version"),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'published')", name="ck_benchmark_version_status"
        ),
        sa.CheckConstraint("version >= 1", name="ck_benchmark_version_version_positive"),
    )
    op.create_index("ix_benchmark_version_status_code", "benchmark_version", ["status", "code"])
    op.execute(IMMUTABLE_TRIGGER)
    op.execute(IMMUTABLE_TRIGGER_ATTACH)

    op.create_table(
        "catalogue_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("meta", JSONB, nullable=False),
        _ts("updated_at", default=True),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_state"),
    )
    op.execute("INSERT INTO catalogue_state (id, revision, meta) VALUES (1, 0, '{}'::jsonb)")

    department = op.create_table(
        "department",
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("abbreviation", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("contact", sa.Text, nullable=False, server_default=""),
        sa.Column("phone", sa.Text, nullable=False, server_default=""),
        sa.Column("reconsideration_body", sa.Text, nullable=False),
        sa.Column("court", sa.Text, nullable=False),
        sa.Column("bank", sa.Text, nullable=False),
        sa.Column("account_name", sa.Text, nullable=False, server_default=""),
        sa.Column("account_no", sa.Text, nullable=False, server_default=""),
        _ts("updated_at", default=True),
        sa.PrimaryKeyConstraint("code", name="pk_department"),
    )
    op.bulk_insert(
        department,
        [
            {
                "code": code,
                "name": name,
                "abbreviation": abbreviation,
                "reconsideration_body": "沈阳市人民政府",
                "court": "有管辖权的人民法院",
                "bank": "本机关指定的代收罚款银行",
            }
            for code, name, abbreviation in DEPARTMENTS
        ],
    )

    op.create_table(
        "penalty_case",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_no", sa.Text, nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("procedure", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("violation_id", UUID(as_uuid=True)),
        sa.Column("lead_id", UUID(as_uuid=True)),
        sa.Column("party_kind", sa.Text, nullable=False),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("party_uscc", sa.Text),
        sa.Column("party_id_number", sa.Text),
        sa.Column("party_id_masked", sa.Text),
        sa.Column("party_address", sa.Text, nullable=False, server_default=""),
        sa.Column("party_legal_rep", sa.Text, nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("benchmark_code", sa.Text),
        sa.Column("benchmark_version", sa.Integer),
        sa.Column("tier", sa.Text),
        sa.Column("decision_no", sa.Text),
        sa.Column("decided_on", sa.Date),
        sa.Column("fine_fen", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("serious", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("opened_by", sa.Text, nullable=False),
        _ts("opened_at"),
        _ts("updated_at"),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("domain_case", JSONB, nullable=False),
        sa.Column("facts", JSONB),
        sa.Column("assessment", JSONB),
        sa.Column("details", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_penalty_case"),
        sa.UniqueConstraint("case_no", name="uq_penalty_case_case_no"),
        sa.UniqueConstraint("violation_id", name="uq_penalty_case_violation_id"),
        sa.UniqueConstraint("decision_no", name="uq_penalty_case_decision_no"),
        sa.CheckConstraint("fine_fen >= 0", name="ck_penalty_case_fine_non_negative"),
    )
    op.create_index(
        "ix_penalty_case_dept_code_opened_at_id", "penalty_case", ["dept_code", "opened_at", "id"]
    )
    op.create_index("ix_penalty_case_party_uscc", "penalty_case", ["party_uscc"])
    op.create_index(
        "ix_penalty_case_district_code_opened_at_id", "penalty_case", ["district_code", "opened_at", "id"]
    )
    op.create_index("ix_penalty_case_opened_at_id", "penalty_case", ["opened_at", "id"])
    op.create_index(
        "ix_penalty_case_open_state",
        "penalty_case",
        ["state"],
        postgresql_where=sa.text("state NOT IN ('closed')"),
    )

    op.create_table(
        "case_step",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        _ts("at"),
        sa.Column("events", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_step"),
        sa.ForeignKeyConstraint(["case_id"], ["penalty_case.id"], name="fk_case_step_case_id_penalty_case"),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_step_case_id_seq"),
    )

    op.create_table(
        "lead",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("violation_id", UUID(as_uuid=True), nullable=False),
        sa.Column("visit_id", UUID(as_uuid=True), nullable=False),
        sa.Column("enterprise_uscc", sa.Text, nullable=False),
        sa.Column("enterprise_name", sa.Text, nullable=False),
        sa.Column("item_code", sa.Text, nullable=False),
        sa.Column("item_name", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("evidence_hashes", JSONB, nullable=False),
        sa.Column("officer_cert_nos", JSONB, nullable=False),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        _ts("found_at"),
        _ts("received_at", default=True),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("case_id", UUID(as_uuid=True)),
        sa.Column("handled_by", sa.Text),
        _ts("handled_at", nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_lead"),
        sa.UniqueConstraint("violation_id", name="uq_lead_violation_id"),
        sa.CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="ck_lead_status"),
    )
    op.create_index("ix_lead_department_code_found_at_id", "lead", ["department_code", "found_at", "id"])

    op.create_table(
        "officer_certificate",
        sa.Column("cert_no", sa.Text, nullable=False),
        sa.Column("officer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("auxiliary", sa.Boolean, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        _ts("changed_at"),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("cert_no", name="pk_officer_certificate"),
    )

    op.create_table(
        "credit_notice",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("notice_id", UUID(as_uuid=True), nullable=False),
        sa.Column("notice_no", sa.Text, nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("credit_class", sa.Text, nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("publication_starts_on", sa.Date),
        sa.Column("earliest_repair_on", sa.Date),
        sa.Column("publication_ends_on", sa.Date),
        sa.Column("document_url", sa.Text, nullable=False),
        _ts("issued_at"),
        _ts("received_at", default=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_credit_notice"),
    )

    op.create_table(
        "document",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        _ts("created_at", default=True),
        sa.Column("pdf", sa.LargeBinary),
        _ts("pdf_rendered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
        sa.ForeignKeyConstraint(["case_id"], ["penalty_case.id"], name="fk_document_case_id_penalty_case"),
        sa.UniqueConstraint("number", name="uq_document_number"),
    )
    op.create_index("ix_document_case_id", "document", ["case_id"])

    op.create_table(
        "document_counter",
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dept_code", "year", "kind", name="pk_document_counter"),
    )

    op.create_table(
        "decided_case",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("dept_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("benchmark_code", sa.Text, nullable=False),
        sa.Column("benchmark_version", sa.Integer, nullable=False),
        sa.Column("tier", sa.Text, nullable=False),
        sa.Column("tier_low_fen", sa.BigInteger),
        sa.Column("tier_high_fen", sa.BigInteger),
        sa.Column("fine_fen", sa.BigInteger, nullable=False),
        sa.Column("has_fine", sa.Boolean, nullable=False),
        sa.Column("facts_key", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("case_id", name="pk_decided_case"),
    )
    op.create_index("ix_decided_case_benchmark_code_tier", "decided_case", ["benchmark_code", "tier"])

    op.create_table(
        "deadline_report",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("deadline", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("detected_on", sa.Date, nullable=False),
        _ts("reported_at", default=True),
        sa.PrimaryKeyConstraint("case_id", "deadline", "due_on", name="pk_deadline_report"),
    )


def downgrade() -> None:
    op.drop_table("deadline_report")
    op.drop_index("ix_decided_case_benchmark_code_tier", table_name="decided_case")
    op.drop_table("decided_case")
    op.drop_table("document_counter")
    op.drop_index("ix_document_case_id", table_name="document")
    op.drop_table("document")
    op.drop_table("credit_notice")
    op.drop_table("officer_certificate")
    op.drop_index("ix_lead_department_code_found_at_id", table_name="lead")
    op.drop_table("lead")
    op.drop_table("case_step")
    op.drop_index("ix_penalty_case_open_state", table_name="penalty_case")
    op.drop_index("ix_penalty_case_opened_at_id", table_name="penalty_case")
    op.drop_index("ix_penalty_case_district_code_opened_at_id", table_name="penalty_case")
    op.drop_index("ix_penalty_case_party_uscc", table_name="penalty_case")
    op.drop_index("ix_penalty_case_dept_code_opened_at_id", table_name="penalty_case")
    op.drop_table("penalty_case")
    op.drop_table("department")
    op.drop_table("catalogue_state")
    op.execute("DROP TRIGGER benchmark_version_immutable ON benchmark_version")
    op.execute("DROP FUNCTION benchmark_version_immutable()")
    op.drop_index("ix_benchmark_version_status_code", table_name="benchmark_version")
    op.drop_table("benchmark_version")
