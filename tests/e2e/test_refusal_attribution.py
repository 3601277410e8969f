"""Which refused entries count against the inspecting unit (issue #11, item 4), end to end through NATS.

One enterprise re-posting its used entry code 51 times turned the unit red (本季度扫码入企被拒51次). Refusals
that are the caller's own doing do not count against the officers: a used code replayed by the enterprise
that used it (CODE_USED), codes that do not verify (CODE_INVALID, ENTERPRISE_CODE_INVALID). Refusals that do
count are counted once per attempt: an entry code presented again is the same attempt (its code id).
The code is checked against the enterprise first, so another enterprise holding a used code learns nothing
about when it was used.

Units: the inspecting department and the enterprise's district (SJ + 和平区 210102 for ENTERPRISE, SJ +
皇姑区 210105 for OTHER). Expected by hand, in the current quarter:
  SJ-210102: 51 CODE_USED replays by the holder + 5 garbage check-ins → 0 refusals, colour none.
  SJ-210105: 3 requests refused TOO_FEW_OFFICERS (3 attempts) + OTHER presenting ENTERPRISE's code twice
             (CODE_WRONG_ENTERPRISE, one code → 1 attempt) → 3 + 1 = 4 (yellow at 3, docs/risk-model.md §2).
  Garbage enterprise codes scanned by an officer (3) count nowhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.tables import inbox_t, outbox_t
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    OTHER,
    SJ,
)
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

SUPERVISOR = auth("supervisor", "sup-city", scope="city")
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"inspection": {"relay_poll_interval_s": 0.1}, "risk": {"daily_job_enabled": False}}
    async with running_platform(
        stack, ("inspection", "risk"), nats=nats_server, settings=settings
    ) as running:
        yield running


async def issue(http: httpx.AsyncClient, uscc: str, others: list[str]) -> httpx.Response:
    body = {"task_id": KEY_AREA_TASK, "enterprise_uscc": uscc, "officers": others, "item_codes": [FOOD_ITEM]}
    return await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(SJ[0], "SJ"))


async def check_in(http: httpx.AsyncClient, code: str, uscc: str) -> httpx.Response:
    return await http.post(f"{API}/visits/check-in", json={"code": code}, headers=enterprise(uscc))


async def refusals_published(platform: Platform) -> int:
    async with transaction(platform.inspection.runtime.factory) as s:
        return int(await s.scalar(sa.text("SELECT count(*) FROM entry_refusal")) or 0)


async def published_judgements(platform: Platform) -> dict[str, set[tuple[bool | None, str | None]]]:
    query = sa.select(outbox_t.c.envelope).where(outbox_t.c.type == "inspection.entry.refused")
    out: dict[str, set[tuple[bool | None, str | None]]] = {}
    async with transaction(platform.inspection.runtime.factory) as s:
        for (envelope,) in (await s.execute(query)).all():
            data = envelope["data"]
            out.setdefault(data["code"], set()).add((data["counts_against_unit"], data["attempt_ref"]))
    return out


async def refusals_consumed(platform: Platform) -> int:
    async with transaction(platform.risk.runtime.factory) as s:
        query = sa.select(sa.func.count()).where(inbox_t.c.event_type == "inspection.entry.refused")
        return int(await s.scalar(query) or 0)


async def test_only_the_officers_attempts_count_once_each(platform: Platform) -> None:
    # 51 replays at once queue for one enterprise's lock: on a saturated machine the last waited over 20 s
    async with client(platform.inspection.url, timeout=90) as http:
        issued = ok(await issue(http, ENTERPRISE, [SJ[1]]), 201)
        code = issued["code"]
        assert (await check_in(http, code, ENTERPRISE)).status_code == 201

        replays = await asyncio.gather(*(check_in(http, code, ENTERPRISE) for _ in range(51)))
        assert {(r.status_code, r.json()["code"]) for r in replays} == {(409, "CODE_USED")}

        for _ in range(2):
            wrong = await check_in(http, code, OTHER)
            assert (wrong.status_code, wrong.json()["code"]) == (403, "CODE_WRONG_ENTERPRISE")
            problem = wrong.json()
            assert "used_at" not in problem and "已于" not in problem["detail"], problem

        for n in range(5):
            garbage = await check_in(http, f"not-a-code-{n}", ENTERPRISE)
            assert garbage.json()["code"] == "CODE_INVALID"
        for n in range(3):
            scan = {"task_id": KEY_AREA_TASK, "enterprise_code": f"x.y.z{n}", "officers": [SJ[1]]}
            r = await http.post(
                f"{API}/visits/scan", json={**scan, "item_codes": [FOOD_ITEM]}, headers=officer(SJ[0], "SJ")
            )
            assert r.json()["code"] == "ENTERPRISE_CODE_INVALID", r.text

        for _ in range(3):
            few = await issue(http, OTHER, [])
            assert (few.status_code, few.json()["code"]) == (403, "TOO_FEW_OFFICERS")

    published = await refusals_published(platform)
    assert published == 51 + 2 + 5 + 3 + 3
    # the events say what the producer judged: by code, whether it counts, and which attempt it belongs to
    judged = await published_judgements(platform)
    assert judged["CODE_USED"] == {(False, issued["code_id"])}
    assert judged["CODE_WRONG_ENTERPRISE"] == {(True, issued["code_id"])}
    assert judged["CODE_INVALID"] == {(False, None)}
    assert judged["ENTERPRISE_CODE_INVALID"] == {(False, None)}
    assert judged["TOO_FEW_OFFICERS"] == {(True, None)}
    assert await wait_for(lambda: _equal(refusals_consumed(platform), published), timeout=30)

    today = datetime.now(CHINA).date()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    async with client(platform.risk.url, headers=SUPERVISOR) as http:
        r = await http.get(f"/api/v1/risk/reports/{quarter}")
    assert r.status_code == 200, r.text
    units = {u["unit_code"]: u for u in r.json()["units"]}
    assert refused(units, "SJ-210102") == 0
    assert units.get("SJ-210102", {}).get("colour", "none") == "none"
    assert refused(units, "SJ-210105") == 3 + 1
    assert units["SJ-210105"]["colour"] == "yellow"
    assert sum(refused(units, u) for u in units) == 4  # nothing else counted anywhere
    assert r.json()["city"]["figures"]["refused_entries"] == 4


async def _equal(value: Any, expected: int) -> bool:
    return bool(await value == expected)


def refused(units: dict[str, Any], unit: str) -> int:
    return int(units[unit]["figures"]["refused_entries"]) if unit in units else 0
