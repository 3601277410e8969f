"""Leads from inspection visits: list, read, confirm into a case, dismiss."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.common.pagination import CursorQuery, LimitQuery, Page
from services.penalty import schemas as s
from services.penalty.deps import (
    ContextDep,
    InternalReaderDep,
    LeadDep,
    OfficerDep,
    ScopeDep,
    SessionDep,
    lead_for_update,
)
from services.penalty.models import Lead
from services.penalty.use_cases import cases as case_files
from services.penalty.use_cases import leads as lead_files

router = APIRouter()


# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


@router.get("/leads", response_model=Page[s.LeadRead])
async def leads(
    session: SessionDep,
    principal: InternalReaderDep,
    scope: ScopeDep,
    status: Annotated[Literal["open", "confirmed", "dismissed"] | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.LeadRead]:
    """Violations found in inspections, newest first (officers: their department's)."""
    return await lead_files.list_leads(session, scope=scope, status=status, cursor=cursor, limit=limit)


@router.get("/leads/{lead_id}", response_model=s.LeadRead)
async def lead(
    session: SessionDep, principal: InternalReaderDep, found: LeadDep, ctx: ContextDep
) -> s.LeadRead:
    """One lead, with the benchmark items that match its legal basis."""
    return await lead_files.lead_view(session, lead=found, ctx=ctx)


@router.post("/leads/{lead_id}/confirm", status_code=201, response_model=s.CaseRead)
async def confirm_lead(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[Lead, s.LeadConfirmIn], lead_for_update(s.LeadConfirmIn)],
    ctx: ContextDep,
) -> s.CaseRead:
    """Confirm a lead: the case is filed (立案) with the inspection's facts and evidence."""
    lead, body = step
    row = await lead_files.confirm_lead(session, principal=principal, lead=lead, body=body, ctx=ctx)
    return await case_files.case_view(session, principal=principal, row=row)


@router.post("/leads/{lead_id}/dismiss", response_model=s.LeadRead)
async def dismiss_lead(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[Lead, s.LeadDismissIn], lead_for_update(s.LeadDismissIn)],
) -> s.LeadRead:
    """Dismiss a lead with the reason no case is opened."""
    lead, body = step
    return await lead_files.dismiss_lead(session, principal=principal, lead=lead, body=body)
