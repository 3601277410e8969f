"""The bureau's registries (issue #14 item 4): appointed 行政执法监督员 with their invitations, and 执法监督联系点.

Supervisors see them (a district supervisor: the district's and the city-wide ones, district None); an
enterprise that is a contact point sees its own point (to file observations). Officers and integration
clients see none.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.risk.models import ContactPoint, MemberInvitation, SupervisionMember, table_of

member_t = table_of(SupervisionMember)
invitation_t = table_of(MemberInvitation)
point_t = table_of(ContactPoint)

MEMBER_VISIBILITY = Visibility(
    district_code=lambda code: sa.or_(
        SupervisionMember.district_code == code, SupervisionMember.district_code.is_(None)
    )
)
POINT_VISIBILITY = Visibility(
    district_code=lambda code: sa.or_(
        ContactPoint.district_code == code, ContactPoint.district_code.is_(None)
    ),
    uscc=ContactPoint.uscc,
)


async def readable_member(
    session: AsyncSession, scope: Scope, member_id: uuid.UUID
) -> SupervisionMember | None:
    query = sa.select(SupervisionMember).where(SupervisionMember.id == member_id)
    query = readable(query, scope, MEMBER_VISIBILITY).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def list_members(
    session: AsyncSession, scope: Scope, *, status: str | None, after: tuple[str, str] | None, limit: int
) -> list[SupervisionMember]:
    query = readable(sa.select(SupervisionMember), scope, MEMBER_VISIBILITY)
    if status is not None:
        query = query.where(SupervisionMember.status == status)
    if after is not None:
        query = query.where(
            sa.tuple_(SupervisionMember.name, sa.cast(SupervisionMember.id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(SupervisionMember.name, sa.cast(SupervisionMember.id, sa.Text)).limit(limit)
    return list((await session.scalars(query)).all())


async def insert_member(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(member_t).values(**values))


async def update_member(session: AsyncSession, member_id: uuid.UUID, values: dict[str, Any]) -> None:
    values = {**values, "updated_at": sa.func.now()}
    await session.execute(sa.update(member_t).where(member_t.c.id == member_id).values(**values))


async def insert_invitation(session: AsyncSession, values: dict[str, Any]) -> MemberInvitation:
    await session.execute(sa.insert(invitation_t).values(**values))
    row = (
        await session.scalars(sa.select(MemberInvitation).where(MemberInvitation.id == values["id"]))
    ).one()
    return row


async def invitations_of(session: AsyncSession, member_id: uuid.UUID) -> list[MemberInvitation]:
    query = (
        sa.select(MemberInvitation)
        .where(MemberInvitation.member_id == member_id)
        .order_by(MemberInvitation.on_date.desc(), MemberInvitation.created_at.desc())
        .limit(500)
    )
    return list((await session.scalars(query)).all())


async def readable_point(session: AsyncSession, scope: Scope, point_id: uuid.UUID) -> ContactPoint | None:
    query = sa.select(ContactPoint).where(ContactPoint.id == point_id)
    query = readable(query, scope, POINT_VISIBILITY).execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def list_points(
    session: AsyncSession, scope: Scope, *, kind: str | None, after: tuple[str, str] | None, limit: int
) -> list[ContactPoint]:
    query = readable(sa.select(ContactPoint), scope, POINT_VISIBILITY)
    if kind is not None:
        query = query.where(ContactPoint.kind == kind)
    if after is not None:
        query = query.where(
            sa.tuple_(ContactPoint.name, sa.cast(ContactPoint.id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(ContactPoint.name, sa.cast(ContactPoint.id, sa.Text)).limit(limit)
    return list((await session.scalars(query)).all())


async def insert_point(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(point_t).values(**values))


async def update_point(session: AsyncSession, point_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(point_t).where(point_t.c.id == point_id).values(**values))
