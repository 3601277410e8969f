"""责令改正 follow-up (issue #14 item 6; domain/follow_ups.py): created at checkout for every order to correct
(use_cases/visits.py),
listed for the department (due / overdue / done), closed by the follow-up check's result — "not corrected"
is a violation found (inspection.violation.found, a penalty lead) — and, when still open after the deadline,
published once as inspection.correction.follow_up_overdue, which the risk service counts for the unit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.pagination import Page, encode_cursor
from services.inspection import events, views
from services.inspection import models as m
from services.inspection.domain import follow_ups as fu
from services.inspection.errors import FollowUpConflict
from services.inspection.repository import follow_ups as follow_up_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.schemas import follow_ups as fs
from services.inspection.use_cases.visits import offset_cursor, require_visit_officer

#: Overdue follow-ups published per run of the job; a full batch runs again at once.
OVERDUE_BATCH = 500


async def list_follow_ups(
    session: AsyncSession,
    *,
    scope: Scope,
    state: str | None,
    overdue: bool | None,
    dept_code: str | None,
    cursor: str | None,
    limit: int,
) -> Page[fs.FollowUpRead]:
    """The caller's follow-ups by deadline; ``overdue=true`` is ``state=overdue``."""
    chosen = fu.FollowUpState.OVERDUE if overdue else (fu.FollowUpState(state) if state else None)
    offset = offset_cursor(cursor)
    today = clock.today()
    rows = await follow_up_repo.list_follow_ups(
        session, scope, state=chosen, dept_code=dept_code, today=today, offset=offset, limit=limit + 1
    )
    items = [views.follow_up_read(r, today) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(["offset", offset + limit]) if more else None)


def get_follow_up(row: m.CorrectionFollowUp) -> fs.FollowUpRead:
    return views.follow_up_read(row, clock.today())


async def record_result(
    session: AsyncSession,
    *,
    scope: Scope,
    principal: Principal,
    row: m.CorrectionFollowUp,
    body: fs.FollowUpResult,
) -> fs.FollowUpRead:
    """The follow-up check's result: corrected closes it; not corrected (after the deadline, with evidence)
    closes it and publishes a violation found, which the penalty service turns into a lead."""
    cert_no = require_visit_officer(principal)
    now = clock.now()
    today = clock.today()
    status = fu.check_result(
        status=row.status,
        ordered_on=row.ordered_on,
        due_on=row.due_on,
        corrected=body.corrected,
        checked_on=body.checked_on,
        today=today,
        evidence=len(body.evidence_sha256),
    )
    if body.visit_id is not None:
        visit = await visit_repo.readable_visit(session, scope, body.visit_id)
        if visit is None or visit.uscc != row.uscc:
            raise FollowUpConflict(
                f"复查检查记录 {body.visit_id} 不存在或不是对{row.enterprise_name}的检查",
                detail_en=f"Visit {body.visit_id} does not exist or is not of enterprise {row.uscc}",
            )
    before = {"status": row.status}
    row.status = status.value
    row.checked_on = body.checked_on
    row.result_notes = body.notes.strip()
    row.evidence_sha256 = list(body.evidence_sha256)
    row.result_visit_id = body.visit_id
    row.closed_by = cert_no
    row.closed_at = now
    await session.flush()
    if status is fu.FollowUpStatus.NOT_CORRECTED:
        outbox.add(session, events.follow_up_violation(row, now))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"follow_up.{status.value}",
        entity_type="follow_up",
        entity_id=str(row.follow_up_id),
        before=before,
        after={
            "status": row.status,
            "checked_on": body.checked_on.isoformat(),
            "notes": row.result_notes,
            "evidence_sha256": row.evidence_sha256,
            "visit_id": str(body.visit_id) if body.visit_id else None,
        },
    )
    return views.follow_up_read(row, today)


async def publish_overdue(session: AsyncSession, *, limit: int = OVERDUE_BATCH) -> int:
    """Publish inspection.correction.follow_up_overdue once for each open follow-up past its deadline."""
    today = clock.today()
    rows = await follow_up_repo.overdue_unpublished(session, today, limit)
    now = clock.now()
    for row in rows:
        outbox.add(session, events.follow_up_overdue(row, today))
        row.overdue_published_at = now
    await session.flush()
    return len(rows)
