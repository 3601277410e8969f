"""Kernel administration every service has: the working-day override table and the dev/test clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from services.common import clock
from services.common.calendar_store import load_calendar, next_year_missing
from services.common.db import transaction
from services.common.workdays import PACKAGE_YEARS
from tests.support.stack import Running, Stack, auth, client, running_service


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("credit_repair")
    async with running_service("credit_repair", database_url=db, nats_url="nats://127.0.0.1:1") as svc:
        yield svc


async def test_enter_a_year_the_package_does_not_cover(service: Running) -> None:
    async with transaction(service.runtime.factory) as s:
        # November 2026 without the 2027 arrangement: `zhifa up` and every service warn; October is too early
        # (chinese-calendar 1.11 ends with 2026; a later release that covers 2027 needs no entry)
        assert await next_year_missing(s, date(2026, 11, 1)) == (None if 2027 in PACKAGE_YEARS else 2027)
        assert await next_year_missing(s, date(2026, 10, 31)) is None
        assert await next_year_missing(s, date(2025, 12, 1)) is None  # 2026 is in the package
    body = {
        "source": "国办发明电〔2026〕99号（示例）",
        "days_off": ["2027-01-01", "2027-02-08"],
        "working_days": ["2027-02-06"],
    }
    async with client(service.url, headers=auth("admin")) as http:
        r = await http.put("/api/v1/credit/admin/calendar/2027", json=body)
        assert r.status_code == 200, r.text
        bad = await http.put("/api/v1/credit/admin/calendar/2027", json={**body, "days_off": ["2026-12-31"]})
        forbidden = await http.put("/api/v1/credit/admin/calendar/2027", json=body, headers=auth("officer"))
    assert bad.status_code == 400 and bad.json()["code"] == "CALENDAR_DATE_OUTSIDE_YEAR"
    assert forbidden.status_code == 403
    async with transaction(service.runtime.factory) as s:
        cal = await load_calendar(s)
    assert not cal.is_working_day(date(2027, 1, 1))  # entered as a holiday
    assert cal.is_working_day(date(2027, 2, 6))  # a Saturday entered as a working day
    assert cal.is_working_day(date(2027, 2, 5))  # an ordinary Friday
    # From Thu 2027-02-04: 2/5 Fri (1), 2/6 Sat make-up (2), 2/8 Mon is off, 2/9 Tue (3)
    assert cal.add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 9)
    async with transaction(service.runtime.factory) as s:
        assert await next_year_missing(s, date(2026, 12, 3)) is None  # entered now


async def test_clock_moves_in_test_env_only(service: Running) -> None:
    try:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.put("/api/v1/credit/admin/clock", json={"offset_seconds": 90 * 86400})
        assert r.status_code == 200
        ahead = clock.now() - datetime.now(UTC)
        assert timedelta(days=90) - timedelta(seconds=5) < ahead < timedelta(days=90) + timedelta(seconds=5)
        assert r.json()["offset_seconds"] == 90 * 86400
    finally:
        clock.reset()
