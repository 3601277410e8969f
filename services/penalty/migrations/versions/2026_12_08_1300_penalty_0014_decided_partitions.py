"""Decided cases partitioned by the year of their first decision (``first_decided_on``; issue #16 item 6,
docs/scaling.md "Partitioning"). ``first_decided_on`` is the first decision's date and is never updated: a
changed decision (变更, 行政处罚法 第六十五条) or a decision recorded again rewrites ``decided_on`` and the
other columns of the same row, which stays in its first year's partition. The primary key becomes
``(case_id, first_decided_on)``; nothing references the table, so it needs no identity table, and
``upsert_decided`` updates by ``case_id`` and inserts when that matched nothing (the decision holds the case's
row lock, so two writers never both insert; services/penalty/repository/consistency.py).

The consistency tallies of penalty_0013 (statement-level AFTER triggers with transition tables) move to the
partitioned parent, where a statement on ``decided_case`` fires them once with the rows of every partition.
A statement aimed at one partition directly fires only that partition's statement triggers, and a
statement-level trigger on a parent is not cloned to its partitions, so each partition gets its own
(``decided_case_partition_created``, called for every partition by ``zhifa_create_date_partition``): the same
INSERT/UPDATE/DELETE tallies, and a BEFORE TRUNCATE that takes the partition's rows off the tallies while they
are still there (the parent's AFTER TRUNCATE empties them when the whole table goes).

The rows are copied under an EXCLUSIVE lock (reads go on, writes wait), counted per year in the same
transaction, and the tables swapped; the old table is dropped at once. The downgrade is the same in reverse.

Revision ID: penalty_0014_decided_parts
Revises: penalty_0013_consistency_tallies
Create Date: 2026-12-08
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from services.common import partitions

revision: str = "penalty_0014_decided_parts"
down_revision: str | None = "penalty_0013_consistency_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "case_id, dept_code, district_code, benchmark_code, benchmark_version, tier, tier_low_fen, tier_high_fen,"
    " fine_fen, has_fine, facts_key, decided_on, active"
)
# penalty_0013's expressions, as PostgreSQL prints them back (the report's queries repeat them).
_WITHIN = "active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
_OUTSIDE = "active AND has_fine AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)"
_HUNDREDTH = "((fine_fen - tier_low_fen) * 100 / NULLIF(tier_high_fen - tier_low_fen, 0))"
_POSITION = (
    "(((fine_fen - tier_low_fen)::numeric * 10000.0 / NULLIF(tier_high_fen - tier_low_fen, 0)::numeric)"
    "::double precision)"
)
_INDEXES = (
    "CREATE INDEX ix_decided_case_benchmark_code_tier ON decided_case (benchmark_code, tier)",
    "CREATE INDEX ix_decided_case_position_city ON decided_case "
    f"(benchmark_code, tier, {_HUNDREDTH}, {_POSITION}) WHERE {_WITHIN}",
    "CREATE INDEX ix_decided_case_position_district ON decided_case "
    f"(benchmark_code, tier, district_code, decided_on DESC, case_id) WHERE {_WITHIN}",
    "CREATE INDEX ix_decided_case_outside ON decided_case (benchmark_code, tier, decided_on DESC, case_id) "
    f"INCLUDE (district_code, dept_code, fine_fen, tier_low_fen, tier_high_fen) WHERE {_OUTSIDE}",
    "CREATE INDEX ix_decided_case_facts ON decided_case "
    "(benchmark_code, facts_key, tier, decided_on DESC, case_id) WHERE active",
)
_TRIGGERS = (
    ("insert", "AFTER INSERT", "REFERENCING NEW TABLE AS new_rows", "decided_case_tally"),
    (
        "update",
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "decided_case_tally",
    ),
    ("delete", "AFTER DELETE", "REFERENCING OLD TABLE AS old_rows", "decided_case_tally"),
)
# ``decided_case_tally_apply(decided_case[], integer)`` takes the table's row type: it goes with the old table
# and is created again, from its own definition, for the new one.
_APPLY = "decided_case_tally_apply(decided_case[], integer)"

_PARTITION_FUNCTIONS = (
    # a partition truncated directly: its rows leave the tallies first
    """
    CREATE FUNCTION decided_case_tally_part_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format('SELECT decided_case_tally_apply(ARRAY(SELECT ROW(p.*)::decided_case FROM %s p), -1)',
                       TG_RELID::regclass);
        RETURN NULL;
    END
    $$
    """,
    # called by zhifa_create_date_partition as the owner for every new partition of decided_case
    """
    CREATE FUNCTION decided_case_partition_created(part regclass) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format('CREATE TRIGGER decided_case_tally_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS '
                       'new_rows FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally()', part);
        EXECUTE format('CREATE TRIGGER decided_case_tally_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS '
                       'old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally()',
                       part);
        EXECUTE format('CREATE TRIGGER decided_case_tally_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS '
                       'old_rows FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally()', part);
        EXECUTE format('CREATE TRIGGER decided_case_tally_truncate BEFORE TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally_part_emptied()', part);
    END
    $$
    """,
)


def _columns(partitioned: bool) -> list[Any]:
    return [
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
        *([sa.Column("first_decided_on", sa.Date, nullable=False)] if partitioned else []),
    ]


def _per_year(conn: sa.Connection, table: str, key: str) -> dict[int, int]:
    rows = conn.execute(
        sa.text(f"SELECT CAST(extract(year FROM {key}) AS int), count(*) FROM {table} GROUP BY 1")
    )
    return {int(y): int(n) for y, n in rows.all()}


def _copy(conn: sa.Connection, new: str, *, partitioned: bool) -> None:
    """Every decided case into ``new`` under the lock, counted per year on both sides in the same transaction
    (into the partitioned table, ``first_decided_on`` is the ``decided_on`` of the row copied)."""
    op.execute("LOCK TABLE decided_case IN EXCLUSIVE MODE")
    into, select = (", first_decided_on", ", decided_on") if partitioned else ("", "")
    op.execute(f"INSERT INTO {new} ({_COLUMNS}{into}) SELECT {_COLUMNS}{select} FROM decided_case")
    key = "first_decided_on" if partitioned else "decided_on"
    before, after = _per_year(conn, "decided_case", "decided_on"), _per_year(conn, new, key)
    if before != after:
        raise RuntimeError(f"decided_case rows per year differ after the copy: {before} != {after}")


def _swap(conn: sa.Connection, new: str) -> None:
    """``new`` takes ``decided_case``'s name, its key's and indexes' names, the tally function and triggers."""
    apply = conn.execute(sa.text(f"SELECT pg_get_functiondef(CAST('{_APPLY}' AS regprocedure))")).scalar_one()
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER decided_case_tally_{event} ON decided_case")
    op.execute(f"DROP FUNCTION {_APPLY}")
    op.execute("DROP TABLE decided_case")
    op.execute(f"ALTER TABLE {new} RENAME TO decided_case")
    op.execute(f"ALTER TABLE decided_case RENAME CONSTRAINT pk_{new} TO pk_decided_case")
    op.execute(apply)
    for statement in _INDEXES:
        op.execute(statement)
    for event, when, tables, function in _TRIGGERS:
        op.execute(
            f"CREATE TRIGGER decided_case_tally_{event} {when} ON decided_case {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        "CREATE TRIGGER decided_case_tally_truncate AFTER TRUNCATE ON decided_case "
        "FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally_emptied()"
    )


