"""The service clock. Production reads the system clock; in ``dev`` and ``test`` an operator or a test can
move it forward (``PUT /api/v1/<prefix>/admin/clock``) to exercise periods of months — publication minimum
periods, repair eligibility, deadlines — without sleeping. Every service-layer "now" goes through here;
domain functions take ``now``/``today`` as parameters and never read a clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991: a fixed offset is exact

_offset = timedelta(0)


def now() -> datetime:
    """The current time (UTC, aware), shifted by the test offset if one is set."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """Today's date in China (Asia/Shanghai)."""
    return now().astimezone(CHINA).date()


def offset() -> timedelta:
    return _offset


def set_offset(delta: timedelta) -> None:
    """Move the clock (only exposed over HTTP when ZHIFA_ENV is dev or test)."""
    global _offset
    _offset = delta


def reset() -> None:
    set_offset(timedelta(0))
