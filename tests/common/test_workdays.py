"""Working days on the statutory calendar, worked by hand against the 2026 arrangement.

2026 National Day (国务院办公厅 2026 年部分节假日安排, as packaged by chinese-calendar): 10月1日—7日 off,
10月10日 (Saturday) a make-up working day; 9月25日—27日 Mid-Autumn off.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common.workdays import CalendarNotCovered, WorkingDayCalendar

cal = WorkingDayCalendar()


class TestStatutoryCalendar:
    def test_holiday_and_make_up_day(self) -> None:
        assert not cal.is_working_day(date(2026, 10, 1))
        assert not cal.is_working_day(date(2026, 10, 7))
        assert cal.is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
        assert not cal.is_working_day(date(2026, 10, 11))  # Sunday

    def test_seven_working_days_across_national_day(self) -> None:
        # From Wed 2026-09-30: 10/8 (1), 10/9 (2), 10/10 Sat make-up (3), 10/12 (4), 10/13 (5), 10/14 (6), 10/15 (7).
        assert cal.add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)

    def test_ordinary_week(self) -> None:
        # From Fri 2026-11-20: 11/23 Mon (1) ... 11/27 Fri (5); the weekend does not count.
        assert cal.add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)

    def test_zero_days_is_the_start(self) -> None:
        assert cal.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)

    def test_counting_between(self) -> None:
        # (9/30, 10/15]: 10/8, 10/9, 10/10, 10/12, 10/13, 10/14, 10/15 = 7
        assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 15)) == 7
        assert cal.working_days_between(date(2026, 10, 15), date(2026, 9, 30)) == 0


class TestUncoveredYears:
    def test_a_year_without_arrangement_is_an_error_not_a_guess(self) -> None:
        with pytest.raises(CalendarNotCovered) as info:
            cal.is_working_day(date(2027, 3, 1))
        assert info.value.code == "CALENDAR_NOT_COVERED"
        assert "2027" in info.value.detail

    def test_override_table_covers_a_new_year(self) -> None:
        # The administrator enters 2027: New Year's Day off; a made-up Sunday working day.
        overrides = {date(2027, 1, 1): False, date(2027, 1, 3): True}
        c = WorkingDayCalendar(overrides, covered_years=[2027])
        assert not c.is_working_day(date(2027, 1, 1))  # Friday, but a holiday
        assert c.is_working_day(date(2027, 1, 3))  # Sunday, but a working day
        assert c.is_working_day(date(2027, 1, 4))  # plain Monday
        # From Thu 2026-12-31: 1/1 off, 1/2 Sat off, 1/3 Sun make-up (1), 1/4 (2)
        assert c.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)

    def test_deadline_running_into_an_uncovered_year_fails(self) -> None:
        with pytest.raises(CalendarNotCovered):
            cal.add_working_days(date(2026, 12, 28), 10)
