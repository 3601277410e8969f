"""Bulk intake uploads: the upload (state, progress, figures), its body in pieces until processed, and the
report of its rejected lines; the upload that stored each outcome and lead.

Revision ID: risk_0003
Revises: risk_0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "risk_0003"
down_revision: str | None = "risk_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # nullable, no default: adding them rewrites nothing
    op.add_column("external_outcome", sa.Column("upload_id", UUID(as_uuid=True)))
    op.add_column("complaint_lead", sa.Column("upload_id", UUID(as_uuid=True)))
    op.create_table(
        "intake_upload",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_role", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("chunk_bytes", sa.Integer, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bytes_processed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("line_no", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lines", sa.Integer, nullable=False, server_default="0"),
        sa.Column("stored", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("errors_by_code", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("first_errors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("report_lines", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_by", UUID(as_uuid=True)),
        sa.Column("heartbeat_at", TZ),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("error", sa.Text),
        sa.CheckConstraint(
            "kind IN ('reconsideration', 'litigation', 'complaint')", name="ck_intake_upload_kind"
        ),
        sa.CheckConstraint("mode IN ('sync', 'async')", name="ck_intake_upload_mode"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_intake_upload_state"),
    )
    op.create_index("ix_intake_upload_state_created_at", "intake_upload", ["state", "created_at"])
    op.create_index("ix_intake_upload_created_at", "intake_upload", ["created_at"])
    op.create_table(
        "intake_upload_chunk",
        sa.Column(
            "upload_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                "intake_upload.id", ondelete="CASCADE", name="fk_intake_upload_chunk_upload_id_intake_upload"
            ),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "intake_upload_error",
        sa.Column(
            "upload_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                "intake_upload.id", ondelete="CASCADE", name="fk_intake_upload_error_upload_id_intake_upload"
            ),
            primary_key=True,
        ),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("issues", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_upload_error")
    op.drop_table("intake_upload_chunk")
    op.drop_table("intake_upload")
    op.drop_column("complaint_lead", "upload_id")
    op.drop_column("external_outcome", "upload_id")
