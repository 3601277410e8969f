"""责令改正 follow-up of a penalty decision (issue #14 item 6; domain/follow_ups.py): created when a decision
orders a correction with a deadline (行政处罚法 第二十八条第一款; use_cases/procedure.py ``decide``), listed for
the department (due / overdue / done), closed by the follow-up check's result and, when still open after the
deadline, published once as penalty.correction.follow_up_overdue, which the risk service counts for the unit."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.db import transaction
from services.penalty import events, views
from services.penalty.domain import follow_ups as fu
from services.penalty.models import PenaltyCase, PenaltyFollowUp
from services.penalty.repository import follow_ups as repo
from services.penalty.schemas import follow_ups as fs
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit

#: Overdue follow-ups published per run of the job.
OVERDUE_BATCH = 500


async def order_correction(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    decision_no: str,
    correction: fs.CorrectionIn,
    decided_on: date,
) -> PenaltyFollowUp:
    """The decision's order to correct becomes a follow-up due on its deadline."""
    follow_up = PenaltyFollowUp(
        id=uuid.uuid4(),
        case_id=row.id,
        decision_no=decision_no,
        dept_code=row.dept_code,
        district_code=row.district_code,
        party_name=row.party_name,
        party_uscc=row.party_uscc,
        content=correction.content.strip(),
        ordered_on=decided_on,
        due_on=fu.check_deadline(correction.deadline, decided_on),
    )
    await repo.add_follow_up(session, follow_up)
    return follow_up


async def list_follow_ups(
    session: AsyncSession, *, scope: Scope, state: str | None, offset: int, limit: int
) -> list[fs.FollowUpRead]:
    """The caller's follow-ups by deadline."""
    today = clock.today()
    rows = await repo.list_follow_ups(
        session,
        scope,
        state=fu.FollowUpState(state) if state else None,
        today=today,
        offset=offset,
        limit=limit,
    )
    return [views.follow_up_read(r, today) for r in rows]


def get_follow_up(row: PenaltyFollowUp) -> fs.FollowUpRead:
    return views.follow_up_read(row, clock.today())


async def record_result(
    session: AsyncSession, *, principal: Principal, row: PenaltyFollowUp, body: fs.FollowUpResultIn
) -> fs.FollowUpRead:
    """The follow-up check's result: corrected, or not corrected (only after the deadline)."""
    today, now = clock.today(), clock.now()
    cert_no = await officer_signs(session, principal, today)
    status = fu.check_result(
        status=row.status, due_on=row.due_on, corrected=body.result == "corrected", today=today
    )
    before = {"status": row.status}
    row.status = status.value
    row.result_note = body.note.strip()
    row.checked_on = today
    row.closed_by = cert_no
    row.closed_at = now
    await session.flush()
    await audit(
        session,
        principal,
        action=f"penalty.follow_up.{status.value}",
        entity_type="penalty_follow_up",
        entity_id=str(row.id),
        before=before,
        after={"status": row.status, "checked_on": today.isoformat(), "note": row.result_note},
    )
    return views.follow_up_read(row, today)


async def report_overdue(session: AsyncSession, today: date, *, limit: int = OVERDUE_BATCH) -> int:
    """Publish penalty.correction.follow_up_overdue once for each open follow-up past its deadline."""
    rows = await repo.overdue_unpublished(session, today, limit)
    now = clock.now()
    for row in rows:
        outbox.add(session, events.follow_up_overdue(row, detected_on=today))
        row.overdue_published_at = now
    await session.flush()
    return len(rows)


async def scan_overdue(factory: async_sessionmaker[AsyncSession]) -> int:
    """The job's run: one transaction."""
    async with transaction(factory) as session:
        return await report_overdue(session, clock.today())
