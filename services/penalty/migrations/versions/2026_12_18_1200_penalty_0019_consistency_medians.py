"""The consistency report's remaining work moved onto the decisions' write path (issue #16 item 6): at
5,000,000 enterprises (4.5 M decided cases) the report read, on every request, the city's median of each of
the 1,008 (item, tier) groups (two index probes each into every year's partition: ~1.2 s of the 1.45 s of
"district positions against the city's", cold) and grouped all 81 k rows of ``decided_facts_tally`` to find
the same facts decided in different tiers (0.3 s; a district's then probed ``decided_district_tally`` once
per group: 0.9 s). docs/benchmarks/province-plans.md has the plans.

- ``decided_position_city.median``: the city's median position of the group, the same expression the report
  computed (the two middle ranks located through ``counts``, read from ``ix_decided_case_position_city``,
  ``lo + 0.5 * (hi - lo)``), recomputed by the statement trigger for the groups the statement touched, after
  their counts changed. The counts' ``UPDATE`` holds the group's row lock to the end of the transaction, and
  the recomputation is a later statement of the trigger (a fresh snapshot under READ COMMITTED): a concurrent
  decision in the same group waits for the lock, then recomputes over the rows committed before it.
- ``decided_facts_group``: per (item, facts key) the active decisions and how many tiers have any, kept by
  delta from the ``decided_facts_tally`` upsert's result (a tier row going from 0 to more adds a tier, back to
  0 takes it off), so concurrent decisions never lose a count; a partial index lists the groups decided in
  more than one tier by size.
- ``decided_positions.n`` and ``.median``: a district's count and median, stored generated columns (the
  report read them out of every district's array: ~0.15 s of the 0.38 s of the whole province's positions
  query at 1,000,000 enterprises).
- ``ix_decided_district_tally_district`` (district, item, facts key) INCLUDE (n) replaces the index on the
  district alone: a district's groups read from the index only; ``ix_decided_positions_district`` finds a
  district's positions without reading every district's.

A TRUNCATE of one partition (BEFORE TRUNCATE: its rows are still there) recomputes the medians without them.
The migration fills the new column and table from the rows already there; the downgrade restores
penalty_0013's functions (frozen copies below).

Revision ID: penalty_0019_consistency_medians
Revises: penalty_0017_date_bounds
Create Date: 2026-12-18
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "penalty_0019_consistency_medians"
down_revision: str | None = "penalty_0017_date_bounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of penalty_0013's expressions, as PostgreSQL prints them back.
IN_RANGE = (
    "active AND has_fine AND tier_high_fen > tier_low_fen AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
)
WITHIN = "active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
HUNDREDTH = "((fine_fen - tier_low_fen) * 100 / NULLIF(tier_high_fen - tier_low_fen, 0))"
POSITION = (
    "(((fine_fen - tier_low_fen)::numeric * 10000.0 / NULLIF(tier_high_fen - tier_low_fen, 0)::numeric)"
    "::double precision)"
)

# A district's number of positions and its median (percentile_cont's: the two middle positions of the sorted
# array, lo + 0.5 * (hi - lo)), as the report computed them from the array (services.penalty.models).
DISTRICT_N = "CAST(cardinality(positions) AS bigint)"
DISTRICT_MEDIAN = (
    "positions[(cardinality(positions) - 1) / 2 + 1]"
    " + 0.5 * (positions[cardinality(positions) / 2 + 1] - positions[(cardinality(positions) - 1) / 2 + 1])"
)


def _nth(rank: str) -> str:
    """The position of rank ``rank`` (``lo`` or ``hi``) within its hundredth, as the report read it, leaving out
    the rows of the partition being truncated (``without``)."""
    return f"""LEFT JOIN LATERAL (
            SELECT {POSITION} FROM decided_case
            WHERE benchmark_code = t.benchmark_code AND tier = t.tier AND {WITHIN} AND {HUNDREDTH} = {rank}.part
              AND (without IS NULL OR tableoid <> without)
            ORDER BY {POSITION} OFFSET {rank}.skip LIMIT 1) AS {rank}_v(v) ON true"""


MEDIANS = f"""
    CREATE FUNCTION decided_position_city_medians(codes text[], tiers text[], without oid DEFAULT NULL)
    RETURNS void LANGUAGE sql AS $$
        UPDATE decided_position_city AS c SET median = m.median
        FROM (
            SELECT t.benchmark_code, t.tier, lo_v.v + 0.5 * (hi_v.v - lo_v.v) AS median
            FROM decided_position_city t
            LEFT JOIN LATERAL decided_rank_part(t.counts, (t.n - 1) / 2) AS lo ON t.n > 0
            LEFT JOIN LATERAL decided_rank_part(t.counts, t.n / 2) AS hi ON t.n > 0
            {_nth("lo")}
            {_nth("hi")}
            WHERE (t.benchmark_code, t.tier) IN (SELECT * FROM unnest(codes, tiers))
        ) AS m
        WHERE c.benchmark_code = m.benchmark_code AND c.tier = m.tier AND c.median IS DISTINCT FROM m.median
    $$
    """

# penalty_0013's tally function with the facts groups kept from the facts tally's upsert: each returned row
# is one (item, facts key, tier) after the statement's delta, so the rows before had ``n - delta``.
APPLY = f"""
    CREATE OR REPLACE FUNCTION decided_case_tally_apply(cases decided_case[], sign integer) RETURNS void
    LANGUAGE sql AS $$
        WITH delta AS (
            SELECT benchmark_code, facts_key, tier, sign * count(*) AS n
            FROM unnest(cases) WHERE active GROUP BY 1, 2, 3
        ),
        tallied AS (
            INSERT INTO decided_facts_tally AS t (benchmark_code, facts_key, tier, n)
            SELECT benchmark_code, facts_key, tier, n FROM delta ORDER BY 1, 2, 3
            ON CONFLICT (benchmark_code, facts_key, tier) DO UPDATE SET n = t.n + excluded.n
            RETURNING t.benchmark_code, t.facts_key, t.tier, t.n
        )
        INSERT INTO decided_facts_group AS g (benchmark_code, facts_key, n, tiers)
        SELECT a.benchmark_code, a.facts_key, sum(d.n),
               sum(CASE WHEN a.n > 0 AND a.n - d.n <= 0 THEN 1 WHEN a.n <= 0 AND a.n - d.n > 0 THEN -1 ELSE 0 END)
        FROM tallied a JOIN delta d USING (benchmark_code, facts_key, tier)
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (benchmark_code, facts_key) DO UPDATE SET n = g.n + excluded.n, tiers = g.tiers + excluded.tiers;
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
    """

TALLY = f"""
    CREATE OR REPLACE FUNCTION decided_case_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        old_cases decided_case[] := '{{}}';
        new_cases decided_case[] := '{{}}';
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            old_cases := ARRAY(SELECT ROW(o.*)::decided_case FROM old_rows o);
            PERFORM decided_case_tally_apply(old_cases, -1);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            new_cases := ARRAY(SELECT ROW(r.*)::decided_case FROM new_rows r);
            PERFORM decided_case_tally_apply(new_cases, 1);
        END IF;
        -- a statement of its own: the groups' rows are locked by now, and it sees what committed before (none
        -- when the statement changed no fine within its range: an UPDATE that matched nothing, a revocation of a
        -- fine outside it)
        PERFORM decided_position_city_medians(array_agg(benchmark_code), array_agg(tier))
        FROM unnest(old_cases || new_cases) WHERE {IN_RANGE} HAVING count(*) > 0;
        RETURN NULL;
    END
    $$
    """

PART_EMPTIED = f"""
    CREATE OR REPLACE FUNCTION decided_case_tally_part_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format('SELECT decided_case_tally_apply(ARRAY(SELECT ROW(p.*)::decided_case FROM %s p), -1)',
                       TG_RELID::regclass);
        -- the partition's rows are still there (BEFORE TRUNCATE): the medians are read without them
        EXECUTE format('SELECT decided_position_city_medians(array_agg(benchmark_code), array_agg(tier), $1) '
                       'FROM %s WHERE {IN_RANGE}', TG_RELID::regclass) USING TG_RELID;
        RETURN NULL;
    END
    $$
    """

EMPTIED = """
    CREATE OR REPLACE FUNCTION decided_case_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE decided_facts_tally, decided_district_tally, decided_position_city, decided_positions,
                 decided_facts_group;
        RETURN NULL;
    END
    $$
    """

# penalty_0013's (and penalty_0014's) definitions, restored by the downgrade.
OLD_APPLY = f"""
    CREATE OR REPLACE FUNCTION decided_case_tally_apply(cases decided_case[], sign integer) RETURNS void
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
    """

OLD_TALLY = """
    CREATE OR REPLACE FUNCTION decided_case_tally() RETURNS trigger LANGUAGE plpgsql AS $$
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

