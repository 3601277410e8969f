"""A decision confirmed void comes off publication, end to end through the gateway, with the real penalty and
credit repair services on real NATS (行政处罚法 第四十八条第二款: 公开的行政处罚决定被依法…确认违法或者确认无效的，
行政机关应当在三日内撤回行政处罚决定信息并公开说明理由):

a 75,000-yuan decision → the credit service classes it 一般 and publishes it → delivered with its notice
(两书同达) → on both public lists → a court confirms it void (行政诉讼法 第七十五条) → gone from the penalty
public list at once, its withdrawal and the reason public, and penalty.decision.revoked (outcome
``confirmed_void``) makes the credit service end its publication and the risk service label the decision
确认无效 (not 已撤销) in its unit's quarter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.e2e.test_credit_flow import ENTERPRISE, OFFICER, USCC, decide_75000_yuan
from tests.penalty.helpers import TODAY, pin_clock
from tests.support.http import ok
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

CASES = "/api/v1/penalty/cases"


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    pin_clock(TODAY)  # Mon 2026-11-16, so the withdrawal's 3 working days are worked by hand
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(
        stack,
        ("penalty", "credit_repair", "risk"),
        nats=nats_server,
        gateway=True,
        settings={"penalty": {"deadline_scan_enabled": False}, "risk": {"daily_job_enabled": False}},
    ) as running:
        yield running


async def penalty_public(http: httpx.AsyncClient, status: str = "published") -> list[dict[str, Any]]:
    r = ok(await http.get("/public/penalty/decisions", params={"status": status, "limit": "200"}))
    return r["items"]  # type: ignore[no-any-return]


async def credit_public(http: httpx.AsyncClient) -> list[str]:
    return [
        p["id"] for p in ok(await http.get("/public/credit/publications", params={"uscc": USCC}))["items"]
    ]


async def test_a_decision_confirmed_void_comes_off_both_public_lists(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        cid, decided = await decide_75000_yuan(http)
        number = decided["decision"]["number"]

        async def notice() -> dict[str, Any] | None:
            r = await http.get("/api/v1/credit/notices", params={"case_id": cid}, headers=ENTERPRISE)
            items = r.json()["items"] if r.status_code == 200 else []
            return items[0] if items else None

        n = await wait_for(notice, timeout=20)
        assert n["published"] is True and n["class_label"] == "一般失信信息"

        async def deliverable() -> dict[str, Any] | None:
            body = {"method": "direct", "recipient": "当事人法定代表人"}
            r = await http.post(f"{CASES}/{cid}/delivery", json=body, headers=OFFICER)
            return r.json() if r.status_code == 200 else None

        await wait_for(deliverable, timeout=20)
        record = ok(await http.get(f"/api/v1/credit/records/{n['record_id']}", headers=ENTERPRISE))
        publication_id = record["publication"]["id"]
        assert publication_id in await credit_public(http)
        assert number in [d["decision_no"] for d in await penalty_public(http)]

        void = {
            "source": "litigation",
            "finding": "confirmed_void",
            "reason": "作出决定的机关不具有行政主体资格",
            "source_document": "（2026）辽0102行初31号",
        }
        case = ok(await http.post(f"{CASES}/{cid}/confirmation", json=void, headers=OFFICER))
        assert case["state"] == "void"

        # the penalty service withdraws its publication in the confirming step, the reason public
        assert number not in [d["decision_no"] for d in await penalty_public(http)]
        [withdrawn] = [d for d in await penalty_public(http, "withdrawn") if d["decision_no"] == number]
        assert "经行政诉讼确认无效（作出决定的机关不具有行政主体资格）" in withdrawn["withdrawal_reason"]
        assert withdrawn["withdrawn_on"] == "2026-11-16"

        # the credit service ends its publication as soon as penalty.decision.revoked arrives
        async def credit_withdrawn() -> bool:
            return publication_id not in await credit_public(http)

        await wait_for(credit_withdrawn, timeout=20)
        record = ok(await http.get(f"/api/v1/credit/records/{n['record_id']}", headers=ENTERPRISE))
        assert record["decision_status"] == "confirmed_void"
        assert record["publication"]["active"] is False

        # the risk service keeps the decision in SJ-210102's 2026Q4, labelled with what became of it
        async def risk_detail() -> str | None:
            r = await http.get(
                "/api/v1/risk/units/SJ-210102/quarters/2026Q4",
                params={"limit": "200"},
                headers=auth("supervisor", "sup-city", scope="city"),
            )
            found = (
                [e["detail"] for e in r.json()["decisions"] if e["ref"] == cid]
                if r.status_code == 200
                else []
            )
            return found[0] if found and found[0] != number else None

        assert await wait_for(risk_detail, timeout=20) == f"{number}（确认无效）"
