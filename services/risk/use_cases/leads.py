"""12345 leads: listed with their deadlines and overdue flags, moved weekly to their departments (周移送),
answered by the department, returned or closed by the supervisor. Who may act is checked before the lead is
loaded (services/risk/deps.py).

A deadline in a year the statutory calendar does not cover yet is left pending (None), never guessed and never
blocking a step; :func:`pending_leads` lists them and :func:`fill_in`, run in the transaction of
PUT /api/v1/risk/admin/calendar/{year} (services/risk/app.py), computes them."""

from __future__ import annotations

import uuid
from datetime import UTC, date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, calendar_store, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.events import json_time
from services.common.workdays import WorkingDayCalendar
from services.risk.domain import leads
from services.risk.domain.report import RiskConfigSet
from services.risk.errors import LeadBatchNotEnded
from services.risk.models import ComplaintLead
from services.risk.repository import leads as lead_repo
from services.risk.schemas import LeadRead, OverdueLeadsRead, TransferRead
from services.risk.use_cases.paging import cursor_pair
from services.risk.views import lead_read, transfer_read

OVERDUE_LEADS_CAP = 2000
_SCAN_PAGE = 1000


async def _deadlines(
    session: AsyncSession, config: RiskConfigSet
) -> tuple[date, leads.LeadConfig, WorkingDayCalendar]:
    today = clock.today()
    return today, config.in_effect(today).leads, await calendar_store.load_calendar(session)


async def get_lead(session: AsyncSession, *, row: ComplaintLead, config: RiskConfigSet) -> LeadRead:
    today, cfg, calendar = await _deadlines(session, config)
    return lead_read(row, today=today, config=cfg, calendar=calendar)


async def list_leads(
    session: AsyncSession,
    scope: Scope,
    *,
    config: RiskConfigSet,
    status: str | None,
    batch: str | None,
    after: Any,
    limit: int,
) -> list[LeadRead]:
    """Leads ``scope`` may see, oldest first (``after``: the cursor's receipt time and id)."""
    if batch is not None:
        batch = str(leads.WeekBatch.parse(batch))
    rows = await lead_repo.list_leads(
        session,
        scope,
        status=status,
        batch=batch,
        open_only=False,
        after=cursor_pair(after),
        limit=limit,
    )
    today, cfg, calendar = await _deadlines(session, config)
    return [lead_read(r, today=today, config=cfg, calendar=calendar) for r in rows]


async def overdue_leads(session: AsyncSession, scope: Scope, *, config: RiskConfigSet) -> OverdueLeadsRead:
    """Open leads past a deadline (transfer, answer or closing), earliest deadline first."""
    today, cfg, calendar = await _deadlines(session, config)
    found: list[LeadRead] = []
    after: tuple[str, str] | None = None
    while True:
        rows = await lead_repo.list_leads(
            session, scope, status=None, batch=None, open_only=True, after=after, limit=_SCAN_PAGE
        )
        for r in rows:
            item = lead_read(r, today=today, config=cfg, calendar=calendar)
            flags = item.flags
            if flags.transfer_overdue or flags.answer_overdue or flags.close_overdue:
                found.append(item)
        if len(rows) < _SCAN_PAGE or len(found) > OVERDUE_LEADS_CAP:
            break
        last = rows[-1]
        after = (last.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(last.id))
    found.sort(key=lambda i: (i.flags.due_on or date.max, str(i.id)))
    return OverdueLeadsRead(items=found[:OVERDUE_LEADS_CAP], truncated=len(found) > OVERDUE_LEADS_CAP)


async def pending_leads(session: AsyncSession, scope: Scope, *, config: RiskConfigSet) -> OverdueLeadsRead:
    """Open leads whose answer or closing deadline waits for a calendar year, oldest first."""
    rows = await lead_repo.pending_leads(session, scope, limit=OVERDUE_LEADS_CAP + 1)
    today, cfg, calendar = await _deadlines(session, config)
    items = [lead_read(r, today=today, config=cfg, calendar=calendar) for r in rows[:OVERDUE_LEADS_CAP]]
    return OverdueLeadsRead(items=items, truncated=len(rows) > OVERDUE_LEADS_CAP)


async def fill_in(session: AsyncSession, year: int, principal: Principal, *, config: RiskConfigSet) -> int:
    """Compute the pending deadlines now that ``year``'s arrangement is entered (same transaction as the
    calendar write), each with the lead configuration in effect on the day its clock started; audited per
    lead. Returns how many leads got their deadline."""
    rows = await lead_repo.pending_leads(session, None, lock=True)
    if not rows:
        return 0
    calendar = await calendar_store.load_calendar(session)
    done = 0
    for row in rows:
        lead = lead_repo.to_domain(row)
        started = lead.history[-1].at  # the transfer, return or answer that started the pending clock
        cfg = config.in_effect(clock.local_date(started)).leads
        completed = leads.fill_in(lead, config=cfg, calendar=calendar)
        if completed is None:
            continue
        values = lead_repo.values_of(completed)
        changed = {k: values[k] for k in ("answer_due_on", "answered_late", "close_due_on")}
        await lead_repo.update_lead(session, row.id, changed)
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="lead.deadline_computed",
            entity_type="complaint_lead",
            entity_id=str(row.id),
            before={"calendar_year": year},
            after={
                "answer_due_on": str(completed.answer_due_on),
                "answered_late": completed.answered_late,
                "close_due_on": None if completed.close_due_on is None else str(completed.close_due_on),
            },
        )
        done += 1
    return done


