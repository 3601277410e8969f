"""HTTP routes of complaints (投诉举报, issue #14 item 3): the enterprise's and the public's filing, the bureau's
queue and its handling (转办, 办结, 答复), the department's reply. Thin: validate, call one use case."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.common.auth import Principal
from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk.deps import (
    ComplaintDep,
    ComplaintFilerDep,
    ComplaintReaderDep,
    ComplaintReplierDep,
    ContextDep,
    PublicClientKeyDep,
    ScopeDep,
    SessionDep,
    complaint_supervisor,
    locked_complaint_with,
)
from services.risk.models import Complaint
from services.risk.schemas import (
    ComplaintAnswerWrite,
    ComplaintFiledRead,
    ComplaintLookupWrite,
    ComplaintPublicRead,
    ComplaintRead,
    ComplaintReplyWrite,
    ComplaintTokenRead,
    ComplaintWrite,
    ConcludeWrite,
    ForwardWrite,
    PublicComplaintWrite,
    UnitCode,
)
from services.risk.use_cases import complaints

router = APIRouter(tags=["risk: complaints"])
public_router = APIRouter(tags=["risk: public complaints"])

Forwarding = Annotated[tuple[Complaint, ForwardWrite], locked_complaint_with(ForwardWrite)]
Replying = Annotated[tuple[Complaint, ComplaintReplyWrite], locked_complaint_with(ComplaintReplyWrite)]
Concluding = Annotated[tuple[Complaint, ConcludeWrite], locked_complaint_with(ConcludeWrite)]
Answering = Annotated[tuple[Complaint, ComplaintAnswerWrite], locked_complaint_with(ComplaintAnswerWrite)]


def _key(item: ComplaintRead) -> list[str]:
    return [item.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(item.id)]


@router.get("/complaints", response_model=Page[ComplaintRead])
async def list_complaints(
    session: SessionDep,
    principal: ComplaintReaderDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["received", "forwarded", "replied", "concluded", "answered"] | None = None,
    unit_code: Annotated[UnitCode | None, Query(description="the unit complained about")] = None,
    overdue: Annotated[bool, Query(description="not concluded past due_on")] = False,
    pending: bool = False,
) -> Page[ComplaintRead]:
    """The bureau's queue (a district supervisor: its units), oldest first; a unit sees those forwarded to
    it, an enterprise its own."""
    rows = await complaints.list_complaints(
        session,
        scope,
        status=status,
        unit_code=unit_code,
        overdue=overdue,
        after=decode_cursor(cursor),
        limit=limit + 1,
        pending=pending,
    )
    return page_of(rows, limit, _key)


@router.post("/complaints", status_code=201, response_model=ComplaintRead)
async def file_complaint(
    body: ComplaintWrite, session: SessionDep, principal: ComplaintFilerDep, context: ContextDep
) -> ComplaintRead:
    """An enterprise complains about an inspection, an officer or a department; it reaches the justice
    bureau (受理编号, handling deadline), not the department."""
    return await complaints.file_by_enterprise(session, body=body, principal=principal, context=context)


@router.get("/complaints/{complaint_id}", response_model=ComplaintRead)
async def get_complaint(principal: ComplaintReaderDep, complaint: ComplaintDep) -> ComplaintRead:
    """One complaint with its history (404 for one the caller may not see)."""
    return complaints.get_complaint(complaint, principal)


@router.post("/complaints/{complaint_id}/forward", response_model=ComplaintRead)
async def forward_complaint(
    session: SessionDep,
    principal: Annotated[Principal, complaint_supervisor("转办投诉", "forward a complaint")],
    scope: ScopeDep,
    loaded: Forwarding,
    context: ContextDep,
) -> ComplaintRead:
    """转办: the bureau forwards the complaint to the unit complained about, with a reply deadline."""
    row, body = loaded
    return await complaints.forward(
        session, row=row, note=body.note, principal=principal, scope=scope, context=context
    )


@router.post("/complaints/{complaint_id}/reply", response_model=ComplaintRead)
async def reply_complaint(
    session: SessionDep, principal: ComplaintReplierDep, scope: ScopeDep, loaded: Replying
) -> ComplaintRead:
    """The unit replies to a complaint forwarded to it (办理情况)."""
    row, body = loaded
    return await complaints.reply(session, row=row, text=body.text, principal=principal, scope=scope)


@router.post("/complaints/{complaint_id}/conclude", response_model=ComplaintRead)
async def conclude_complaint(
    session: SessionDep,
    principal: Annotated[Principal, complaint_supervisor("办结投诉", "conclude a complaint")],
    scope: ScopeDep,
    loaded: Concluding,
) -> ComplaintRead:
    """The bureau concludes: 属实 / 部分属实 / 不属实, and records a referral to 纪检监察."""
    row, body = loaded
    return await complaints.conclude(session, row=row, body=body, principal=principal, scope=scope)


@router.post("/complaints/{complaint_id}/answer", response_model=ComplaintRead)
async def answer_complaint(
    session: SessionDep,
    principal: Annotated[Principal, complaint_supervisor("答复投诉人", "answer the complainant")],
    scope: ScopeDep,
    loaded: Answering,
) -> ComplaintRead:
    """The bureau answers the complainant (答复); risk.complaint.answered is published."""
    row, body = loaded
    return await complaints.answer(session, row=row, text=body.text, principal=principal, scope=scope)


# --------------------------------------------------------------------------------------------------- public


@public_router.post("/complaints/tokens", status_code=201, response_model=ComplaintTokenRead)
async def complaint_token(context: ContextDep) -> ComplaintTokenRead:
    """A short-lived filing token (no captcha): fetch one, then file with it within its validity."""
    return complaints.issue_token(context)


@public_router.post("/complaints", status_code=201, response_model=ComplaintFiledRead)
async def file_public_complaint(
    body: PublicComplaintWrite, session: SessionDep, client_key: PublicClientKeyDep, context: ContextDep
) -> ComplaintFiledRead:
    """Anyone complains, anonymously: answered with the 受理编号 and a secret to read the answer with (shown
    once). At most a few complaints an hour from one address."""
    return await complaints.file_public(session, body=body, client_key=client_key, context=context)


@public_router.post("/complaints/lookup", response_model=ComplaintPublicRead)
async def lookup_complaint(body: ComplaintLookupWrite, session: SessionDep) -> ComplaintPublicRead:
    """An anonymous complainant reads the state and the answer with the 受理编号 and the secret."""
    return await complaints.lookup(session, ack_no=body.ack_no, secret=body.secret)