def upgrade() -> None:
    conn = op.get_bind()
    op.execute(partitions.DATE_PARTITION_FUNCTION)
    for function in _PARTITION_FUNCTIONS:
        op.execute(function)
    op.create_table(
        "decided_case_p",
        *_columns(partitioned=True),
        sa.PrimaryKeyConstraint("case_id", "first_decided_on", name="pk_decided_case_p"),
        postgresql_partition_by="RANGE (first_decided_on)",
    )
    spec = partitions.spec_of("decided_case")
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT min(decided_on), max(decided_on), CAST(timezone('Asia/Shanghai', now()) AS date) FROM decided_case"
        )
    ).one()
    last: date = partitions.next_period("year", partitions.period_start("year", today))
    partitions.create_partitions_sync(
        conn, spec, min(oldest or today, today), max(newest or last, last), parent="decided_case_p"
    )
    _copy(conn, "decided_case_p", partitioned=True)
    _swap(conn, "decided_case_p")
    parts = conn.execute(
        sa.text("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'decided_case'::regclass")
    ).scalars()
    for part in list(parts):
        op.execute(f"SELECT decided_case_partition_created('{part}'::regclass)")


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "decided_case_u",
        *_columns(partitioned=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_decided_case_u"),
    )
    _copy(conn, "decided_case_u", partitioned=False)
    _swap(conn, "decided_case_u")
    op.execute("DROP FUNCTION decided_case_partition_created(regclass)")
    op.execute("DROP FUNCTION decided_case_tally_part_emptied()")
    op.execute(partitions.DROP_DATE_PARTITION_FUNCTION)
