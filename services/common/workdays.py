"""Working days on the Chinese statutory calendar (法定工作日).

Legal deadlines counted in working days (publication within 7 working days, review within 10 working days)
use the State Council's holiday arrangements as packaged by ``chinese-calendar``, which covers 2004 up to the
year of its release. An administrator can add an override table for years the package does not cover yet
(the State Council publishes each year's arrangement in the preceding November or December). A deadline that
falls in a year covered by neither is an explicit error, never a silent guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import chinese_calendar

from services.common.errors import DomainError


class CalendarNotCovered(DomainError):
    code = "CALENDAR_NOT_COVERED"
    status = 422
    title = "法定工作日历未覆盖该年度"
    title_en = "The statutory working-day calendar does not cover that year"


def _package_years() -> frozenset[int]:
    years = set()
    for day in chinese_calendar.holidays:
        years.add(day.year)
    return frozenset(years)


PACKAGE_YEARS = _package_years()


#: What a deadline left pending by ``add_working_days_or_pending`` reads as, wherever it is shown.
PENDING_NOTE = "节假日安排未录入，期限待定"


class WorkingDayCalendar:
    """Statutory working days, with an override table for years the package does not know yet.

    ``overrides`` maps a date to True (a working day, e.g. a make-up Saturday 调休上班) or False (a day off).
    ``covered_years`` lists the years whose arrangement the administrator has entered completely; in those
    years a weekday without an override is a working day and a weekend day without one is a day off.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        covered_years: Iterable[int] = (),
    ) -> None:
        self._overrides = dict(overrides or {})
        self._override_years = frozenset(covered_years)

    def covers(self, year: int) -> bool:
        return year in PACKAGE_YEARS or year in self._override_years

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if day.year in PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day))
        if day.year in self._override_years:
            return day.weekday() < 5
        raise CalendarNotCovered(
            f"{day.year}年的法定节假日安排尚未录入，无法计算工作日期限，请管理员补录该年度调休安排",
            detail_en=f"No statutory holiday arrangement is loaded for {day.year}",
            extra={"year": day.year},
        )

    def add_working_days(self, start: date, days: int) -> date:
        """The date on which a period of ``days`` working days that starts the day after ``start`` ends."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def add_working_days_or_pending(self, start: date, days: int) -> tuple[date | None, int | None]:
        """``add_working_days``, or ``(None, year)`` while the period runs into a year whose arrangement is not
        entered: a deadline left pending (shown as :data:`PENDING_NOTE`), never guessed, computed once the year
        is entered (a credit repair application's review, a 12345 lead's answer and closing, a supervision
        matter's answer, a rectification's new deadline)."""
        try:
            return self.add_working_days(start, days), None
        except CalendarNotCovered as exc:
            return None, int(exc.extra["year"])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open interval (start, end]; 0 when end <= start."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


DEFAULT_CALENDAR = WorkingDayCalendar()