OLD_PART_EMPTIED = """
    CREATE OR REPLACE FUNCTION decided_case_tally_part_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        EXECUTE format('SELECT decided_case_tally_apply(ARRAY(SELECT ROW(p.*)::decided_case FROM %s p), -1)',
                       TG_RELID::regclass);
        RETURN NULL;
    END
    $$
    """

OLD_EMPTIED = """
    CREATE OR REPLACE FUNCTION decided_case_tally_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE decided_facts_tally, decided_district_tally, decided_position_city, decided_positions;
        RETURN NULL;
    END
    $$
    """

# What the triggers keep, from penalty_0013's tallies (a set-based load that builds those after the rows, as
# bench/province.py does, runs these after penalty_0013's BACKFILL).
BACKFILL = (
    "INSERT INTO decided_facts_group (benchmark_code, facts_key, n, tiers) "
    "SELECT benchmark_code, facts_key, sum(n), count(*) FILTER (WHERE n > 0) FROM decided_facts_tally GROUP BY 1, 2",
    "SELECT decided_position_city_medians(array_agg(benchmark_code), array_agg(tier)) FROM decided_position_city",
)


def upgrade() -> None:
    op.add_column("decided_position_city", sa.Column("median", sa.Double(), nullable=True))
    # a district's count and median stored beside its positions (the table is rewritten once, ~113 k rows at
    # the province's size), so the report reads two numbers a row instead of indexing into every array
    op.execute(
        f"ALTER TABLE decided_positions ADD COLUMN n bigint GENERATED ALWAYS AS ({DISTRICT_N}) STORED, "
        f"ADD COLUMN median double precision GENERATED ALWAYS AS ({DISTRICT_MEDIAN}) STORED"
    )
    op.create_table(
        "decided_facts_group",
        sa.Column("benchmark_code", sa.Text(), nullable=False),
        sa.Column("facts_key", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("tiers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("benchmark_code", "facts_key", name="pk_decided_facts_group"),
    )
    op.execute(
        "CREATE INDEX ix_decided_facts_group_listed ON decided_facts_group "
        "(n DESC, benchmark_code, facts_key) WHERE tiers > 1"
    )
    op.drop_index("ix_decided_district_tally_district_code", table_name="decided_district_tally")
    op.create_index(
        "ix_decided_district_tally_district",
        "decided_district_tally",
        ["district_code", "benchmark_code", "facts_key"],
        postgresql_include=["n"],
    )
    op.create_index("ix_decided_positions_district", "decided_positions", ["district_code"])
    op.execute(MEDIANS)
    for function in (APPLY, TALLY, PART_EMPTIED, EMPTIED):
        op.execute(function)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for function in (OLD_EMPTIED, OLD_PART_EMPTIED, OLD_TALLY, OLD_APPLY):
        op.execute(function)
    op.execute("DROP FUNCTION decided_position_city_medians(text[], text[], oid)")
    op.drop_index("ix_decided_positions_district", table_name="decided_positions")
    op.drop_index("ix_decided_district_tally_district", table_name="decided_district_tally")
    op.create_index(
        "ix_decided_district_tally_district_code",
        "decided_district_tally",
        ["district_code"],
        postgresql_include=["n"],
    )
    op.drop_table("decided_facts_group")
    op.drop_column("decided_position_city", "median")
    op.execute("ALTER TABLE decided_positions DROP COLUMN median, DROP COLUMN n")
