"""行政执法公示: the public decisions, a case's publication record, the publication rate and the late list."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from services.common.fields import Day
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.penalty import schemas as s
from services.penalty.deps import (
    CaseDep,
    InternalReaderDep,
    OfficerDep,
    ScopeDep,
    SessionDep,
    SupervisorDep,
    case_for_update,
)
from services.penalty.models import PenaltyCase
from services.penalty.use_cases import (
    disclosure,
    disclosure_exceptions,
)

router = APIRouter()
public_router = APIRouter()


DecidedFrom = Annotated[Day | None, Query(alias="from", description="decisions on or after this day")]
DecidedTo = Annotated[Day | None, Query(alias="to", description="decisions on or before this day")]
DepartmentQuery = Annotated[str | None, Query(max_length=10, description="department code, e.g. SJ")]


@public_router.get("/decisions", response_model=Page[s.PublicDecisionRead])
async def public_decisions(
    session: SessionDep,
    department: DepartmentQuery = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    status: Annotated[
        Literal["published", "withdrawn"], Query(description="withdrawn: the 第四十八条 notices")
    ] = "published",
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.PublicDecisionRead]:
    """Published penalty decisions (natural persons masked), newest decision first; or the withdrawals."""
    return await disclosure.public_decisions(
        session,
        status=status,
        department=department,
        decided_from=decided_from,
        decided_to=decided_to,
        cursor=cursor,
        limit=limit,
    )


@public_router.get("/decisions/{record_id}", response_model=s.PublicDecisionRead)
async def public_decision(
    record_id: Annotated[uuid.UUID, Path(description="the publication's id")], session: SessionDep
) -> s.PublicDecisionRead:
    """One published (or withdrawn) decision."""
    return await disclosure.public_decision(session, record_id)


@router.get("/cases/{case_id}/disclosure", response_model=list[s.DisclosureRead])
async def case_disclosure(
    session: SessionDep, principal: InternalReaderDep, found: CaseDep
) -> list[s.DisclosureRead]:
    """The decision's publication record (公示): deadline, publication, withdrawal, exception."""
    return await disclosure.case_disclosures(session, found)


@router.post("/cases/{case_id}/disclosure/exception", response_model=list[s.DisclosureRead])
async def disclosure_exception(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[PenaltyCase, s.DisclosureExceptionIn], case_for_update(s.DisclosureExceptionIn)],
) -> list[s.DisclosureRead]:
    """Record a lawful ground not to publish (国家秘密, 商业秘密, 个人隐私); a published one is withdrawn."""
    row, body = step
    return await disclosure_exceptions.record_exception(session, principal=principal, row=row, body=body)


@router.get("/disclosure/rate", response_model=s.DisclosureRateRead)
async def disclosure_rate(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    department: DepartmentQuery = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    rule: Annotated[
        Literal["general_penalty", "other"] | None, Query(description="general_penalty: the 100% target")
    ] = None,
) -> s.DisclosureRateRead:
    """Publication rate (published on time / due) per department and month of decision."""
    return await disclosure.rate_report(
        session,
        scope=scope,
        decided_from=decided_from,
        decided_to=decided_to,
        department=department,
        rule=rule,
    )


@router.get("/disclosure/late", response_model=Page[s.DisclosureRead])
async def disclosure_late(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    department: DepartmentQuery = None,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.DisclosureRead]:
    """Publications made late or still overdue, and late withdrawals, newest decision first."""
    return await disclosure.late_list(
        session,
        scope=scope,
        decided_from=decided_from,
        decided_to=decided_to,
        department=department,
        cursor=cursor,
        limit=limit,
    )
