"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — consistency."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.partitions import ensure_partition
from services.penalty.models import (
    DECIDED_WITHIN,
    DecidedCase,
    DecidedDistrictTally,
    DecidedFactsTally,
)

# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


async def upsert_decided(session: AsyncSession, values: dict[str, Any]) -> None:
    """The case's decided row: rewritten where it is, else inserted. ``decided_case`` is partitioned by the
    year of ``first_decided_on`` (migration penalty_0014), so its primary key is ``(case_id,
    first_decided_on)`` and ``ON CONFLICT (case_id)`` has no unique index to stand on: an ``UPDATE`` by
    ``case_id`` (pruned to nothing but the primary key's index of each year) keeps the row in its first year's
    partition with ``first_decided_on`` unchanged, and only when it matched nothing is the row inserted, with
    ``first_decided_on = decided_on`` (its year's partition created first when the kernel job does not keep it:
    an imported case decided years ago). Two writers never both insert: every caller holds the case's row lock
    (``lockable_case``'s ``FOR UPDATE`` for a decision, or the case was inserted in the same transaction by an
    import), so the second waits for the first's commit and then updates the row it wrote."""
    update = {k: v for k, v in values.items() if k != "case_id"}
    done = await session.execute(
        sa.update(DecidedCase).where(DecidedCase.case_id == values["case_id"]).values(**update)
    )
    if cast(CursorResult[Any], done).rowcount:
        return
    first = values["decided_on"]
    await ensure_partition(session, "decided_case", first)
    await session.execute(sa.insert(DecidedCase).values(**values, first_decided_on=first))


async def update_decided(session: AsyncSession, case_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(DecidedCase).where(DecidedCase.case_id == case_id).values(**values))


_OUTSIDE_SQL = sa.text(
    """
    SELECT benchmark_code, tier, district_code, dept_code, case_id, fine_fen, tier_low_fen, tier_high_fen,
           count(*) OVER () AS total
    FROM decided_case
    WHERE active AND has_fine
      AND (fine_fen < tier_low_fen OR fine_fen > tier_high_fen)
      AND (CAST(:district AS text) IS NULL OR district_code = :district)
    ORDER BY benchmark_code, tier, decided_on DESC, case_id
    LIMIT :limit
    """
)

# The expression of migration penalty_0013's partial indexes (a query must repeat it to use the index).
WITHIN = DECIDED_WITHIN

