"""``unit_quarter_tally`` kept once per statement, and a case's domain-less signals found by an index (issue #16
item 6).

risk_0020's row triggers updated the tally once per case and signal written. A statement that wrote many cases of
one unit, domain and quarter updated the same tally row again for each of them inside one transaction: every
update a new version of the row, each found by walking the chain of the ones before it, so the statement's cost
grew with the square of its rows (5,000,000 generated cases of one unit never finished). The triggers are now
statement-level with transition tables: a statement's rows are counted, grouped by quarter, unit and domain, and
each tally row is written once. What they count is exactly risk_0020's (its back-fill is still the oracle of
``tests/risk/test_quarter_tally.py``); groups whose counts net to zero are not written (the report skips them).

A case's insert, delete or change of domain moves the counts of its signals that have no domain of their own.
risk_0020 found them by ``unit_signal.case_id``, which had no index: at a province's 37 M signals every projected
case read the whole table. ``ix_unit_signal_case_domainless`` holds just those signals (a few per cent).

PostgreSQL allows transition tables only on single-event triggers: three per table.

Revision ID: risk_0021_tally_statements
Revises: risk_0020_quarter_tally
Create Date: 2026-12-17
"""

from collections.abc import Sequence

from alembic import op

revision: str = "risk_0021_tally_statements"
down_revision: str | None = "risk_0020_quarter_tally"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = "未分领域"  # services.risk.domain.report.UNKNOWN_DOMAIN
LOW_MAX = 2  # services.risk.domain.report.LOW_RATING_MAX_STARS
QUARTER = """to_char({day}, 'YYYY"Q"Q')"""

_COUNTS = ("decisions", "deviations", "refused", "low", "overdue", "matters", "follow_ups")

# the grouped deltas of ``rows`` (columns quarter, unit_code, domain and the seven counts) added to the tally
_UPSERT = """
INSERT INTO unit_quarter_tally AS t (quarter, unit_code, domain, {counts})
SELECT x.quarter, x.unit_code, x.domain, {sums}
FROM ({rows}) x
GROUP BY x.quarter, x.unit_code, x.domain
HAVING {nonzero}
ON CONFLICT (quarter, unit_code, domain) DO UPDATE SET {add}
""".format(
    counts=", ".join(_COUNTS),
    sums=", ".join(f"sum(x.{c})" for c in _COUNTS),
    nonzero=" OR ".join(f"sum(x.{c}) <> 0" for c in _COUNTS),
    add=", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in _COUNTS),
    rows="{rows}",
)


def _signal_counts(sign: str, domain: str) -> str:
    """A signal ``s``'s counts (risk_0020's ``unit_signal_quarter_add``), times ``sign``, under ``domain``."""
    return (
        f"{QUARTER.format(day='s.occurred_on')} AS quarter, s.unit_code, {domain} AS domain,"
        " 0 AS decisions, 0 AS deviations,"
        f" {sign} * (s.kind = 'refused_entry')::int AS refused,"
        f" {sign} * COALESCE(s.kind = 'rating' AND s.value <= {LOW_MAX}, false)::int AS low,"
        f" {sign} * CASE WHEN s.kind = 'overdue_procedure' THEN COALESCE(s.value, 1) ELSE 0 END AS overdue,"
        f" {sign} * (s.kind = 'overdue_matter')::int AS matters,"
        f" {sign} * (s.kind = 'overdue_follow_up')::int AS follow_ups"
    )


def _signals(changed: str) -> str:
    """The tally's deltas of the changed signals ``changed`` (their columns and ``sign``): under their own domain,
    else their case's, else unknown."""
    counts = _signal_counts("s.sign", f"COALESCE(s.domain, c.domain, '{UNKNOWN}')")
    return _UPSERT.format(
        rows=f"SELECT {counts} FROM ({changed}) s LEFT JOIN risk_case c ON c.case_id = s.case_id"
        " WHERE s.kind <> 'visit'"
    )


def _cases(changed: str, moved: str) -> str:
    """The tally's deltas of the changed cases ``changed`` (their columns and ``sign``): their own counts, and
    those of the domain-less signals of the cases ``moved`` (the same columns), which leave the old case's domain
    for unknown (sign -1) or unknown for the new case's (sign 1)."""
    own = (
        f"SELECT {QUARTER.format(day='c.decided_on')} AS quarter, c.unit_code,"
        f" COALESCE(c.domain, '{UNKNOWN}') AS domain, c.sign AS decisions, c.sign * c.outside_tier::int AS deviations,"
        " 0 AS refused, 0 AS low, 0 AS overdue, 0 AS matters, 0 AS follow_ups"
        f" FROM ({changed}) c"
        " WHERE c.issued_revision IS NOT NULL AND c.unit_code IS NOT NULL AND c.decided_on IS NOT NULL"
    )
    signals = (
        f"SELECT {_signal_counts('m.sign', 'm.domain')}"
        f" FROM ({moved}) c"
        f" CROSS JOIN LATERAL (VALUES (COALESCE(c.domain, '{UNKNOWN}'), c.sign), ('{UNKNOWN}', -c.sign))"
        " AS m(domain, sign)"
        " JOIN unit_signal s ON s.case_id = c.case_id"
        " AND s.case_id IS NOT NULL AND s.domain IS NULL AND s.kind <> 'visit'"  # ix_unit_signal_case_domainless
    )
    return _UPSERT.format(rows=f"{own} UNION ALL {signals}")


