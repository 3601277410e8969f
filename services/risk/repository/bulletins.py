"""Bulletins (通报): visible to the units they are addressed to, the supervisors of those units' districts
(city supervisors: all), and — the public ones — to everyone through the public list."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, any_of, readable
from services.risk.models import Bulletin

BULLETIN_VISIBILITY = Visibility(
    department_code=any_of(Bulletin.unit_codes), district_code=any_of(Bulletin.district_codes)
)
# One number series per year: the next number is taken under this lock (two issuers never share a number).
_NUMBER_LOCK = 0x7A68_6966_6142_0001


async def next_seq(session: AsyncSession, year: int) -> int:
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_NUMBER_LOCK + year)))
    last = await session.scalar(sa.select(sa.func.max(Bulletin.seq)).where(Bulletin.year == year))
    return (last or 0) + 1


async def readable_bulletin(session: AsyncSession, scope: Scope, bulletin_id: uuid.UUID) -> Bulletin | None:
    query = readable(sa.select(Bulletin).where(Bulletin.id == bulletin_id), scope, BULLETIN_VISIBILITY)
    return (await session.scalars(query)).first()


async def public_bulletin(session: AsyncSession, bulletin_id: uuid.UUID) -> Bulletin | None:
    query = sa.select(Bulletin).where(Bulletin.id == bulletin_id, Bulletin.public.is_(True))
    return (await session.scalars(query)).first()


async def list_bulletins(
    session: AsyncSession,
    scope: Scope | None,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Bulletin]:
    """Newest first; ``scope`` None: the public ones only."""
    query = sa.select(Bulletin)
    if scope is None:
        query = query.where(Bulletin.public.is_(True))
    else:
        query = readable(query, scope, BULLETIN_VISIBILITY)
    if after is not None:
        query = query.where(sa.tuple_(Bulletin.created_at, sa.cast(Bulletin.id, sa.Text)) < sa.tuple_(*after))
    query = query.order_by(Bulletin.created_at.desc(), sa.cast(Bulletin.id, sa.Text).desc())
    return list((await session.scalars(query.limit(limit))).all())
