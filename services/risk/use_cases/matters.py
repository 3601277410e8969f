"""Supervision matters (个案监督, issue #14): opened by a supervisor on a case, visit or 12345 lead with a numbered
document, answered by the unit concerned, closed or reopened by the supervisor, marked overdue by the
periodic job. Every step is audited; opening and closing are published (risk.supervision.matter_*), so the
target's service keeps the target open while the matter is (services/risk/domain/matters.py has the rules).

A deadline in a year the statutory calendar does not cover yet is left pending (None), never guessed and never
refusing the supervisor; ``?pending=true`` on the list shows those matters and :func:`fill_in`, run in the
transaction of PUT /api/v1/risk/admin/calendar/{year} (services/risk/app.py), computes them, as for leads.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, calendar_store, clock, outbox
from services.common import documents as rendering
from services.common.access import Scope
from services.common.auth import Principal
from services.risk import events
from services.risk.domain import matters as m
from services.risk.domain.history import step_json, with_pending
from services.risk.domain.units import UnitRef
from services.risk.errors import MatterCityLevel, MatterInputInvalid, UnitNotFound
from services.risk.models import SupervisionMatter
from services.risk.repository import matters as repo
from services.risk.repository import units as unit_repo
from services.risk.schemas import MatterAnswerWrite, MatterRead, MatterReopenWrite, MatterWrite
from services.risk.use_cases.paging import cursor_pair
from services.risk.views import matter_read

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PDF_TIMEOUT_S = 60.0
OVERDUE_BATCH = 500


def _is_district_supervisor(principal: Principal) -> bool:
    return principal.role == "supervisor" and principal.scope != "city"


def ensure_may_act(principal: Principal, row: SupervisionMatter) -> None:
    """A matter escalated to the city (提级办理) is acted on by city supervisors (and the administrator) only;
    district supervisors still see it."""
    if row.supervision_level == "city" and _is_district_supervisor(principal):
        raise MatterCityLevel(
            f"监督事项{row.document_no}所涉{m.TargetKind(row.target_kind).label}已由{row.level_decided_by}"
            "决定提级办理，由市级监督人员办理",
            detail_en=f"The matter {row.document_no}'s target was escalated to the city by {row.level_decided_by}",
        )


async def _target(session: AsyncSession, body: MatterWrite) -> tuple[str, str]:
    """The unit concerned and the target's reference: from the case or lead when risk knows it."""
    known: tuple[str | None, str] | None = None
    if body.target_kind == "case":
        known = await repo.case_of(session, body.target_id)
    elif body.target_kind == "lead":
        known = await repo.lead_of(session, body.target_id)
    unit, ref = (known[0], known[1]) if known else (None, str(body.target_id))
    if unit and body.unit_code and body.unit_code != unit:
        raise MatterInputInvalid(
            f"被监督单位{body.unit_code}与该{m.TargetKind(body.target_kind).label}的承办单位{unit}不一致",
            detail_en=f"The unit {body.unit_code} is not the target's unit {unit}",
            extra={"field": "unit_code"},
        )
    unit = unit or body.unit_code
    if not unit:
        raise MatterInputInvalid(
            "须写明被监督单位（unit_code）",
            detail_en="The unit concerned (unit_code) is required for this target",
            extra={"field": "unit_code"},
        )
    return unit, ref


def cursor_key(item: MatterRead) -> list[str]:
    """The list's keyset cursor of an item: its deadline (pending last) and id."""
    return [item.due_on.isoformat() if item.due_on else repo.PENDING_KEY, str(item.id)]


def _document(row: dict[str, Any], *, decided_by: str) -> str:
    kind, target = m.MatterKind(row["kind"]), m.TargetKind(row["target_kind"])
    values = {
        "title": kind.document_title,
        "number": row["document_no"],
        "unit_code": row["unit_code"],
        "target_label": target.label,
        "target_ref": row["target_ref"],
        "escalation": kind is m.MatterKind.ESCALATION,
        "grounds": row["grounds"],
        "legal_basis": row["legal_basis"],
        "requested_action": row["requested_action"],
        "days": row["deadline_working_days"],
        "due_on": row["due_on"],  # None: the document says the last day is set once the year is entered
        "decided_by": decided_by,
        "issued_on": row["opened_on"],
    }
    return rendering.render_html(TEMPLATES, "supervision_matter.html", d=values)


