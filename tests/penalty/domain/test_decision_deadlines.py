"""Decision deadlines on an uncovered calendar year are unknown, never a refusal (行政处罚法 第六十条)."""

from __future__ import annotations

from datetime import date

from services.common.workdays import PACKAGE_YEARS, WorkingDayCalendar
from services.penalty.domain.procedure import decision_deadlines

DECIDED = date(2026, 12, 24)  # Thursday
WITHOUT_2027 = WorkingDayCalendar()
WITH_2027 = WorkingDayCalendar({date(2027, 1, 1): False}, covered_years=[2027])


def test_premise() -> None:
    assert 2026 in PACKAGE_YEARS and 2027 not in PACKAGE_YEARS


def test_unknown_when_next_year_is_missing() -> None:
    d = decision_deadlines.compute(DECIDED, WITHOUT_2027, on_the_spot=False, publish=True)
    assert (d.delivery_due, d.publish_by, d.unknown_year) == (None, None, 2027)
    assert "2027年法定节假日安排尚未录入" in d.unknown_reason and "第六十条" in d.unknown_reason


def test_computed_once_the_year_is_entered() -> None:
    # Fri 12-25 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5), Fri 2027-01-01 off, Mon 01-04 (6),
    # Tue 01-05 (7): 7 working days (第六十一条第一款, 第八十五条; seed 003 for publication).
    d = decision_deadlines.compute(DECIDED, WITH_2027, on_the_spot=False, publish=True)
    assert (d.delivery_due, d.publish_by, d.unknown_year, d.unknown_reason) == (
        date(2027, 1, 5),
        date(2027, 1, 5),
        None,
        "",
    )


def test_on_the_spot_needs_no_calendar() -> None:
    # 第五十二条: handed over on the spot, the same day; no publication deadline (seed 003: general procedure).
    d = decision_deadlines.compute(DECIDED, WITHOUT_2027, on_the_spot=True, publish=False)
    assert (d.delivery_due, d.publish_by, d.unknown_year) == (DECIDED, None, None)


def test_within_the_covered_year() -> None:
    # Thu 2026-12-10 + 7 working days: 11, 14, 15, 16, 17, 18, 21 → 2026-12-21, all in 2026.
    d = decision_deadlines.compute(date(2026, 12, 10), WITHOUT_2027, on_the_spot=False, publish=True)
    assert d.delivery_due == date(2026, 12, 21) and d.unknown_year is None
