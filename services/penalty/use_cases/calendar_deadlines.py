"""Decision deadlines that wait for a year's statutory calendar (procedure.decision_deadlines): the
administrator's list, and their computation when the year's arrangement is entered.

A decision is never held back for a missing calendar year (行政处罚法 第六十条: 90 days to decide); its
delivery (第六十一条第一款, 第八十五条) and publication (seed 003) deadlines are unknown until an administrator
enters the year (PUT /api/v1/penalty/admin/calendar/{year}), which calls :func:`fill_in` in the same
transaction (the kernel's calendar hook).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import calendar_store
from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain.procedure import decision_deadlines
from services.penalty.use_cases import codec
from services.penalty.use_cases.common import audit
from services.penalty.use_cases.timeline import case_of


async def unknown_deadlines(session: AsyncSession) -> list[s.UnknownDeadlinesRead]:
    """Every decided case whose deadlines wait for a calendar year, oldest decision first."""
    rows = await repo.cases_with_unknown_deadlines(session)
    return [views.unknown_deadlines_read(row, case_of(row)) for row in rows]


async def fill_in(session: AsyncSession, year: int, principal: Principal) -> int:
    """Compute the deadlines that waited for ``year`` now that its arrangement is entered; audited per case.
    Returns how many cases were completed."""
    rows = await repo.cases_with_unknown_deadlines(session, year=year, lock=True)
    if not rows:
        return 0
    calendar = await calendar_store.load_calendar(session)
    done = 0
    for row in rows:
        completed = decision_deadlines.fill_in(case_of(row), calendar)
        if completed is None or completed.decision is None:
            continue
        row.domain_case = codec.to_json(completed)
        row.deadlines_unknown_year = completed.decision.deadlines_unknown_year
        await audit(
            session,
            principal,
            action="penalty.case.deadlines_computed",
            entity_type="penalty_case",
            entity_id=str(row.id),
            before={"deadlines_unknown_year": year},
            after={
                "delivery_due": str(completed.decision.delivery_due),
                "publish_by": str(completed.decision.publish_by),
            },
        )
        done += 1
    return done