async def open_matter(
    session: AsyncSession, *, body: MatterWrite, principal: Principal, scope: Scope
) -> MatterRead:
    """A supervisor opens a matter: its deadline on the statutory calendar, its numbered document, and for
    提级办理 the target's supervision moved to the city."""
    unit, ref = await _target(session, body)
    unit_ref = UnitRef.of(unit)
    if _is_district_supervisor(principal) and unit_ref.district_code != principal.scope:
        raise UnitNotFound.of(unit)  # another district's unit looks absent
    level = await repo.target_level(session, body.target_kind, body.target_id)
    if level is not None and _is_district_supervisor(principal):
        raise MatterCityLevel(
            f"该{m.TargetKind(body.target_kind).label}已由{level.decided_by}决定提级办理，由市级监督人员办理",
            detail_en=f"The target was escalated to the city by {level.decided_by}",
        )
    now, today = clock.now(), clock.today()
    calendar = await calendar_store.load_calendar(session)
    due = m.due_on(today, body.deadline_working_days, calendar)
    await unit_repo.ensure_units(session, [unit_ref])
    kind = m.MatterKind(body.kind)
    number = m.document_number(
        kind, today.year, await repo.next_document_seq(session, kind.value, today.year)
    )
    escalating = kind is m.MatterKind.ESCALATION
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "kind": kind.value,
        "target_kind": body.target_kind,
        "target_id": body.target_id,
        "target_ref": ref,
        "unit_code": unit,
        "grounds": body.grounds,
        "legal_basis": body.legal_basis,
        "requested_action": body.requested_action,
        "deadline_working_days": body.deadline_working_days,
        "due_on": due,
        "status": m.MatterStatus.OPEN.value,
        "supervision_level": "city" if escalating or level is not None else "district",
        "level_decided_by": level.decided_by if level else principal.sub if escalating else None,
        "level_decided_at": level.decided_at if level else now if escalating else None,
        "opened_by": principal.sub,
        "opened_at": now,
        "opened_on": today,
        "document_no": number,
        "history": [
            step_json(
                now, principal.sub, None, "open", with_pending(f"{kind.label} {number}", due, "答复期限")
            )
        ],
    }
    values["document_html"] = _document(values, decided_by=principal.sub)
    await repo.add_matter(session, values)
    if escalating and level is None:
        await repo.escalate_target(
            session,
            {
                "target_kind": body.target_kind,
                "target_id": body.target_id,
                "level": "city",
                "decided_by": principal.sub,
                "decided_at": now,
                "matter_id": values["id"],
            },
        )
    row = await repo.readable_matter(session, Scope(principal.role, everything=True), values["id"])
    assert row is not None
    outbox.add(session, events.matter_opened(row))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="supervision.matter.opened",
        entity_type="supervision_matter",
        entity_id=str(row.id),
        after={
            "kind": row.kind,
            "target": f"{row.target_kind}:{row.target_id}",
            "unit_code": unit,
            "due_on": None if due is None else due.isoformat(),
            "document_no": number,
            "supervision_level": row.supervision_level,
        },
    )
    return matter_read(row)


async def _step(
    session: AsyncSession,
    *,
    row: SupervisionMatter,
    values: dict[str, Any],
    principal: Principal,
    action: str,
    note: str,
) -> SupervisionMatter:
    now = clock.now()
    before = {"status": row.status, "due_on": None if row.due_on is None else row.due_on.isoformat()}
    step = step_json(now, principal.sub, row.status, values.get("status", row.status), note)
    await repo.update_matter(session, row.id, {**values, "history": [*row.history, step]})
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"supervision.matter.{action}",
        entity_type="supervision_matter",
        entity_id=str(row.id),
        before=before,
        after={k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in values.items()},
    )
    fresh = await repo.readable_matter(session, Scope(principal.role, everything=True), row.id)
    assert fresh is not None
    return fresh


