"""Routes of the 责令改正 follow-ups (issue #14 item 6). Thin: validate, call one use case, return its model."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.common.pagination import CursorQuery, LimitQuery, Page
from services.inspection.deps import (
    FollowUpDep,
    FollowUpResultDep,
    ScopeDep,
    SessionDep,
    StaffDep,
    VisitOfficerDep,
)
from services.inspection.schemas import follow_ups as fs
from services.inspection.use_cases import follow_ups

router = APIRouter(tags=["inspection: follow-ups"])


@router.get("/follow-ups", response_model=Page[fs.FollowUpRead])
async def list_follow_ups(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    state: Annotated[Literal["due", "overdue", "done"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="true: the overdue ones (state=overdue)")] = None,
    dept_code: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[fs.FollowUpRead]:
    """Orders to correct (责令改正) to check again, by deadline: due, overdue or done."""
    return await follow_ups.list_follow_ups(
        session, scope=scope, state=state, overdue=overdue, dept_code=dept_code, cursor=cursor, limit=limit
    )


@router.get("/follow-ups/{follow_up_id}", response_model=fs.FollowUpRead)
async def get_follow_up(principal: StaffDep, follow_up: FollowUpDep) -> fs.FollowUpRead:
    """One follow-up."""
    return follow_ups.get_follow_up(follow_up)


@router.post("/follow-ups/{follow_up_id}/result", response_model=fs.FollowUpRead)
async def record_result(
    session: SessionDep, principal: VisitOfficerDep, scope: ScopeDep, result: FollowUpResultDep
) -> fs.FollowUpRead:
    """Record the follow-up check (复查): corrected, or not corrected after the deadline (a penalty lead)."""
    row, body = result
    return await follow_ups.record_result(session, scope=scope, principal=principal, row=row, body=body)
