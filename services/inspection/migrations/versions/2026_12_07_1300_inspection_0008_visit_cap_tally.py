"""Visits per enterprise, year and department as the caps count them (issue #16 item 6): ``visit_cap_tally``,
kept by a trigger on ``visit`` in the same transaction as the visit, so that the supervisors' over-cap list
reads the few rows over a cap instead of a year's visits (10 M a year at the province's size).

One row per (China-time year, enterprise, department) and one per (year, enterprise) with department ``''``
(a joint visit counts once there, 进一次门), counting the visits of each task kind that the enterprise did
not ask for (an enterprise's own request never counts toward a cap). Which kinds are exempt is the
service's policy (``FrequencyPolicy.exempt_kinds``), so the kinds are kept apart; the expression index
s serve the default policy (complaint and key-area visits exempt: random + joint capped).

Revision ID: inspection_0008
Revises: inspection_0007_outbox_parts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "inspection_0008"
down_revision: str | None = "inspection_0007_outbox_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD = """
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

_FUNCTION = """
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

_BACKFILL = """
INSERT INTO visit_cap_tally (year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n)
SELECT extract(year FROM v.started_at AT TIME ZONE 'Asia/Shanghai')::int, v.uscc, d.dept_code,
       count(*) FILTER (WHERE v.task_kind = 'random'), count(*) FILTER (WHERE v.task_kind = 'joint'),
       count(*) FILTER (WHERE v.task_kind = 'complaint'), count(*) FILTER (WHERE v.task_kind = 'key_area')
FROM visit v
CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(v.dept_codes || ''::text) x) d(dept_code)
WHERE NOT v.requested_by_enterprise
GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.execute(
        "CREATE TABLE visit_cap_tally ("
        " year integer NOT NULL, uscc text NOT NULL, dept_code text NOT NULL,"
        " random_n integer NOT NULL DEFAULT 0, joint_n integer NOT NULL DEFAULT 0,"
        " complaint_n integer NOT NULL DEFAULT 0, key_area_n integer NOT NULL DEFAULT 0,"
        " CONSTRAINT pk_visit_cap_tally PRIMARY KEY (year, uscc, dept_code))"
    )
    # the rows past a cap under the default policy, departments' and enterprises' apart
    op.execute(
        "CREATE INDEX ix_visit_cap_tally_department ON visit_cap_tally (year, (random_n + joint_n))"
        " WHERE dept_code <> ''"
    )
    op.execute(
        "CREATE INDEX ix_visit_cap_tally_enterprise ON visit_cap_tally (year, (random_n + joint_n))"
        " WHERE dept_code = ''"
    )
    op.execute(_ADD)
    op.execute(_FUNCTION)
    op.execute(
        "CREATE TRIGGER visit_cap_tally_insert_delete AFTER INSERT OR DELETE ON visit "
        "FOR EACH ROW EXECUTE FUNCTION visit_cap_tally_apply()"
    )
    op.execute(
        "CREATE TRIGGER visit_cap_tally_update AFTER UPDATE ON visit FOR EACH ROW WHEN ("
        "OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.uscc IS DISTINCT FROM NEW.uscc"
        " OR OLD.task_kind IS DISTINCT FROM NEW.task_kind OR OLD.dept_codes IS DISTINCT FROM NEW.dept_codes"
        " OR OLD.requested_by_enterprise IS DISTINCT FROM NEW.requested_by_enterprise"
        ") EXECUTE FUNCTION visit_cap_tally_apply()"
    )
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER visit_cap_tally_update ON visit")
    op.execute("DROP TRIGGER visit_cap_tally_insert_delete ON visit")
    op.execute("DROP FUNCTION visit_cap_tally_apply()")
    op.execute("DROP FUNCTION visit_cap_tally_add(visit, integer)")
    op.execute("DROP TABLE visit_cap_tally")
