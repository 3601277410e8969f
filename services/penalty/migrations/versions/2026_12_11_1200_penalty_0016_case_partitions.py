"""Cases and their steps partitioned by the China year the case was opened (issue #16 item 6, docs/scaling.md
"Partitioning"). ``penalty_case.opened_at`` is set when the case is filed (or, for an imported case, to its
historic filing day) and never updated, so a case never moves between years.

- ``penalty_case``: primary key ``(id, opened_at)``, partitioned by range on ``opened_at`` (bounds at 00:00 China
  on 1 January).
- ``case_key``: one narrow, unpartitioned row per case (``id`` its primary key, ``opened_at``, and the numbers
  unique across every year: ``case_no``, ``decision_no``, ``violation_id``), kept by BEFORE row triggers in the
  statement that writes the case (every write path: the ORM, the importer, a bench's COPY): inserted with the
  case, updated when a number is given (the decision's ``decision_no``), deleted with it. It is the target of
  every foreign key that pointed at ``penalty_case(id)`` (found in the catalogue, not listed by hand), and the
  year a lookup by id reads.
- ``case_step``: carries its case's ``opened_at`` (``case_opened_at``, given by the writer: a partition is
  chosen before a BEFORE trigger could fill it), primary key ``(id, case_opened_at)``, partitioned by range on
  it; its foreign key ``case_id`` → ``case_key``.

The partitions, from the oldest case's year to the year after today, come from ``zhifa_create_partition``
(penalty_0015's v2, which the service role may call; services/common/partitions.py). The rows are copied under
an EXCLUSIVE lock on both tables (reads go on, writes wait), counted per year in the same transaction, and the
tables swapped; the old ones are dropped at once. The downgrade is the same in reverse.

Revision ID: penalty_0016_case_parts
Revises: penalty_0015_audit_parts
Create Date: 2026-12-11
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from services.common import partitions

revision: str = "penalty_0016_case_parts"
down_revision: str | None = "penalty_0015_audit_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_YEAR = "CAST(extract(year FROM timezone('Asia/Shanghai', {col})) AS int)"
_CASES_PER_YEAR = f"SELECT {_YEAR.format(col='opened_at')}, count(*) FROM {{table}} GROUP BY 1"
_STEPS_PER_YEAR = (
    f"SELECT {_YEAR.format(col='c.opened_at')}, count(*) FROM {{steps}} s JOIN {{cases}} c ON c.id = s.case_id"
    " GROUP BY 1"
)
_STEP_COLUMNS = "id, case_id, seq, action, state, actor, actor_role, at, events"
_UNIQUES = ("case_no", "decision_no", "violation_id")
# ``case_key`` follows ``penalty_case`` in the statement that writes it. BEFORE triggers: a COPY queues no
# after-trigger events for them, and an update that moved a case to another year (never done: ``opened_at`` is
# not updated) would fire BEFORE UPDATE and BEFORE DELETE on the old row, then BEFORE INSERT on the new one,
# which leaves exactly one key. A second case with a ``case_no``, ``decision_no`` or ``violation_id`` already
# used in any year fails on ``case_key``'s unique indexes, as it failed on the unpartitioned table's.
_KEY_TRIGGER = (
    """
CREATE FUNCTION case_key_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_key (id, opened_at, case_no, decision_no, violation_id)
        VALUES (NEW.id, NEW.opened_at, NEW.case_no, NEW.decision_no, NEW.violation_id);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE case_key SET id = NEW.id, opened_at = NEW.opened_at, case_no = NEW.case_no,
            decision_no = NEW.decision_no, violation_id = NEW.violation_id
        WHERE id = OLD.id;
        RETURN NEW;
    END IF;
    DELETE FROM case_key WHERE id = OLD.id;
    RETURN OLD;
