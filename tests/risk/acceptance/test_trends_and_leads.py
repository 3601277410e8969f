"""Examiner's cases: the blue (early) warning on a rising trend, and the 12345 leads' weekly transfer and
deadlines across National Day 2026.

Sources: seed 000 一(二)2 / 二 (线索周移送: leads moved weekly); docs/risk-model.md §2 (blue: the correction rate
rose strictly in each of the last two quarters with at least 10 decisions in each, or complaints rose twice to at
least 2) and §4 (ISO weeks in China time; transferred by the first working day after the week's Sunday; answers
due 10 working days after the transfer, 5 for 涉企执法; the deadline day itself is in time). 2026 holidays: 1-7
October off, Saturday 10 October worked (国办发明电〔2025〕7号).

Units of 2026Q1 / Q2 / Q3 (decisions, corrections):
  SJ-210103 (rising)   20/0 (0 %), 20/1 (5 %), 20/2 (10 %)   -> blue in Q3
  CG-210105 (flat)     20/1 (5 %), 20/1 (5 %), 20/2 (10 %)   -> no blue (5 % is not above 5 %)
  ST-210104 (filler)   10/2, 10/2, 10/2 (under 20 decisions: rate not judged; 2 < 3 corrections)
  City Q3: 6/50 = 12 %: neither 10 % is above it, so no yellow.
Complaints: XF-210106 0, 1, 2 -> blue in Q3; XF-210107 1, 1, 2 -> none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.common.workdays import PACKAGE_YEARS
from tests.risk.acceptance.cases import API, complaints, decisions, intake, recons, units
from tests.risk.helpers import ADMIN, HOTLINE, SUPERVISOR, TODAY, pin
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

RISING, FLAT, FILLER, C_RISING, C_FLAT = "SJ-210103", "CG-210105", "ST-210104", "XF-210106", "XF-210107"
QUARTER_DAYS = {
    1: ("2026-02-10", date(2026, 2, 10)),
    2: ("2026-05-10", date(2026, 5, 10)),
    3: ("2026-08-10", date(2026, 8, 10)),
}


@pytest.fixture(scope="module")
async def city(risk: Running) -> AsyncIterator[Running]:
    corrections = {RISING: (0, 1, 2), FLAT: (1, 1, 2), FILLER: (2, 2, 2)}
    counts = {RISING: 20, FLAT: 20, FILLER: 10}
    records: list[dict[str, Any]] = []
    for q, (text, day) in QUARTER_DAYS.items():
        for unit, n in counts.items():
            await decisions(risk, unit, n, day)
            records += recons(f"T{q}", unit, corrections[unit][q - 1], text)
    await intake(risk, "reconsideration", records)
    leads: list[dict[str, Any]] = []
    for unit, per_quarter in ((C_RISING, (0, 1, 2)), (C_FLAT, (1, 1, 2))):
        for q, (text, _) in QUARTER_DAYS.items():
            times = [f"{text}T1{i}:00:00+08:00" for i in range(per_quarter[q - 1])]
            leads += complaints(f"T{q}", unit, times)
    await intake(risk, "complaints", leads)
    yield risk


class TestBlue:
    async def test_a_rate_rising_twice(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert (got[RISING]["colour"], len(got[RISING]["reasons"])) == ("blue", 1), got[RISING]
        assert got[FLAT]["colour"] == "none", got[FLAT]
        assert got[FILLER]["colour"] == "none", got[FILLER]

    async def test_complaints_rising_twice_to_two(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert (got[C_RISING]["figures"]["complaints"], got[C_RISING]["colour"]) == (2, "blue"), got[C_RISING]
        assert got[C_FLAT]["colour"] == "none", got[C_FLAT]

    async def test_the_drill_down_judges_alike(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            drill = ok(await http.get(f"{API}/units/{C_RISING}/quarters/2026Q3"))
        assert drill["assessment"]["colour"] == "blue", drill["assessment"]


class TestLeads:
    """Monday 2026-09-28: week 2026-W39 (21-27 September) has ended; W40 has begun."""

    async def test_weekly_batch_and_deadlines_across_national_day(self, city: Running) -> None:
        def lead(n: int, at: str, category: str) -> dict[str, Any]:
            return {
                "external_id": f"12345-W39-{n}",
                "unit_code": "SJ-210102",
                "domain": "市场监管",
                "category": category,
                "text": "企业反映检查问题",
                "received_at": at,
            }

        pin(date(2026, 9, 28))
        try:
            async with client(city.url) as http:
                got = [
                    ok(await http.post(f"{API}/intake/complaints", json=body, headers=HOTLINE), 201)
                    for body in (
                        lead(1, "2026-09-25T10:00:00+08:00", "涉企执法"),
                        lead(2, "2026-09-27T23:59:00+08:00", "执法态度"),
                        lead(3, "2026-09-28T00:00:00+08:00", "执法态度"),
                        lead(4, "2026-09-18T09:00:00+08:00", "执法态度"),
                    )
                ]
                assert [g["batch"] for g in got] == ["2026-W39", "2026-W39", "2026-W40", "2026-W38"], got
                # W38 should have been transferred by Monday 2026-09-21: overdue today
                w38 = ok(await http.get(f"{API}/leads/{got[3]['id']}", headers=SUPERVISOR))
                assert w38["flags"]["transfer_overdue"] is True, w38
                problem(
                    await http.post(f"{API}/leads/transfers", json={"batch": "2026-W40"}, headers=SUPERVISOR),
                    409,
                    "LEAD_BATCH_NOT_ENDED",
                )
                ok(await http.post(f"{API}/leads/transfers", json={"batch": "2026-W39"}, headers=SUPERVISOR))
                enterprise = ok(await http.get(f"{API}/leads/{got[0]['id']}", headers=SUPERVISOR))
                attitude = ok(await http.get(f"{API}/leads/{got[1]['id']}", headers=SUPERVISOR))
        finally:
            pin(TODAY)
        # transferred Monday 09-28. 涉企执法, 5 working days: 29, 30 Sep, 8, 9, 10 Oct (a Saturday worked) -> 10-10.
        # Others, 10: then 12, 13, 14, 15, 16 -> 10-16.
        assert (enterprise["status"], enterprise["flags"]["due_on"]) == ("transferred", "2026-10-10"), (
            enterprise
        )
        assert attitude["flags"]["due_on"] == "2026-10-16", attitude

    async def test_a_week_ending_in_the_holiday_is_due_after_it(self, city: Running) -> None:
        # 2026-W40 (28 Sep - 4 Oct) ends inside the holiday (1-7 Oct): due the first working day after its
        # Sunday, Thursday 2026-10-08; on the 8th it is in time, on the 9th overdue
        body = {
            "external_id": "12345-W40-holiday",
            "unit_code": "SJ-210102",
            "domain": "市场监管",
            "category": "执法态度",
            "text": "节日期间反映",
            "received_at": "2026-10-02T09:00:00+08:00",
        }
        pin(date(2026, 10, 8))
        try:
            async with client(city.url) as http:
                lead = ok(await http.post(f"{API}/intake/complaints", json=body, headers=HOTLINE), 201)
                on_the_day = ok(await http.get(f"{API}/leads/{lead['id']}", headers=SUPERVISOR))
                pin(date(2026, 10, 9))
                after = ok(await http.get(f"{API}/leads/{lead['id']}", headers=SUPERVISOR))
        finally:
            pin(TODAY)
        assert lead["batch"] == "2026-W40", lead
        assert (on_the_day["flags"]["due_on"], on_the_day["flags"]["transfer_overdue"]) == (
            "2026-10-08",
            False,
        )
        assert after["flags"]["transfer_overdue"] is True, after

    async def test_a_deadline_in_an_uncovered_year_is_not_guessed(self, city: Running) -> None:
        # Transferred Monday 2026-12-28: ten working days run into 2027, whose holidays the calendar package does
        # not have. SPEC §1.6: an explicit error or warning, never a silent guess: the transfer goes ahead with
        # the answer deadline pending (flags.due_unknown; the legal review: the weekly transfer never waits for
        # the holiday table), until an administrator enters 2027 (docs/operations.md "Every year: the holiday
        # arrangement"), which computes it. With 2027-01-01 entered as a day off: 29, 30, 31 Dec, 4, 5, 6, 7, 8,
        # 11, 12 Jan -> 2027-01-12.
        body = {
            "external_id": "12345-W52-yearend",
            "unit_code": "SJ-210102",
            "domain": "市场监管",
            "category": "执法态度",
            "text": "年底反映",
            "received_at": "2026-12-23T09:00:00+08:00",
        }
        year = {"source": "国办发明电（考官示例）", "days_off": ["2027-01-01"], "working_days": []}
        pin(date(2026, 12, 28))
        try:
            async with client(city.url) as http:
                lead = ok(await http.post(f"{API}/intake/complaints", json=body, headers=HOTLINE), 201)
                transfer = {"batch": "2026-W52"}
                ok(await http.post(f"{API}/leads/transfers", json=transfer, headers=SUPERVISOR))
                if 2027 not in PACKAGE_YEARS:
                    waiting = ok(await http.get(f"{API}/leads/{lead['id']}", headers=SUPERVISOR))
                    assert waiting["status"] == "transferred" and waiting["answer_due_on"] is None, waiting
                    assert waiting["flags"]["due_unknown"] is True and waiting["flags"]["due_on"] is None
                    ok(await http.put(f"{API}/admin/calendar/2027", json=year, headers=ADMIN))
                got = ok(await http.get(f"{API}/leads/{lead['id']}", headers=SUPERVISOR))
        finally:
            pin(TODAY)
        assert got["status"] == "transferred", got
        if 2027 not in PACKAGE_YEARS:
            assert got["flags"]["due_on"] == "2027-01-12", got
