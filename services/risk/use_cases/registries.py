"""The bureau's registries (issue #14 item 4): appointed 行政执法监督员 (term, background, status) who may be
invited to a visit or a case-file review, and 执法监督联系点 (enterprises, communities, organisations) whose
observations enter the complaint flow (source ``contact_point``). Seed 000: "择优选聘企业家代表、人民监督员、律师、
专家学者、新闻工作者等担任监督员，并选取具有代表性的经营主体、村（社区）、社会组织作为联系点"; 辽政办发〔2023〕18号 §15:
"完善行政执法监督员制度，探索各级行政执法监督联系点和特邀行政执法监督员在行政执法监督工作中发挥积极作用"."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.risk.domain import complaints as rules
from services.risk.errors import ContactPointInactive, MemberInactive
from services.risk.models import ContactPoint, SupervisionMember
from services.risk.repository import registries as repo
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
from services.risk.settings import RiskContext
from services.risk.use_cases import complaints
from services.risk.use_cases.paging import cursor_pair
from services.risk.views import complaint_read, invitation_read, member_read, point_read


async def _audit(
    session: AsyncSession, principal: Principal, action: str, kind: str, key: uuid.UUID, after: Any
) -> None:
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type=kind,
        entity_id=str(key),
        after=after,
    )


# --------------------------------------------------------------------------------------------------- members


async def list_members(
    session: AsyncSession, scope: Scope, *, status: str | None, after: Any, limit: int
) -> list[MemberRead]:
    rows = await repo.list_members(session, scope, status=status, after=cursor_pair(after), limit=limit)
    today = clock.today()
    return [member_read(r, masked=True, today=today) for r in rows]


def get_member(row: SupervisionMember) -> MemberRead:
    return member_read(row, masked=False, today=clock.today())


async def create_member(
    session: AsyncSession, *, body: MemberWrite, principal: Principal, scope: Scope
) -> MemberRead:
    """Appoint a 监督员 (选聘)."""
    member_id = uuid.uuid4()
    await repo.insert_member(session, {"id": member_id, **body.model_dump()})
    await _audit(
        session, principal, "member.appointed", "supervision_member", member_id, body.model_dump(mode="json")
    )
    row = await repo.readable_member(session, scope, member_id)
    assert row is not None
    return get_member(row)


async def update_member(
    session: AsyncSession, *, row: SupervisionMember, body: MemberWrite, principal: Principal, scope: Scope
) -> MemberRead:
    """Change a 监督员's record: term, background, contact, status (暂停, 解聘)."""
    await repo.update_member(session, row.id, body.model_dump())
    await _audit(
        session, principal, "member.updated", "supervision_member", row.id, body.model_dump(mode="json")
    )
    fresh = await repo.readable_member(session, scope, row.id)
    assert fresh is not None
    return get_member(fresh)


async def invite(
    session: AsyncSession, *, row: SupervisionMember, body: InvitationWrite, principal: Principal
) -> InvitationRead:
    """Invite a serving 监督员 to a visit or a case-file review on a date within the term."""
    if row.status != "active" or not row.term_start <= body.on_date <= row.term_end:
        raise MemberInactive(
            f"监督员{row.name}在{body.on_date.isoformat()}不在聘期内或已停止履职",
            detail_en=f"The appointed supervisor is not serving on {body.on_date.isoformat()}",
        )
    values = {"id": uuid.uuid4(), "member_id": row.id, "invited_by": principal.sub, **body.model_dump()}
    invitation = await repo.insert_invitation(session, values)
    await _audit(
        session, principal, "member.invited", "supervision_member", row.id, body.model_dump(mode="json")
    )
    return invitation_read(invitation)


async def invitations(session: AsyncSession, row: SupervisionMember) -> list[InvitationRead]:
    return [invitation_read(i) for i in await repo.invitations_of(session, row.id)]


# --------------------------------------------------------------------------------------------------- contact points


async def list_points(
    session: AsyncSession, scope: Scope, *, kind: str | None, after: Any, limit: int
) -> list[ContactPointRead]:
    rows = await repo.list_points(session, scope, kind=kind, after=cursor_pair(after), limit=limit)
    today = clock.today()
    return [point_read(r, masked=True, today=today) for r in rows]


def get_point(row: ContactPoint) -> ContactPointRead:
    return point_read(row, masked=False, today=clock.today())


async def create_point(
    session: AsyncSession, *, body: ContactPointWrite, principal: Principal, scope: Scope
) -> ContactPointRead:
    """Appoint a 执法监督联系点."""
    point_id = uuid.uuid4()
    await repo.insert_point(session, {"id": point_id, **body.model_dump()})
    await _audit(
        session, principal, "contact_point.appointed", "contact_point", point_id, body.model_dump(mode="json")
    )
    row = await repo.readable_point(session, scope, point_id)
    assert row is not None
    return get_point(row)


async def update_point(
    session: AsyncSession, *, row: ContactPoint, body: ContactPointWrite, principal: Principal, scope: Scope
) -> ContactPointRead:
    await repo.update_point(session, row.id, body.model_dump())
    await _audit(
        session, principal, "contact_point.updated", "contact_point", row.id, body.model_dump(mode="json")
    )
    fresh = await repo.readable_point(session, scope, row.id)
    assert fresh is not None
    return get_point(fresh)


async def observe(
    session: AsyncSession,
    *,
    row: ContactPoint,
    body: ComplaintBody,
    principal: Principal,
    context: RiskContext,
) -> ComplaintRead:
    """A serving contact point files an observation: it enters the complaint flow (source 联系点), received by
    the bureau like any complaint. Filed by the contact point itself (an enterprise) or recorded for it by a
    supervisor."""
    today = clock.today()
    if row.status != "active" or not row.term_start <= today <= row.term_end:
        raise ContactPointInactive(
            f"联系点“{row.name}”不在聘期内", detail_en="The contact point is not serving today"
        )
    received = await complaints.receive(
        session,
        context,
        source=rules.Source.CONTACT_POINT,
        body=body,
        anonymous=False,
        actor=principal.sub,
        actor_role=principal.role,
        extra={"complainant_uscc": row.uscc, "complainant_sub": principal.sub, "contact_point_id": row.id},
    )
    assert received is not None
    return complaint_read(received, viewer_role=principal.role, today=today)
