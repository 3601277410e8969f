"""The consistency report at a province's size (issue #16 item 6): tallies of ``decided_case`` kept by
statement-level triggers in the same transaction as the rows they count, and partial indexes the report
reads instead of aggregating every decided case (docs/benchmarks/province-plans.md).

- ``decided_facts_tally``: active decisions per (benchmark item, facts key, tier) — the same facts decided
  in different tiers, and the number of decided cases;
- ``decided_district_tally``: active decisions per (benchmark item, facts key, district) — which districts
  a group of the same facts touches, and a district's number of decided cases;
- ``decided_positions``: per (item, tier, district), the sorted positions (basis points of the tier's range)
  of the active fines within their range — a district's median is read off the middle of its array;
- ``decided_position_city``: per (item, tier), how many of those fines, in all and in each hundredth of the
  range — which hundredth holds the city's median (``decided_rank_part``), so that only that hundredth's
  decisions are read (``ix_decided_case_position_city``) to find it exactly.

Each count changes by ``n = n + delta`` and each array by a merge or a removal of the statement's values,
under INSERT ... ON CONFLICT / UPDATE, which re-read a row a concurrent transaction changed: concurrent
decisions never lose a count. A change (变更) or revocation is an UPDATE of ``decided_case``: its old row is
taken off and its new row added; a TRUNCATE empties the tallies. The migration fills them from the rows
already there.

Revision ID: penalty_0013_consistency_tallies
Revises: penalty_0012_outbox_parts
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "penalty_0013_consistency_tallies"
down_revision: str | None = "penalty_0012_outbox_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of services.penalty.models' expressions (the report's queries must repeat them to use the
# indexes; written as PostgreSQL prints them back, so that alembic's comparison with the models holds).
IN_RANGE = (
    "active AND has_fine AND tier_high_fen > tier_low_fen AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
)
WITHIN = "active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"  # tier_high = tier_low too
OUTSIDE = "active AND has_fine AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)"
HUNDREDTH = "((fine_fen - tier_low_fen) * 100 / NULLIF(tier_high_fen - tier_low_fen, 0))"
POSITION = (
    "(((fine_fen - tier_low_fen)::numeric * 10000.0 / NULLIF(tier_high_fen - tier_low_fen, 0)::numeric)"
    "::double precision)"
)

FUNCTIONS = (
    """
    CREATE FUNCTION decided_counts_add(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE AS $$
        SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
    $$
    """,
    # how many of ``parts`` (hundredths, 0..100) fall in each hundredth, times ``sign``
    """
    CREATE FUNCTION decided_counts_of(parts bigint[], sign integer) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE AS $$
        SELECT array_agg(sign * coalesce(c.n, 0) ORDER BY i)
        FROM generate_series(0, 100) AS i
        LEFT JOIN (SELECT p, count(*) AS n FROM unnest(parts) AS p GROUP BY p) AS c ON c.p = i
    $$
    """,
    # the hundredth holding 0-based rank ``rank`` of the counts, and how many positions come before it there
    """
    CREATE FUNCTION decided_rank_part(counts bigint[], rank bigint, OUT part integer, OUT skip bigint)
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE
        before bigint := 0;
    BEGIN
        FOR i IN 1 .. cardinality(counts) LOOP
            IF rank < before + counts[i] THEN
                part := i - 1;
                skip := rank - before;
                RETURN;
            END IF;
            before := before + counts[i];
        END LOOP;
    END
    $$
    """,
    """
    CREATE FUNCTION decided_positions_merge(a double precision[], b double precision[])
    RETURNS double precision[] LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(array_agg(v ORDER BY v), '{}') FROM unnest(a || b) AS v
    $$
    """,
    # a multiset difference: each value of r takes one equal value off a
    """
    CREATE FUNCTION decided_positions_remove(a double precision[], r double precision[])
    RETURNS double precision[] LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(array_agg(x.v ORDER BY x.v), '{}')
        FROM (SELECT v, row_number() OVER (PARTITION BY v) AS k FROM unnest(a) AS v) AS x
        WHERE x.k > (SELECT count(*) FROM unnest(r) AS w WHERE w = x.v)
    $$
    """,
    f"""
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
        INSERT INTO decided_position_city AS t (benchmark_code, tier, n, counts)
        SELECT benchmark_code, tier, sign * count(*), decided_counts_of(array_agg({HUNDREDTH}), sign)
        FROM unnest(cases) WHERE {IN_RANGE} GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (benchmark_code, tier)
        DO UPDATE SET n = t.n + excluded.n, counts = decided_counts_add(t.counts, excluded.counts);
        INSERT INTO decided_positions AS t (benchmark_code, tier, district_code, positions)
        SELECT benchmark_code, tier, district_code, array_agg({POSITION} ORDER BY {POSITION})
        FROM unnest(cases) WHERE sign > 0 AND {IN_RANGE} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (benchmark_code, tier, district_code)
        DO UPDATE SET positions = decided_positions_merge(t.positions, excluded.positions);
        UPDATE decided_positions AS t SET positions = decided_positions_remove(t.positions, d.removed)
        FROM (
            SELECT benchmark_code, tier, district_code, array_agg({POSITION}) AS removed
            FROM unnest(cases) WHERE sign < 0 AND {IN_RANGE} GROUP BY 1, 2, 3
        ) AS d
        WHERE t.benchmark_code = d.benchmark_code AND t.tier = d.tier AND t.district_code = d.district_code;
    $$
    """,
    """
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
    """,
    """
    CREATE FUNCTION decided_case_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE decided_facts_tally, decided_district_tally, decided_position_city, decided_positions;
        RETURN NULL;
    END
    $$
    """,
)

BACKFILL = (
    "INSERT INTO decided_facts_tally (benchmark_code, facts_key, tier, n) "
    "SELECT benchmark_code, facts_key, tier, count(*) FROM decided_case WHERE active GROUP BY 1, 2, 3",
    "INSERT INTO decided_district_tally (benchmark_code, facts_key, district_code, n) "
    "SELECT benchmark_code, facts_key, district_code, count(*) FROM decided_case WHERE active GROUP BY 1, 2, 3",
    "INSERT INTO decided_position_city (benchmark_code, tier, n, counts) "
    f"SELECT benchmark_code, tier, count(*), decided_counts_of(array_agg({HUNDREDTH}), 1) FROM decided_case "
    f"WHERE {IN_RANGE} GROUP BY 1, 2",
    "INSERT INTO decided_positions (benchmark_code, tier, district_code, positions) "
    f"SELECT benchmark_code, tier, district_code, array_agg({POSITION} ORDER BY {POSITION}) "
    f"FROM decided_case WHERE {IN_RANGE} GROUP BY 1, 2, 3",
)


def _tally(
    name: str, *keys: tuple[str, sa.types.TypeEngine[Any]], value: sa.Column[Any], counts: Any = None
) -> None:
    op.create_table(
        name,
        *(sa.Column(key, kind, nullable=False) for key, kind in keys),
        value,
        *([counts] if counts is not None else []),
        sa.PrimaryKeyConstraint(*(key for key, _ in keys), name=f"pk_{name}"),
    )


def upgrade() -> None:
    text = sa.Text()
    count = sa.Column("n", sa.BigInteger(), nullable=False)
    _tally("decided_facts_tally", ("benchmark_code", text), ("facts_key", text), ("tier", text), value=count)
    _tally(
        "decided_district_tally",
        ("benchmark_code", text),
        ("facts_key", text),
        ("district_code", text),
        value=sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_decided_district_tally_district_code",
        "decided_district_tally",
        ["district_code"],
        postgresql_include=["n"],
    )
    _tally(
        "decided_position_city",
        ("benchmark_code", text),
        ("tier", text),
        value=sa.Column("n", sa.BigInteger(), nullable=False),
        counts=sa.Column("counts", sa.ARRAY(sa.BigInteger()), nullable=False),
    )
    _tally(
        "decided_positions",
        ("benchmark_code", text),
        ("tier", text),
        ("district_code", text),
        value=sa.Column("positions", sa.ARRAY(sa.Double()), nullable=False),
    )
    # arrays of up to ~1,000 positions stay in the row, uncompressed: read without a detour through TOAST
    op.execute("ALTER TABLE decided_positions ALTER COLUMN positions SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE decided_positions SET (toast_tuple_target = 8160)")
    for function in FUNCTIONS:
        op.execute(function)
    for statement in BACKFILL:
        op.execute(statement)
    for event, tables in (
        ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
        ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER decided_case_tally_{event.lower()} AFTER {event} ON decided_case "
            f"{tables} FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally()"
        )
    op.execute(
        "CREATE TRIGGER decided_case_tally_truncate AFTER TRUNCATE ON decided_case "
        "FOR EACH STATEMENT EXECUTE FUNCTION decided_case_tally_emptied()"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_position_city ON decided_case "
        f"(benchmark_code, tier, {HUNDREDTH}, {POSITION}) WHERE {WITHIN}"
    )
    op.execute(
        "CREATE INDEX ix_decided_case_position_district ON decided_case "
        f"(benchmark_code, tier, district_code, decided_on DESC, case_id) WHERE {WITHIN}"
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
    op.execute("DROP FUNCTION decided_positions_remove(double precision[], double precision[])")
    op.execute("DROP FUNCTION decided_positions_merge(double precision[], double precision[])")
    op.execute("DROP FUNCTION decided_rank_part(bigint[], bigint)")
    op.execute("DROP FUNCTION decided_counts_of(bigint[], integer)")
    op.execute("DROP FUNCTION decided_counts_add(bigint[], bigint[])")
    for name in (
        "decided_positions",
        "decided_position_city",
        "decided_district_tally",
        "decided_facts_tally",
    ):
        op.drop_table(name)
