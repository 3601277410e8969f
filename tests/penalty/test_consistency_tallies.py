"""The consistency report computed from the tallies (migration penalty_0013) and the medians and facts groups
kept with them (penalty_0019) gives exactly what the former queries computed over every decided case and
what penalty_0013's queries computed from the tallies (both kept here, verbatim, as the references), on
random decisions changed (变更), revoked and re-decided; and the tallies, medians and groups stay exact
under concurrent writes."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common.db import create_engine, session_factory, transaction
from services.penalty import repository as repo
from services.penalty.models import DECIDED_HUNDREDTH, DECIDED_POSITION, DECIDED_WITHIN
from tests.support.stack import Stack

pytestmark = pytest.mark.slow

# The former queries (services/penalty/repository/consistency.py before penalty_0013), verbatim.
# Positions in basis points of the tier's range, for decisions within it. One sort feeds both grouping
# sets (the city's (item, tier) is a prefix of the district's (item, tier, district)); only flagged
# districts then fetch their case ids, through the (benchmark_code, tier) index.
OLD_POSITION_SQL = sa.text(
    """
    WITH agg AS (
        SELECT benchmark_code, tier, district_code, GROUPING(district_code) AS city, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY (fine_fen - tier_low_fen) * 10000.0 / (tier_high_fen - tier_low_fen)
               ) AS median
        FROM decided_case
        WHERE active AND has_fine AND tier_high_fen > tier_low_fen
          AND fine_fen BETWEEN tier_low_fen AND tier_high_fen
        GROUP BY GROUPING SETS ((benchmark_code, tier), (benchmark_code, tier, district_code))
    ),
    flags AS (
        SELECT d.benchmark_code, d.tier, d.district_code, d.n, d.median AS district_median,
               c.n AS city_n, c.median AS city_median, count(*) OVER () AS total
        FROM agg d
        JOIN agg c ON c.city = 1 AND c.benchmark_code = d.benchmark_code AND c.tier = d.tier
        WHERE d.city = 0 AND d.n >= :min_cases AND abs(d.median - c.median) > :margin
          AND (CAST(:district AS text) IS NULL OR d.district_code = :district)
        ORDER BY abs(d.median - c.median) DESC, d.benchmark_code, d.tier, d.district_code
        LIMIT :limit
    )
    SELECT f.*, ids.case_ids
    FROM flags f
    CROSS JOIN LATERAL (
        SELECT array_agg(x.case_id) AS case_ids
        FROM (
            SELECT case_id FROM decided_case
            WHERE benchmark_code = f.benchmark_code AND tier = f.tier AND district_code = f.district_code
              AND active AND has_fine AND fine_fen BETWEEN tier_low_fen AND tier_high_fen
            ORDER BY decided_on DESC, case_id
            LIMIT :per_flag
        ) AS x
    ) AS ids
    ORDER BY abs(f.district_median - f.city_median) DESC, f.benchmark_code, f.tier, f.district_code
    """
)

# Groups whose tiers differ are found with min <> max (a hash aggregate, no sort); only the listed groups
# are then detailed.
OLD_SAME_FACTS_SQL = sa.text(
    """
    WITH groups AS MATERIALIZED (
        SELECT benchmark_code, facts_key, count(*) AS n
        FROM decided_case
        WHERE active
        GROUP BY benchmark_code, facts_key
        HAVING min(tier) <> max(tier)
    ),
    listed AS (
        SELECT g.*, count(*) OVER () AS total
        FROM groups g
        WHERE CAST(:district AS text) IS NULL OR EXISTS (
            SELECT 1 FROM decided_case x
            WHERE x.benchmark_code = g.benchmark_code AND x.facts_key = g.facts_key
              AND x.district_code = :district AND x.active
        )
        ORDER BY g.n DESC, g.benchmark_code, g.facts_key
        LIMIT :limit
    )
    SELECT l.benchmark_code, l.facts_key, l.n, l.total,
           array_agg(DISTINCT d.tier) AS tiers,
           array_agg(DISTINCT d.district_code) AS districts,
           (array_agg(d.case_id ORDER BY d.tier, d.decided_on DESC, d.case_id))[1:CAST(:per_flag AS int)] AS case_ids
    FROM listed l
    JOIN decided_case d ON d.benchmark_code = l.benchmark_code AND d.facts_key = l.facts_key AND d.active
    GROUP BY l.benchmark_code, l.facts_key, l.n, l.total
    ORDER BY l.n DESC, l.benchmark_code, l.facts_key
    """
)


# The queries of penalty_0013 (services/penalty/repository/consistency.py at 1eb11b1, before penalty_0019 kept
# the city's medians and the facts groups), verbatim: what the kept values must give exactly.
WITHIN, HUNDREDTH, POSITION = DECIDED_WITHIN, DECIDED_HUNDREDTH, DECIDED_POSITION

# Positions in basis points of the tier's range, for decisions within it; a median is percentile_cont's:
# lo + 0.5 * (hi - lo) of the two middle positions (0-based ranks (n-1)/2 and n/2; the same floating-point
# steps as PostgreSQL's). A district's are the middle of its sorted array (decided_positions). The city's:
# decided_position_city's counts per hundredth of the range say which hundredth holds each middle rank and
# how many positions come before it there (decided_rank_part), and the rank is read within that hundredth
# from ix_decided_case_position_city, once per (item, tier) (MATERIALIZED: not once per district).
PREVIOUS_CITY_RANKS = """
    SELECT c.benchmark_code, c.tier, c.n AS total, lo.part AS lo_part, lo.skip AS lo_skip,
           hi.part AS hi_part, hi.skip AS hi_skip
    FROM decided_position_city c
    CROSS JOIN LATERAL decided_rank_part(c.counts, (c.n - 1) / 2) AS lo
    CROSS JOIN LATERAL decided_rank_part(c.counts, c.n / 2) AS hi
    WHERE c.n > 0"""


def _previous_nth(part: str, skip: str) -> str:
    """The position of rank ``skip`` within hundredth ``part`` of a city group, from the partial index."""
    return f"""(
        SELECT {POSITION} FROM decided_case
        WHERE benchmark_code = r.benchmark_code AND tier = r.tier AND {WITHIN} AND {HUNDREDTH} = r.{part}
        ORDER BY {POSITION} OFFSET r.{skip} LIMIT 1)"""


PREVIOUS_POSITION_SQL = sa.text(
    f"""
    WITH city AS MATERIALIZED (
        SELECT r.benchmark_code, r.tier, r.total AS n, lo.v + 0.5 * (hi.v - lo.v) AS median
        FROM ({PREVIOUS_CITY_RANKS}) AS r
        CROSS JOIN LATERAL {_previous_nth("lo_part", "lo_skip")} AS lo(v)
        CROSS JOIN LATERAL {_previous_nth("hi_part", "hi_skip")} AS hi(v)
    ),
    districts AS (
        SELECT benchmark_code, tier, district_code, CAST(cardinality(positions) AS bigint) AS n,
               positions[(cardinality(positions) - 1) / 2 + 1] AS lo, positions[cardinality(positions) / 2 + 1] AS hi
        FROM decided_positions
        WHERE cardinality(positions) >= greatest(CAST(:min_cases AS int), 1)
          AND (CAST(:district AS text) IS NULL OR district_code = :district)
    ),
    flags AS (
        SELECT d.benchmark_code, d.tier, d.district_code, d.n, d.lo + 0.5 * (d.hi - d.lo) AS district_median,
               c.n AS city_n, c.median AS city_median, count(*) OVER () AS total
        FROM districts d
        JOIN city c ON c.benchmark_code = d.benchmark_code AND c.tier = d.tier
        WHERE abs(d.lo + 0.5 * (d.hi - d.lo) - c.median) > CAST(:margin AS double precision)
        ORDER BY abs(d.lo + 0.5 * (d.hi - d.lo) - c.median) DESC, d.benchmark_code, d.tier, d.district_code
        LIMIT :limit
    )
    SELECT f.*, ids.case_ids
    FROM flags f
    CROSS JOIN LATERAL (
        SELECT array_agg(x.case_id ORDER BY x.decided_on DESC, x.case_id) AS case_ids
        FROM (
            SELECT case_id, decided_on FROM decided_case
            WHERE benchmark_code = f.benchmark_code AND tier = f.tier AND district_code = f.district_code
              AND {WITHIN}
            ORDER BY decided_on DESC, case_id
            LIMIT :per_flag
        ) AS x
    ) AS ids
    ORDER BY abs(f.district_median - f.city_median) DESC, f.benchmark_code, f.tier, f.district_code
    """
)

# The same facts decided in different tiers: groups with more than one tier in the tally; their districts
# from the district tally; their first cases (by tier, latest first) from ix_decided_case_facts.
PREVIOUS_SAME_FACTS_SQL = sa.text(
    """
    WITH groups AS MATERIALIZED (
        SELECT benchmark_code, facts_key, CAST(sum(n) AS bigint) AS n,
               array_agg(tier ORDER BY tier) AS tiers
        FROM decided_facts_tally
        WHERE n > 0
        GROUP BY benchmark_code, facts_key
        HAVING count(*) > 1
    ),
    listed AS (
        SELECT g.*, count(*) OVER () AS total
        FROM groups g
        WHERE CAST(:district AS text) IS NULL OR EXISTS (
            SELECT 1 FROM decided_district_tally x
            WHERE x.benchmark_code = g.benchmark_code AND x.facts_key = g.facts_key
              AND x.district_code = :district AND x.n > 0
        )
        ORDER BY g.n DESC, g.benchmark_code, g.facts_key
        LIMIT :limit
    )
    SELECT l.benchmark_code, l.facts_key, l.n, l.total, l.tiers,
           ARRAY(
               SELECT x.district_code FROM decided_district_tally x
               WHERE x.benchmark_code = l.benchmark_code AND x.facts_key = l.facts_key AND x.n > 0
               ORDER BY x.district_code
           ) AS districts,
           ARRAY(
               SELECT d.case_id FROM decided_case d
               WHERE d.benchmark_code = l.benchmark_code AND d.facts_key = l.facts_key AND d.active
               ORDER BY d.tier, d.decided_on DESC, d.case_id
               LIMIT :per_flag
           ) AS case_ids
    FROM listed l
    ORDER BY l.n DESC, l.benchmark_code, l.facts_key
    """
)


IN_RANGE = (
    "active AND has_fine AND tier_high_fen > tier_low_fen AND fine_fen BETWEEN tier_low_fen AND tier_high_fen"
)
RECOUNT = {
    "decided_facts_tally": "SELECT benchmark_code, facts_key, tier, count(*) FROM decided_case WHERE active "
    "GROUP BY 1, 2, 3",
    "decided_district_tally": "SELECT benchmark_code, facts_key, district_code, count(*) FROM decided_case "
    "WHERE active GROUP BY 1, 2, 3",
    "decided_position_city": "SELECT benchmark_code, tier, sum(n), array_agg(n ORDER BY h) FROM ("
    "SELECT g.benchmark_code, g.tier, h, count(d.case_id) AS n FROM (SELECT DISTINCT benchmark_code, tier "
    f"FROM decided_case WHERE {IN_RANGE}) AS g CROSS JOIN generate_series(0, 100) AS h LEFT JOIN decided_case d "
    f"ON d.benchmark_code = g.benchmark_code AND d.tier = g.tier AND {IN_RANGE.replace('active', 'd.active')} "
    "AND (d.fine_fen - d.tier_low_fen) * 100 / (d.tier_high_fen - d.tier_low_fen) = h "
    "GROUP BY 1, 2, 3) AS x GROUP BY 1, 2",
    "decided_positions": "SELECT benchmark_code, tier, district_code, array_agg(p ORDER BY p) FROM ("
    "SELECT *, CAST((fine_fen - tier_low_fen) * 10000.0 / (tier_high_fen - tier_low_fen) AS double precision) "
    f"AS p FROM decided_case WHERE {IN_RANGE}) AS x GROUP BY 1, 2, 3",
}
# penalty_0013's columns of the tallies (penalty_0019 adds the medians: KEPT)
COLUMNS_0013 = {
    "decided_position_city": "benchmark_code, tier, n, counts",
    "decided_positions": "benchmark_code, tier, district_code, positions",
}
DISTRICTS = ("210102", "210103", "210104", "210105", "210106")


def _random_row(rnd: random.Random) -> dict[str, Any]:
    item = rnd.randrange(4)
    low = 1_000 * (1 + item)
    high = low if item == 3 else low * (2 + item)  # item 3: a fixed fine (low = high)
    r = rnd.random()
    fine = (
        high + rnd.randrange(1, 50)
        if r < 0.05
        else max(low - rnd.randrange(1, 50), 0)
        if r < 0.1
        else (low + rnd.choice([0, (high - low) // 2, high - low, rnd.randrange(high - low + 1)]))
    )
    return {
        "case_id": uuid.uuid4(),
        "dept_code": rnd.choice(["SJ", "ST"]),
        "district_code": rnd.choice(DISTRICTS),
        "benchmark_code": f"SY-SJ-{item:04d}",
        "benchmark_version": 1,
        "tier": rnd.choice(["从轻", "一般", "从重"]),
        "tier_low_fen": low,
        "tier_high_fen": high,
        "fine_fen": fine,
        "has_fine": rnd.random() < 0.95,
        "facts_key": f"k{rnd.randrange(6)}",
        "decided_on": date(2026, 1, 1) + timedelta(days=rnd.randrange(300)),
        "active": rnd.random() < 0.97,
    }


# What penalty_0019 keeps, counted again from the decided cases: each (item, facts key)'s active decisions and
# tiers, and each (item, tier)'s median position within the range (percentile_cont, as before the tallies).
KEPT = {
    "SELECT benchmark_code, facts_key, n, tiers FROM decided_facts_group WHERE n <> 0": (
        "SELECT benchmark_code, facts_key, count(*), count(DISTINCT tier) FROM decided_case WHERE active "
        "GROUP BY 1, 2"
    ),
    "SELECT benchmark_code, tier, median FROM decided_position_city WHERE n <> 0": (
        "SELECT benchmark_code, tier, percentile_cont(0.5) WITHIN GROUP ("
        "ORDER BY (fine_fen - tier_low_fen) * 10000.0 / (tier_high_fen - tier_low_fen)) "
        f"FROM decided_case WHERE {IN_RANGE} GROUP BY 1, 2"
    ),
    # a group with nothing left keeps no tier and no median
    "SELECT benchmark_code, facts_key FROM decided_facts_group WHERE n = 0 AND tiers <> 0": "SELECT 1 WHERE false",
    "SELECT benchmark_code, tier FROM decided_position_city WHERE n = 0 AND median IS NOT NULL": (
        "SELECT 1 WHERE false"
    ),
    # a district's count and median beside its positions
    "SELECT benchmark_code, tier, district_code, n, median FROM decided_positions WHERE n > 0": (
        "SELECT benchmark_code, tier, district_code, count(*), percentile_cont(0.5) WITHIN GROUP ("
        "ORDER BY (fine_fen - tier_low_fen) * 10000.0 / (tier_high_fen - tier_low_fen)) "
        f"FROM decided_case WHERE {IN_RANGE} GROUP BY 1, 2, 3"
    ),
}


async def _recounts_match(session: Any, *, kept: bool = True) -> None:
    """Every tally equals a recount from ``decided_case``; with ``kept`` (a schema at penalty_0019 or later),
    the facts groups and the city's medians too."""
    for table, recount in RECOUNT.items():
        nonzero = "cardinality(positions) > 0" if table == "decided_positions" else "n <> 0"
        columns = COLUMNS_0013.get(table, "*")
        tally = (await session.execute(sa.text(f"SELECT {columns} FROM {table} WHERE {nonzero}"))).all()
        counted = (await session.execute(sa.text(recount))).all()
        assert sorted(map(tuple, tally)) == sorted(map(tuple, counted)), table
    for query, recount in KEPT.items() if kept else ():
        rows = (await session.execute(sa.text(query))).all()
        counted = (await session.execute(sa.text(recount))).all()
        assert sorted(map(tuple, rows)) == sorted(map(tuple, counted)), query


