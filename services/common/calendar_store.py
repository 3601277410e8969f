"""The working-day calendar with the administrator's override table (kept in each service's database)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.tables import calendar_override_t, calendar_year_t
from services.common.workdays import WorkingDayCalendar


async def load_calendar(session: AsyncSession) -> WorkingDayCalendar:
    """The statutory calendar plus every override and every year the administrator has entered."""
    overrides = {
        r.day: r.is_working_day for r in (await session.execute(sa.select(calendar_override_t))).all()
    }
    years = list((await session.scalars(sa.select(calendar_year_t.c.year))).all())
    return WorkingDayCalendar(overrides, covered_years=years)


async def next_year_missing(session: AsyncSession, today: date) -> int | None:
    """Next year, when ``today`` is in November or December and next year's holiday arrangement is neither in
    the package nor entered by an administrator (deadlines reaching into it will be refused); else None."""
    if today.month < 11:
        return None
    calendar = await load_calendar(session)
    return None if calendar.covers(today.year + 1) else today.year + 1