END
$$
""",
    "CREATE TRIGGER case_key_insert_delete BEFORE INSERT OR DELETE ON penalty_case"
    " FOR EACH ROW EXECUTE FUNCTION case_key_follow()",
    "CREATE TRIGGER case_key_update BEFORE UPDATE ON penalty_case FOR EACH ROW WHEN ("
    "OLD.id IS DISTINCT FROM NEW.id OR OLD.opened_at IS DISTINCT FROM NEW.opened_at"
    " OR OLD.case_no IS DISTINCT FROM NEW.case_no OR OLD.decision_no IS DISTINCT FROM NEW.decision_no"
    " OR OLD.violation_id IS DISTINCT FROM NEW.violation_id) EXECUTE FUNCTION case_key_follow()",
)
_DROP_KEY_TRIGGER = (
    "DROP TRIGGER case_key_update ON penalty_case",
    "DROP TRIGGER case_key_insert_delete ON penalty_case",
    "DROP FUNCTION case_key_follow()",
)


def _per_year(conn: sa.Connection, sql: str) -> dict[int, int]:
    return {int(y): int(n) for y, n in conn.execute(sa.text(sql)).all()}


def _indexes(conn: sa.Connection, table: str) -> list[str]:
    """``table``'s indexes that back no constraint, as statements to build them on the table that takes its
    name (a partitioned parent's definition says ``ON ONLY``, which would leave its partitions unindexed)."""
    rows = conn.execute(
        sa.text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass)"
            " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
        ),
        {"t": table},
    ).scalars()
    return [d.replace(" ON ONLY ", " ON ") for d in rows]


def _referencing(conn: sa.Connection, target: str) -> list[tuple[str, str, str]]:
    """The foreign keys pointing at ``target`` from tables other than ``case_step`` (which is rebuilt): (name,
    table, column), each a single column referencing ``id``."""
    rows = conn.execute(
        sa.text(
            "SELECT c.conname, c.conrelid::regclass::text, a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " WHERE c.contype = 'f' AND c.confrelid = CAST(:t AS regclass) AND c.conparentid = 0"
            " AND c.conrelid <> CAST('case_step' AS regclass) ORDER BY 2, 1"
        ),
        {"t": target},
    ).all()
    return [(str(n), str(t), str(a)) for n, t, a in rows]


def _repoint(conn: sa.Connection, old: str, new: str) -> None:
    """Every foreign key to ``old(id)`` (but ``case_step``'s) dropped and made again to ``new(id)``."""
    for name, table, column in _referencing(conn, old):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{column}_{new}"
            f" FOREIGN KEY ({column}) REFERENCES {new} (id)"
        )


def _copy(conn: sa.Connection, cases: str, steps: str, *, partitioned: bool) -> None:
    """Every case and step into ``cases`` and ``steps`` (both locked first), counted per China year of the
    case's opening on both sides (a step's year is its case's)."""
    op.execute("LOCK TABLE penalty_case, case_step IN EXCLUSIVE MODE")
    op.execute(f"INSERT INTO {cases} SELECT * FROM penalty_case")
    into, select = (", case_opened_at", ", c.opened_at") if partitioned else ("", "")
    prefixed = ", ".join(f"s.{c}" for c in _STEP_COLUMNS.split(", "))
    op.execute(
        f"INSERT INTO {steps} ({_STEP_COLUMNS}{into}) OVERRIDING SYSTEM VALUE SELECT {prefixed}{select}"
        " FROM case_step s JOIN penalty_case c ON c.id = s.case_id"
    )
    for old, new in (
        (_CASES_PER_YEAR.format(table="penalty_case"), _CASES_PER_YEAR.format(table=cases)),
        (
            _STEPS_PER_YEAR.format(steps="case_step", cases="penalty_case"),
            _STEPS_PER_YEAR.format(steps=steps, cases=cases),
        ),
    ):
        before, after = _per_year(conn, old), _per_year(conn, new)
        if before != after:
            raise RuntimeError(f"rows per year differ after the copy: {before} != {after}")
    total = conn.execute(
        sa.text("SELECT (SELECT count(*) FROM case_step), (SELECT count(*) FROM penalty_case)")
    )
    copied = conn.execute(sa.text(f"SELECT (SELECT count(*) FROM {steps}), (SELECT count(*) FROM {cases})"))
    if tuple(total.one()) != tuple(copied.one()):
        raise RuntimeError("case_step or penalty_case rows differ after the copy")


def _swap(conn: sa.Connection, cases: str, steps: str) -> None:
    """``cases`` and ``steps`` take the old tables' names, their keys', sequence's and indexes' names; the
    sequence goes on after the highest step id copied."""
    indexes = _indexes(conn, "penalty_case") + _indexes(conn, "case_step")
    op.execute("DROP TABLE case_step")
    op.execute("DROP TABLE penalty_case")
    for new, old in ((cases, "penalty_case"), (steps, "case_step")):
        op.execute(f"ALTER TABLE {new} RENAME TO {old}")
        op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{new} TO pk_{old}")
    op.execute(f"ALTER SEQUENCE {steps}_id_seq RENAME TO case_step_id_seq")
    op.execute("SELECT setval('case_step_id_seq', coalesce((SELECT max(id) FROM case_step), 0) + 1, false)")
    for statement in indexes:
        op.execute(statement)