_SIGNAL_COLUMNS = "s.kind, s.unit_code, s.domain, s.case_id, s.occurred_on, s.value"
_CASE_COLUMNS = "c.case_id, c.unit_code, c.domain, c.decided_on, c.issued_revision, c.outside_tier"
_OLD_SIGNALS = f"SELECT {_SIGNAL_COLUMNS}, -1 AS sign FROM old_signals s"
_NEW_SIGNALS = f"SELECT {_SIGNAL_COLUMNS}, 1 AS sign FROM new_signals s"
_OLD_CASES = f"SELECT {_CASE_COLUMNS}, -1 AS sign FROM old_cases c"
_NEW_CASES = f"SELECT {_CASE_COLUMNS}, 1 AS sign FROM new_cases c"
# an update moves the domain-less signals of the cases whose key or domain it changed (the others net to zero)
_MOVED_BY_UPDATE = (
    f"{_OLD_CASES} WHERE NOT EXISTS (SELECT 1 FROM new_cases n"
    " WHERE n.case_id = c.case_id AND n.domain IS NOT DISTINCT FROM c.domain)"
    f" UNION ALL {_NEW_CASES} WHERE NOT EXISTS (SELECT 1 FROM old_cases o"
    " WHERE o.case_id = c.case_id AND o.domain IS NOT DISTINCT FROM c.domain)"
)

_SIGNAL_FUNCTION = f"""
CREATE FUNCTION unit_signal_quarter_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_signals(_NEW_SIGNALS)};
    ELSIF TG_OP = 'DELETE' THEN
        {_signals(_OLD_SIGNALS)};
    ELSE
        {_signals(f"{_OLD_SIGNALS} UNION ALL {_NEW_SIGNALS}")};
    END IF;
    RETURN NULL;
END
$$
"""

_CASE_FUNCTION = f"""
CREATE FUNCTION risk_case_quarter_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_cases(_NEW_CASES, _NEW_CASES)};
    ELSIF TG_OP = 'DELETE' THEN
        {_cases(_OLD_CASES, _OLD_CASES)};
    ELSE
        {_cases(f"{_OLD_CASES} UNION ALL {_NEW_CASES}", _MOVED_BY_UPDATE)};
    END IF;
    RETURN NULL;
END
$$
"""


def _statement_triggers(table: str, function: str, old: str, new: str) -> list[str]:
    create = (
        f"CREATE TRIGGER {table}_quarter_tally_{{event}} AFTER {{event}} ON {table} REFERENCING {{tables}}"
    )
    run = f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    return [
        create.format(event="insert", tables=f"NEW TABLE AS {new}") + run,
        create.format(event="update", tables=f"OLD TABLE AS {old} NEW TABLE AS {new}") + run,
        create.format(event="delete", tables=f"OLD TABLE AS {old}") + run,
    ]


_TRIGGERS = [
    *_statement_triggers("unit_signal", "unit_signal_quarter_tally_statement", "old_signals", "new_signals"),
    *_statement_triggers("risk_case", "risk_case_quarter_tally_statement", "old_cases", "new_cases"),
]

# risk_0020's, for the downgrade
_ROW_TRIGGERS = (
    "CREATE TRIGGER unit_signal_quarter_tally AFTER INSERT OR UPDATE OR DELETE ON unit_signal"
    " FOR EACH ROW EXECUTE FUNCTION unit_signal_quarter_tally()",
    "CREATE TRIGGER risk_case_quarter_tally AFTER INSERT OR UPDATE OR DELETE ON risk_case"
    " FOR EACH ROW EXECUTE FUNCTION risk_case_quarter_tally()",
)


def upgrade() -> None:
    op.create_index(
        "ix_unit_signal_case_domainless",
        "unit_signal",
        ["case_id"],
        postgresql_where="case_id IS NOT NULL AND domain IS NULL AND kind <> 'visit'",
    )
    op.execute(
        "LOCK TABLE risk_case, unit_signal IN SHARE ROW EXCLUSIVE MODE"
    )  # no write counted twice or never
    op.execute("DROP TRIGGER risk_case_quarter_tally ON risk_case")
    op.execute("DROP TRIGGER unit_signal_quarter_tally ON unit_signal")
    op.execute(_SIGNAL_FUNCTION)
    op.execute(_CASE_FUNCTION)
    for statement in _TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("LOCK TABLE risk_case, unit_signal IN SHARE ROW EXCLUSIVE MODE")
    for table in ("unit_signal", "risk_case"):
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {table}_quarter_tally_{event} ON {table}")
    op.execute("DROP FUNCTION risk_case_quarter_tally_statement()")
    op.execute("DROP FUNCTION unit_signal_quarter_tally_statement()")
    for statement in _ROW_TRIGGERS:
        op.execute(statement)
    op.drop_index("ix_unit_signal_case_domainless", table_name="unit_signal")
