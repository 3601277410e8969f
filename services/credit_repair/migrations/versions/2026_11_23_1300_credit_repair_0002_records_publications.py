"""Credit tables: rule sets, records, publications, notices, repair applications, the feed, pending case
events and clean-up runs.

``credit_rule_set`` carries an exclusion constraint so two rule sets can never be in force on the same day,
even when two administrators add them at once (the service checks first for a readable message).
``feed_counter`` starts with its single row.

Revision ID: credit_repair_0002
Revises: credit_repair_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "credit_repair_0002"
down_revision: str | None = "credit_repair_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
TEXTS = ARRAY(sa.Text)


def upgrade() -> None:
    op.create_table(
        "credit_rule_set",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("sample", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    # '[]': both ends inclusive; a NULL effective_to is an open end.
    op.execute(
        "ALTER TABLE credit_rule_set ADD CONSTRAINT ex_credit_rule_set_effective "
        "EXCLUDE USING gist (daterange(effective_from, effective_to, '[]') WITH &&)"
    )

    op.create_table(
        "credit_record",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date),
        sa.Column("party_kind", sa.Text, nullable=False),
        sa.Column("party_uscc", sa.Text),
        sa.Column("party_id_masked", sa.Text),
        sa.Column("party_name", sa.Text, nullable=False),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("department_name", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("penalty_domain", sa.Text, nullable=False),
        sa.Column("domain_key", sa.Text, nullable=False),
        sa.Column("benchmark_code", sa.Text, nullable=False),
        sa.Column("kinds", TEXTS, nullable=False),
        sa.Column("fine_fen", sa.BigInteger, nullable=False),
        sa.Column("confiscation_fen", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("procedure", sa.Text, nullable=False),
        sa.Column("serious", sa.Boolean, nullable=False),
        sa.Column("restriction_months", sa.Integer),
        sa.Column("credit_class", sa.Text, nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("class_reason", sa.Text, nullable=False),
        sa.Column(
            "rule_set_id",
            sa.Text,
            sa.ForeignKey("credit_rule_set.id", name="fk_credit_record_rule_set_id_credit_rule_set"),
            nullable=False,
        ),
        sa.Column("min_months", sa.Integer),
        sa.Column("max_months", sa.Integer),
        sa.Column("never_early", sa.Boolean, nullable=False),
        sa.Column("never_early_kinds", TEXTS, nullable=False),
        sa.Column("platforms", TEXTS, nullable=False),
        sa.Column("decision_status", sa.Text, nullable=False, server_default="in_force"),
        sa.Column("status_revision", sa.Integer, nullable=False),
        sa.Column("status_changed_on", sa.Date),
        sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("fine_paid_fen", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fully_performed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("superseded_by", UUID(as_uuid=True)),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("case_id", "revision", name="uq_credit_record_case_id_revision"),
    )
    op.create_index("ix_credit_record_party_uscc", "credit_record", ["party_uscc"])

    op.create_table(
        "publication",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=False), nullable=False),
        sa.Column(
            "record_id",
            UUID(as_uuid=True),
            sa.ForeignKey("credit_record.id", name="fk_publication_record_id_credit_record"),
            nullable=False,
        ),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("decision_no", sa.Text, nullable=False),
        sa.Column("party_kind", sa.Text, nullable=False),
        sa.Column("party_uscc", sa.Text),
        sa.Column("public_name", sa.Text, nullable=False),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("department_name", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("credit_class", sa.Text, nullable=False),
        sa.Column("rule_set_id", sa.Text, nullable=False),
        sa.Column("platforms", TEXTS, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("min_ends_on", sa.Date, nullable=False),
        sa.Column("earliest_repair_on", sa.Date),
        sa.Column("max_ends_on", sa.Date, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("procedure", sa.Text, nullable=False),
        sa.Column("kinds_mask", sa.Integer, nullable=False),
        sa.Column("fine_fen", sa.BigInteger, nullable=False),
        sa.Column("serious", sa.Boolean, nullable=False),
        sa.Column("restriction_months", sa.Integer),
        sa.Column("decision_status", sa.Text, nullable=False, server_default="in_force"),
        sa.Column("repaired_on", sa.Date),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("seq", name="uq_publication_seq"),
        sa.UniqueConstraint("record_id", name="uq_publication_record_id"),
    )
    op.create_index("ix_publication_max_ends_on", "publication", ["max_ends_on"])
    op.create_index("ix_publication_party_uscc", "publication", ["party_uscc"])
    op.create_index("ix_publication_department_code_seq", "publication", ["department_code", "seq"])
    # Ends are rows of their own (a bulk end inserts narrow rows instead of rewriting wide ones); no foreign
    # key, for the same reason.
    op.create_table(
        "publication_end",
        sa.Column("publication_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("ended_at", TZ, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("cleanup_run_id", UUID(as_uuid=True)),
    )

    op.create_table(
        "repair_notice",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "record_id",
            UUID(as_uuid=True),
            sa.ForeignKey("credit_record.id", name="fk_repair_notice_record_id_credit_record"),
            nullable=False,
        ),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("notice_no", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("party_uscc", sa.Text),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("content", JSONB, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("pdf", sa.LargeBinary),
        sa.Column("pdf_rendered_at", TZ),
        sa.UniqueConstraint("record_id", name="uq_repair_notice_record_id"),
        sa.UniqueConstraint("notice_no", name="uq_repair_notice_notice_no"),
        sa.UniqueConstraint("prefix", "year", "seq", name="uq_repair_notice_prefix_year_seq"),
    )
    op.create_index("ix_repair_notice_case_id", "repair_notice", ["case_id"])
    op.create_index("ix_repair_notice_party_uscc", "repair_notice", ["party_uscc"])

    op.create_table(
        "notice_counter",
        sa.Column("prefix", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )

    op.create_table(
        "repair_application",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "record_id",
            UUID(as_uuid=True),
            sa.ForeignKey("credit_record.id", name="fk_repair_application_record_id_credit_record"),
            nullable=False,
        ),
        sa.Column(
            "publication_id",
            UUID(as_uuid=True),
            sa.ForeignKey("publication.id", name="fk_repair_application_publication_id_publication"),
            nullable=False,
        ),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("party_uscc", sa.Text, nullable=False),
        sa.Column("department_code", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("submitted_by", sa.Text, nullable=False),
        sa.Column("commitment_text", sa.Text, nullable=False),
        sa.Column("violation_corrected", sa.Boolean, nullable=False),
        sa.Column("evidence_refs", TEXTS, nullable=False),
        sa.Column("rule_set_id", sa.Text, nullable=False),
        sa.Column("acceptance_due", sa.Date, nullable=False),
        sa.Column("decision_due", sa.Date, nullable=False),
        sa.Column("window_due", sa.Date, nullable=False),
        sa.Column("extended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("accepted_on", sa.Date),
        sa.Column("decided_on", sa.Date),
        sa.Column("decided_at", TZ),
        sa.Column("reviewer", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("reasons", TEXTS, nullable=False, server_default="{}"),
        sa.Column("on_time", sa.Boolean),
        sa.CheckConstraint(
            "status IN ('submitted', 'under_review', 'repaired', 'rejected')",
            name="ck_repair_application_status",
        ),
    )
    op.create_index(
        "uq_repair_application_open_record_id",
        "repair_application",
        ["record_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'under_review')"),
    )
    op.create_index("ix_repair_application_party_uscc", "repair_application", ["party_uscc"])
    op.create_index(
        "ix_repair_application_department_code_status", "repair_application", ["department_code", "status"]
    )

    op.create_table(
        "feed_entry",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("publication_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("occurred_at", TZ, nullable=False),
    )
    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO feed_counter (id, last) VALUES (1, 0)")

    op.create_table(
        "pending_case_event",
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column("received_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("applied_at", TZ),
    )
    op.create_index(
        "ix_pending_case_event_case_id",
        "pending_case_event",
        ["case_id"],
        postgresql_where=sa.text("applied_at IS NULL"),
    )

    op.create_table(
        "cleanup_run",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rule_set_id", sa.Text, nullable=False),
        sa.Column("reasons", TEXTS),
        sa.Column("department_codes", TEXTS),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_role", sa.Text, nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("next_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("max_seq", sa.BigInteger),
        sa.Column("examined", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("matched", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error", sa.Text),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'completed', 'failed')", name="ck_cleanup_run_status"
        ),
    )
    op.create_table(
        "cleanup_step",
        sa.Column(
            "run_id",
            UUID(as_uuid=True),
            sa.ForeignKey("cleanup_run.id", name="fk_cleanup_step_run_id_cleanup_run"),
            primary_key=True,
        ),
        sa.Column("lo", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hi", sa.BigInteger, nullable=False),
        sa.Column("examined", sa.BigInteger),
        sa.Column("matched", sa.BigInteger),
        sa.Column("done_at", TZ),
    )
    op.create_table(
        "cleanup_count",
        sa.Column(
            "run_id",
            UUID(as_uuid=True),
            sa.ForeignKey("cleanup_run.id", name="fk_cleanup_count_run_id_cleanup_run"),
            primary_key=True,
        ),
        sa.Column("step_lo", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("reason", sa.Text, primary_key=True),
        sa.Column("department_code", sa.Text, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "cleanup_count",
        "cleanup_step",
        "cleanup_run",
        "pending_case_event",
        "feed_counter",
        "feed_entry",
        "repair_application",
        "notice_counter",
        "repair_notice",
        "publication_end",
        "publication",
        "credit_record",
        "credit_rule_set",
    ):
        op.drop_table(table)
