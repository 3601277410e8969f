"""Publications partitioned by the year they start (``starts_on``; issue #16 item 6, docs/scaling.md
"Partitioning"): ``publication_key`` (one narrow row per publication: the uniques across every year, ``seq`` and
``record_id``, and the target of ``repair_application.publication_id``) filled by a trigger in the statement
that inserts the publication; the partitions from the oldest row's year to the year kept ahead, created by
``zhifa_create_date_partition`` (the service role has no DDL; services/common/partitions.py). The rows are
copied under an EXCLUSIVE lock (reads go on, writes wait), counted per year in the same transaction and the
tables swapped; the old table is dropped at once (nothing is left to verify later). The downgrade is the same
in reverse.

Revision ID: credit_repair_0006_pub_parts
Revises: credit_repair_0005_outbox_parts
Create Date: 2026-12-08
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.common import partitions

revision: str = "credit_repair_0006_pub_parts"
down_revision: str | None = "credit_repair_0005_outbox_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
_COLUMNS = (
    "id, seq, record_id, case_id, decision_no, party_kind, party_uscc, public_name, department_code,"
    " department_name, district_code, credit_class, rule_set_id, platforms, starts_on, min_ends_on,"
    " earliest_repair_on, max_ends_on, decided_on, procedure, kinds_mask, fine_fen, serious,"
    " restriction_months, decision_status, repaired_on, created_at"
)
_INDEXES = (
    ("ix_publication_max_ends_on", ["max_ends_on"]),
    ("ix_publication_party_uscc", ["party_uscc"]),
    ("ix_publication_department_code_seq", ["department_code", "seq"]),
)
# Every insert into ``publication`` (the service's ORM, a bench's COPY, a test's bulk insert) writes the key in
# the same statement; a second publication of a record or a reused ``seq`` fails there. BEFORE, so a COPY of a
# million rows queues no after-trigger events; the identity default is already in NEW.
_KEY_TRIGGER = (
    """
CREATE FUNCTION publication_key_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO publication_key (id, starts_on, seq, record_id)
    VALUES (NEW.id, NEW.starts_on, NEW.seq, NEW.record_id);
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER publication_key_insert BEFORE INSERT ON publication"
    " FOR EACH ROW EXECUTE FUNCTION publication_key_insert()",
)


def _columns(name: str) -> list[Any]:
    return [
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=False), nullable=False),
        sa.Column(
            "record_id",
            UUID(as_uuid=True),
            sa.ForeignKey("credit_record.id", name=f"fk_{name}_record_id_credit_record"),
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
        sa.Column("platforms", ARRAY(sa.Text), nullable=False),
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
    ]


def _per_year(conn: sa.Connection, table: str) -> dict[int, int]:
    rows = conn.execute(
        sa.text(f"SELECT CAST(extract(year FROM starts_on) AS int), count(*) FROM {table} GROUP BY 1")
    )
    return {int(y): int(n) for y, n in rows.all()}


def _copy(conn: sa.Connection, new: str) -> None:
    """Copy every publication into ``new`` under the lock, and check the counts per year."""
    op.execute("LOCK TABLE publication IN EXCLUSIVE MODE")
    op.execute(f"INSERT INTO {new} ({_COLUMNS}) OVERRIDING SYSTEM VALUE SELECT {_COLUMNS} FROM publication")
    before, after = _per_year(conn, "publication"), _per_year(conn, new)
    if before != after:
        raise RuntimeError(f"publication rows per year differ after the copy: {before} != {after}")


def _swap(conn: sa.Connection, new: str) -> None:
    """``new`` takes ``publication``'s name, its constraints', sequence's and indexes' names; the sequence
    goes on after the highest ``seq`` copied."""
    op.execute("DROP TABLE publication")
    op.execute(f"ALTER TABLE {new} RENAME TO publication")
    op.execute(f"ALTER TABLE publication RENAME CONSTRAINT pk_{new} TO pk_publication")
    op.execute(
        f"ALTER TABLE publication RENAME CONSTRAINT fk_{new}_record_id_credit_record"
        " TO fk_publication_record_id_credit_record"
    )
    op.execute(f"ALTER SEQUENCE {new}_seq_seq RENAME TO publication_seq_seq")
    op.execute(
        "SELECT setval('publication_seq_seq', coalesce((SELECT max(seq) FROM publication), 0) + 1, false)"
    )
    for name, cols in _INDEXES:
        op.create_index(name, "publication", cols)


def upgrade() -> None:
    conn = op.get_bind()
    op.execute(partitions.DATE_PARTITION_FUNCTION)
    op.create_table(
        "publication_p",
        *_columns("publication_p"),
        sa.PrimaryKeyConstraint("id", "starts_on", name="pk_publication_p"),
        postgresql_partition_by="RANGE (starts_on)",
    )
    spec = partitions.spec_of("publication")
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT min(starts_on), max(starts_on), CAST(timezone('Asia/Shanghai', now()) AS date) FROM publication"
        )
    ).one()
    last: date = partitions.next_period("year", partitions.period_start("year", today))
    partitions.create_partitions_sync(
        conn, spec, min(oldest or today, today), max(newest or last, last), parent="publication_p"
    )
    op.create_table(
        "publication_key",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("record_id", UUID(as_uuid=True), nullable=False),
        sa.UniqueConstraint("seq", name="uq_publication_key_seq"),
        sa.UniqueConstraint("record_id", name="uq_publication_key_record_id"),
    )
    _copy(conn, "publication_p")
    op.execute(
        "INSERT INTO publication_key (id, starts_on, seq, record_id) SELECT id, starts_on, seq, record_id FROM publication"
    )
    op.drop_constraint(
        "fk_repair_application_publication_id_publication", "repair_application", type_="foreignkey"
    )
    _swap(conn, "publication_p")
    op.create_index("ix_publication_seq", "publication", ["seq"])
    op.create_foreign_key(
        "fk_repair_application_publication_id_publication_key",
        "repair_application",
        "publication_key",
        ["publication_id"],
        ["id"],
    )
    for statement in _KEY_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "publication_u",
        *_columns("publication_u"),
        sa.PrimaryKeyConstraint("id", name="pk_publication_u"),
        sa.UniqueConstraint("seq", name="uq_publication_u_seq"),
        sa.UniqueConstraint("record_id", name="uq_publication_u_record_id"),
    )
    _copy(conn, "publication_u")
    op.drop_constraint(
        "fk_repair_application_publication_id_publication_key", "repair_application", type_="foreignkey"
    )
    op.drop_table("publication_key")
    _swap(conn, "publication_u")
    op.execute("DROP FUNCTION publication_key_insert()")
    op.execute("ALTER TABLE publication RENAME CONSTRAINT uq_publication_u_seq TO uq_publication_seq")
    op.execute(
        "ALTER TABLE publication RENAME CONSTRAINT uq_publication_u_record_id TO uq_publication_record_id"
    )
    op.create_foreign_key(
        "fk_repair_application_publication_id_publication",
        "repair_application",
        "publication",
        ["publication_id"],
        ["id"],
    )
    op.execute(partitions.DROP_DATE_PARTITION_FUNCTION)
