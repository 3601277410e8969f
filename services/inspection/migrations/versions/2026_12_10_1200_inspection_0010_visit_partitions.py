"""Visits and their outcomes partitioned by the China month of the visit's ``started_at`` (issue #16 item 6,
docs/scaling.md "Partitioning"): ``visit`` keeps ``(visit_id, started_at)`` as its primary key, and
``visit_key`` (one narrow row per visit: ``visit_id`` its primary key, ``started_at``, ``entry_code_id`` unique:
one entry code, one visit, for all time) is filled by a ``BEFORE INSERT`` trigger in the statement that inserts
the visit (every write path: the check-in's one statement, the sample loader, a test's insert); it is the
target of ``correction_follow_up.visit_id``. ``visit_outcome`` carries its visit's ``started_at``
(``visit_started_at``, given by every writer: a partition is chosen before a BEFORE trigger could fill it), its
primary key ``(visit_id, item_code, visit_started_at)`` and a foreign key ``(visit_id, visit_started_at)`` to
``visit``, month to month. The partitions of both, from the oldest visit's month to the months kept ahead, come
from ``zhifa_create_partition`` (inspection_0007; services/common/partitions.py).

The cap tally's function takes ``visit``'s row type (inspection_0008), which would stop the old table's drop:
it and its triggers are dropped before the swap and created again on the new table (its rows do not change:
the copy fires no trigger). The rows are copied under an EXCLUSIVE lock (reads go on, writes wait), counted per
China month in the same transaction and the tables swapped; the old ones are dropped at once. The downgrade
is the same in reverse.

Revision ID: inspection_0010_visit_parts
Revises: inspection_0009_refusal_parts
Create Date: 2026-12-10
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from services.common import partitions

revision: str = "inspection_0010_visit_parts"
down_revision: str | None = "inspection_0009_refusal_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# inspection_0008's tally, verbatim: its function takes ``visit``'s row type, so it follows the swap.
_TALLY_ADD = """
CREATE FUNCTION visit_cap_tally_add(v visit, delta integer) RETURNS void AS $$
    -- departments in a fixed order (and '' for the enterprise's row first): concurrent visits of one
    -- enterprise lock its rows in the same order
    INSERT INTO visit_cap_tally AS t (year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n)
    SELECT extract(year FROM v.started_at AT TIME ZONE 'Asia/Shanghai')::int, v.uscc, d.dept_code,
           delta * (v.task_kind = 'random')::int, delta * (v.task_kind = 'joint')::int,
           delta * (v.task_kind = 'complaint')::int, delta * (v.task_kind = 'key_area')::int
    FROM (SELECT DISTINCT x FROM unnest(v.dept_codes || ''::text) x ORDER BY x) d(dept_code)
    ON CONFLICT (year, uscc, dept_code) DO UPDATE SET
        random_n = t.random_n + EXCLUDED.random_n, joint_n = t.joint_n + EXCLUDED.joint_n,
        complaint_n = t.complaint_n + EXCLUDED.complaint_n, key_area_n = t.key_area_n + EXCLUDED.key_area_n
$$ LANGUAGE sql
"""
_TALLY_APPLY = """
CREATE FUNCTION visit_cap_tally_apply() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF NOT OLD.requested_by_enterprise THEN
            PERFORM visit_cap_tally_add(OLD, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NOT NEW.requested_by_enterprise THEN
            PERFORM visit_cap_tally_add(NEW, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
_TALLY_TRIGGERS = (
    "CREATE TRIGGER visit_cap_tally_insert_delete AFTER INSERT OR DELETE ON visit "
    "FOR EACH ROW EXECUTE FUNCTION visit_cap_tally_apply()",
    "CREATE TRIGGER visit_cap_tally_update AFTER UPDATE ON visit FOR EACH ROW WHEN ("
    "OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.uscc IS DISTINCT FROM NEW.uscc"
    " OR OLD.task_kind IS DISTINCT FROM NEW.task_kind OR OLD.dept_codes IS DISTINCT FROM NEW.dept_codes"
    " OR OLD.requested_by_enterprise IS DISTINCT FROM NEW.requested_by_enterprise"
    ") EXECUTE FUNCTION visit_cap_tally_apply()",
)
_DROP_TALLY = (
    "DROP TRIGGER visit_cap_tally_update ON visit",
    "DROP TRIGGER visit_cap_tally_insert_delete ON visit",
    "DROP FUNCTION visit_cap_tally_apply()",
    "DROP FUNCTION visit_cap_tally_add(visit, integer)",
)
# ``visit_key`` follows ``visit`` in the statement that writes it: every insert records the visit's identity (a
# second visit of one entry code, or of one ``visit_id``, in any month, fails on ``visit_key``'s unique indexes
# as it failed on the old table's); a correction of ``started_at`` or of the code moves it, and a deleted visit
# takes it along. BEFORE triggers: a COPY queues no after-trigger events for them, and an update that moves a
# row to another month's partition (a DELETE there, then an INSERT here) fires BEFORE UPDATE and BEFORE DELETE
# on the old row, then BEFORE INSERT on the new one, which leaves exactly one key.
_KEY_TRIGGER = (
    """
CREATE FUNCTION visit_key_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO visit_key (visit_id, started_at, entry_code_id)
        VALUES (NEW.visit_id, NEW.started_at, NEW.entry_code_id);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE visit_key SET visit_id = NEW.visit_id, started_at = NEW.started_at, entry_code_id = NEW.entry_code_id
        WHERE visit_id = OLD.visit_id;
        RETURN NEW;
    END IF;
    DELETE FROM visit_key WHERE visit_id = OLD.visit_id;
    RETURN OLD;
END
$$
""",
    "CREATE TRIGGER visit_key_insert_delete BEFORE INSERT OR DELETE ON visit"
    " FOR EACH ROW EXECUTE FUNCTION visit_key_follow()",
    "CREATE TRIGGER visit_key_update BEFORE UPDATE ON visit FOR EACH ROW WHEN ("
    "OLD.visit_id IS DISTINCT FROM NEW.visit_id OR OLD.started_at IS DISTINCT FROM NEW.started_at"
    " OR OLD.entry_code_id IS DISTINCT FROM NEW.entry_code_id) EXECUTE FUNCTION visit_key_follow()",
)
_DROP_KEY_TRIGGER = (
    "DROP TRIGGER visit_key_update ON visit",
    "DROP TRIGGER visit_key_insert_delete ON visit",
    "DROP FUNCTION visit_key_follow()",
)
_VISIT_PER_MONTH = (
    "SELECT to_char(timezone('Asia/Shanghai', started_at), 'YYYYMM'), count(*) FROM {table} GROUP BY 1"
)
_OUTCOME_PER_MONTH = (
    "SELECT to_char(timezone('Asia/Shanghai', v.started_at), 'YYYYMM'), count(*)"
    " FROM {table} o JOIN {visits} v USING (visit_id) GROUP BY 1"
)
_OUTCOME_COLUMNS = "visit_id, item_code, outcome, description, evidence_sha256, correction_deadline, recorded_by, recorded_at"
_TASK_FK = "FOREIGN KEY (task_id) REFERENCES task (task_id)"


def _per_month(conn: sa.Connection, sql: str) -> dict[str, int]:
    return {str(m): int(n) for m, n in conn.execute(sa.text(sql)).all()}


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


def _copy(conn: sa.Connection, visits: str, outcomes: str, *, with_key: bool) -> None:
    """Copy every visit and outcome into ``visits`` and ``outcomes`` under the lock, and check the counts per
    China month (an outcome's month is its visit's)."""
    op.execute("LOCK TABLE visit, visit_outcome IN EXCLUSIVE MODE")
    op.execute(f"INSERT INTO {visits} SELECT * FROM visit")
    started = "v.started_at" if with_key else ""
    columns = _OUTCOME_COLUMNS + (", visit_started_at" if with_key else "")
    op.execute(
        f"INSERT INTO {outcomes} ({columns}) SELECT o.{_OUTCOME_COLUMNS.replace(', ', ', o.')}"
        f"{', ' + started if started else ''} FROM visit_outcome o JOIN visit v USING (visit_id)"
    )
    for old, new in (
        (_VISIT_PER_MONTH.format(table="visit"), _VISIT_PER_MONTH.format(table=visits)),
        (
            _OUTCOME_PER_MONTH.format(table="visit_outcome", visits="visit"),
            _OUTCOME_PER_MONTH.format(table=outcomes, visits=visits),
        ),
    ):
        before, after = _per_month(conn, old), _per_month(conn, new)
        if before != after:
            raise RuntimeError(f"rows per month differ after the copy: {before} != {after}")


def _swap(conn: sa.Connection, visits: str, outcomes: str) -> None:
    """``visits`` and ``outcomes`` take the old tables' names, their primary keys' and indexes' names."""
    indexes = _indexes(conn, "visit") + _indexes(conn, "visit_outcome")
    for statement in _DROP_TALLY:
        op.execute(statement)
    for fk in ("fk_correction_follow_up_visit_id_visit", "fk_correction_follow_up_visit_id_visit_key"):
        op.execute(f"ALTER TABLE correction_follow_up DROP CONSTRAINT IF EXISTS {fk}")
    op.execute("DROP TABLE visit_outcome")
    op.execute("DROP TABLE visit")
    for new, old in ((visits, "visit"), (outcomes, "visit_outcome")):
        op.execute(f"ALTER TABLE {new} RENAME TO {old}")
        op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{new} TO pk_{old}")
    for statement in indexes:
        op.execute(statement)
    op.execute(_TALLY_ADD)
    op.execute(_TALLY_APPLY)
    for statement in _TALLY_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    conn = op.get_bind()
    op.execute(
        "CREATE TABLE visit_p (LIKE visit INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " CONSTRAINT pk_visit_p PRIMARY KEY (visit_id, started_at),"
        f" CONSTRAINT fk_visit_task_id_task {_TASK_FK}) PARTITION BY RANGE (started_at)"
    )
    op.execute(
        "CREATE TABLE visit_outcome_p (LIKE visit_outcome INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " visit_started_at timestamptz NOT NULL,"
        " CONSTRAINT pk_visit_outcome_p PRIMARY KEY (visit_id, item_code, visit_started_at),"
        " CONSTRAINT fk_visit_outcome_visit_id_visit FOREIGN KEY (visit_id, visit_started_at)"
        " REFERENCES visit_p (visit_id, started_at)) PARTITION BY RANGE (visit_started_at)"
    )
    oldest, newest, today = conn.execute(
        sa.text(
            "SELECT min(started_at), max(started_at), CAST(timezone('Asia/Shanghai', now()) AS date)"
            " FROM visit"
        )
    ).one()
    spec = partitions.spec_of("visit")
    last: date = partitions.period_start("month", today)
    for _ in range(spec.ahead):
        last = partitions.next_period("month", last)
    first = min(partitions.china_day(oldest), today) if oldest is not None else today
    final = max(partitions.china_day(newest), last) if newest is not None else last
    for table in ("visit", "visit_outcome"):
        partitions.create_partitions_sync(conn, partitions.spec_of(table), first, final, parent=f"{table}_p")
    op.execute(
        "CREATE TABLE visit_key (visit_id uuid NOT NULL, started_at timestamptz NOT NULL, entry_code_id uuid,"
        " CONSTRAINT pk_visit_key PRIMARY KEY (visit_id),"
        " CONSTRAINT uq_visit_key_entry_code_id UNIQUE (entry_code_id))"
    )
    _copy(conn, "visit_p", "visit_outcome_p", with_key=True)
    op.execute(
        "INSERT INTO visit_key (visit_id, started_at, entry_code_id)"
        " SELECT visit_id, started_at, entry_code_id FROM visit"
    )
    _swap(conn, "visit_p", "visit_outcome_p")
    op.execute(
        "ALTER TABLE correction_follow_up ADD CONSTRAINT fk_correction_follow_up_visit_id_visit_key"
        " FOREIGN KEY (visit_id) REFERENCES visit_key (visit_id)"
    )
    for statement in _KEY_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    op.execute(
        "CREATE TABLE visit_u (LIKE visit INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " CONSTRAINT pk_visit_u PRIMARY KEY (visit_id),"
        " CONSTRAINT uq_visit_u_entry_code_id UNIQUE (entry_code_id),"
        f" CONSTRAINT fk_visit_task_id_task {_TASK_FK})"
    )
    op.execute(
        "CREATE TABLE visit_outcome_u (LIKE visit_outcome INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        " CONSTRAINT pk_visit_outcome_u PRIMARY KEY (visit_id, item_code),"
        " CONSTRAINT fk_visit_outcome_visit_id_visit FOREIGN KEY (visit_id) REFERENCES visit_u (visit_id))"
    )
    op.execute("ALTER TABLE visit_outcome_u DROP COLUMN visit_started_at")
    _copy(conn, "visit_u", "visit_outcome_u", with_key=False)
    for statement in _DROP_KEY_TRIGGER:
        op.execute(statement)
    _swap(conn, "visit_u", "visit_outcome_u")
    op.execute("ALTER TABLE visit RENAME CONSTRAINT uq_visit_u_entry_code_id TO uq_visit_entry_code_id")
    op.execute("DROP TABLE visit_key")
    op.execute(
        "ALTER TABLE correction_follow_up ADD CONSTRAINT fk_correction_follow_up_visit_id_visit"
        " FOREIGN KEY (visit_id) REFERENCES visit (visit_id)"
    )
