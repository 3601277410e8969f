"""类案不同罚: the consistency report for supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.penalty import schemas as s
from services.penalty.deps import (
    ContextDep,
    ScopeDep,
    SessionDep,
    SupervisorDep,
)
from services.penalty.use_cases import consistency as consistency_report

router = APIRouter()


# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


@router.get("/consistency", response_model=s.ConsistencyRead)
async def consistency(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500, description="flags listed per kind")] = 100,
) -> s.ConsistencyRead:
    """类案不同罚: fines outside their tier, districts off the city's median, same facts with different tiers."""
    return await consistency_report.consistency(session, scope=scope, ctx=ctx, limit=limit)
