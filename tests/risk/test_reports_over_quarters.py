"""Publishing consecutive quarters through HTTP (issue #11, item 2).

A quarter published after a quarter with warnings carries a follow-up of each earlier warning (its id among
them) in the snapshot kept as JSON; that used to fail with ``TypeError: Type is not JSON serializable:
asyncpg.pgproto.pgproto.UUID``. Three consecutive quarters are published here, each with a warning, with the
service clock moved forward through ``PUT /api/v1/risk/admin/clock`` (dev and test only).

The clock can only be moved forward, so the quarters are the three after the one containing the real date:
quarter Q is published on the second day of Q+1. Years the statutory calendar package does not cover yet are
entered by the administrator first, as an operator would (rectification deadlines count working days).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import httpx

from tests.risk.helpers import ADMIN, HOTLINE, SUPERVISOR
from tests.support.stack import Running, client

CHINA = timezone(timedelta(hours=8))
UNIT = "CG-210104"


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def next_quarter(q: tuple[int, int]) -> tuple[int, int]:
    year, n = q
    return (year + 1, 1) if n == 4 else (year, n + 1)


def first_day(q: tuple[int, int]) -> date:
    return date(q[0], 3 * (q[1] - 1) + 1, 1)


def name(q: tuple[int, int]) -> str:
    return f"{q[0]}Q{q[1]}"


async def move_clock(http: httpx.AsyncClient, to: datetime) -> None:
    offset = int((to - datetime.now(UTC)).total_seconds())
    r = await http.put("/api/v1/risk/admin/clock", json={"offset_seconds": offset}, headers=ADMIN)
    assert r.status_code == 200, r.text


async def cover_year(http: httpx.AsyncClient, year: int) -> None:
    r = await http.get(f"/api/v1/risk/admin/calendar/{year}", headers=ADMIN)
    assert r.status_code == 200, r.text
    if r.json()["covered_by_package"] or r.json()["source"]:
        return
    body = {"source": "测试用节假日安排（仅周末休息）", "days_off": [], "working_days": []}
    r = await http.put(f"/api/v1/risk/admin/calendar/{year}", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text


def complaints(q: tuple[int, int], n: int) -> bytes:
    received = datetime.combine(first_day(q) + timedelta(days=20), time(9, 30), tzinfo=CHINA).isoformat()
    records = [
        {
            "external_id": f"{name(q)}-{i}",
            "unit_code": UNIT,
            "domain": "市容环卫",
            "category": "执法态度",
            "text": "反映执法人员态度问题",
            "received_at": received,
        }
        for i in range(n)
    ]
    return b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in records)


async def publish(http: httpx.AsyncClient, quarter: str) -> dict[str, Any]:
    r = await http.post(f"/api/v1/risk/reports/{quarter}/publish", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_three_consecutive_quarters_with_warnings_are_published(risk: Running) -> None:
    q0 = next_quarter(quarter_of(datetime.now(CHINA).date()))
    quarters = [q0, next_quarter(q0), next_quarter(next_quarter(q0))]
    # complaints about UNIT: 3 (yellow: >= 3), 4 (yellow), 8 (red: >= 8) — docs/risk-model.md §2 defaults
    counts = [3, 4, 8]
    expected = ["yellow", "yellow", "red"]
    warnings: list[dict[str, Any]] = []
    async with client(risk.url) as http:
        for q, n, colour in zip(quarters, counts, expected, strict=True):
            published_on = first_day(next_quarter(q)) + timedelta(days=1)
            await cover_year(http, published_on.year)
            await cover_year(http, published_on.year + 1)
            await move_clock(http, datetime.combine(published_on, time(10), tzinfo=CHINA))
            r = await http.post(
                "/api/v1/risk/intake/complaints/bulk", content=complaints(q, n), headers=HOTLINE
            )
            assert r.status_code == 200 and r.json()["stored"] == n, r.text
            result = await publish(http, name(q))
            assert result["newly_published"] is True
            [warning] = result["warnings"]
            assert (warning["unit_code"], warning["colour"]) == (UNIT, colour)
            warnings.append(warning)

        # each published snapshot follows up the warning of the quarter before it, by id
        for i, q in enumerate(quarters):
            r = await http.get(f"/api/v1/risk/reports/{name(q)}", headers=SUPERVISOR)
            assert r.status_code == 200, r.text
            report = r.json()
            assert report["published"] is True
            if i == 0:
                assert report["follow_up"] == []
                continue
            [follow] = report["follow_up"]
            assert follow["previous"]["warning_id"] == warnings[i - 1]["id"]
            assert follow["previous"]["quarter"] == name(quarters[i - 1])
            assert follow["previous"]["colour"] == expected[i - 1]
            assert (follow["colour"], follow["improved"]) == (expected[i], False)

        # publishing again is idempotent
        again = await publish(http, name(quarters[-1]))
        assert again["newly_published"] is False
        assert [w["id"] for w in again["warnings"]] == [warnings[-1]["id"]]
