"""The cap tally's trigger writes the tally itself (issue #16 item 1, docs/benchmarks/checkin-postgres.md):
``visit_cap_tally_apply`` (PL/pgSQL, inspection_0008/0010) called the SQL function ``visit_cap_tally_add`` with
the visit's row for each side of a change (``PERFORM``: a statement of its own, then the SQL function's executor
around the one INSERT), about a third of the trigger's 0.14-0.17 ms per check-in. The INSERT now stands in the
trigger itself, once for the old row (-1) and once for the new (+1), the same statement as before with the
row's fields for the function's arguments: the same rows counted, in the same order (departments sorted,
the enterprise's ``''`` row first), so the same locks. ``visit_cap_tally_add`` is dropped; the downgrade
restores both functions as inspection_0010 left them (the triggers call ``visit_cap_tally_apply()`` by name
and stay).

Revision ID: inspection_0013_tally_trigger
Revises: inspection_0012_date_bounds
Create Date: 2026-12-13
"""

from collections.abc import Sequence

from alembic import op

revision: str = "inspection_0013_tally_trigger"
down_revision: str | None = "inspection_0012_date_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(row: str, sign: str) -> str:
    """inspection_0008's ``visit_cap_tally_add(row, sign 1)``, written out for the trigger's ``OLD`` or ``NEW``."""
    return f"""
        INSERT INTO visit_cap_tally AS t (year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n)
        SELECT extract(year FROM {row}.started_at AT TIME ZONE 'Asia/Shanghai')::int, {row}.uscc, d.dept_code,
               {sign}({row}.task_kind = 'random')::int, {sign}({row}.task_kind = 'joint')::int,
               {sign}({row}.task_kind = 'complaint')::int, {sign}({row}.task_kind = 'key_area')::int
        FROM (SELECT DISTINCT x FROM unnest({row}.dept_codes || ''::text) x ORDER BY x) d(dept_code)
        ON CONFLICT (year, uscc, dept_code) DO UPDATE SET
            random_n = t.random_n + EXCLUDED.random_n, joint_n = t.joint_n + EXCLUDED.joint_n,
            complaint_n = t.complaint_n + EXCLUDED.complaint_n, key_area_n = t.key_area_n + EXCLUDED.key_area_n;"""


_APPLY = f"""
CREATE OR REPLACE FUNCTION visit_cap_tally_apply() RETURNS trigger AS $$
BEGIN
    -- departments in a fixed order (and '' for the enterprise's row first): concurrent visits of one
    -- enterprise lock its rows in the same order
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF NOT OLD.requested_by_enterprise THEN{_count("OLD", "-")}
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NOT NEW.requested_by_enterprise THEN{_count("NEW", "")}
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

# inspection_0010's functions, verbatim
_OLD_ADD = """
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
_OLD_APPLY = """
CREATE OR REPLACE FUNCTION visit_cap_tally_apply() RETURNS trigger AS $$
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


def upgrade() -> None:
    op.execute(_APPLY)
    op.execute("DROP FUNCTION visit_cap_tally_add(visit, integer)")


def downgrade() -> None:
    op.execute(_OLD_ADD)
    op.execute(_OLD_APPLY)
