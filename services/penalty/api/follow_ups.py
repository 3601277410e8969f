"""Routes of the 责令改正 follow-ups of penalty decisions (issue #14 item 6; 行政处罚法 第二十八条第一款). Thin:
validate, call one use case, return its model."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.common.pagination import LimitQuery
from services.penalty.deps import (
    FollowUpDep,
    InternalReaderDep,
    OfficerDep,
    ScopeDep,
    SessionDep,
    follow_up_for_update,
)
from services.penalty.models import PenaltyFollowUp
from services.penalty.schemas import follow_ups as fs
from services.penalty.use_cases import follow_ups

router = APIRouter(tags=["penalty: follow-ups"])


@router.get("/follow-ups", response_model=list[fs.FollowUpRead])
async def list_follow_ups(
    session: SessionDep,
    principal: InternalReaderDep,
    scope: ScopeDep,
    state: Annotated[Literal["due", "overdue", "done"] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: LimitQuery = 50,
) -> list[fs.FollowUpRead]:
    """Orders to correct of decisions (责令改正) to check again, by deadline: due, overdue or done."""
    return await follow_ups.list_follow_ups(session, scope=scope, state=state, offset=offset, limit=limit)


@router.get("/follow-ups/{follow_up_id}", response_model=fs.FollowUpRead)
async def get_follow_up(principal: InternalReaderDep, follow_up: FollowUpDep) -> fs.FollowUpRead:
    """One follow-up."""
    return follow_ups.get_follow_up(follow_up)


@router.post("/follow-ups/{follow_up_id}/result", response_model=fs.FollowUpRead)
async def record_result(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[PenaltyFollowUp, fs.FollowUpResultIn], follow_up_for_update(fs.FollowUpResultIn)],
) -> fs.FollowUpRead:
    """Record the follow-up check (复查): corrected, or not corrected after the deadline (逾期不改正)."""
    row, body = step
    return await follow_ups.record_result(session, principal=principal, row=row, body=body)
