"""HTTP routes of the bureau's registries (issue #14 item 4): 行政执法监督员 (with their invitations to visits and
reviews) and 执法监督联系点 (with their observations, which enter the complaint flow). Supervisors read them; the
city's supervisors appoint and change them (the bureau appoints: seed 000, "重新选聘162名行政执法监督员、105个执法
监督联系点"). Thin: validate, call one use case."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter

from services.common.auth import Principal
from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk.deps import (
    ContactPointDep,
    ContactPointReaderDep,
    ContextDep,
    MemberDep,
    ScopeDep,
    SessionDep,
    SupervisorDep,
    city_wide,
    member_with,
    point_with,
)
from services.risk.models import ContactPoint, SupervisionMember
from services.risk.schemas import (
    ComplaintBody,
    ComplaintRead,
    ContactPointRead,
    ContactPointWrite,
    InvitationRead,
    InvitationWrite,
    MemberRead,
    MemberWrite,
)
from services.risk.use_cases import registries

router = APIRouter(tags=["risk: supervisors and contact points"])
public_router = APIRouter()

Appointing = Annotated[
    Principal, city_wide("选聘或变更监督员、联系点", "appoint or change supervisors and contact points")
]
MemberUpdate = Annotated[tuple[SupervisionMember, MemberWrite], member_with(MemberWrite)]
MemberInviting = Annotated[tuple[SupervisionMember, InvitationWrite], member_with(InvitationWrite)]
PointUpdate = Annotated[tuple[ContactPoint, ContactPointWrite], point_with(ContactPointWrite)]
PointObserving = Annotated[tuple[ContactPoint, ComplaintBody], point_with(ComplaintBody)]


def _by_name(item: MemberRead | ContactPointRead) -> list[str]:
    return [item.name, str(item.id)]


# --------------------------------------------------------------------------------------------------- members


@router.get("/supervision-members", response_model=Page[MemberRead])
async def list_members(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["active", "suspended", "ended"] | None = None,
) -> Page[MemberRead]:
    """行政执法监督员 by name (telephones masked; a district supervisor: the district's and the city's)."""
    rows = await registries.list_members(
        session, scope, status=status, after=decode_cursor(cursor), limit=limit + 1
    )
    return page_of(rows, limit, _by_name)


@router.post("/supervision-members", status_code=201, response_model=MemberRead)
async def create_member(
    body: MemberWrite, session: SessionDep, principal: Appointing, scope: ScopeDep
) -> MemberRead:
    """Appoint a 监督员: name, background (企业家, 律师, 人大代表 …), term, contact."""
    return await registries.create_member(session, body=body, principal=principal, scope=scope)


@router.get("/supervision-members/{member_id}", response_model=MemberRead)
async def get_member(principal: SupervisorDep, member: MemberDep) -> MemberRead:
    """One 监督员 in full."""
    return registries.get_member(member)


@router.put("/supervision-members/{member_id}", response_model=MemberRead)
async def update_member(
    session: SessionDep, principal: Appointing, scope: ScopeDep, loaded: MemberUpdate
) -> MemberRead:
    """Change a 监督员's record (the whole record; status suspended or ended to stop the service)."""
    row, body = loaded
    return await registries.update_member(session, row=row, body=body, principal=principal, scope=scope)


@router.post("/supervision-members/{member_id}/invitations", status_code=201, response_model=InvitationRead)
async def invite_member(
    session: SessionDep, principal: SupervisorDep, loaded: MemberInviting
) -> InvitationRead:
    """Invite a serving 监督员 to a visit or a case-file review (recorded: target, date)."""
    row, body = loaded
    return await registries.invite(session, row=row, body=body, principal=principal)


@router.get("/supervision-members/{member_id}/invitations", response_model=list[InvitationRead])
async def member_invitations(
    session: SessionDep, principal: SupervisorDep, member: MemberDep
) -> list[InvitationRead]:
    """A 监督员's invitations, latest first."""
    return await registries.invitations(session, member)


# --------------------------------------------------------------------------------------------------- contact points


@router.get("/contact-points", response_model=Page[ContactPointRead])
async def list_points(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    kind: Literal["enterprise", "community", "organisation"] | None = None,
) -> Page[ContactPointRead]:
    """执法监督联系点 by name (contacts masked)."""
    rows = await registries.list_points(
        session, scope, kind=kind, after=decode_cursor(cursor), limit=limit + 1
    )
    return page_of(rows, limit, _by_name)


@router.post("/contact-points", status_code=201, response_model=ContactPointRead)
async def create_point(
    body: ContactPointWrite, session: SessionDep, principal: Appointing, scope: ScopeDep
) -> ContactPointRead:
    """Appoint a 联系点: an enterprise (USCC), a community or an organisation, with its address and term."""
    return await registries.create_point(session, body=body, principal=principal, scope=scope)


@router.get("/contact-points/{point_id}", response_model=ContactPointRead)
async def get_point(principal: ContactPointReaderDep, point: ContactPointDep) -> ContactPointRead:
    """One 联系点 in full (an enterprise that is one reads its own)."""
    return registries.get_point(point)


@router.put("/contact-points/{point_id}", response_model=ContactPointRead)
async def update_point(
    session: SessionDep, principal: Appointing, scope: ScopeDep, loaded: PointUpdate
) -> ContactPointRead:
    """Change a 联系点's record (the whole record; status ended to end it)."""
    row, body = loaded
    return await registries.update_point(session, row=row, body=body, principal=principal, scope=scope)


@router.post("/contact-points/{point_id}/observations", status_code=201, response_model=ComplaintRead)
async def observe(
    session: SessionDep, principal: ContactPointReaderDep, loaded: PointObserving, context: ContextDep
) -> ComplaintRead:
    """A serving 联系点 files an observation (the enterprise itself, or a supervisor for a community): a
    complaint in the bureau's queue, source 联系点."""
    row, body = loaded
    return await registries.observe(session, row=row, body=body, principal=principal, context=context)
