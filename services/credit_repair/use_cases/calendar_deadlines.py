"""Review deadlines that wait for a year's holiday arrangement (domain.repair.review_deadlines): the
administrator's list, and their computation when the year's arrangement is entered.

A repair application is never refused for a missing calendar year (applying is the party's right,
国办发〔2025〕22号, 《信用修复管理办法》): its deadlines that run into the year are None until an administrator
enters the year (PUT /api/v1/credit/admin/calendar/{year}), which calls :func:`fill_in` in the same
transaction (the kernel's calendar hook, as the penalty service's decision deadlines).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.calendar_store import load_calendar
from services.credit_repair.domain import repair as repair_domain
from services.credit_repair.models import RepairApplication
from services.credit_repair.repository import deferred
from services.credit_repair.repository import repairs as repair_repo
from services.credit_repair.repository import rule_sets as rule_set_repo


async def pending_deadlines(session: AsyncSession) -> Sequence[RepairApplication]:
    """Every application whose deadlines wait for a calendar year, oldest first."""
    return await repair_repo.pending_deadlines(session)


def _dues(app: RepairApplication) -> dict[str, str | None]:
    dues = {
        "acceptance_due": app.acceptance_due,
        "decision_due": app.decision_due,
        "window_due": app.window_due,
    }
    return {k: None if v is None else v.isoformat() for k, v in dues.items()}


async def fill_in(session: AsyncSession, year: int, principal: Principal) -> int:
    """Compute the deadlines that waited for ``year`` now that its arrangement is entered (and a decision's
    ``on_time``); audited per application. Returns how many applications changed."""
    apps = await repair_repo.pending_deadlines(session, year=year, lock=True)
    if not apps:
        return 0
    calendar = await load_calendar(session)
    done = 0
    for app in apps:
        rule_set = await rule_set_repo.rule_set(session, app.rule_set_id)
        assert rule_set is not None
        known = repair_domain.review_deadlines(
            app.submitted_on, rule_set, calendar, accepted_on=app.accepted_on, extended=app.extended
        )
        before = _dues(app) | {"deadlines_pending_year": year}
        # What was known stays as it was; only the missing deadlines are filled in.
        app.acceptance_due = app.acceptance_due or known.acceptance_due
        app.decision_due = app.decision_due or known.decision_due
        app.window_due = app.window_due or known.window_due
        app.deadlines_pending_year = known.pending_year
        if app.decided_on is not None and app.on_time is None:  # decided while its deadline was pending
            app.on_time = repair_domain.kept_deadline(app.decided_on, known)
        deferred.defer_audit(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="repair.deadlines_computed",
            entity_type="repair_application",
            entity_id=str(app.id),
            before=before,
            after=_dues(app) | {"deadlines_pending_year": app.deadlines_pending_year, "on_time": app.on_time},
        )
        done += 1
    await deferred.write_deferred_audit(session)
    return done