def _domain(row: SupervisionMatter) -> m.Matter:
    return m.Matter(
        status=m.MatterStatus(row.status),
        due_on=row.due_on,
        answered_late=row.answered_late,
        reopen_count=row.reopen_count,
    )


async def _count_against_unit(session: AsyncSession, row: SupervisionMatter, now: datetime) -> None:
    """The overdue or late-answered matter as a signal of its unit, dated the first day past the deadline, in
    the lead's domain (a case's domain comes from its projection when the report is built)."""
    if (
        row.due_on is None
    ):  # pending: a lateness kept from before a reopening was counted then (once a matter)
        return
    late_from = row.due_on + timedelta(days=1)
    domain = await repo.lead_domain(session, row.target_id) if row.target_kind == "lead" else None
    await repo.record_signal(
        session,
        {
            "kind": "overdue_matter",
            "ref": str(row.id),
            "unit_code": row.unit_code,
            "domain": domain,
            "case_id": row.target_id if row.target_kind == "case" else None,
            "occurred_at": now,
            "occurred_on": late_from,
            "value": None,
            "detail": f"{m.MatterKind(row.kind).label}{row.document_no}答复期限{row.due_on.isoformat()}，逾期",
        },
    )


async def answer(
    session: AsyncSession, *, row: SupervisionMatter, body: MatterAnswerWrite, principal: Principal
) -> MatterRead:
    """The unit answers: accepts and corrects (what), or explains; after the deadline the answer is late."""
    now = clock.now()
    new = m.answer(
        _domain(row),
        outcome=m.AnswerOutcome(body.outcome),
        corrected=body.corrected,
        answered_on=clock.local_date(now),
    )
    fresh = await _step(
        session,
        row=row,
        values={
            "status": new.status.value,
            "answered_late": new.answered_late,
            "answer_outcome": body.outcome,
            "answer_text": body.text,
            "corrected": body.corrected,
            "answered_at": now,
            "answered_by": principal.sub,
        },
        principal=principal,
        action="answered",
        note=f"{m.AnswerOutcome(body.outcome).label}" + ("（逾期答复）" if new.answered_late else ""),
    )
    if new.answered_late:
        await _count_against_unit(session, fresh, now)
    return matter_read(fresh)


async def close(
    session: AsyncSession, *, row: SupervisionMatter, note: str, principal: Principal
) -> MatterRead:
    """The supervisor accepts the answer and closes the matter (办结); published for the target's service."""
    ensure_may_act(principal, row)
    new = m.close(_domain(row))
    fresh = await _step(
        session,
        row=row,
        values={"status": new.status.value, "closed_at": clock.now(), "closed_by": principal.sub},
        principal=principal,
        action="closed",
        note=note,
    )
    outbox.add(session, events.matter_closed(fresh))
    return matter_read(fresh)


async def reopen(
    session: AsyncSession, *, row: SupervisionMatter, body: MatterReopenWrite, principal: Principal
) -> MatterRead:
    """The supervisor rejects the answer: a new deadline in working days from today."""
    ensure_may_act(principal, row)
    calendar = await calendar_store.load_calendar(session)
    new = m.reopen(_domain(row), new_due_on=m.due_on(clock.today(), body.deadline_working_days, calendar))
    fresh = await _step(
        session,
        row=row,
        values={
            "status": new.status.value,
            "due_on": new.due_on,
            "deadline_working_days": body.deadline_working_days,
            "reopen_count": new.reopen_count,
        },
        principal=principal,
        action="reopened",
        note=with_pending(body.reason, new.due_on, "答复期限"),
    )
    outbox.add(session, events.matter_deadline_set(fresh, reopened=True))  # the unit answers again, by when
    return matter_read(fresh)


