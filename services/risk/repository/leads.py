"""12345 leads and their weekly transfers (周移送).

A lead belongs to its unit: the unit's officers and the supervisors of the unit's district see it, and the
integration client that brought it in (the row records which).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.risk.domain import leads
from services.risk.domain.history import step_json
from services.risk.models import ComplaintLead, LeadTransfer, table_of
from services.risk.repository.units import unit_rule

lead_t = table_of(ComplaintLead)
transfer_t = table_of(LeadTransfer)

_BY_UNIT = unit_rule(ComplaintLead.unit_code)
LEAD_VISIBILITY = Visibility(
    department_code=_BY_UNIT.department_code,
    district_code=_BY_UNIT.district_code,
    client=ComplaintLead.client,
)

# The sort key of lists and of the overdue scan: the receipt time in UTC, to the microsecond, then the id.
RECEIVED_KEY = sa.func.to_char(lead_t.c.received_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')


def _one(lead_id: uuid.UUID, scope: Scope) -> sa.Select[ComplaintLead]:
    query = sa.select(ComplaintLead).where(ComplaintLead.id == lead_id)
    # a re-read after an update sees the update (the session may hold the row from before)
    return readable(query, scope, LEAD_VISIBILITY).execution_options(populate_existing=True)


async def readable_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> ComplaintLead | None:
    return (await session.scalars(_one(lead_id, scope))).first()


async def locked_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> ComplaintLead | None:
    """The lead, locked until the transaction ends (two transitions cannot interleave)."""
    return (await session.scalars(_one(lead_id, scope).with_for_update(of=ComplaintLead))).first()


async def update_lead(session: AsyncSession, lead_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(lead_t).where(lead_t.c.id == lead_id).values(**values))


async def list_leads(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    batch: str | None,
    open_only: bool,
    after: tuple[str, str] | None,
    limit: int,
) -> list[ComplaintLead]:
    query = readable(sa.select(ComplaintLead), scope, LEAD_VISIBILITY)
    if status is not None:
        query = query.where(ComplaintLead.status == status)
    if batch is not None:
        query = query.where(ComplaintLead.batch == batch)
    if open_only:
        query = query.where(ComplaintLead.status != "closed")
    if after is not None:
        query = query.where(
            sa.tuple_(RECEIVED_KEY, sa.cast(ComplaintLead.id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(RECEIVED_KEY, sa.cast(ComplaintLead.id, sa.Text)).limit(limit)
    return list((await session.scalars(query)).all())


# An open lead whose current deadline waits for a calendar year (domain.leads.is_pending).
PENDING = sa.or_(
    sa.and_(lead_t.c.status == "transferred", lead_t.c.answer_due_on.is_(None)),
    sa.and_(lead_t.c.status == "answered", lead_t.c.close_due_on.is_(None)),
)


async def pending_leads(
    session: AsyncSession, scope: Scope | None, *, limit: int | None = None, lock: bool = False
) -> list[ComplaintLead]:
    """Open leads whose deadline is pending, oldest first (``scope`` None: every lead, for the calendar hook)."""
    query = sa.select(ComplaintLead).where(PENDING)
    if scope is not None:
        query = readable(query, scope, LEAD_VISIBILITY)
    query = query.order_by(RECEIVED_KEY, sa.cast(ComplaintLead.id, sa.Text)).limit(limit)
    if lock:
        query = query.with_for_update(of=ComplaintLead).execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


async def lead_counts(session: AsyncSession, scope: Scope) -> dict[str, int]:
    query = sa.select(lead_t.c.status, sa.func.count().label("n")).group_by(lead_t.c.status)
    query = readable(query, scope, LEAD_VISIBILITY)
    out = {"received": 0, "transferred": 0, "answered": 0, "closed": 0}
    for row in (await session.execute(query)).all():
        out[row.status] = row.n
    return out


class LeadToTransfer(NamedTuple):
    id: uuid.UUID
    unit_code: str
    category: str
    batch: str
    received_at: datetime


async def received_leads_to_transfer(session: AsyncSession, batches: Sequence[str]) -> list[LeadToTransfer]:
    """Received leads of the given weekly batches, locked (two transfers cannot move the same lead)."""
    if not batches:
        return []
    rows = await session.execute(
        sa.select(lead_t.c.id, lead_t.c.unit_code, lead_t.c.category, lead_t.c.batch, lead_t.c.received_at)
        .where(lead_t.c.status == "received", lead_t.c.batch.in_(list(batches)))
        .order_by(lead_t.c.batch, lead_t.c.unit_code, lead_t.c.received_at)
        .with_for_update(skip_locked=True)
    )
    return [LeadToTransfer(*r) for r in rows.all()]


async def received_batches(session: AsyncSession) -> list[str]:
    return list(
        (
            await session.scalars(
                sa.select(lead_t.c.batch)
                .where(lead_t.c.status == "received")
                .distinct()
                .order_by(lead_t.c.batch)
            )
        ).all()
    )


async def insert_transfers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(transfer_t), list(rows))


async def mark_transferred(
    session: AsyncSession,
    *,
    lead_ids: Sequence[uuid.UUID],
    transfer_ids: Sequence[uuid.UUID],
    departments: Sequence[str],
    due: Sequence[date | None],
    at: datetime,
    at_text: str,
    actor: str,
) -> None:
    """Set-based: every lead moves to its transfer with its own answer deadline and a history step."""
    await session.execute(
        sa.text(
            """
            UPDATE complaint_lead l
            SET status = 'transferred', transfer_id = v.transfer_id, department = v.department,
                transferred_at = :at, answer_due_on = v.due,
                history = l.history || jsonb_build_array(jsonb_build_object(
                    'at', CAST(:at_text AS text), 'actor', CAST(:actor AS text), 'from_status', 'received',
                    'to_status', 'transferred', 'note', v.department))
            FROM unnest(CAST(:ids AS uuid[]), CAST(:transfers AS uuid[]), CAST(:departments AS text[]),
                        CAST(:due AS date[])) AS v(id, transfer_id, department, due)
            WHERE l.id = v.id AND l.status = 'received'
            """
        ),
        {
            "ids": list(lead_ids),
            "transfers": list(transfer_ids),
            "departments": list(departments),
            "due": list(due),
            "at": at,
            "at_text": at_text,
            "actor": actor,
        },
    )


async def list_transfers(session: AsyncSession, *, batch: str | None, limit: int) -> list[LeadTransfer]:
    query = sa.select(LeadTransfer)
    if batch is not None:
        query = query.where(LeadTransfer.batch == batch)
    query = query.order_by(LeadTransfer.transferred_at.desc(), LeadTransfer.unit_code).limit(limit)
    return list((await session.scalars(query)).all())


# --------------------------------------------------------------------------------------------------- mapping


def to_domain(row: ComplaintLead) -> leads.Lead:
    """The stored lead as the domain's object."""
    return leads.Lead(
        lead_id=str(row.id),
        unit_code=row.unit_code,
        category=row.category,
        received_at=row.received_at,
        batch=leads.WeekBatch.parse(row.batch),
        status=leads.LeadStatus(row.status),
        department=row.department,
        transferred_at=row.transferred_at,
        answer_due_on=row.answer_due_on,
        answered_at=row.answered_at,
        answered_late=row.answered_late,
        answer=row.answer,
        close_due_on=row.close_due_on,
        closed_at=row.closed_at,
        return_count=row.return_count,
        history=tuple(
            leads.LeadStep(
                datetime.fromisoformat(h["at"]),
                h["actor"],
                leads.LeadStatus(h["from_status"]) if h["from_status"] else None,
                leads.LeadStatus(h["to_status"]),
                h["note"],
            )
            for h in row.history
        ),
    )


def values_of(lead: leads.Lead) -> dict[str, Any]:
    """The columns a lead's transitions change."""
    return {
        "status": lead.status.value,
        "department": lead.department,
        "transferred_at": lead.transferred_at,
        "answer_due_on": lead.answer_due_on,
        "answered_at": lead.answered_at,
        "answered_late": lead.answered_late,
        "answer": lead.answer,
        "close_due_on": lead.close_due_on,
        "closed_at": lead.closed_at,
        "return_count": lead.return_count,
        "history": [
            step_json(
                s.at, s.actor, s.from_status.value if s.from_status else None, s.to_status.value, s.note
            )
            for s in lead.history
        ],
    }
