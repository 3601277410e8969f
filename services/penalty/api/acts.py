"""Acts (行政处罚法 第二十九条: one act, one fine): the act with every case about it, and a case's act."""

from __future__ import annotations

from fastapi import APIRouter

from services.penalty.deps import ActDep, CaseDep, InternalReaderDep, SessionDep
from services.penalty.schemas import acts as sa_
from services.penalty.use_cases import acts

router = APIRouter()


@router.get("/acts/{act_id}", response_model=sa_.ActRead)
async def act(session: SessionDep, principal: InternalReaderDep, found: ActDep) -> sa_.ActRead:
    """One act (违法行为) with every case about it and whether a fine stands on it (第二十九条)."""
    return await acts.act_view(session, act=found)


@router.get("/cases/{case_id}/act", response_model=sa_.ActRead)
async def case_act(session: SessionDep, principal: InternalReaderDep, case: CaseDep) -> sa_.ActRead:
    """The act the case is about, with the provisions assessed for it (第二十九条后段)."""
    return await acts.case_act_view(session, row=case)
