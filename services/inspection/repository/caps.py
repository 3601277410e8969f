"""Enterprises over a yearly visit cap (SPEC §2.4), counted in the database.

The whole city reads the ``visit_cap_tally`` pre-aggregate (kept by a trigger on ``visit``, migration
inspection_0008): only its rows over a cap, through ``ix_visit_cap_tally_department``/``_enterprise`` (default policy).
A narrowed scope (a district supervisor) counts the visits it may see, as the tally cannot tell where each
visit took place, but only those of the enterprises the tally puts over a cap: the visits a scope sees are
some of the enterprise's, so a count in the scope is never above the whole city's, and an enterprise under
every cap in the city is under it in every scope (at the province's size a district's year is ~300,000
visits, its over-cap enterprises' a few hundred). The same rules either way
(``frequency.enterprises_above_cap``): on-site visits of the year (China time) that the enterprise did not
ask for and whose task kind is not exempt, a joint visit once for each of its departments and once for the
enterprise."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, condition
from services.inspection import models as m
from services.inspection.domain.frequency import CapExcess, FrequencyPolicy, TaskKind
from services.inspection.repository.rows import year_bounds
from services.inspection.repository.visits import VISIT

_KIND_COLUMNS = {TaskKind.RANDOM: "random_n", TaskKind.JOINT: "joint_n", TaskKind.COMPLAINT: "complaint_n",
                 TaskKind.KEY_AREA: "key_area_n"}  # fmt: skip


async def over_cap(
    session: AsyncSession, scope: Scope, year: int, policy: FrequencyPolicy
) -> list[CapExcess]:
    """The (enterprise, department) and enterprise counts of ``year`` over the policy's caps, unordered."""
    whole = await _from_tally(session, year, policy)
    if scope.everything or not whole:
        return whole
    return await _from_visits(session, scope, year, policy, sorted({e.uscc for e in whole}))


async def _from_tally(session: AsyncSession, year: int, policy: FrequencyPolicy) -> list[CapExcess]:
    capped = [column for kind, column in _KIND_COLUMNS.items() if kind not in policy.exempt_kinds]
    if not capped:
        return []
    n = " + ".join(capped)  # "random_n + joint_n" under the default policy: the indexes' expression
    parts, params = [], {"year": year}
    if policy.per_department_cap is not None:
        parts.append(
            f"SELECT uscc, dept_code, {n} AS n FROM visit_cap_tally"
            f" WHERE year = :year AND dept_code <> '' AND ({n}) > :dept_cap"
        )
        params["dept_cap"] = policy.per_department_cap
    if policy.enterprise_total_cap is not None:
        parts.append(
            f"SELECT uscc, dept_code, {n} AS n FROM visit_cap_tally"
            f" WHERE year = :year AND dept_code = '' AND ({n}) > :total_cap"
        )
        params["total_cap"] = policy.enterprise_total_cap
    if not parts:
        return []
    rows = (await session.execute(sa.text(" UNION ALL ".join(parts)), params)).all()
    return [_excess(r.uscc, r.dept_code, r.n, policy) for r in rows]


async def _from_visits(
    session: AsyncSession, scope: Scope, year: int, policy: FrequencyPolicy, usccs: list[str]
) -> list[CapExcess]:
    """The counts in ``scope`` of the enterprises ``usccs`` (those over a cap in the whole city)."""
    start, end = year_bounds(year)
    counted = (
        sa.select(m.Visit.visit_id, m.Visit.uscc, m.Visit.dept_codes)
        .where(
            m.Visit.started_at >= start,
            m.Visit.started_at < end,
            m.Visit.uscc == sa.any_(sa.bindparam("usccs", usccs, type_=ARRAY(sa.Text))),
            m.Visit.requested_by_enterprise.is_(False),
            m.Visit.task_kind.not_in(sorted(k.value for k in policy.exempt_kinds)),
            condition(scope, VISIT),
        )
        .subquery()
    )
    out: list[CapExcess] = []
    if policy.per_department_cap is not None:
        # one row per visit and department (a department listed twice is still one visit)
        per_visit = (
            sa.select(counted.c.visit_id, counted.c.uscc, sa.func.unnest(counted.c.dept_codes).label("dept"))
            .distinct()
            .subquery()
        )
        query = (
            sa.select(per_visit.c.uscc, per_visit.c.dept, sa.func.count().label("n"))
            .group_by(per_visit.c.uscc, per_visit.c.dept)
            .having(sa.func.count() > policy.per_department_cap)
        )
        out.extend(_excess(r.uscc, r.dept, r.n, policy) for r in (await session.execute(query)).all())
    if policy.enterprise_total_cap is not None:
        query = (
            sa.select(counted.c.uscc, sa.func.count().label("n"))
            .group_by(counted.c.uscc)
            .having(sa.func.count() > policy.enterprise_total_cap)
        )
        out.extend(_excess(r.uscc, "", r.n, policy) for r in (await session.execute(query)).all())
    return out


def _excess(uscc: str, dept_code: str, n: int, policy: FrequencyPolicy) -> CapExcess:
    if dept_code:
        return CapExcess(uscc, "department", dept_code, n, policy.per_department_cap or 0)
    return CapExcess(uscc, "enterprise", None, n, policy.enterprise_total_cap or 0)
