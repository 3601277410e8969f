"""On-the-spot collection of fines (当场收缴, 行政处罚法 第六十八条–第七十一条): record it with its receipt, the
landing, the hand-over to the agency and the payment into the bank; the collections overdue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.penalty.deps import (
    CaseDep,
    InternalReaderDep,
    OfficerDep,
    ScopeDep,
    SessionDep,
    case_for_update,
    collection_for_update,
)
from services.penalty.models import PenaltyCase, SpotCollection
from services.penalty.schemas import collections as sc
from services.penalty.use_cases import collections

router = APIRouter()


@router.post("/cases/{case_id}/collections", status_code=201, response_model=sc.CollectionRead)
async def collect(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[PenaltyCase, sc.CollectionIn], case_for_update(sc.CollectionIn)],
) -> sc.CollectionRead:
    """Record a fine collected on the spot with the official receipt (第六十八条–第七十条)."""
    row, body = step
    return await collections.collect(session, principal=principal, row=row, body=body)


@router.get("/cases/{case_id}/collections", response_model=list[sc.CollectionRead])
async def case_collections(
    session: SessionDep, principal: InternalReaderDep, case: CaseDep
) -> list[sc.CollectionRead]:
    """The fines collected on the spot for the case, with their hand-over and banking (第七十一条)."""
    return await collections.case_collections(session, row=case)


@router.get("/collections/overdue", response_model=list[sc.CollectionRead])
async def overdue(
    session: SessionDep, principal: InternalReaderDep, scope: ScopeDep
) -> list[sc.CollectionRead]:
    """Fines collected on the spot not handed over or not banked in time (第七十一条), oldest first."""
    return await collections.overdue(session, scope=scope)


@router.post("/collections/{collection_id}/landing", response_model=sc.CollectionRead)
async def landing(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[SpotCollection, sc.LandingIn], collection_for_update(sc.LandingIn)],
) -> sc.CollectionRead:
    """Record the landing of a fine collected on water: its hand-over period starts (第七十一条)."""
    row, body = step
    return await collections.record_landing(session, principal=principal, row=row, body=body)


@router.post("/collections/{collection_id}/handover", response_model=sc.CollectionRead)
async def handover(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[SpotCollection, sc.HandoverIn], collection_for_update(sc.HandoverIn)],
) -> sc.CollectionRead:
    """Record the hand-over of the money to the agency (第七十一条)."""
    row, body = step
    return await collections.record_handover(session, principal=principal, row=row, body=body)


@router.post("/collections/{collection_id}/banking", response_model=sc.CollectionRead)
async def banking(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[SpotCollection, sc.BankingIn], collection_for_update(sc.BankingIn)],
) -> sc.CollectionRead:
    """Record the payment of the money into the designated bank (第七十一条)."""
    row, body = step
    return await collections.record_banking(session, principal=principal, row=row, body=body)