async def _transition(
    session: AsyncSession,
    *,
    row: ComplaintLead,
    new: leads.Lead,
    principal: Principal,
    scope: Scope,
    action: str,
    config: RiskConfigSet,
) -> LeadRead:
    before = {"status": row.status}
    await lead_repo.update_lead(session, row.id, lead_repo.values_of(new))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"lead.{action}",
        entity_type="complaint_lead",
        entity_id=str(row.id),
        before=before,
        after={"status": new.status.value, "note": new.history[-1].note},
    )
    fresh = await lead_repo.readable_lead(session, scope, row.id)
    assert fresh is not None
    return await get_lead(session, row=fresh, config=config)


async def answer(
    session: AsyncSession,
    *,
    row: ComplaintLead,
    text: str,
    principal: Principal,
    scope: Scope,
    config: RiskConfigSet,
) -> LeadRead:
    """The department the lead was transferred to answers it (答复)."""
    today, cfg, calendar = await _deadlines(session, config)
    new = leads.answer(
        lead_repo.to_domain(row),
        text=text,
        answered_at=clock.now(),
        actor=principal.sub,
        config=cfg,
        calendar=calendar,
    )
    return await _transition(
        session, row=row, new=new, principal=principal, scope=scope, action="answered", config=config
    )


async def return_for_rework(
    session: AsyncSession,
    *,
    row: ComplaintLead,
    reason: str,
    principal: Principal,
    scope: Scope,
    config: RiskConfigSet,
) -> LeadRead:
    """The supervisor returns an insufficient answer (退回重办) with a new answer deadline."""
    today, cfg, calendar = await _deadlines(session, config)
    new = leads.return_for_rework(
        lead_repo.to_domain(row),
        reason=reason,
        returned_at=clock.now(),
        actor=principal.sub,
        config=cfg,
        calendar=calendar,
    )
    return await _transition(
        session, row=row, new=new, principal=principal, scope=scope, action="returned", config=config
    )


async def close(
    session: AsyncSession,
    *,
    row: ComplaintLead,
    note: str,
    principal: Principal,
    scope: Scope,
    config: RiskConfigSet,
) -> LeadRead:
    """The supervisor verifies the answer and closes the lead (办结)."""
    new = leads.close(lead_repo.to_domain(row), closed_at=clock.now(), actor=principal.sub, note=note)
    return await _transition(
        session, row=row, new=new, principal=principal, scope=scope, action="closed", config=config
    )


async def list_transfers(session: AsyncSession, *, batch: str | None, limit: int) -> list[TransferRead]:
    return [transfer_read(t) for t in await lead_repo.list_transfers(session, batch=batch, limit=limit)]


async def transfer_leads(
    session: AsyncSession, *, batch: str | None, actor: str, actor_role: str, config: RiskConfigSet
) -> list[TransferRead]:
    """Weekly transfer (周移送): every received lead of a finished week goes to its department, one transfer
    per (week, department). Leads that arrive late for a week already transferred go in a further transfer."""
    now = clock.now()
    if batch is not None:
        week = leads.WeekBatch.parse(batch)
        if week.ends_at > now:
            raise LeadBatchNotEnded(
                f"{week}周至{(week.sunday).isoformat()}（周日）结束，结束后方可移送",
                detail_en=f"The week {week} ends on Sunday {week.sunday.isoformat()}; "
                "its leads can be transferred after that",
                extra={"batch": str(week)},
            )
        batches = [str(week)]
    else:
        batches = [
            b for b in await lead_repo.received_batches(session) if leads.WeekBatch.parse(b).ends_at <= now
        ]
    rows = await lead_repo.received_leads_to_transfer(session, batches)
    if not rows:
        return []
    today = clock.today()
    cfg = config.in_effect(today).leads
    calendar = await calendar_store.load_calendar(session)
    day = clock.local_date(now)
    due_by_category: dict[str, date | None] = {}
    transfers: dict[tuple[str, str], dict[str, Any]] = {}
    lead_ids: list[uuid.UUID] = []
    transfer_ids: list[uuid.UUID] = []
    departments: list[str] = []
    dues: list[date | None] = []
    for r in rows:
        key = (r.batch, r.unit_code)
        if key not in transfers:
            transfers[key] = {
                "id": uuid.uuid4(),
                "batch": r.batch,
                "unit_code": r.unit_code,
                "transferred_at": now,
                "transferred_by": actor,
                "lead_count": 0,
            }
        transfers[key]["lead_count"] += 1
        if r.category not in due_by_category:
            # as leads.transfer(): N working days after the (Beijing) transfer day, None (pending) in a year
            # the calendar does not cover yet
            due_by_category[r.category] = leads.due_or_pending(calendar, day, cfg.answer_days(r.category))
        lead_ids.append(r.id)
        transfer_ids.append(transfers[key]["id"])
        departments.append(r.unit_code)
        dues.append(due_by_category[r.category])
    await lead_repo.insert_transfers(session, list(transfers.values()))
    await lead_repo.mark_transferred(
        session,
        lead_ids=lead_ids,
        transfer_ids=transfer_ids,
        departments=departments,
        due=dues,
        at=now,
        at_text=json_time(now),
        actor=actor,
    )
    await audit.append(
        session,
        actor=actor,
        actor_role=actor_role,
        action="lead.batch.transferred",
        entity_type="lead_transfer",
        entity_id=",".join(sorted({t["batch"] for t in transfers.values()})),
        after={
            "transfers": [
                {**t, "id": str(t["id"]), "transferred_at": json_time(now)} for t in transfers.values()
            ]
        },
    )
    return [transfer_read(t) for t in transfers.values()]
