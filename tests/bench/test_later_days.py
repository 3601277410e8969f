"""bench_risk's "later" run stays within today's risk configuration version."""

from __future__ import annotations

from datetime import date

from bench.bench_risk import later_days


def test_the_later_run_stops_the_day_before_a_new_version() -> None:
    # 2027-01-01 is 25 days after 2026-12-07 (24 left in December + 1): the day before it is 24 days ahead
    assert later_days(date(2026, 12, 7), [date(2026, 1, 1), date(2027, 1, 1)]) == 24


def test_the_later_run_is_30_days_ahead_when_no_version_starts_within_them() -> None:
    # 2026-11-01 + 30 days = 2026-12-01, before the version of 2026-12-06; the one of 2026-10-01 is past
    assert later_days(date(2026, 11, 1), [date(2026, 10, 1), date(2026, 12, 6)]) == 30
    # a version starting on the 30th day itself is within them: 2026-11-06 + 30 = 2026-12-06 → 29
    assert later_days(date(2026, 11, 6), [date(2026, 12, 6)]) == 29
