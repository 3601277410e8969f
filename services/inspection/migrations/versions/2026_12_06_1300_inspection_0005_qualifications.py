"""Officers' qualifications (issue #14 item 5): the training ledger (学时), exams and random quizzes,
daily appraisals (日常考核); and the 责令改正 follow-ups (issue #14 item 6).

Revision ID: inspection_0005
Revises: inspection_0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "inspection_0005"
down_revision: str | None = "inspection_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officer_training",
        sa.Column("training_id", sa.UUID(), nullable=False),
        sa.Column("officer_id", sa.UUID(), nullable=False),
        sa.Column("course", sa.Text(), nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("certificate_ref", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "hours > 0 AND hours <= 200 AND hours * 2 = trunc(hours * 2)",
            name=op.f("ck_officer_training_hours"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.officer_id"], name=op.f("fk_officer_training_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("training_id", name=op.f("pk_officer_training")),
    )
    op.create_index("ix_officer_training_officer_id_held_on", "officer_training", ["officer_id", "held_on"])
    op.create_table(
        "officer_exam",
        sa.Column("exam_id", sa.UUID(), nullable=False),
        sa.Column("officer_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("examiner", sa.Text(), nullable=False),
        sa.Column("lifted_retraining", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('exam', 'quiz')", name=op.f("ck_officer_exam_kind")),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.officer_id"], name=op.f("fk_officer_exam_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("exam_id", name=op.f("pk_officer_exam")),
    )
    op.create_index("ix_officer_exam_officer_id_held_on", "officer_exam", ["officer_id", "held_on"])
    op.create_table(
        "officer_appraisal",
        sa.Column("appraisal_id", sa.UUID(), nullable=False),
        sa.Column("officer_id", sa.UUID(), nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("appraiser", sa.Text(), nullable=False),
        sa.Column("rating", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "rating IN ('优秀', '合格', '基本合格', '不合格')", name=op.f("ck_officer_appraisal_rating")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.officer_id"], name=op.f("fk_officer_appraisal_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("appraisal_id", name=op.f("pk_officer_appraisal")),
    )
    op.create_index(
        "ix_officer_appraisal_officer_id_appraised_on", "officer_appraisal", ["officer_id", "appraised_on"]
    )

    op.create_table(
        "correction_follow_up",
        sa.Column("follow_up_id", sa.UUID(), nullable=False),
        sa.Column("visit_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("item_name", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("uscc", sa.Text(), nullable=False),
        sa.Column("enterprise_name", sa.Text(), nullable=False),
        sa.Column("dept_code", sa.Text(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("officer_cert_nos", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("result_notes", sa.Text(), server_default="", nullable=False),
        sa.Column("evidence_sha256", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("result_visit_id", sa.UUID(), nullable=True),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'corrected', 'not_corrected')", name=op.f("ck_correction_follow_up_status")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.visit_id"], name=op.f("fk_correction_follow_up_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("follow_up_id", name=op.f("pk_correction_follow_up")),
    )
    op.create_index(
        "ix_correction_follow_up_dept_code_status_due_on",
        "correction_follow_up",
        ["dept_code", "status", "due_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_correction_follow_up_dept_code_status_due_on", table_name="correction_follow_up")
    op.drop_table("correction_follow_up")
    op.drop_index("ix_officer_appraisal_officer_id_appraised_on", table_name="officer_appraisal")
    op.drop_table("officer_appraisal")
    op.drop_index("ix_officer_exam_officer_id_held_on", table_name="officer_exam")
    op.drop_table("officer_exam")
    op.drop_index("ix_officer_training_officer_id_held_on", table_name="officer_training")
    op.drop_table("officer_training")
