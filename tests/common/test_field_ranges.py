"""A request's day or instant outside the years the law could need is a 422, never an overflow later: a
deadline computed from 9999-12-31 (``date + timedelta``), an instant whose offset leaves years 1–9999 once in
UTC or in China (``astimezone`` → OverflowError), and 9999-12-31 itself, which asyncpg stores as ``infinity``
and reads back as text no ``date.fromisoformat`` accepts (services/common/fields.py ``FIRST_DAY``/``LAST_DAY``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError

from services.common.clock import CHINA
from services.common.fields import Day, Instant
from services.common.messages import validation_message
from services.common.problems import problem_body

DAY: TypeAdapter[date] = TypeAdapter(Day)
INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


@pytest.mark.parametrize("text", ["1900-01-01", "2026-11-16", "2199-12-31"])
def test_a_day_in_range_is_read(text: str) -> None:
    assert DAY.validate_python(text) == date.fromisoformat(text)


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_a_day_out_of_range_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DAY.validate_python(text)
    error = caught.value.errors()[0]
    assert error["type"] == "date_out_of_range"
    assert validation_message(error) == "日期超出范围，应在 1900-01-01 至 2199-12-31 之间"
    assert "1900-01-01" in validation_message(error, english=True)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-12:00",  # 23:59:59 + 12 h = 10000-01-01 11:59:59 UTC: past datetime.max
        "0001-01-01T00:00:00+14:00",  # 00:00 - 14 h = year 0 in UTC
        "2199-12-31T23:00:00-12:00",  # 2200-01-01 11:00 UTC (19:00 in China): past the last day
        "1899-12-31T23:59:59+00:00",
    ],
)
def test_an_instant_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        INSTANT.validate_python(text)
    assert caught.value.errors()[0]["type"] == "datetime_out_of_range"


def test_an_instant_in_range_is_read_and_its_dates_computed() -> None:
    # 2199-12-31T15:59:59Z is 23:59:59 in China (UTC+8): still 2199-12-31 there; a day later is 2200-01-01
    moment = INSTANT.validate_python("2199-12-31T15:59:59+00:00")
    assert moment.astimezone(CHINA).date() + timedelta(days=1) == date(2200, 1, 1)
    assert INSTANT.validate_python("1900-01-01T00:00:00+00:00") == datetime(1900, 1, 1, tzinfo=UTC)
    assert INSTANT.validate_python("2026-11-16T09:30:00+08:00").tzinfo == timezone(timedelta(hours=8))


def test_a_problem_body_with_a_lone_surrogate_is_still_json() -> None:
    # a refused value echoed in the detail (an unknown event type "\ud800"): orjson refuses to write it
    body = problem_body(status=422, code="X", title="标题", detail="以下事件类型不可订阅：\ud800")
    assert orjson.loads(body)["detail"] == "以下事件类型不可订阅：\ufffd"
