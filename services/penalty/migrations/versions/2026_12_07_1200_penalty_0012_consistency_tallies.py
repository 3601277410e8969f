"""The consistency report at a province's size (issue #16 item 6): tallies of ``decided_case`` kept by
statement-level triggers in the same transaction as the rows they count, and partial indexes the report
reads instead of aggregating every decided case (docs/benchmarks/province-plans.md).

- ``decided_facts_tally``: active decisions per (benchmark item, facts key, tier) — the same facts decided
  in different tiers, and the number of decided cases;
- ``decided_district_tally``: active decisions per (benchmark item, facts key, district) — which districts
  a group of the same facts touches, and a district's number of decided cases;
- ``decided_position_tally``: fines within their tier's range per (item, tier, district, tenth of the range)
  — where each median lies, so that only the decisions in that tenth are read (through
  ``ix_decided_case_position_city`` / ``ix_decided_case_position_district``) to find it exactly.

Each tally is changed by ``n = n + delta`` under INSERT ... ON CONFLICT, so concurrent decisions never lose a
count; a change (变更) or revocation is an UPDATE of ``decided_case``: its old row is taken off and its new
row added; a TRUNCATE empties them. The migration fills the tallies from the rows already there.

Revision ID: penalty_0012_consistency_tallies
Revises: penalty_0011_outbox_indexes
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "penalty_0012_consistency_tallies"
down_revision: str | None = "penalty_0011_outbox_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of services.penalty.repository.consistency's expressions (the indexes must match them).
IN_RANGE = (
    "active AND has_fine AND tier_high_fen > tier_low_fen AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
)
OUTSIDE = "active AND has_fine AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)"
WITHIN = "active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"  # tier_high = tier_low too
TENTH = "((fine_fen - tier_low_fen) * 10 / NULLIF(tier_high_fen - tier_low_fen, 0))"
POSITION = (
    "(((fine_fen - tier_low_fen)::numeric * 10000.0 / NULLIF(tier_high_fen - tier_low_fen, 0)::numeric)"
    "::double precision)"
)

APPLY = f"""
CREATE FUNCTION decided_case_tally_apply(cases decided_case[], sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO decided_facts_tally AS t (benchmark_code, facts_key, tier, n)
    SELECT benchmark_code, facts_key, tier, sign * count(*)
    FROM unnest(cases) WHERE active GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (benchmark_code, facts_key, tier) DO UPDATE SET n = t.n + excluded.n;
    INSERT INTO decided_district_tally AS t (benchmark_code, facts_key, district_code, n)
    SELECT benchmark_code, facts_key, district_code, sign * count(*)
    FROM unnest(cases) WHERE active GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (benchmark_code, facts_key, district_code) DO UPDATE SET n = t.n + excluded.n;
    INSERT INTO decided_position_tally AS t (benchmark_code, tier, district_code, tenth, n)
    SELECT benchmark_code, tier, district_code, {TENTH}, sign * count(*)
    FROM unnest(cases) WHERE {IN_RANGE} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (benchmark_code, tier, district_code, tenth) DO UPDATE SET n = t.n + excluded.n;
$$
"""

TRIGGER = """
CREATE FUNCTION decided_case_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM decided_case_tally_apply(ARRAY(SELECT ROW(o.*)::decided_case FROM old_rows o), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM decided_case_tally_apply(ARRAY(SELECT ROW(r.*)::decided_case FROM new_rows r), 1);
    END IF;
    RETURN NULL;
END
$$
"""

EMPTIED = """
CREATE FUNCTION decided_case_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE decided_facts_tally, decided_district_tally, decided_position_tally;
    RETURN NULL;
END
$$
"""

BACKFILL = (
    "INSERT INTO decided_facts_tally (benchmark_code, facts_key, tier, n) "
    "SELECT benchmark_code, facts_key, tier, count(*) FROM decided_case WHERE active GROUP BY 1, 2, 3",
    "INSERT INTO decided_district_tally (benchmark_code, facts_key, district_code, n) "
    "SELECT benchmark_code, facts_key, district_code, count(*) FROM decided_case WHERE active GROUP BY 1, 2, 3",
    "INSERT INTO decided_position_tally (benchmark_code, tier, district_code, tenth, n) "
    f"SELECT benchmark_code, tier, district_code, {TENTH}, count(*) FROM decided_case WHERE {IN_RANGE} "
    "GROUP BY 1, 2, 3, 4",
)


def _tally(name: str, *keys: tuple[str, sa.types.TypeEngine[Any]]) -> None:
    op.create_table(
        name,
        *(sa.Column(key, kind, nullable=False) for key, kind in keys),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*(key for key, _ in keys), name=f"pk_{name}"),
    )


def upgrade() -> None:
    text = sa.Text()
    _tally("decided_facts_tally", ("benchmark_code", text), ("facts_key", text), ("tier", text))
    _tally("decided_district_tally", ("benchmark_code", text), ("facts_key", text), ("district_code", text))
    op.create_index(
        "ix_decided_district_tally_district_code",
        "decided_district_tally",
        ["district_code"],
        postgresql_include=["n"],
    )
    _tally(
        "decided_position_tally",
        ("benchmark_code", text),
        ("tier", text),
        ("district_code", text),
        ("tenth", sa.Integer()),
    )
    for statement in BACKFILL:
        op.execute(statement)
    op.execute(APPLY)
    op.execute(TRIGGER)
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER decided_case_tally_{event.lower()} AFTER {event} ON decided_case "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally()"
        )
    op.execute(EMPTIED)
    op.execute(
        "CREATE TRIGGER decided_case_tally_truncate AFTER TRUNCATE ON decided_case "
        "FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally_emptied()"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_position_city ON decided_case "
        f"(benchmark_code, tier, {TENTH}, {POSITION}) WHERE {WITHIN}"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_position_district ON decided_case "
        f"(benchmark_code, tier, district_code, {TENTH}, {POSITION}) INCLUDE (decided_on, case_id) "
        f"WHERE {WITHIN}"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_outside ON decided_case (benchmark_code, tier, decided_on DESC, case_id) "
        f"INCLUDE (district_code, dept_code, fine_fen, tier_low_fen, tier_high_fen) WHERE {OUTSIDE}"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_facts ON decided_case "
        "(benchmark_code, facts_key, tier, decided_on DESC, case_id) WHERE active"
    )


def downgrade() -> None:
    for name in ("facts", "outside", "position_district", "position_city"):
        op.execute(f"DROP INDEX ix_decided_case_{name}")
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER decided_case_tally_{event} ON decided_case")
    op.execute("DROP FUNCTION decided_case_tally_emptied()")
    op.execute("DROP FUNCTION decided_case_tally()")
    op.execute("DROP FUNCTION decided_case_tally_apply(decided_case[], integer)")
    for name in ("decided_position_tally", "decided_district_tally", "decided_facts_tally"):
        op.drop_table(name)
