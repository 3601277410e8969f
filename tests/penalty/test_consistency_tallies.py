"""The consistency report computed from the tallies (migration penalty_0013) gives exactly what the former
queries computed over every decided case (kept here, verbatim from before the change, as the reference), on
random decisions changed (变更), revoked and re-decided; and the tallies stay exact under concurrent writes."""

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


async def _recounts_match(session: Any) -> None:
    for table, recount in RECOUNT.items():
        nonzero = "cardinality(positions) > 0" if table == "decided_positions" else "n <> 0"
        tally = (await session.execute(sa.text(f"SELECT * FROM {table} WHERE {nonzero}"))).all()
        counted = (await session.execute(sa.text(recount))).all()
        assert sorted(map(tuple, tally)) == sorted(map(tuple, counted)), table


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
                    new = await repo.consistency_positions(
                        session,
                        district=district,
                        margin_bp=margin,
                        min_cases=min_cases,
                        per_flag=7,
                        limit=limit,
                    )
                    assert [tuple(r) for r in new] == old, (district, margin, min_cases, limit)
                for limit in (1, 100):
                    params = {"district": district, "per_flag": 4, "limit": limit}
                    old = await _old(session, OLD_SAME_FACTS_SQL, params)
                    new = await repo.consistency_same_facts(
                        session, district=district, per_flag=4, limit=limit
                    )
                    assert [tuple(r) for r in new] == old, (district, limit)
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
