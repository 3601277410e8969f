"""Deadlines across the 2026 Spring Festival, and decisions other than a plain fine.

The 2026 arrangement: 春节 Sun 02-15 – Mon 02-23 off, Sat 02-14 and Sat 02-28 worked. 行政处罚法 第六十一条 (deliver
within 七日) and 第八十五条 (七日、三日 are working days); seed 003: penalty decisions public within 7 working days,
other enforcement decisions within 20; 第四十八条第二款: withdrawn within 三日.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.acceptance.journeys import (
    CASES,
    YUAN,
    Unit,
    credit_notice,
    credit_record,
    decide,
    deliver,
    disclosure,
    enterprise_headers,
    new_party,
    party_body,
    pin,
    public_credit,
    public_decisions,
)
from tests.support.http import ok
from tests.support.platform import Platform
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210123")


async def test_delivery_and_publication_due_across_the_spring_festival(platform: Platform) -> None:
    """Decided Thu 2026-02-12. Seven working days: 02-13 1, Sat 02-14 (worked) 2, (02-15 – 02-23) 02-24 3,
    02-25 4, 02-26 5, 02-27 6, Sat 02-28 (worked) 7 → deliver and publish by 2026-02-28."""
    uscc, name = new_party()
    pin(date(2026, 2, 12))
    async with client(platform.gateway.url) as http:
        cid, decided = await decide(http, UNIT, uscc, name)
        assert decided["decision"]["delivery_due"] == "2026-02-28"
        await credit_notice(http, cid, uscc)
        pin(date(2026, 2, 27))
        await deliver(http, UNIT, cid)
        [record] = await disclosure(http, UNIT, cid)
        assert (record["due_on"], record["published_on"], record["timeliness"]) == (
            "2026-02-28",
            "2026-02-27",
            "on_time",
        )


async def test_a_withdrawal_across_the_spring_festival(platform: Platform) -> None:
    """Decided and published Tue 2026-02-10, revoked on Fri 02-13 (self-correction). Three working days: Sat
    02-14 (worked) 1, (02-15 – 02-23) 02-24 2, 02-25 3 → withdraw by 2026-02-25; the credit publication ends
    on 02-13 with reason ``revoked``."""
    uscc, name = new_party()
    pin(date(2026, 2, 10))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(http, UNIT, uscc, name)
        n = await credit_notice(http, cid, uscc)
        await deliver(http, UNIT, cid)
        pin(date(2026, 2, 13))
        body = {
            "source": "self_correction",
            "reason": "适用依据错误",
            "source_document": "沈市监撤〔2026〕1号",
        }
        ok(await http.post(f"{CASES}/{cid}/revocation", json=body, headers=UNIT.headers))
        [record] = await disclosure(http, UNIT, cid)
        assert (record["withdraw_by"], record["withdrawn_on"]) == ("2026-02-25", "2026-02-13")

        async def ended() -> dict[str, Any] | None:
            r = await credit_record(http, n["record_id"], uscc)
            return r if not r["publication"]["active"] else None

        r = await wait_for(ended, timeout=30)
        assert (r["publication"]["end_reason"], r["publication"]["ended_on"]) == ("revoked", "2026-02-13")


async def test_a_no_penalty_decision_carries_no_credit_consequence(platform: Platform) -> None:
    """不予行政处罚 (违法事实不能成立, 第五十七条第一款第三项), decided Fri 2026-09-18: delivered without a credit
    notice (SPEC §3.3), nothing published by the credit service; made public as an "other" decision within 20
    working days (seed 003): Sun 09-20 (worked) 1, 09-21 … 09-24 5, (中秋) 09-28 6, 09-29 7, 09-30 8, (国庆)
    10-08 9, 10-09 10, Sat 10-10 11, 10-12 … 10-16 16, 10-19 17, 10-20 18, 10-21 19, 10-22 20 → 2026-10-22."""
    uscc, name = new_party()
    pin(date(2026, 9, 18))
    async with client(platform.gateway.url) as http:
        body = {
            "party": party_body(uscc, name),
            "benchmark_code": "SY-SJ-0001",
            "procedure": "general",
            "facts_brief": "举报称当事人经营超过保质期的食品。",
            "officers": [UNIT.partner_cert],
            "approved_by": "分管副局长",
        }
        cid = ok(await http.post(CASES, json=body, headers=UNIT.headers), 201)["id"]
        ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=UNIT.headers))
        facts = {
            "violation_date": (date(2026, 9, 18) - timedelta(days=20)).isoformat(),
            "base_amounts": {"goods_value": 5_000 * YUAN},
        }
        ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=UNIT.headers))
        decision = {"education": [], "reasons": ["经查，涉案食品均在保质期内，违法事实不能成立。"]}
        ok(await http.post(f"{CASES}/{cid}/no-penalty-decision", json=decision, headers=UNIT.headers))
        out = ok(
            await http.post(
                f"{CASES}/{cid}/delivery",
                json={"method": "direct", "recipient": "当事人法定代表人"},
                headers=UNIT.headers,
            )
        )
        assert out["credit_notice"] is None
        [record] = await disclosure(http, UNIT, cid)
        assert (record["rule"], record["due_on"]) == ("other", "2026-10-22")
        assert await public_credit(http, uscc) == []
        view = ok(await http.get(f"{CASES}/{cid}/decision", headers=enterprise_headers(uscc)))
        assert view["credit_notice"] is None


async def test_a_change_below_the_threshold_leaves_credit_publication(platform: Platform) -> None:
    """Decided and published Mon 2026-11-02 (75,000.00 元, 一般); changed by reconsideration on Mon 11-09 to
    50,000.00 元: "5万元以下" is 轻微: the old publication ends (``changed``), the changed decision's record is
    not published and its new notice says so; penalty's own publication shows revision 2 with 50,000.00 元."""
    uscc, name = new_party()
    pin(date(2026, 11, 2))
    async with client(platform.gateway.url) as http:
        cid, decided = await decide(http, UNIT, uscc, name)
        n = await credit_notice(http, cid, uscc)
        await deliver(http, UNIT, cid)
        pin(date(2026, 11, 9))
        body = {
            "source": "reconsideration",
            "reason": "罚款数额明显不当",
            "source_document": "沈政复决〔2026〕301号",
            "penalty": {"kinds": ["fine"], "fine_fen": 50_000 * YUAN},
        }
        ok(await http.post(f"{CASES}/{cid}/change", json=body, headers=UNIT.headers))

        async def new_notice() -> dict[str, Any] | None:
            r = ok(
                await http.get(
                    "/api/v1/credit/notices", params={"case_id": cid}, headers=enterprise_headers(uscc)
                )
            )
            fresh = [x for x in r["items"] if x["id"] != n["id"]]
            return fresh[0] if fresh else None

        fresh = await wait_for(new_notice, timeout=30)
        assert (fresh["credit_class"], fresh["published"]) == ("minor", False)
        old = await credit_record(http, n["record_id"], uscc)
        assert (old["publication"]["active"], old["publication"]["end_reason"]) == (False, "changed")
        assert await public_credit(http, uscc) == []
        [current] = [
            x for x in await public_decisions(http) if x["decision_no"] == decided["decision"]["number"]
        ]
        assert "50,000.00元" in current["penalty"]
