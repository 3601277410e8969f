"""The service clock. Production reads the system clock; in ``dev`` and ``test`` an operator or a test can
move it forward (``PUT /api/v1/<prefix>/admin/clock``) to exercise periods of months — publication minimum
periods, repair eligibility, deadlines — without sleeping. Every service-layer "now" goes through here;
domain functions take ``now``/``today`` as parameters and never read a clock.

``ZHIFA_CLOCK_AT`` (dev and test only) starts every process's clock at a given moment, e.g.
``ZHIFA_CLOCK_AT=2026-11-13T10:00:00+08:00 make run``: the sample loaders and the services of ``zhifa up`` all
read it (they inherit the environment), so a local platform can be restarted "a quarter later". A date alone
means 09:00 in China that day. Outside dev and test it is refused at start-up rather than ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991: a fixed offset is exact
CLOCK_AT_ENV = "ZHIFA_CLOCK_AT"


def offset_from_environment(environ: Mapping[str, str] = os.environ) -> timedelta:
    """The offset that makes the clock read ``ZHIFA_CLOCK_AT`` now (zero when it is not set)."""
    text = environ.get(CLOCK_AT_ENV, "").strip()
    if not text:
        return timedelta(0)
    if environ.get("ZHIFA_ENV", "dev") not in ("dev", "test"):
        raise RuntimeError(f"{CLOCK_AT_ENV} moves the clock and is honoured only with ZHIFA_ENV=dev or test")
    try:
        at = (
            datetime.combine(date.fromisoformat(text), time(9), tzinfo=CHINA)
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    except ValueError:
        raise ValueError(f"{CLOCK_AT_ENV}={text!r} is not an ISO 8601 date or time") from None
    if at.tzinfo is None:
        raise ValueError(f"{CLOCK_AT_ENV}={text!r} needs an offset, e.g. 2026-11-13T10:00:00+08:00")
    return at - datetime.now(UTC)


_offset = offset_from_environment()


def now() -> datetime:
    """The current time (UTC, aware), shifted by the test offset if one is set."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """Today's date in China (Asia/Shanghai)."""
    return now().astimezone(CHINA).date()


def local_date(moment: datetime) -> date:
    """The date in China of an aware moment (a naive one is refused: it has no place on the time line)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no date in China")
    return moment.astimezone(CHINA).date()


def local_start(day: date) -> datetime:
    """Midnight in China at the start of ``day``, as an aware UTC moment (for range queries)."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)


def offset() -> timedelta:
    return _offset


def set_offset(delta: timedelta) -> None:
    """Move the clock (only exposed over HTTP when ZHIFA_ENV is dev or test)."""
    global _offset
    _offset = delta


def reset() -> None:
    set_offset(timedelta(0))
