"""Supervision matters (个案监督), the level each target is supervised at, and their documents' counter.

A matter belongs to the unit concerned: the unit's officers and the supervisors of the unit's district see it
(``unit_rule``), a city supervisor and the administrator every matter.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, readable
from services.risk.models import (
    ComplaintLead,
    MatterDocumentCounter,
    RiskCase,
    SupervisionMatter,
    SupervisionTarget,
    UnitSignal,
    table_of,
)
from services.risk.repository.units import unit_rule

matter_t = table_of(SupervisionMatter)
target_t = table_of(SupervisionTarget)
counter_t = table_of(MatterDocumentCounter)
signal_t = table_of(UnitSignal)

MATTER_VISIBILITY = unit_rule(SupervisionMatter.unit_code)

#: The list's sort key of a matter whose deadline is pending: after every day a deadline can be (fields.LAST_DAY
#: is 2199-12-31), so the pending come last, in id order.
PENDING_KEY = "9999-12-31"


def _one(matter_id: uuid.UUID, scope: Scope) -> sa.Select[SupervisionMatter]:
    query = sa.select(SupervisionMatter).where(SupervisionMatter.id == matter_id)
    return readable(query, scope, MATTER_VISIBILITY).execution_options(populate_existing=True)


async def readable_matter(
    session: AsyncSession, scope: Scope, matter_id: uuid.UUID
) -> SupervisionMatter | None:
    return (await session.scalars(_one(matter_id, scope))).first()


async def locked_matter(
    session: AsyncSession, scope: Scope, matter_id: uuid.UUID
) -> SupervisionMatter | None:
    """The matter, locked until the transaction ends (two steps cannot interleave)."""
    return (await session.scalars(_one(matter_id, scope).with_for_update(of=SupervisionMatter))).first()


async def list_matters(
    session: AsyncSession,
    scope: Scope,
    *,
    unit_code: str | None,
    status: str | None,
    target: tuple[str, uuid.UUID] | None,
    after: tuple[str, str] | None,
    limit: int,
    pending: bool = False,
) -> list[SupervisionMatter]:
    """Matters ``scope`` may see, earliest deadline first, the pending last (``after``: the cursor's deadline, or
    :data:`PENDING_KEY`, and id); ``pending``: only those whose deadline waits for a calendar year."""
    query = readable(sa.select(SupervisionMatter), scope, MATTER_VISIBILITY)
    if unit_code is not None:
        query = query.where(SupervisionMatter.unit_code == unit_code)
    if status is not None:
        query = query.where(SupervisionMatter.status == status)
    if pending:
        query = query.where(SupervisionMatter.due_on.is_(None))
    if target is not None:
        query = query.where(
            SupervisionMatter.target_kind == target[0], SupervisionMatter.target_id == target[1]
        )
    due_text = sa.func.coalesce(sa.func.to_char(SupervisionMatter.due_on, "YYYY-MM-DD"), PENDING_KEY)
    id_text = sa.cast(SupervisionMatter.id, sa.Text)
    if after is not None:
        query = query.where(
            sa.tuple_(due_text, id_text)
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    return list((await session.scalars(query.order_by(due_text, id_text).limit(limit))).all())


async def add_matter(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(matter_t).values(**values))


async def update_matter(session: AsyncSession, matter_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(matter_t).where(matter_t.c.id == matter_id).values(**values))


async def next_document_seq(session: AsyncSession, kind: str, year: int) -> int:
    """The next number of a kind of document in a year; the counter row serialises concurrent openings."""
    insert = pg_insert(counter_t).values(kind=kind, year=year, last=1)
    stmt = insert.on_conflict_do_update(
        index_elements=["kind", "year"], set_={"last": counter_t.c.last + 1}
    ).returning(counter_t.c.last)
    return int((await session.execute(stmt)).scalar_one())


async def store_pdf(session: AsyncSession, matter_id: uuid.UUID, pdf: bytes) -> None:
    await session.execute(sa.update(matter_t).where(matter_t.c.id == matter_id).values(document_pdf=pdf))


# --------------------------------------------------------------------------------------------------- targets


async def target_level(
    session: AsyncSession, target_kind: str, target_id: uuid.UUID
) -> SupervisionTarget | None:
    return (
        await session.scalars(
            sa.select(SupervisionTarget).where(
                SupervisionTarget.target_kind == target_kind, SupervisionTarget.target_id == target_id
            )
        )
    ).first()


async def escalate_target(session: AsyncSession, values: dict[str, Any]) -> None:
    """Record that the target's supervision moved to the city (the first decision stands), and carry the
    level onto every matter of the target."""
    await session.execute(pg_insert(target_t).values(**values).on_conflict_do_nothing())
    await session.execute(
        sa.update(matter_t)
        .where(matter_t.c.target_kind == values["target_kind"], matter_t.c.target_id == values["target_id"])
        .values(
            supervision_level="city",
            level_decided_by=values["decided_by"],
            level_decided_at=values["decided_at"],
        )
    )


async def case_of(session: AsyncSession, case_id: uuid.UUID) -> tuple[str | None, str] | None:
    """(unit_code, reference) of a penalty case risk has seen, else None."""
    row = (
        await session.execute(
            sa.select(RiskCase.unit_code, RiskCase.decision_no, RiskCase.case_no).where(
                RiskCase.case_id == case_id
            )
        )
    ).first()
    if row is None:
        return None
    return row.unit_code, row.decision_no or row.case_no or str(case_id)


async def lead_domain(session: AsyncSession, lead_id: uuid.UUID) -> str | None:
    return (await session.scalars(sa.select(ComplaintLead.domain).where(ComplaintLead.id == lead_id))).first()


async def lead_of(session: AsyncSession, lead_id: uuid.UUID) -> tuple[str, str] | None:
    """(unit_code, external id) of a 12345 lead, else None."""
    row = (
        await session.execute(
            sa.select(ComplaintLead.unit_code, ComplaintLead.external_id).where(ComplaintLead.id == lead_id)
        )
    ).first()
    return None if row is None else (row.unit_code, row.external_id)


async def pending_matters(session: AsyncSession) -> list[SupervisionMatter]:
    """Every matter whose deadline is pending, oldest first, locked (the calendar hook computes them)."""
    query = (
        sa.select(SupervisionMatter)
        .where(SupervisionMatter.due_on.is_(None))
        .order_by(SupervisionMatter.opened_at, SupervisionMatter.id)
        .with_for_update()
    )
    return list((await session.scalars(query)).all())


# --------------------------------------------------------------------------------------------------- overdue


async def overdue_candidates(session: AsyncSession, today: date, limit: int) -> list[SupervisionMatter]:
    """Open matters whose last day to answer is before ``today``, locked (skipping rows another worker holds)."""
    query = (
        sa.select(SupervisionMatter)
        .where(SupervisionMatter.status == "open", SupervisionMatter.due_on < today)
        .order_by(SupervisionMatter.due_on, SupervisionMatter.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def record_signal(session: AsyncSession, values: dict[str, Any]) -> None:
    """An overdue or late-answered matter as a unit signal (once per matter)."""
    await session.execute(pg_insert(signal_t).values(**values).on_conflict_do_nothing())