async def list_matters(
    session: AsyncSession,
    scope: Scope,
    *,
    unit_code: str | None,
    status: str | None,
    target: tuple[str, uuid.UUID] | None,
    after: Any,
    limit: int,
    pending: bool = False,
) -> list[MatterRead]:
    rows = await repo.list_matters(
        session,
        scope,
        unit_code=unit_code,
        status=status,
        target=target,
        after=cursor_pair(after),  # a NUL in a key failed in the database: a 500
        limit=limit,
        pending=pending,
    )
    return [matter_read(r) for r in rows]


def _clock_started_on(row: SupervisionMatter) -> date:
    """The day the current deadline's clock started: the last reopening's (Beijing) day, else the opening's."""
    for step in reversed(row.history):
        if step.get("from_status") == m.MatterStatus.ANSWERED.value and step.get("to_status") == "open":
            return clock.local_date(datetime.fromisoformat(step["at"]))
    return row.opened_on


async def fill_in(session: AsyncSession, year: int, principal: Principal) -> int:
    """Compute the pending deadlines now that ``year``'s arrangement is entered (same transaction as the
    calendar write), each from the day its clock started; an answer given meanwhile after the deadline is late
    and counts against the unit, as answer() would have. Audited per matter and published
    (risk.supervision.matter_deadline_set); returns how many got their deadline. The numbered document stays
    as issued (its deadline reads 待定)."""
    rows = await repo.pending_matters(session)
    if not rows:
        return 0
    calendar = await calendar_store.load_calendar(session)
    now, done = clock.now(), 0
    for row in rows:
        answered = row.status in (m.MatterStatus.ANSWERED.value, m.MatterStatus.CLOSED.value)
        completed = m.fill_in(
            _domain(row),
            started_on=_clock_started_on(row),
            answered_on=clock.local_date(row.answered_at) if answered and row.answered_at else None,
            calendar=calendar,
            days=row.deadline_working_days,
        )
        if completed is None:
            continue
        assert completed.due_on is not None
        await repo.update_matter(
            session, row.id, {"due_on": completed.due_on, "answered_late": completed.answered_late}
        )
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="supervision.matter.deadline_computed",
            entity_type="supervision_matter",
            entity_id=str(row.id),
            before={"calendar_year": year},
            after={"due_on": completed.due_on.isoformat(), "answered_late": completed.answered_late},
        )
        newly_late = completed.answered_late and not row.answered_late
        # the same object as ``row``, refreshed (populate_existing): read ``row`` before this
        fresh = await repo.readable_matter(session, Scope(principal.role, everything=True), row.id)
        assert fresh is not None
        if newly_late:
            await _count_against_unit(session, fresh, now)
        outbox.add(session, events.matter_deadline_set(fresh))  # penalty's copy and the unit learn the date
        done += 1
    return done


async def pdf(session: AsyncSession, row: SupervisionMatter) -> bytes:
    """The document as PDF (CJK fonts embedded), rendered on first request off the event loop, then kept."""
    if row.document_pdf is not None:
        return row.document_pdf
    made = await rendering.pdf(row.document_html, base_url=TEMPLATES, timeout=PDF_TIMEOUT_S)
    await repo.store_pdf(session, row.id, made)
    return made


async def mark_overdue(session: AsyncSession, *, today: date) -> int:
    """The job's step: open matters past their last day become overdue (逾期未答复) and count against their
    unit; returns how many."""
    rows = await repo.overdue_candidates(session, today, OVERDUE_BATCH)
    now = clock.now()
    for row in rows:
        if not m.is_overdue(_domain(row), today) or row.due_on is None:
            continue
        step = step_json(
            now, "system", row.status, "overdue", f"答复期限{row.due_on.isoformat()}已过，逾期未答复"
        )
        await repo.update_matter(session, row.id, {"status": "overdue", "history": [*row.history, step]})
        await _count_against_unit(session, row, now)
        await audit.append(
            session,
            actor="system",
            actor_role="system",
            action="supervision.matter.overdue",
            entity_type="supervision_matter",
            entity_id=str(row.id),
            before={"status": row.status},
            after={"status": "overdue", "due_on": row.due_on.isoformat()},
        )
    return len(rows)
