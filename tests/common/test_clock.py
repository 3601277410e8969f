"""``ZHIFA_CLOCK_AT``: where `make run` starts its clock (dev and test only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.clock import CHINA, offset_from_environment


def reads(offset: timedelta) -> datetime:
    return (datetime.now(UTC) + offset).astimezone(CHINA)


def test_unset_is_the_real_clock() -> None:
    assert offset_from_environment({}) == timedelta(0)


def test_a_moment_with_its_offset() -> None:
    moment = reads(offset_from_environment({"ZHIFA_CLOCK_AT": "2026-11-13T10:00:00+08:00"}))
    assert abs(moment - datetime(2026, 11, 13, 10, tzinfo=CHINA)) < timedelta(seconds=5)


def test_a_date_alone_is_nine_in_the_morning_in_china() -> None:
    moment = reads(offset_from_environment({"ZHIFA_CLOCK_AT": "2026-08-14", "ZHIFA_ENV": "test"}))
    assert abs(moment - datetime(2026, 8, 14, 9, tzinfo=CHINA)) < timedelta(seconds=5)


@pytest.mark.parametrize("text", ["2026-11-13T10:00:00", "next quarter"])
def test_a_time_without_offset_or_no_time_at_all_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ZHIFA_CLOCK_AT"):
        offset_from_environment({"ZHIFA_CLOCK_AT": text})


def test_refused_in_production() -> None:
    with pytest.raises(RuntimeError, match="only with ZHIFA_ENV=dev or test"):
        offset_from_environment({"ZHIFA_CLOCK_AT": "2026-11-13", "ZHIFA_ENV": "prod"})
