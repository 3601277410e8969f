"""The consistency report (类案不同罚, SPEC §3.4): fines outside their tier's range, districts whose median
position within a tier's range is off the city's, the same facts decided in different tiers, and the record
facts (初次违法 / 再次违法) officers contested (domain.history)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.access import Scope
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.settings import PenaltyContext


async def consistency(
    session: AsyncSession, *, scope: Scope, ctx: PenaltyContext, limit: int
) -> s.ConsistencyRead:
    """Three set-based queries over every decided case; a district supervisor sees their district's flags."""
    district = scope.district_code
    settings = ctx.settings
    outside = await repo.consistency_outside(session, district=district, limit=limit)
    positions = await repo.consistency_positions(
        session,
        district=district,
        margin_bp=settings.consistency_margin_bp,
        min_cases=settings.consistency_min_cases,
        per_flag=settings.consistency_cases_per_flag,
        limit=limit,
    )
    same = await repo.consistency_same_facts(
        session, district=district, per_flag=settings.consistency_cases_per_flag, limit=limit
    )
    contested_total, contested = await repo.active_contests(session, district=district, limit=limit)
    return s.ConsistencyRead(
        scope=district or "city",
        decided_cases=await repo.decided_count(session, district=district),
        margin_bp=settings.consistency_margin_bp,
        min_cases=settings.consistency_min_cases,
        outside_range_total=views.totals(outside),
        outside_range=[views.outside_range_flag(r) for r in outside],
        district_position_total=views.totals(positions),
        district_position=[views.position_flag(r) for r in positions],
        same_facts_total=views.totals(same),
        same_facts_different_tier=[views.same_facts_flag(r) for r in same],
        contested_facts_total=contested_total,
        contested_facts=[views.contested_fact_flag(r) for r in contested],
        generated_at=clock.now(),
    )
