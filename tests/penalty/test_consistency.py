"""类案不同罚 (SPEC §3.4) over a hand-made set of decided cases, with every figure worked out here.

Group SY-SJ-0004 / 一般, tier range 1,000–2,000 fen (positions in basis points of the 1,000-fen range):

* district 210102: fines 1,100 1,150 1,200 1,250 1,300 → positions 1,000 1,500 2,000 2,500 3,000 → median 2,000
* district 210103: fines 1,800 1,850 1,900 1,950 2,000 → positions 8,000 8,500 9,000 9,500 10,000 → median 9,000
* district 210104: fines 1,400 1,450 1,500 1,550 1,600 → positions 4,000 4,500 5,000 5,500 6,000 → median 5,000
* district 210105: four fines of 2,000 → four positions of 10,000 (too few to be compared: minimum 5)

City: the 19 positions sorted are 1,000 1,500 2,000 2,500 3,000 4,000 4,500 5,000 5,500 6,000 8,000 8,500
9,000 9,500 10,000 ×5, so the median is the 10th, 6,000. With a margin of 2,000: 210102 differs by
2,000 − 6,000 = −4,000 (flagged), 210103 by 9,000 − 6,000 = +3,000 (flagged), 210104 by −1,000 (not flagged).

Outside the range: one 一般 decision of SY-SJ-0001 at 2,001 fen against 1,000–2,000 (flagged; a fine of
exactly 2,000 is not), and a revoked one at 5,000 (inactive: ignored).

Same facts, different tier: SY-SJ-0002 with facts key k1 decided twice 一般 and once 从轻 (flagged, three
cases); key k2 twice 一般 (not flagged).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.common.db import transaction
from services.penalty import repository as repo
from tests.support.http import ok
from tests.support.personas import admin, supervisor
from tests.support.stack import Running, Stack, client, running_service


def row(
    code: str, tier: str, district: str, fine: int, *, key: str = "k0", active: bool = True
) -> dict[str, Any]:
    return {
        "case_id": uuid.uuid4(),
        "dept_code": "SJ",
        "district_code": district,
        "benchmark_code": code,
        "benchmark_version": 1,
        "tier": tier,
        "tier_low_fen": 1_000,
        "tier_high_fen": 2_000,
        "fine_fen": fine,
        "has_fine": True,
        "facts_key": key,
        "decided_on": date(2026, 11, 2),
        "active": active,
    }


POSITIONS = {
    "210102": [1_100, 1_150, 1_200, 1_250, 1_300],
    "210103": [1_800, 1_850, 1_900, 1_950, 2_000],
    "210104": [1_400, 1_450, 1_500, 1_550, 1_600],
    "210105": [2_000] * 4,
}


@pytest.fixture(scope="module")
async def seeded(stack: Stack) -> AsyncIterator[tuple[Running, dict[str, list[uuid.UUID]]]]:
    url = await stack.anew_database("penalty")
    async with running_service(
        "penalty", database_url=url, nats_url="nats://127.0.0.1:1", deadline_scan_enabled=False
    ) as running:
        rows = [row("SY-SJ-0004", "一般", d, f) for d, fines in POSITIONS.items() for f in fines]
        outside = row("SY-SJ-0001", "一般", "210106", 2_001)
        edge = row("SY-SJ-0001", "一般", "210106", 2_000)
        revoked = row("SY-SJ-0001", "一般", "210106", 5_000, active=False)
        same = [
            row("SY-SJ-0002", t, d, 1_500, key="k1")
            for t, d in (("一般", "210102"), ("一般", "210103"), ("从轻", "210104"))
        ]
        other = [row("SY-SJ-0002", "一般", "210102", 1_500, key="k2") for _ in range(2)]
        async with transaction(running.runtime.factory) as session:
            for values in [*rows, outside, edge, revoked, *same, *other]:
                await repo.upsert_decided(session, values)
        ids = {
            "210102": [r["case_id"] for r in rows if r["district_code"] == "210102"],
            "210103": [r["case_id"] for r in rows if r["district_code"] == "210103"],
            "outside": [outside["case_id"]],
            "same": [r["case_id"] for r in same],
        }
        yield running, ids


async def test_city_supervisor_sees_every_flag(seeded: tuple[Running, dict[str, list[uuid.UUID]]]) -> None:
    running, ids = seeded
    async with client(running.url) as http:
        report = ok(await http.get("/api/v1/penalty/consistency", headers=supervisor("city")))
    assert report["decided_cases"] == 19 + 2 + 3 + 2  # the revoked decision is not counted
    assert report["outside_range_total"] == 1
    [outside] = report["outside_range"]
    assert outside["case_ids"] == [str(ids["outside"][0])] and outside["fine_fen"] == 2_001
    assert outside["links"] == [f"/api/v1/penalty/cases/{ids['outside'][0]}"]
    flags = {f["district_code"]: f for f in report["district_position"]}
    assert report["district_position_total"] == 2 and set(flags) == {"210102", "210103"}
    assert (flags["210102"]["district_median_bp"], flags["210102"]["city_median_bp"]) == (2_000, 6_000)
    assert flags["210102"]["difference_bp"] == -4_000 and flags["210103"]["difference_bp"] == 3_000
    assert flags["210102"]["city_cases"] == 19 and flags["210102"]["district_cases"] == 5
    assert set(flags["210102"]["case_ids"]) == {str(i) for i in ids["210102"]}
    [same] = report["same_facts_different_tier"]
    assert report["same_facts_total"] == 1
    assert same["benchmark_code"] == "SY-SJ-0002" and same["facts_key"] == "k1" and same["cases"] == 3
    assert set(same["tiers"]) == {"一般", "从轻"} and set(same["case_ids"]) == {str(i) for i in ids["same"]}


async def test_district_supervisor_sees_their_district(
    seeded: tuple[Running, dict[str, list[uuid.UUID]]],
) -> None:
    running, ids = seeded
    async with client(running.url) as http:
        report = ok(await http.get("/api/v1/penalty/consistency", headers=supervisor("210103")))
        everything = ok(await http.get("/api/v1/penalty/consistency", headers=admin()))
    assert report["scope"] == "210103"
    assert [f["district_code"] for f in report["district_position"]] == ["210103"]
    assert report["district_position"][0]["city_median_bp"] == 6_000  # still compared with the whole city
    assert report["outside_range"] == []
    assert [f["facts_key"] for f in report["same_facts_different_tier"]] == ["k1"]  # 210103 has a case in it
    assert everything["scope"] == "city" and everything["district_position_total"] == 2
