"""The supervisors' views (SPEC §2.4): visits per enterprise and department, enterprises over a cap, each
department against the previous year, the share of joint inspections, refused entries, overdue approvals,
and a summary of them. A district supervisor sees their district (the one access rule, through ``scope``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.access import Scope
from services.common.pagination import Page, page_of
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import frequency
from services.inspection.errors import REFUSAL_TITLES
from services.inspection.repository import caps as cap_repo
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import supervision as supervision_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import cursor_pair


def _exempt_kinds(ctx: InspectionContext) -> list[str]:
    return sorted(k.value for k in ctx.policy.exempt_kinds)


async def frequency_rows(
    session: AsyncSession, *, ctx: InspectionContext, scope: Scope, year: int, cursor: str | None, limit: int
) -> Page[s.FrequencyRow]:
    """Visits per enterprise per department in ``year`` (a joint visit counts for each department)."""
    rows = await supervision_repo.frequency_rows(
        session,
        scope,
        year,
        exempt_kinds=_exempt_kinds(ctx),
        after=cursor_pair(cursor, timed=False),
        limit=limit + 1,
    )
    reads = [views.frequency_row(r) for r in rows]
    return page_of(reads, limit, lambda f: [f.enterprise_uscc, f.dept_code])


async def over_cap(
    session: AsyncSession, *, ctx: InspectionContext, scope: Scope, year: int
) -> list[s.CapExcessRow]:
    """Enterprises whose capped visits exceed a cap (possible through emergency or back-filled visits),
    counted in the database (``frequency.enterprises_above_cap``'s rules; repository/caps.py)."""
    excess = frequency.ordered_excess(await cap_repo.over_cap(session, scope, year, ctx.policy))
    enterprises = await registry_repo.enterprises_by_uscc(session, [e.uscc for e in excess])
    return [
        views.cap_excess_row(e, enterprises[e.uscc].name if e.uscc in enterprises else "") for e in excess
    ]


async def year_on_year(session: AsyncSession, *, scope: Scope, year: int) -> list[s.YearOnYearRow]:
    """Each department's on-site visits against the previous year (the seed reports −16.7%)."""
    records = await visit_repo.visit_records(session, [year - 1, year], scope)
    return [views.year_on_year_row(r) for r in frequency.department_year_on_year(records, year)]


async def joint_share(session: AsyncSession, *, scope: Scope, year: int) -> s.JointShareRead:
    records = await visit_repo.visit_records(session, [year], scope)
    return views.joint_share_read(year, frequency.joint_share(records, year))


async def refusal_counts(session: AsyncSession, *, scope: Scope, year: int) -> list[s.RefusalCountRow]:
    rows = await supervision_repo.refusal_counts(session, scope, year)
    return [views.refusal_count_row(c, n, REFUSAL_TITLES) for c, n in rows]


async def list_refusals(
    session: AsyncSession,
    *,
    scope: Scope,
    code: str | None,
    dept_code: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.RefusalRead]:
    rows = await supervision_repo.list_refusals(
        session, scope, code=code, dept_code=dept_code, after=cursor_pair(cursor), limit=limit + 1
    )
    reads = [views.refusal_read(r) for r in rows]
    return page_of(reads, limit, lambda r: [r.refused_at.isoformat(), str(r.refusal_id)])


async def overdue_approvals(
    session: AsyncSession, *, ctx: InspectionContext, scope: Scope
) -> list[s.TaskRead]:
    rows = await task_repo.overdue_tasks(session, scope)
    counts = await task_repo.task_enterprise_counts(session, [r.task_id for r in rows])
    now = clock.now()
    return [views.task_read(r, counts.get(r.task_id, 0), ctx.entry, now) for r in rows]


async def summary(
    session: AsyncSession, *, ctx: InspectionContext, scope: Scope, year: int
) -> s.SupervisionSummary:
    modes = await supervision_repo.visit_mode_counts(session, scope, year)
    return s.SupervisionSummary(
        year=year,
        scope=scope.district_code or "city",
        visits=sum(modes.values()),
        by_mode=views.mode_counts(modes),
        joint_share=await joint_share(session, scope=scope, year=year),
        refusals=await refusal_counts(session, scope=scope, year=year),
        over_cap=len(await over_cap(session, ctx=ctx, scope=scope, year=year)),
        overdue_urgent_approvals=len(await task_repo.overdue_tasks(session, scope)),
        low_ratings=await supervision_repo.low_rating_count(session, scope, year),
    )
