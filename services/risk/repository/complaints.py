"""Complaints (投诉举报) and their yearly acknowledgement numbers.

Who sees a complaint: the bureau (a city supervisor every one, a district supervisor those about the
district's units), the enterprise that filed it (or whose rating opened it), and the unit complained about only
once the bureau has forwarded it (转办: ``forwarded_at`` set). Integration clients see none.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.risk.models import Complaint, ComplaintCounter, table_of
from services.risk.repository.units import of_units_in

complaint_t = table_of(Complaint)
OPEN_STATES = ("received", "forwarded", "replied")
counter_t = table_of(ComplaintCounter)

COMPLAINT_VISIBILITY = Visibility(
    department_code=lambda code: sa.and_(Complaint.unit_code == code, Complaint.forwarded_at.is_not(None)),
    district_code=lambda code: Complaint.unit_code.in_(of_units_in(code)),
    uscc=Complaint.complainant_uscc,
)

# A deadline waiting for a year's holiday arrangement: the handling one, or the reply one of a forwarded complaint
PENDING = sa.or_(
    Complaint.due_on.is_(None), sa.and_(Complaint.forwarded_at.is_not(None), Complaint.reply_due_on.is_(None))
)

# The sort key of lists: the receipt time in UTC, to the microsecond, then the id.
RECEIVED_KEY = sa.func.to_char(
    sa.func.timezone("UTC", complaint_t.c.received_at), 'YYYY-MM-DD"T"HH24:MI:SS.US'
)


def _one(complaint_id: uuid.UUID, scope: Scope) -> sa.Select[Complaint]:
    query = sa.select(Complaint).where(Complaint.id == complaint_id)
    return readable(query, scope, COMPLAINT_VISIBILITY).execution_options(populate_existing=True)


async def readable_complaint(
    session: AsyncSession, scope: Scope, complaint_id: uuid.UUID
) -> Complaint | None:
    return (await session.scalars(_one(complaint_id, scope))).first()


async def locked_complaint(session: AsyncSession, scope: Scope, complaint_id: uuid.UUID) -> Complaint | None:
    """The complaint, locked until the transaction ends (two transitions cannot interleave)."""
    return (await session.scalars(_one(complaint_id, scope).with_for_update(of=Complaint))).first()


async def by_ack_no(session: AsyncSession, ack_no: str) -> Complaint | None:
    return (await session.scalars(sa.select(Complaint).where(Complaint.ack_no == ack_no))).first()


async def next_seq(session: AsyncSession, year: int) -> int:
    """The next acknowledgement sequence of ``year`` (the counter row is locked until the transaction ends)."""
    stmt = pg_insert(counter_t).values(year=year, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["year"], set_={"last": counter_t.c.last + 1})
    return int((await session.execute(stmt.returning(counter_t.c.last))).scalar_one())


async def insert(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a complaint; False when a rating already opened one for the visit and unit (nothing written)."""
    stmt = pg_insert(complaint_t).values(**values)
    if values.get("source") == "rating":
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["visit_id", "unit_code"], index_where=sa.text("source = 'rating'")
        )
    result = await session.execute(stmt.returning(complaint_t.c.id))
    return result.first() is not None


async def rating_complaint_exists(session: AsyncSession, visit_id: uuid.UUID, unit_code: str) -> bool:
    query = sa.select(sa.literal(1)).where(
        complaint_t.c.source == "rating",
        complaint_t.c.visit_id == visit_id,
        complaint_t.c.unit_code == unit_code,
    )
    return (await session.execute(query)).first() is not None


async def nonce_used(session: AsyncSession, nonce: str) -> bool:
    query = sa.select(sa.literal(1)).where(complaint_t.c.token_nonce == nonce)
    return (await session.execute(query)).first() is not None


async def update(session: AsyncSession, complaint_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(complaint_t).where(complaint_t.c.id == complaint_id).values(**values))


async def pending_complaints(session: AsyncSession) -> list[Complaint]:
    """Every complaint with a pending deadline, oldest first, locked (the calendar hook computes them)."""
    query = (
        sa.select(Complaint).where(PENDING).order_by(Complaint.received_at, Complaint.id).with_for_update()
    )
    return list((await session.scalars(query)).all())


async def filed_since(session: AsyncSession, client_key: str, since: datetime) -> int:
    """Public complaints filed from one client address since ``since`` (the per-address limit)."""
    query = sa.select(sa.func.count()).where(
        complaint_t.c.client_key == client_key, complaint_t.c.received_at >= since
    )
    return int((await session.execute(query)).scalar_one())


async def list_complaints(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    unit_code: str | None,
    overdue_on: date | None = None,
    after: tuple[str, str] | None,
    limit: int,
    pending: bool = False,
) -> list[Complaint]:
    query = readable(sa.select(Complaint), scope, COMPLAINT_VISIBILITY)
    if pending:  # a deadline waiting for a year's holiday arrangement
        query = query.where(PENDING)
    if overdue_on is not None:  # not concluded past the bureau's handling deadline
        query = query.where(Complaint.status.in_(OPEN_STATES), Complaint.due_on < overdue_on)
    if status is not None:
        query = query.where(Complaint.status == status)
    if unit_code is not None:
        query = query.where(Complaint.unit_code == unit_code)
    if after is not None:
        query = query.where(
            sa.tuple_(RECEIVED_KEY, sa.cast(Complaint.id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(RECEIVED_KEY, sa.cast(Complaint.id, sa.Text)).limit(limit)
    return list((await session.scalars(query)).all())


async def unit_counts(
    session: AsyncSession, unit_code: str, first: date, last: date, today: date
) -> dict[str, int]:
    """A unit's complaints received between ``first`` and ``last`` (Beijing dates): how many, how many found
    (partly) substantiated, how many still open past their deadline."""
    received_on = sa.func.date(sa.func.timezone("Asia/Shanghai", complaint_t.c.received_at))
    query = sa.select(
        sa.func.count().label("received"),
        sa.func.count()
        .filter(complaint_t.c.finding.in_(("substantiated", "partly_substantiated")))
        .label("substantiated"),
        sa.func.count()
        .filter(complaint_t.c.status.in_(OPEN_STATES), complaint_t.c.due_on < today)
        .label("overdue"),
    ).where(complaint_t.c.unit_code == unit_code, received_on >= first, received_on <= last)
    row = (await session.execute(query)).one()
    return {"received": row.received, "substantiated": row.substantiated, "overdue": row.overdue}