def upgrade() -> None:
    conn = op.get_bind()
    op.execute("LOCK TABLE penalty_case, case_step IN EXCLUSIVE MODE")
    op.execute(
        "CREATE TABLE penalty_case_p (LIKE penalty_case INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " CONSTRAINT pk_penalty_case_p PRIMARY KEY (id, opened_at)) PARTITION BY RANGE (opened_at)"
    )
    op.execute(
        "CREATE TABLE case_key (id uuid NOT NULL, opened_at timestamptz NOT NULL, case_no text NOT NULL,"
        " decision_no text, violation_id uuid, CONSTRAINT pk_case_key PRIMARY KEY (id),"
        + ", ".join(f" CONSTRAINT uq_case_key_{c} UNIQUE ({c})" for c in _UNIQUES)
        + ")"
    )
    op.execute(
        "CREATE TABLE case_step_p (LIKE case_step INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY,"
        " case_opened_at timestamptz NOT NULL, CONSTRAINT pk_case_step_p PRIMARY KEY (id, case_opened_at),"
        " CONSTRAINT uq_case_step_case_id_seq_case_opened_at UNIQUE (case_id, seq, case_opened_at),"
        " CONSTRAINT fk_case_step_case_id_case_key FOREIGN KEY (case_id) REFERENCES case_key (id))"
        " PARTITION BY RANGE (case_opened_at)"
    )
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT min(opened_at), max(opened_at), CAST(timezone('Asia/Shanghai', now()) AS date)"
            " FROM penalty_case"
        )
    ).one()
    last: date = partitions.next_period("year", partitions.period_start("year", today))
    first = min(partitions.china_day(oldest), today) if oldest is not None else today
    final = max(partitions.china_day(newest), last) if newest is not None else last
    for table in ("penalty_case", "case_step"):
        partitions.create_partitions_sync(conn, partitions.spec_of(table), first, final, parent=f"{table}_p")
    op.execute(
        "INSERT INTO case_key (id, opened_at, case_no, decision_no, violation_id)"
        " SELECT id, opened_at, case_no, decision_no, violation_id FROM penalty_case"
    )
    _copy(conn, "penalty_case_p", "case_step_p", partitioned=True)
    _repoint(conn, "penalty_case", "case_key")
    _swap(conn, "penalty_case_p", "case_step_p")
    for statement in _KEY_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("LOCK TABLE penalty_case, case_step IN EXCLUSIVE MODE")
    op.execute(
        "CREATE TABLE penalty_case_u (LIKE penalty_case INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " CONSTRAINT pk_penalty_case_u PRIMARY KEY (id),"
        + ", ".join(f" CONSTRAINT uq_penalty_case_u_{c} UNIQUE ({c})" for c in _UNIQUES)
        + ")"
    )
    op.execute(
        "CREATE TABLE case_step_u (LIKE case_step INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY,"
        " CONSTRAINT pk_case_step_u PRIMARY KEY (id),"
        " CONSTRAINT uq_case_step_u_case_id_seq UNIQUE (case_id, seq),"
        " CONSTRAINT fk_case_step_case_id_penalty_case FOREIGN KEY (case_id) REFERENCES penalty_case_u (id))"
    )
    op.execute("ALTER TABLE case_step_u DROP COLUMN case_opened_at")
    _copy(conn, "penalty_case_u", "case_step_u", partitioned=False)
    for statement in _DROP_KEY_TRIGGER:
        op.execute(statement)
    _repoint(conn, "case_key", "penalty_case_u")
    _swap(conn, "penalty_case_u", "case_step_u")
    # the foreign keys made to penalty_case_u keep the names they were given: back to penalty_case's
    for name, table, column in _referencing(conn, "penalty_case"):
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {name} TO fk_{table}_{column}_penalty_case")
    for c in _UNIQUES:
        op.execute(f"ALTER TABLE penalty_case RENAME CONSTRAINT uq_penalty_case_u_{c} TO uq_penalty_case_{c}")
    op.execute(
        "ALTER TABLE case_step RENAME CONSTRAINT uq_case_step_u_case_id_seq TO uq_case_step_case_id_seq"
    )
    op.execute("DROP TABLE case_key")
