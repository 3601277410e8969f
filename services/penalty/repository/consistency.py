"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — consistency."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import (
    DecidedCase,
)

# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


async def upsert_decided(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(DecidedCase).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "case_id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=update))


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

# Positions in basis points of the tier's range, for decisions within it. One sort feeds both grouping
# sets (the city's (item, tier) is a prefix of the district's (item, tier, district)); only flagged
# districts then fetch their case ids, through the (benchmark_code, tier) index.
_POSITION_SQL = sa.text(
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
_SAME_FACTS_SQL = sa.text(
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
    stmt = sa.select(sa.func.count()).select_from(DecidedCase).where(DecidedCase.active)
    if district is not None:
        stmt = stmt.where(DecidedCase.district_code == district)
    return int(await session.scalar(stmt) or 0)
