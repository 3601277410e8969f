"""The quarterly report's counts of decided cases and unit signals kept per quarter, unit and domain (issue #16
item 6): at a province's size (5 M enterprises, 4.5 M cases and 36 M signals over three years) counting them
for a quarter and the two before it missed the report's 1 s. ``unit_quarter_tally`` holds, per quarter, unit
and domain, exactly what ``repository/reports.py``'s live counts read from ``risk_case`` and ``unit_signal``;
triggers keep it in the writing transaction, and the report reads it for whole quarters. The drill-down's
evidence, one unit's signals in a quarter, read the quarter's entries of every unit in
``ix_unit_signal_occurred_on_unit_code`` (nine in ten of them visits): ``ix_unit_signal_unit_code_occurred_on``
reads just the unit's.

A signal's domain is its own, else its case's, else 未分领域: a case's insert, delete or change of domain moves
its domain-less signals' counts (``risk_case_quarter_tally``). The low-rating bound (2 stars) is
``services.risk.domain.report.LOW_RATING_MAX_STARS``; a change of it needs a migration that rebuilds the table.

Revision ID: risk_0020_quarter_tally
Revises: risk_0019_class_announce
Create Date: 2026-12-13
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0020_quarter_tally"
down_revision: str | None = "risk_0019_class_announce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = "未分领域"  # services.risk.domain.report.UNKNOWN_DOMAIN
LOW_MAX = 2  # services.risk.domain.report.LOW_RATING_MAX_STARS

_TABLE = """
CREATE TABLE unit_quarter_tally (
    quarter text NOT NULL,
    unit_code text NOT NULL,
    domain text NOT NULL,
    decisions integer NOT NULL DEFAULT 0,
    deviations integer NOT NULL DEFAULT 0,
    refused integer NOT NULL DEFAULT 0,
    low integer NOT NULL DEFAULT 0,
    overdue integer NOT NULL DEFAULT 0,
    matters integer NOT NULL DEFAULT 0,
    follow_ups integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_unit_quarter_tally PRIMARY KEY (quarter, unit_code, domain)
)
"""

_ADD = """
CREATE FUNCTION unit_quarter_tally_add(q text, unit text, dom text, d integer, dev integer, ref integer,
                                       lo integer, ov integer, mat integer, fu integer) RETURNS void AS $$
    INSERT INTO unit_quarter_tally AS t
        (quarter, unit_code, domain, decisions, deviations, refused, low, overdue, matters, follow_ups)
    VALUES (q, unit, dom, d, dev, ref, lo, ov, mat, fu)
    ON CONFLICT (quarter, unit_code, domain) DO UPDATE SET
        decisions = t.decisions + EXCLUDED.decisions, deviations = t.deviations + EXCLUDED.deviations,
        refused = t.refused + EXCLUDED.refused, low = t.low + EXCLUDED.low, overdue = t.overdue + EXCLUDED.overdue,
        matters = t.matters + EXCLUDED.matters, follow_ups = t.follow_ups + EXCLUDED.follow_ups
$$ LANGUAGE sql
"""

# one signal's counts, times ``sign``, under the domain ``dom`` (its own, else its case's, else unknown)
_SIGNAL_ADD = f"""
CREATE FUNCTION unit_signal_quarter_add(s unit_signal, dom text, sign integer) RETURNS void AS $$
    SELECT unit_quarter_tally_add(
        to_char(s.occurred_on, 'YYYY"Q"Q'), s.unit_code, dom, 0, 0,
        sign * (s.kind = 'refused_entry')::int,
        sign * COALESCE(s.kind = 'rating' AND s.value <= {LOW_MAX}, false)::int,
        sign * CASE WHEN s.kind = 'overdue_procedure' THEN COALESCE(s.value, 1) ELSE 0 END,
        sign * (s.kind = 'overdue_matter')::int, sign * (s.kind = 'overdue_follow_up')::int)
    WHERE s.kind <> 'visit'
