"""HTTP routes of 案卷评查 (case-file review campaigns): thin — validate, call one use case, answer its model."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk.deps import (
    ApproveReviewDep,
    LockedReviewDep,
    OfficerOrSupervisorDep,
    ReviewDep,
    ScopeDep,
    ScoreReviewDep,
    SessionDep,
    SupervisorDep,
)
from services.risk.schemas import ReviewCreate, ReviewFileRead, ReviewRead, ReviewResultsRead
from services.risk.use_cases import reviews

router = APIRouter(tags=["risk: case-file review"])


def _key(item: ReviewRead) -> list[str]:
    return [item.created_at.isoformat(), str(item.id)]


@router.get("/reviews", response_model=Page[ReviewRead])
async def list_reviews(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ReviewRead]:
    """Review campaigns in the caller's scope (a unit sees those reviewing it), newest first."""
    rows = await reviews.list_reviews(session, scope, after=decode_cursor(cursor), limit=limit + 1)
    return page_of(rows, limit, _key)


@router.post("/reviews", status_code=201, response_model=ReviewRead)
async def create_review(body: ReviewCreate, session: SessionDep, principal: SupervisorDep) -> ReviewRead:
    """Create a campaign (scope, sample size, scoring sheet, reviewers); the draw's commitment is published."""
    return await reviews.create(session, principal=principal, body=body)


@router.get("/reviews/{review_id}", response_model=ReviewRead)
async def get_review(session: SessionDep, principal: OfficerOrSupervisorDep, row: ReviewDep) -> ReviewRead:
    """One campaign with its progress and its draw (revealed once complete)."""
    return await reviews.get_review(session, row)


@router.post("/reviews/{review_id}/approve", response_model=ReviewRead)
async def approve_review(
    session: SessionDep, principal: SupervisorDep, loaded: ApproveReviewDep
) -> ReviewRead:
    """Approve the campaign: the files are drawn per unit with the public value (commit-reveal)."""
    row, body = loaded
    return await reviews.approve(session, principal=principal, row=row, public_value=body.public_value)


@router.get("/reviews/{review_id}/files", response_model=list[ReviewFileRead])
async def list_review_files(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep, row: ReviewDep
) -> list[ReviewFileRead]:
    """The drawn files with their scores and findings (a unit sees its own)."""
    return await reviews.list_files(session, scope=scope, row=row)


@router.post("/reviews/{review_id}/files/{file_id}/scores", response_model=ReviewFileRead)
async def score_review_file(
    file_id: uuid.UUID, session: SessionDep, principal: SupervisorDep, scope: ScopeDep, loaded: ScoreReviewDep
) -> ReviewFileRead:
    """Record a file's points per dimension and its findings (an assigned reviewer's); a finding may open a
    supervision matter on the case."""
    row, body = loaded
    return await reviews.record_scores(
        session, principal=principal, scope=scope, row=row, file_id=file_id, body=body
    )


@router.get("/reviews/{review_id}/results", response_model=ReviewResultsRead)
async def review_results(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep, row: ReviewDep
) -> ReviewResultsRead:
    """Results per unit: mean and lowest total, files per grade (合格/优秀 thresholds from the sheet)."""
    return await reviews.results(session, scope=scope, row=row)


@router.post("/reviews/{review_id}/complete", response_model=ReviewRead)
async def complete_review(session: SessionDep, principal: SupervisorDep, row: LockedReviewDep) -> ReviewRead:
    """Complete the campaign once every file is scored; the draw's nonce, snapshot and seed are revealed."""
    return await reviews.complete(session, principal=principal, row=row)
