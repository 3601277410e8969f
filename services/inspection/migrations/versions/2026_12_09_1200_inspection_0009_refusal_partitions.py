"""Refused entries partitioned by the China month of ``refused_at`` (issue #16 item 6, docs/scaling.md
"Partitioning"): ``refusal_attempt`` (one narrow row per attempt that carried an attempt key: the key unique
across every month, since a mobile retry may reach the service after midnight at a month's end) filled by a
trigger in the statement that inserts the refusal, which skips the refusal when its attempt is already there
(the old ``ON CONFLICT (attempt_key) DO NOTHING``, now for every write path, COPY included); the partitions from
the oldest row's month to the months kept ahead, created by ``zhifa_create_partition`` (inspection_0007; the
service role has no DDL; services/common/partitions.py). The rows are copied under an EXCLUSIVE lock (reads go
on, writes wait), counted per China month in the same transaction and the tables swapped; the old table is
dropped at once (nothing is left to verify later). Nothing references ``entry_refusal``. The downgrade is the
same in reverse.

Revision ID: inspection_0009_refusal_parts
Revises: inspection_0008
Create Date: 2026-12-09
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.common import partitions

revision: str = "inspection_0009_refusal_parts"
down_revision: str | None = "inspection_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
_COLUMNS = (
    "refusal_id, code, status, detail, channel, task_id, uscc, dept_code, district_code, cert_nos,"
    " entry_code_id, actor, actor_role, request_id, attempt_key, refused_at"
)
_INDEXES = (
    ("ix_entry_refusal_code", ["code"]),
    ("ix_entry_refusal_refused_at", ["refused_at"]),
)
# Every insert into ``entry_refusal`` (the service's check-in, the sample loader, a bench's COPY, a test's bulk
# insert) records its attempt key in the same statement; a second row of the same attempt, in any month, is
# skipped (RETURN NULL: no row, no RETURNING). BEFORE, so a COPY queues no after-trigger events; a refusal
# without a key (a client without Idempotency-Key) is its own attempt.
_ATTEMPT_TRIGGER = (
    """
CREATE FUNCTION refusal_attempt_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.attempt_key IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO refusal_attempt (attempt_key, refusal_id, refused_at)
    VALUES (NEW.attempt_key, NEW.refusal_id, NEW.refused_at)
    ON CONFLICT (attempt_key) DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER refusal_attempt_insert BEFORE INSERT ON entry_refusal"
    " FOR EACH ROW EXECUTE FUNCTION refusal_attempt_insert()",
)
_PER_MONTH = (
    "SELECT to_char(timezone('Asia/Shanghai', refused_at), 'YYYYMM'), count(*) FROM {table} GROUP BY 1"
)


def _columns() -> list[Any]:
    return [
        sa.Column("refusal_id", UUID(as_uuid=True), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("task_id", UUID(as_uuid=True)),
        sa.Column("uscc", sa.Text),
        sa.Column("dept_code", sa.Text),
        sa.Column("district_code", sa.Text),
        sa.Column("cert_nos", ARRAY(sa.Text), server_default="{}", nullable=False),
        sa.Column("entry_code_id", UUID(as_uuid=True)),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("attempt_key", sa.Text),
        sa.Column("refused_at", TZ, nullable=False),
    ]


def _per_month(conn: sa.Connection, table: str) -> dict[str, int]:
    return {str(m): int(n) for m, n in conn.execute(sa.text(_PER_MONTH.format(table=table))).all()}


def _copy(conn: sa.Connection, new: str) -> None:
    """Copy every refusal into ``new`` under the lock, and check the counts per China month."""
    op.execute("LOCK TABLE entry_refusal IN EXCLUSIVE MODE")
    op.execute(f"INSERT INTO {new} ({_COLUMNS}) SELECT {_COLUMNS} FROM entry_refusal")
    before, after = _per_month(conn, "entry_refusal"), _per_month(conn, new)
    if before != after:
        raise RuntimeError(f"entry_refusal rows per month differ after the copy: {before} != {after}")


def _swap(new: str) -> None:
    """``new`` takes ``entry_refusal``'s name, its primary key's and indexes' names."""
    op.execute("DROP TABLE entry_refusal")
    op.execute(f"ALTER TABLE {new} RENAME TO entry_refusal")
    op.execute(f"ALTER TABLE entry_refusal RENAME CONSTRAINT pk_{new} TO pk_entry_refusal")
    for name, cols in _INDEXES:
        op.create_index(name, "entry_refusal", cols)


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "entry_refusal_p",
        *_columns(),
        sa.PrimaryKeyConstraint("refusal_id", "refused_at", name="pk_entry_refusal_p"),
        postgresql_partition_by="RANGE (refused_at)",
    )
    spec = partitions.spec_of("entry_refusal")
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT min(refused_at), max(refused_at), CAST(timezone('Asia/Shanghai', now()) AS date)"
            " FROM entry_refusal"
        )
    ).one()
    last: date = partitions.period_start("month", today)
    for _ in range(spec.ahead):
        last = partitions.next_period("month", last)
    first = min(partitions.china_day(oldest), today) if oldest is not None else today
    final = max(partitions.china_day(newest), last) if newest is not None else last
    partitions.create_partitions_sync(conn, spec, first, final, parent="entry_refusal_p")
    op.create_table(
        "refusal_attempt",
        sa.Column("attempt_key", sa.Text, nullable=False),
        sa.Column("refusal_id", UUID(as_uuid=True), nullable=False),
        sa.Column("refused_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("attempt_key", name="pk_refusal_attempt"),
    )
    _copy(conn, "entry_refusal_p")
    op.execute(
        "INSERT INTO refusal_attempt (attempt_key, refusal_id, refused_at)"
        " SELECT attempt_key, refusal_id, refused_at FROM entry_refusal WHERE attempt_key IS NOT NULL"
    )
    _swap("entry_refusal_p")
    for statement in _ATTEMPT_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "entry_refusal_u",
        *_columns(),
        sa.PrimaryKeyConstraint("refusal_id", name="pk_entry_refusal_u"),
        sa.UniqueConstraint("attempt_key", name="uq_entry_refusal_u_attempt_key"),
    )
    _copy(conn, "entry_refusal_u")
    _swap("entry_refusal_u")
    op.execute(
        "ALTER TABLE entry_refusal RENAME CONSTRAINT uq_entry_refusal_u_attempt_key TO uq_entry_refusal_attempt_key"
    )
    op.execute("DROP FUNCTION refusal_attempt_insert()")
    op.drop_table("refusal_attempt")