$$ LANGUAGE sql
"""

_SIGNAL_TRIGGER = f"""
CREATE FUNCTION unit_signal_quarter_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM unit_signal_quarter_add(OLD, COALESCE(OLD.domain,
            (SELECT c.domain FROM risk_case c WHERE c.case_id = OLD.case_id), '{UNKNOWN}'), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM unit_signal_quarter_add(NEW, COALESCE(NEW.domain,
            (SELECT c.domain FROM risk_case c WHERE c.case_id = NEW.case_id), '{UNKNOWN}'), 1);
    END IF;
    RETURN NULL;
END
$$
"""

# a case's own counts, and the domain of its domain-less signals (their case's)
_CASE_TRIGGER = f"""
CREATE FUNCTION risk_case_quarter_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s unit_signal;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.issued_revision IS NOT NULL AND OLD.unit_code IS NOT NULL AND OLD.decided_on IS NOT NULL THEN
            PERFORM unit_quarter_tally_add(to_char(OLD.decided_on, 'YYYY"Q"Q'), OLD.unit_code,
                COALESCE(OLD.domain, '{UNKNOWN}'), -1, -OLD.outside_tier::int, 0, 0, 0, 0, 0);
        END IF;
        IF TG_OP = 'DELETE' OR OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.domain IS DISTINCT FROM NEW.domain THEN
            FOR s IN SELECT * FROM unit_signal WHERE case_id = OLD.case_id AND domain IS NULL AND kind <> 'visit' LOOP
                PERFORM unit_signal_quarter_add(s, COALESCE(OLD.domain, '{UNKNOWN}'), -1);
                PERFORM unit_signal_quarter_add(s, '{UNKNOWN}', 1);
            END LOOP;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.issued_revision IS NOT NULL AND NEW.unit_code IS NOT NULL AND NEW.decided_on IS NOT NULL THEN
            PERFORM unit_quarter_tally_add(to_char(NEW.decided_on, 'YYYY"Q"Q'), NEW.unit_code,
                COALESCE(NEW.domain, '{UNKNOWN}'), 1, NEW.outside_tier::int, 0, 0, 0, 0, 0);
        END IF;
        IF TG_OP = 'INSERT' OR OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.domain IS DISTINCT FROM NEW.domain THEN
            FOR s IN SELECT * FROM unit_signal WHERE case_id = NEW.case_id AND domain IS NULL AND kind <> 'visit' LOOP
                PERFORM unit_signal_quarter_add(s, '{UNKNOWN}', -1);
                PERFORM unit_signal_quarter_add(s, COALESCE(NEW.domain, '{UNKNOWN}'), 1);
            END LOOP;
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

_TRIGGERS = (
    "CREATE TRIGGER unit_signal_quarter_tally AFTER INSERT OR UPDATE OR DELETE ON unit_signal"
    " FOR EACH ROW EXECUTE FUNCTION unit_signal_quarter_tally()",
    "CREATE TRIGGER risk_case_quarter_tally AFTER INSERT OR UPDATE OR DELETE ON risk_case"
    " FOR EACH ROW EXECUTE FUNCTION risk_case_quarter_tally()",
)

# the rows the triggers would have kept, in one statement (the back-fill; bench/province_inspection.py too)
BACKFILL = f"""
INSERT INTO unit_quarter_tally
    (quarter, unit_code, domain, decisions, deviations, refused, low, overdue, matters, follow_ups)
SELECT x.quarter, x.unit_code, x.domain, sum(x.d), sum(x.dev), sum(x.ref), sum(x.lo), sum(x.ov), sum(x.mat),
       sum(x.fu)
FROM (
    SELECT to_char(c.decided_on, 'YYYY"Q"Q') AS quarter, c.unit_code, COALESCE(c.domain, '{UNKNOWN}') AS domain,
           1 AS d, c.outside_tier::int AS dev, 0 AS ref, 0 AS lo, 0 AS ov, 0 AS mat, 0 AS fu
    FROM risk_case c
    WHERE c.issued_revision IS NOT NULL AND c.unit_code IS NOT NULL AND c.decided_on IS NOT NULL
  UNION ALL
    SELECT to_char(s.occurred_on, 'YYYY"Q"Q'), s.unit_code, COALESCE(s.domain, c.domain, '{UNKNOWN}'), 0, 0,
           (s.kind = 'refused_entry')::int, COALESCE(s.kind = 'rating' AND s.value <= {LOW_MAX}, false)::int,
           CASE WHEN s.kind = 'overdue_procedure' THEN COALESCE(s.value, 1) ELSE 0 END,
           (s.kind = 'overdue_matter')::int, (s.kind = 'overdue_follow_up')::int
    FROM unit_signal s
    LEFT JOIN risk_case c ON c.case_id = s.case_id
    WHERE s.kind <> 'visit'
) x
GROUP BY x.quarter, x.unit_code, x.domain
"""


def upgrade() -> None:
    op.execute(_TABLE)
    for statement in (_ADD, _SIGNAL_ADD, _SIGNAL_TRIGGER, _CASE_TRIGGER):
        op.execute(statement)
    op.execute(
        "LOCK TABLE risk_case, unit_signal IN SHARE MODE"
    )  # no write between the back-fill and the triggers
    op.execute(BACKFILL)
    for statement in _TRIGGERS:
        op.execute(statement)
    op.create_index("ix_unit_signal_unit_code_occurred_on", "unit_signal", ["unit_code", "occurred_on"])


def downgrade() -> None:
    op.drop_index("ix_unit_signal_unit_code_occurred_on", table_name="unit_signal")
    op.execute("DROP TRIGGER risk_case_quarter_tally ON risk_case")
    op.execute("DROP TRIGGER unit_signal_quarter_tally ON unit_signal")
    op.execute("DROP FUNCTION risk_case_quarter_tally()")
    op.execute("DROP FUNCTION unit_signal_quarter_tally()")
    op.execute("DROP FUNCTION unit_signal_quarter_add(unit_signal, text, integer)")
    op.execute("DROP FUNCTION unit_quarter_tally_add(text, text, text, integer, integer, integer, integer, integer,"
               " integer, integer)")  # fmt: skip
    op.execute("DROP TABLE unit_quarter_tally")
