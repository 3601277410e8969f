"""The cap tally kept per statement for inserts and deletes (issue #16 item 1, round six): a check-in's visit
fired the row-level ``visit_cap_tally_apply`` trigger, a PL/pgSQL call around an SQL function around one upsert
(~0.03-0.05 ms of PostgreSQL's CPU besides the upsert: docs/benchmarks/checkin-postgres.md). Now:

- ``visit_cap_tally_insert``: AFTER INSERT FOR EACH STATEMENT over the inserted rows (``NEW TABLE``): one upsert
  of every row's counts, summed per (year, enterprise, department) (one statement may not change a tally row
  twice) and in that order (a visit's own rows in the row trigger's order: the enterprise's ``''`` first, then
  its departments, so concurrent writers lock them in one order). It fires for INSERT and COPY.
- ``visit_cap_tally_delete``: AFTER DELETE FOR EACH STATEMENT over the deleted rows (``OLD TABLE``), the same
  with the counts subtracted.
- ``visit_cap_tally_update``: BEFORE UPDATE FOR EACH ROW, with the row trigger's condition (a change of the
  start, enterprise, kind, departments or the enterprise's request): the old row's counts out, the new row's in.

Why the update is a BEFORE row trigger: an UPDATE that moves a visit to another month's partition runs as a
DELETE there and an INSERT here, which fires the partitions' row-level AFTER DELETE and AFTER INSERT triggers
(not AFTER UPDATE) and no statement-level INSERT or DELETE trigger (PostgreSQL 18: checked). The row-level
AFTER INSERT trigger this replaces counted such a move's new row, and the statement-level one does not see it;
row-level BEFORE UPDATE triggers fire for every updated row, moved or not (on the row the UPDATE locked), so the
whole change is counted there, and the statement-level DELETE trigger does not count a move a second time.

The downgrade restores inspection_0010's row triggers (the functions ``visit_cap_tally_add`` and
``visit_cap_tally_apply`` stay throughout; only the update trigger uses them here). The tally's rows do not
change either way.

Revision ID: inspection_0015_tally_statement
Revises: inspection_0014_visit_dept_codes
Create Date: 2026-12-14
"""

from collections.abc import Sequence

from alembic import op

revision: str = "inspection_0015_tally_statement"
down_revision: str | None = "inspection_0014_visit_dept_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATEMENT_FUNCTION = """
CREATE FUNCTION visit_cap_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO visit_cap_tally AS t (year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n)
    SELECT extract(year FROM v.started_at AT TIME ZONE 'Asia/Shanghai')::int, v.uscc, d.dept_code,
           {sign}count(*) FILTER (WHERE v.task_kind = 'random'), {sign}count(*) FILTER (WHERE v.task_kind = 'joint'),
           {sign}count(*) FILTER (WHERE v.task_kind = 'complaint'),
           {sign}count(*) FILTER (WHERE v.task_kind = 'key_area')
    FROM {rows} v
    CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(v.dept_codes || ''::text) x) d(dept_code)
    WHERE NOT v.requested_by_enterprise
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (year, uscc, dept_code) DO UPDATE SET
        random_n = t.random_n + EXCLUDED.random_n, joint_n = t.joint_n + EXCLUDED.joint_n,
        complaint_n = t.complaint_n + EXCLUDED.complaint_n, key_area_n = t.key_area_n + EXCLUDED.key_area_n;
    RETURN NULL;
END
$$
"""
_UPDATE_FUNCTION = """
CREATE FUNCTION visit_cap_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT OLD.requested_by_enterprise THEN
        PERFORM visit_cap_tally_add(OLD, -1);
    END IF;
    IF NOT NEW.requested_by_enterprise THEN
        PERFORM visit_cap_tally_add(NEW, 1);
    END IF;
    RETURN NEW;
END
$$
"""
# inspection_0010's condition of the update trigger, verbatim
_CHANGED = (
    "OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.uscc IS DISTINCT FROM NEW.uscc"
    " OR OLD.task_kind IS DISTINCT FROM NEW.task_kind OR OLD.dept_codes IS DISTINCT FROM NEW.dept_codes"
    " OR OLD.requested_by_enterprise IS DISTINCT FROM NEW.requested_by_enterprise"
)
_UPGRADE = (
    "DROP TRIGGER visit_cap_tally_update ON visit",
    "DROP TRIGGER visit_cap_tally_insert_delete ON visit",
    _STATEMENT_FUNCTION.format(name="insert", sign="", rows="new_visits"),
    _STATEMENT_FUNCTION.format(name="delete", sign="-", rows="old_visits"),
    _UPDATE_FUNCTION,
    "CREATE TRIGGER visit_cap_tally_insert AFTER INSERT ON visit REFERENCING NEW TABLE AS new_visits"
    " FOR EACH STATEMENT EXECUTE FUNCTION visit_cap_tally_insert()",
    "CREATE TRIGGER visit_cap_tally_delete AFTER DELETE ON visit REFERENCING OLD TABLE AS old_visits"
    " FOR EACH STATEMENT EXECUTE FUNCTION visit_cap_tally_delete()",
    f"CREATE TRIGGER visit_cap_tally_update BEFORE UPDATE ON visit FOR EACH ROW WHEN ({_CHANGED})"
    " EXECUTE FUNCTION visit_cap_tally_update()",
)
# inspection_0010's triggers, verbatim
_DOWNGRADE = (
    "DROP TRIGGER visit_cap_tally_update ON visit",
    "DROP TRIGGER visit_cap_tally_delete ON visit",
    "DROP TRIGGER visit_cap_tally_insert ON visit",
    "DROP FUNCTION visit_cap_tally_update()",
    "DROP FUNCTION visit_cap_tally_delete()",
    "DROP FUNCTION visit_cap_tally_insert()",
    "CREATE TRIGGER visit_cap_tally_insert_delete AFTER INSERT OR DELETE ON visit "
    "FOR EACH ROW EXECUTE FUNCTION visit_cap_tally_apply()",
    f"CREATE TRIGGER visit_cap_tally_update AFTER UPDATE ON visit FOR EACH ROW WHEN ({_CHANGED})"
    " EXECUTE FUNCTION visit_cap_tally_apply()",
)


def upgrade() -> None:
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in _DOWNGRADE:
        op.execute(statement)