# Positions in basis points of the tier's range, for decisions within it; a median is percentile_cont's:
# lo + 0.5 * (hi - lo) of the two middle positions (0-based ranks (n-1)/2 and n/2; the same floating-point
# steps as PostgreSQL's). A district's is stored beside its sorted array (decided_positions.median, a generated
# column: the middle of the array, penalty_0019). The city's is
# kept in decided_position_city.median (penalty_0019): the trigger recomputes it for the groups a statement
# touched, from the same ranks as the report read before (decided_rank_part over the 101 counts, the rank
# within that hundredth from ix_decided_case_position_city), so the report reads 1,008 stored values at the
# province's size instead of 2,016 probes into every year's partition. The districts off their city's median
# are found per (item, tier) in ix_decided_positions_median (penalty_0020: (item, tier, median) INCLUDE
# (district, n)), two ranges of it, below and above the city's median by more than the margin less one basis
# point (a slack far wider than any rounding, so the ranges hold every row the exact test keeps, which still
# decides): the flagged rows are read from the index alone, not every district's row with its array (at
# 5,000,000 enterprises 4,520 index entries instead of 112,896 rows on 10,077 pages). The ranges are disjoint,
# since the margin is at least 1 (settings.consistency_margin_bp).
_POSITION_COLUMNS = "p.benchmark_code, p.tier, p.district_code, p.n, p.median"
_POSITION_SQL = sa.text(
    f"""
    WITH flags AS (
        SELECT d.benchmark_code, d.tier, d.district_code, d.n, d.median AS district_median,
               c.n AS city_n, c.median AS city_median, count(*) OVER () AS total
        FROM decided_position_city c
        CROSS JOIN LATERAL (
            SELECT {_POSITION_COLUMNS} FROM decided_positions p
            WHERE p.benchmark_code = c.benchmark_code AND p.tier = c.tier
              AND p.median < c.median - greatest(CAST(:margin AS double precision) - 1, 0)
            UNION ALL
            SELECT {_POSITION_COLUMNS} FROM decided_positions p
            WHERE p.benchmark_code = c.benchmark_code AND p.tier = c.tier
              AND p.median > c.median + greatest(CAST(:margin AS double precision) - 1, 0)
        ) AS d
        WHERE c.n > 0
          AND d.n >= greatest(CAST(:min_cases AS int), 1)
          AND (CAST(:district AS text) IS NULL OR d.district_code = :district)
          AND abs(d.median - c.median) > CAST(:margin AS double precision)
        ORDER BY abs(d.median - c.median) DESC, d.benchmark_code, d.tier, d.district_code
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

# The same facts decided in different tiers: the groups decided_facts_group (penalty_0019) counts in more
# than one tier, by size from its partial index; a district's through decided_district_tally's index on
# (district, item, facts key); the listed groups' tiers from decided_facts_tally, their districts from the
# district tally, their first cases (by tier, latest first) from ix_decided_case_facts.
_SAME_FACTS_SQL = sa.text(
    """
    WITH listed AS (
        SELECT g.benchmark_code, g.facts_key, g.n, count(*) OVER () AS total
        FROM decided_facts_group g
        WHERE g.tiers > 1 AND (CAST(:district AS text) IS NULL OR EXISTS (
            SELECT 1 FROM decided_district_tally x
            WHERE x.district_code = :district AND x.benchmark_code = g.benchmark_code
              AND x.facts_key = g.facts_key AND x.n > 0
        ))
        ORDER BY g.n DESC, g.benchmark_code, g.facts_key
        LIMIT :limit
    )
    SELECT l.benchmark_code, l.facts_key, l.n, l.total,
           ARRAY(
               SELECT t.tier FROM decided_facts_tally t
               WHERE t.benchmark_code = l.benchmark_code AND t.facts_key = l.facts_key AND t.n > 0
               ORDER BY t.tier
           ) AS tiers,
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


class OutsideRange(NamedTuple):
    """A fine outside its tier's range; ``total`` counts every such fine, listed or not."""

    benchmark_code: str
    tier: str
    district_code: str
    dept_code: str
    case_id: uuid.UUID
    fine_fen: int
    tier_low_fen: int | None
    tier_high_fen: int | None
    total: int


class DistrictPosition(NamedTuple):
    """A district whose median position within a tier's range (basis points) is off the city's."""

    benchmark_code: str
    tier: str
    district_code: str
    n: int
    district_median: float
    city_n: int
    city_median: float
    total: int
    case_ids: list[uuid.UUID]


class SameFacts(NamedTuple):
    """Cases with the same facts decided in different tiers."""

    benchmark_code: str
    facts_key: str
    n: int
    total: int
    tiers: list[str]
    districts: list[str]
    case_ids: list[uuid.UUID]


async def consistency_outside(
    session: AsyncSession, *, district: str | None, limit: int
) -> list[OutsideRange]:
    rows = (await session.execute(_OUTSIDE_SQL, {"district": district, "limit": limit})).all()
    return [OutsideRange(**r._mapping) for r in rows]


async def consistency_positions(
    session: AsyncSession, *, district: str | None, margin_bp: int, min_cases: int, per_flag: int, limit: int
) -> list[DistrictPosition]:
    params = {
        "district": district,
        "margin": margin_bp,
        "min_cases": min_cases,
        "per_flag": per_flag,
        "limit": limit,
    }
    return [DistrictPosition(**r._mapping) for r in (await session.execute(_POSITION_SQL, params)).all()]


async def consistency_same_facts(
    session: AsyncSession, *, district: str | None, per_flag: int, limit: int
) -> list[SameFacts]:
    params = {"district": district, "per_flag": per_flag, "limit": limit}
    return [SameFacts(**r._mapping) for r in (await session.execute(_SAME_FACTS_SQL, params)).all()]


async def decided_count(session: AsyncSession, *, district: str | None) -> int:
    """Active decided cases, from the tallies kept with ``decided_case`` (migration penalty_0013)."""
    if district is None:
        stmt = sa.select(sa.func.sum(DecidedFactsTally.n))
    else:
        stmt = sa.select(sa.func.sum(DecidedDistrictTally.n)).where(
            DecidedDistrictTally.district_code == district
        )
    return int(await session.scalar(stmt) or 0)
