"""An enterprise's class after a penalty and its publication, and inspection's 双随机 sampling using it (SPEC
§2.2, §5): penalty → credit (publication) → risk (class) → inspection (the draw's pool by class).

Class (docs/risk-model.md §5): a 一般-tier penalty of the day 20 points, its active publication 15, a 12345
complaint naming the enterprise 3; A < 20 ≤ B < 40 ≤ C < 70 ≤ D. Sampling ratios (SPEC §2.2 defaults): A 5 %, B 20 %, C 60 %, D 100 %, k = ⌈n · ratio⌉ per class.
This module runs its own platform: the four services with the inspection sample registry, behind the gateway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.common.embedded import EmbeddedNats
from tests.e2e.acceptance.journeys import HOTLINE, SUPERVISOR, Unit, credit_notice, decide, deliver, pin
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client, wait_for

pytestmark = pytest.mark.slow
INSPECTION = "/api/v1/inspection"
# 沈阳宏达餐饮管理有限公司, 法库县 (210124), not classified in the sample registry
USCC, NAME = "91210124MALYJBK31C", "沈阳宏达餐饮管理有限公司"
SJ_CERTS = ("辽A-0012340", "辽A-0012341")  # two certified officers of SJ in the inspection sample


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"penalty": {"deadline_scan_enabled": False}, "risk": {"daily_job_enabled": False}}
    async with running_platform(
        stack,
        ("inspection", "penalty", "credit_repair", "risk"),
        nats=nats_server,
        gateway=True,
        settings=settings,
    ) as running:
        yield running


class SampleUnit(Unit):
    def __init__(self) -> None:
        super().__init__("SJ", "210124")
        self.cert, self.partner_cert = SJ_CERTS
        self.headers = officer(self.cert, "SJ", "210124")


async def draw_counts(http: Any) -> dict[str, tuple[int, int, int]]:
    headers = SampleUnit().headers
    body = {"kind": "random", "title": "法库县双随机抽查", "lead_dept": "SJ", "item_codes": ["SJ-DJ-001"]}
    body["pool"] = {"district_codes": ["210124"]}
    task = ok(await http.post(f"{INSPECTION}/tasks", json=body, headers=headers), 201)
    tid = task["task_id"]
    ok(await http.post(f"{INSPECTION}/tasks/{tid}/approve", headers=SUPERVISOR))
    draw = {"public_value": "测试公开值 03 11 17 22 28 33 + 09"}
    ok(await http.post(f"{INSPECTION}/tasks/{tid}/draw", json=draw, headers=SUPERVISOR))
    public = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))
    counts = public["draws"][-1]["counts"]
    return {c["risk_class"]: (c["pool_size"], c["ratio_bp"], c["drawn"]) for c in counts}


async def test_a_penalised_and_complained_of_enterprise_is_sampled_as_class_c(platform: Platform) -> None:
    """法库县 (210124) in the sample registry: five enterprises, none of class C (4 not yet classified, which
    inspection draws as B until risk classes them — risk's own classification of the enterprises it learns from
    inspection gives the ones without any signal A, at a time of its own — and one D of the sample data).

    Mon 2026-11-16: a 75,000.00 元 decision in the 一般 tier (20 points) published by credit repair (15) and two
    12345 complaints naming the enterprise (2 × 3): 41 → C (40 ≤ 41 < 70). Inspection learns the class; the
    next draw of 法库县 counts it, alone, in C: pool 1, ratio 60 %, ⌈0.6⌉ = 1 drawn; the four others in the
    other classes."""
    unit = SampleUnit()
    pin(date(2026, 11, 16))
    async with client(platform.gateway.url) as http:
        before = await draw_counts(http)
        # none in C among the five; how many of the four unclassified ones risk has already classed A (they are
        # drawn as B until then) depends on when its classification of inspection's registry ran
        assert before["C"][0] == 0 and sum(pool for pool, _, _ in before.values()) == 5
        cid, _ = await decide(http, unit, USCC, NAME)
        await credit_notice(http, cid, USCC)
        await deliver(http, unit, cid)
        for n, at in enumerate(("2026-11-16T08:30:00+08:00", "2026-11-16T09:00:00+08:00"), start=1):
            lead = {
                "external_id": f"12345-FK-{n}",
                "unit_code": "SJ-210124",
                "domain": "食品安全",
                "uscc": USCC,
                "category": "食品安全",
                "text": "反映该餐馆后厨卫生条件差。",
                "received_at": at,
            }
            ok(await http.post("/api/v1/risk/intake/complaints", json=lead, headers=HOTLINE), 201)

        async def classed() -> dict[str, Any] | None:
            r = await http.get(f"/api/v1/risk/enterprises/{USCC}", headers=SUPERVISOR)
            return r.json() if r.status_code == 200 and r.json()["score"] == 41 else None

        assert (await wait_for(classed, timeout=30))["risk_class"] == "C"

        async def known() -> bool:
            r = ok(await http.get(f"{INSPECTION}/enterprises/{USCC}", headers=SUPERVISOR))
            return bool(r["risk_class"] == "C")

        await wait_for(known, timeout=30)
        after = await draw_counts(http)
        assert after["C"] == (1, 6000, 1)
        assert sum(pool for cls, (pool, _, _) in after.items() if cls != "C") == 4


async def test_a_refused_entry_and_a_poor_rating_reach_the_units_report(platform: Platform) -> None:
    """A 12345 complaint task at 沈阳瑞丰物流有限公司 (法库县) on Mon 2026-11-16: one officer alone asks for an entry
    code — refused (TOO_FEW_OFFICERS, 行政处罚法 第四十二条: at least two), an attempt of the officers that counts
    against SJ-210124; then two officers enter, check out, and the enterprise rates the visit 2 stars (≤ 2 is
    poor). The unit's 2026Q4: refused entries 1, poor ratings 1."""
    uscc = "91210124MACFLM3L88"
    lead, partner = SJ_CERTS
    head = officer(lead, "SJ", "210124")
    pin(date(2026, 11, 16))
    async with client(platform.gateway.url) as http:
        body = {
            "kind": "complaint",
            "title": "12345转办：物流企业违规存放食品",
            "lead_dept": "SJ",
            "item_codes": ["SJ-SP-001"],
            "enterprises": [uscc],
            "lead_id": "12345-20261116-0042",
        }
        task = ok(await http.post(f"{INSPECTION}/tasks", json=body, headers=head), 201)
        tid = task["task_id"]
        ok(await http.post(f"{INSPECTION}/tasks/{tid}/approve", headers=SUPERVISOR))
        code_body = {"task_id": tid, "enterprise_uscc": uscc, "officers": [], "item_codes": ["SJ-SP-001"]}
        alone = await http.post(f"{INSPECTION}/visits/entry-codes", json=code_body, headers=head)
        assert alone.status_code in (400, 403, 409, 422) and alone.json()["code"] == "TOO_FEW_OFFICERS", (
            alone.text
        )
        code_body["officers"] = [partner]
        code = ok(await http.post(f"{INSPECTION}/visits/entry-codes", json=code_body, headers=head), 201)
        checked_in = ok(
            await http.post(
                f"{INSPECTION}/visits/check-in", json={"code": code["code"]}, headers=enterprise(uscc)
            ),
            201,
        )
        vid = checked_in["visit"]["visit_id"]
        outcomes = {"outcomes": [{"item_code": "SJ-SP-001", "outcome": "compliant"}]}
        ok(await http.post(f"{INSPECTION}/visits/{vid}/outcomes", json=outcomes, headers=head))
        ok(await http.post(f"{INSPECTION}/visits/{vid}/checkout", headers=head))
        rating = {"stars": 2, "tags": ["态度差"], "comment": "检查人员态度生硬", "anonymous": False}
        ok(await http.post(f"{INSPECTION}/visits/{vid}/rating", json=rating, headers=enterprise(uscc)))

        async def reported() -> dict[str, Any] | None:
            r = ok(await http.get("/api/v1/risk/reports/2026Q4", headers=SUPERVISOR))
            rows = [u for u in r["units"] if u["unit_code"] == "SJ-210124"]
            f = rows[0]["figures"] if rows else {}
            return f if f.get("refused_entries") and f.get("low_ratings") else None

        f = await wait_for(reported, timeout=30)
        assert (f["refused_entries"], f["low_ratings"]) == (1, 1)