async def _old(session: Any, sql: sa.TextClause, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in (await session.execute(sql, params)).all()]


async def test_the_tallies_give_what_every_decided_case_gave(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(16)
    try:
        rows = [_random_row(rnd) for _ in range(1_500)]
        async with transaction(factory) as session:
            for values in rows:
                await repo.upsert_decided(session, values)
        async with transaction(factory) as session:  # changes (变更), revocations, decisions made again
            for values in rnd.sample(rows, 300):
                kind = rnd.randrange(3)
                if kind == 0:
                    await repo.update_decided(
                        session, values["case_id"], fine_fen=_random_row(rnd)["fine_fen"]
                    )
                elif kind == 1:
                    await repo.update_decided(session, values["case_id"], active=False)
                else:
                    await repo.upsert_decided(session, {**_random_row(rnd), "case_id": values["case_id"]})
        async with transaction(factory) as session:
            await _recounts_match(session)
            for district in (None, *DISTRICTS):
                for margin, min_cases, limit in ((2_000, 5, 100), (500, 1, 3), (1, 2, 500), (4_000, 3, 100)):
                    params = {"district": district, "margin": margin, "min_cases": min_cases, "per_flag": 7,
                              "limit": limit}  # fmt: skip
                    old = await _old(session, OLD_POSITION_SQL, params)
                    previous = await _old(session, PREVIOUS_POSITION_SQL, params)
                    new = await repo.consistency_positions(
                        session,
                        district=district,
                        margin_bp=margin,
                        min_cases=min_cases,
                        per_flag=7,
                        limit=limit,
                    )
                    assert [tuple(r) for r in new] == old, (district, margin, min_cases, limit)
                    assert [tuple(r) for r in new] == previous, (district, margin, min_cases, limit)
                for limit in (1, 100):
                    params = {"district": district, "per_flag": 4, "limit": limit}
                    old = await _old(session, OLD_SAME_FACTS_SQL, params)
                    previous = await _old(session, PREVIOUS_SAME_FACTS_SQL, params)
                    new = await repo.consistency_same_facts(
                        session, district=district, per_flag=4, limit=limit
                    )
                    assert [tuple(r) for r in new] == old, (district, limit)
                    assert [tuple(r) for r in new] == previous, (district, limit)
                where = "" if district is None else f"AND district_code = '{district}'"
                counted = await session.scalar(
                    sa.text(f"SELECT count(*) FROM decided_case WHERE active {where}")
                )
                assert await repo.decided_count(session, district=district) == counted
            flagged = await repo.consistency_positions(
                session, district=None, margin_bp=1, min_cases=1, per_flag=7, limit=500
            )
            assert flagged, "the comparison must see flags, or it proves nothing"
        async with transaction(factory) as session:  # rows removed, then every row
            await session.execute(sa.text("DELETE FROM decided_case WHERE district_code = '210103'"))
            await _recounts_match(session)
            await session.execute(sa.text("TRUNCATE decided_case"))
            for table in RECOUNT:
                assert await session.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0, table
    finally:
        await engine.dispose()


async def test_concurrent_decisions_lose_no_count(stack: Stack) -> None:
    """Eight sessions decide, change and revoke in the same groups at once: every tally equals a recount."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=8)
    factory = session_factory(engine)

    async def writer(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(15):
            async with transaction(factory) as session:
                values = {**_random_row(rnd), "benchmark_code": "SY-SJ-0001", "district_code": "210102"}
                await repo.upsert_decided(session, values)
                await repo.update_decided(session, values["case_id"], fine_fen=values["fine_fen"] + 1)
                if rnd.random() < 0.3:
                    await repo.update_decided(session, values["case_id"], active=False)

    try:
        await asyncio.gather(*(writer(seed) for seed in range(8)))
        async with transaction(factory) as session:
            assert await session.scalar(sa.text("SELECT count(*) FROM decided_case")) == 8 * 15
            await _recounts_match(session)
    finally:
        await engine.dispose()


def _scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of an EXPLAIN (FORMAT JSON) plan."""
    return [plan, *(node for child in plan.get("Plans", []) for node in _scans(child))]


async def test_positions_read_only_the_districts_off_the_median(stack: Stack) -> None:
    """The whole province's positions query reads, per (item, tier), only the districts whose median is off the
    city's by more than the margin less one basis point, from penalty_0020's index alone; before it read every
    district's row (at 5,000,000 enterprises 112,887 rows with their arrays, on 10,077 pages, for 4,520 flags).
    The tables here are small, so the planner would read their few pages whatever the indexes: sequential and
    bitmap scans are turned off to ask how the query can be answered at all."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(20)
    margin = 1_500
    try:
        async with transaction(factory) as session:
            for _ in range(600):
                await repo.upsert_decided(session, _random_row(rnd))
        async with engine.connect() as conn:  # the pages all-visible, as autovacuum leaves them
            await conn.execute(sa.text("COMMIT"))
            for _ in range(2):  # the first VACUUM after the load may leave the visibility map unset
                await conn.execute(sa.text("VACUUM ANALYZE decided_positions, decided_position_city"))
        params = {"district": None, "margin": margin, "min_cases": 1, "per_flag": 7, "limit": 100}
        async with transaction(factory) as session:
            rows = await session.scalar(sa.text("SELECT count(*) FROM decided_positions"))
            off = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM decided_positions d JOIN decided_position_city c USING (benchmark_code, "
                    "tier) WHERE c.n > 0 AND abs(d.median - c.median) > :slack"
                ),
                {"slack": margin - 1},
            )
            answer = await repo.consistency_positions(
                session, district=None, margin_bp=margin, min_cases=1, per_flag=7, limit=100
            )
            await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            await session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
            explain = sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + repo._POSITION_SQL.text)
            plan = (await session.execute(explain, params)).scalar_one()[0]["Plan"]
            scans = [n for n in _scans(plan) if n.get("Relation Name") == "decided_positions"]
            read = round(  # rows per loop, averaged (two decimals)
                sum(
                    (n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"] for n in scans
                )
            )
            assert {(n["Node Type"], n.get("Index Name"), n.get("Heap Fetches")) for n in scans} == {
                ("Index Only Scan", "ix_decided_positions_median", 0)
            }
            assert 0 < off == read < rows, (off, read, rows)
            city = [n for n in _scans(plan) if n.get("Relation Name") == "decided_position_city"]
            assert [(n["Node Type"], n.get("Heap Fetches")) for n in city] == [("Index Only Scan", 0)]
            # the same answer as read from the rows, and some districts flagged
            again = await repo.consistency_positions(
                session, district=None, margin_bp=margin, min_cases=1, per_flag=7, limit=100
            )
            assert again == answer and answer
    finally:
        await engine.dispose()
