"""Rectifications (整改) of issued warnings: visible to the warned unit and the supervisors of its district."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, readable
from services.risk.domain import rectification
from services.risk.domain.history import step_json
from services.risk.models import Rectification, table_of
from services.risk.repository.units import unit_rule

rect_t = table_of(Rectification)

RECTIFICATION_VISIBILITY = unit_rule(Rectification.unit_code)
OPEN = ("pending", "reopened")

#: The list's sort key of a rectification whose deadline is pending: after every day a deadline can be
#: (fields.LAST_DAY is 2199-12-31), so the pending come last.
PENDING_KEY = date(9999, 12, 31)
_DEADLINE_KEY = sa.func.coalesce(Rectification.deadline, sa.literal(PENDING_KEY, sa.Date))


async def insert_rectification(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(rect_t).values(**values))


def _one(warning_id: uuid.UUID, scope: Scope) -> sa.Select[Rectification]:
    query = sa.select(Rectification).where(Rectification.warning_id == warning_id)
    # a re-read after an update sees the update (the session may hold the row from before)
    return readable(query, scope, RECTIFICATION_VISIBILITY).execution_options(populate_existing=True)


async def readable_rectification(
    session: AsyncSession, scope: Scope, warning_id: uuid.UUID
) -> Rectification | None:
    return (await session.scalars(_one(warning_id, scope))).first()


async def locked_rectification(
    session: AsyncSession, scope: Scope, warning_id: uuid.UUID
) -> Rectification | None:
    """The rectification, locked until the transaction ends (two transitions cannot interleave)."""
    return (await session.scalars(_one(warning_id, scope).with_for_update(of=Rectification))).first()


async def update_rectification(session: AsyncSession, warning_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        sa.update(rect_t).where(rect_t.c.warning_id == warning_id).values(**values, updated_at=sa.func.now())
    )


async def list_rectifications(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    quarter: str | None,
    overdue_on: date | None,
    after: tuple[date, str] | None,
    limit: int,
    pending: bool = False,
) -> list[Rectification]:
    """Rectifications ``scope`` may see, earliest deadline first, the pending last; ``pending``: only those whose
    deadline waits for a calendar year."""
    query = readable(sa.select(Rectification), scope, RECTIFICATION_VISIBILITY)
    if pending:
        query = query.where(Rectification.deadline.is_(None))
    if status is not None:
        query = query.where(Rectification.status == status)
    if quarter is not None:
        query = query.where(Rectification.quarter == quarter)
    if overdue_on is not None:
        query = query.where(Rectification.status.in_(OPEN), Rectification.deadline < overdue_on)
    if after is not None:
        query = query.where(
            sa.tuple_(_DEADLINE_KEY, sa.cast(Rectification.warning_id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Date), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(_DEADLINE_KEY, sa.cast(Rectification.warning_id, sa.Text)).limit(limit)
    return list((await session.scalars(query)).all())


async def pending_rectifications(session: AsyncSession) -> list[Rectification]:
    """Every rectification whose deadline is pending, locked (the calendar hook computes them)."""
    query = (
        sa.select(Rectification)
        .where(Rectification.deadline.is_(None))
        .order_by(sa.cast(Rectification.warning_id, sa.Text))
        .with_for_update()
    )
    return list((await session.scalars(query)).all())


async def rectification_counts(session: AsyncSession, scope: Scope, *, today: date) -> dict[str, int]:
    query = sa.select(
        rect_t.c.status,
        sa.func.count().label("n"),
        sa.func.count().filter(rect_t.c.status.in_(OPEN), rect_t.c.deadline < today).label("overdue"),
    ).group_by(rect_t.c.status)
    query = readable(query, scope, RECTIFICATION_VISIBILITY)
    out = {"pending": 0, "submitted": 0, "reopened": 0, "closed": 0, "withdrawn": 0, "overdue": 0}
    for row in (await session.execute(query)).all():
        out[row.status] = row.n
        out["overdue"] += row.overdue
    return out


# --------------------------------------------------------------------------------------------------- mapping


def values_of(r: rectification.Rectification) -> dict[str, Any]:
    """The columns that store a rectification (all but its warning id)."""
    return {
        "unit_code": r.unit_code,
        "quarter": r.quarter,
        "colour": r.colour,
        "lamp": r.lamp,
        "issued_on": r.issued_on,
        "deadline": r.deadline,
        "status": r.status.value,
        "measures": r.measures,
        "submitted_at": r.submitted_at,
        "submitted_late": r.submitted_late,
        "reopen_count": r.reopen_count,
        "history": [
            step_json(
                t.at, t.actor, t.from_status.value if t.from_status else None, t.to_status.value, t.note
            )
            for t in r.history
        ],
    }


def to_domain(row: Rectification) -> rectification.Rectification:
    """The stored rectification as the domain's object."""
    return rectification.Rectification(
        warning_id=str(row.warning_id),
        unit_code=row.unit_code,
        quarter=row.quarter,
        colour=row.colour,
        lamp=row.lamp,
        issued_on=row.issued_on,
        deadline=row.deadline,
        status=rectification.RectificationStatus(row.status),
        measures=row.measures,
        submitted_at=row.submitted_at,
        submitted_late=row.submitted_late,
        reopen_count=row.reopen_count,
        history=tuple(
            rectification.Transition(
                datetime.fromisoformat(h["at"]),
                h["actor"],
                rectification.RectificationStatus(h["from_status"]) if h["from_status"] else None,
                rectification.RectificationStatus(h["to_status"]),
                h["note"],
            )
            for h in row.history
        ),
    )
