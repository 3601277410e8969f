"""Queries of the supervisors' views: visits per enterprise and department, visits by mode, low ratings, and
the refused entry attempts. Each is narrowed to what the caller may see by the kind's one rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import partitions
from services.common.access import Scope, Visibility, condition, readable
from services.inspection import models as m
from services.inspection.repository.rows import year_bounds
from services.inspection.repository.visits import VISIT

#: Refused entries: the supervisors of the district of the enterprise the officers tried to enter.
REFUSAL = Visibility(district_code=m.EntryRefusal.district_code)


class FrequencyCount(NamedTuple):
    """On-site visits of one enterprise by one department in a year (a joint visit counts for each)."""

    uscc: str
    name: str
    district_code: str
    dept_code: str
    visits: int
    capped_visits: int | None


async def frequency_rows(
    session: AsyncSession,
    scope: Scope,
    year: int,
    *,
    exempt_kinds: Sequence[str],
    after: tuple[str, str] | None,
    limit: int,
) -> list[FrequencyCount]:
    """On-site visits per enterprise per department in ``year`` (a joint visit counts for each)."""
    start, end = year_bounds(year)
    dept = sa.func.unnest(m.Visit.dept_codes)  # set-returning in the select list: one row per department
    capped = sa.and_(m.Visit.task_kind.not_in(list(exempt_kinds)), m.Visit.requested_by_enterprise.is_(False))
    inner = (
        sa.select(
            m.Visit.uscc.label("uscc"),
            m.Visit.district_code.label("district_code"),
            dept.label("dept_code"),
            sa.case((capped, 1), else_=0).label("capped"),
        )
        .select_from(m.Visit)
        .where(m.Visit.started_at >= start, m.Visit.started_at < end)
    )
    sub = readable(inner, scope, VISIT).subquery()
    query = (
        sa.select(
            sub.c.uscc,
            sa.func.coalesce(m.Enterprise.name, "").label("name"),
            sub.c.district_code,
            sub.c.dept_code,
            sa.func.count().label("visits"),
            sa.func.sum(sub.c.capped).label("capped_visits"),
        )
        .outerjoin(m.Enterprise, m.Enterprise.uscc == sub.c.uscc)
        .group_by(sub.c.uscc, m.Enterprise.name, sub.c.district_code, sub.c.dept_code)
    )
    if after:
        query = query.having(
            sa.tuple_(sub.c.uscc, sub.c.dept_code) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
        )
    query = query.order_by(sub.c.uscc, sub.c.dept_code).limit(limit)
    return [FrequencyCount(*row) for row in (await session.execute(query)).all()]


async def visit_mode_counts(session: AsyncSession, scope: Scope, year: int) -> dict[str, int]:
    start, end = year_bounds(year)
    query = sa.select(m.Visit.mode, sa.func.count()).where(
        m.Visit.started_at >= start, m.Visit.started_at < end, condition(scope, VISIT)
    )
    return dict((await session.execute(query.group_by(m.Visit.mode))).all())


async def low_rating_count(session: AsyncSession, scope: Scope, year: int) -> int:
    start, end = year_bounds(year)
    query = sa.select(sa.func.count()).where(
        m.Visit.started_at >= start,
        m.Visit.started_at < end,
        m.Visit.rating_stars <= 2,
        condition(scope, VISIT),
    )
    return int(await session.scalar(query) or 0)


async def refusal_counts(session: AsyncSession, scope: Scope, year: int) -> list[tuple[str, int]]:
    start, end = year_bounds(year)
    query = sa.select(m.EntryRefusal.code, sa.func.count()).where(
        m.EntryRefusal.refused_at >= start, m.EntryRefusal.refused_at < end, condition(scope, REFUSAL)
    )
    query = query.group_by(m.EntryRefusal.code).order_by(sa.func.count().desc(), m.EntryRefusal.code)
    return [(c, n) for c, n in (await session.execute(query)).all()]


async def list_refusals(
    session: AsyncSession,
    scope: Scope,
    *,
    code: str | None,
    dept_code: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[m.EntryRefusal]:
    """Refused entries ``scope`` may see, newest first (keyset on ``(refused_at, refusal_id)``), read in the
    recent months first (``partitions.newest_first``): a page the newest months fill plans only those."""
    query = readable(sa.select(m.EntryRefusal), scope, REFUSAL)
    if code:
        query = query.where(m.EntryRefusal.code == code)
    if dept_code:
        query = query.where(m.EntryRefusal.dept_code == dept_code)
    newest: datetime | None = None
    if after:
        refused, refusal_id = after
        newest = datetime.fromisoformat(refused)
        query = query.where(
            # the plain bound lets the planner prune the months after the cursor (entry_refusal is partitioned
            # by month, inspection_0009); a row comparison alone is not used for pruning
            m.EntryRefusal.refused_at <= newest,
            sa.tuple_(m.EntryRefusal.refused_at, m.EntryRefusal.refusal_id)
            < sa.tuple_(sa.literal(newest), sa.literal(uuid.UUID(refusal_id))),
        )
    query = query.order_by(m.EntryRefusal.refused_at.desc(), m.EntryRefusal.refusal_id.desc())

    async def fetch(window: list[sa.ColumnElement[bool]], n: int) -> Sequence[m.EntryRefusal]:
        return (await session.scalars(query.where(*window).limit(n))).all()

    spec = partitions.spec_of("entry_refusal")
    return await partitions.newest_first(spec, m.EntryRefusal.refused_at, fetch, newest=newest, limit=limit)
