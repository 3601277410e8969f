"""行政执法公示 and its withdrawal across penalty and credit repair.

Seed 003 (沈法治办发〔2020〕7号 三（三）): penalty decisions are made public within 7 working days. 行政处罚法
第四十八条第二款: a published decision that is changed, revoked, confirmed illegal or confirmed void is withdrawn
within three days with the reason made public; 第八十五条: "三日" are working days. SPEC §4: the credit publication
ends within 3 days too, with its reason.

The 2026 arrangement (国务院办公厅): 中秋 Fri 09-25 – Sun 09-27 off, Sun 09-20 worked; 国庆 10-01 – 10-07 off,
Sat 10-10 worked. Periods start the day after the event (民事诉讼法 第八十五条).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
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
    feed,
    new_party,
    pin,
    public_credit,
    public_decisions,
)
from tests.support.http import ok
from tests.support.platform import Platform
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210105")


async def credit_ended(http: httpx.AsyncClient, record_id: str, uscc: str) -> dict[str, Any]:
    async def ended() -> dict[str, Any] | None:
        record = await credit_record(http, record_id, uscc)
        # both: the record's GET reads the record and its publication in two statements (read committed),
        # so under load it can show the publication ended and the decision still in force for a moment
        done = record["publication"]["active"] is False and record["decision_status"] != "in_force"
        return record if done else None

    return await wait_for(ended, timeout=30)  # type: ignore[no-any-return]


async def published_case(http: httpx.AsyncClient, day: date) -> tuple[str, str, str, dict[str, Any]]:
    uscc, name = new_party()
    pin(day)
    cid, decided = await decide(http, UNIT, uscc, name)
    n = await credit_notice(http, cid, uscc)
    await deliver(http, UNIT, cid)
    return cid, uscc, decided["decision"]["number"], n


async def test_published_at_delivery_due_within_seven_working_days(platform: Platform) -> None:
    """Decided and delivered Fri 2026-09-18. Seven working days: Sun 09-20 (worked) 1, 09-21 2, 09-22 3,
    09-23 4, 09-24 5, (09-25 – 09-27 中秋), 09-28 6, 09-29 7 → due 2026-09-29; published 09-18, on time."""
    async with client(platform.gateway.url) as http:
        cid, uscc, number, _ = await published_case(http, date(2026, 9, 18))
        [record] = await disclosure(http, UNIT, cid)
        assert (record["due_on"], record["published_on"]) == ("2026-09-29", "2026-09-18")
        assert (record["status"], record["timeliness"]) == ("published", "on_time")
        [public] = [d for d in await public_decisions(http) if d["decision_no"] == number]
        assert public["party_uscc"] == uscc
        assert "75,000.00元" in public["penalty"]
        assert public["decided_on"] == "2026-09-18"


async def test_a_late_delivery_is_a_late_publication(platform: Platform) -> None:
    """Decided Fri 2026-09-18 (due 09-29, above), delivered only on Wed 09-30: published late."""
    uscc, name = new_party()
    pin(date(2026, 9, 18))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(http, UNIT, uscc, name)
        await credit_notice(http, cid, uscc)
        pin(date(2026, 9, 30))
        await deliver(http, UNIT, cid)
        [record] = await disclosure(http, UNIT, cid)
        assert (record["due_on"], record["published_on"], record["timeliness"]) == (
            "2026-09-29",
            "2026-09-30",
            "late",
        )


async def test_revocation_withdraws_both_publications_with_the_reason(platform: Platform) -> None:
    """Published 2026-09-18; revoked by reconsideration (行政复议法 第六十四条) on Thu 09-24. Three working days:
    (09-25 – 09-27 中秋) 09-28 1, 09-29 2, 09-30 3 → withdraw by 2026-09-30. Withdrawn at once; the credit
    publication ends the same day, reason ``revoked``; the public lists no longer show it."""
    async with client(platform.gateway.url) as http:
        cid, uscc, number, n = await published_case(http, date(2026, 9, 18))
        record = await credit_record(http, n["record_id"], uscc)
        publication_id = record["publication"]["id"]
        assert [p["id"] for p in await public_credit(http, uscc)] == [publication_id]

        pin(date(2026, 9, 24))
        body = {
            "source": "reconsideration",
            "reason": "主要事实不清、证据不足",
            "source_document": "沈政复决〔2026〕101号",
        }
        case = ok(await http.post(f"{CASES}/{cid}/revocation", json=body, headers=UNIT.headers))
        assert case["state"] == "revoked"
        [d] = await disclosure(http, UNIT, cid)
        assert (d["status"], d["withdrawn_on"], d["withdraw_by"]) == ("withdrawn", "2026-09-24", "2026-09-30")
        assert number not in [x["decision_no"] for x in await public_decisions(http)]
        [withdrawn] = [x for x in await public_decisions(http, "withdrawn") if x["decision_no"] == number]
        assert "主要事实不清、证据不足" in withdrawn["withdrawal_reason"]
        assert "第四十八条" in withdrawn["withdrawal_reason"]
        assert withdrawn["penalty"] is None and withdrawn["facts"] is None  # only the reason stays public

        ended = await credit_ended(http, n["record_id"], uscc)
        assert (ended["publication"]["end_reason"], ended["publication"]["ended_on"]) == (
            "revoked",
            "2026-09-24",
        )
        assert ended["decision_status"] == "revoked"
        assert await public_credit(http, uscc) == []
        assert [(i["kind"], i["reason"]) for i in await feed(http, publication_id)] == [
            ("started", None),
            ("ended", "revoked"),
        ]


async def test_a_change_over_national_day_is_withdrawn_by_the_tenth(platform: Platform) -> None:
    """Published 2026-09-18; changed by reconsideration (行政复议法 第六十三条) on Wed 09-30 to 60,000.00 元.
    Three working days: (10-01 – 10-07 国庆) 10-08 1, 10-09 2, Sat 10-10 (worked) 3 → withdraw by 2026-10-10.
    The changed decision is published anew (revision 2); the credit service ends the old publication
    (``changed``) and classes the changed decision anew: 60,000 > 50,000 → 一般, its periods still from the
    original date 09-18 (earliest repair 12-18)."""
    async with client(platform.gateway.url) as http:
        cid, uscc, number, n = await published_case(http, date(2026, 9, 18))
        pin(date(2026, 9, 30))
        body = {
            "source": "reconsideration",
            "reason": "罚款数额明显不当",
            "source_document": "沈政复决〔2026〕102号",
            "penalty": {"kinds": ["fine"], "fine_fen": 60_000 * YUAN},
        }
        ok(await http.post(f"{CASES}/{cid}/change", json=body, headers=UNIT.headers))
        records = await disclosure(http, UNIT, cid)
        assert records[0]["withdraw_by"] == "2026-10-10"
        assert records[0]["withdrawn_on"] == "2026-09-30"
        assert records[-1]["revision"] == 2 and records[-1]["status"] == "published"
        [current] = [x for x in await public_decisions(http) if x["decision_no"] == number]
        assert "60,000.00元" in current["penalty"] and current["change_document"]

        ended = await credit_ended(http, n["record_id"], uscc)
        assert ended["publication"]["end_reason"] == "changed"

        async def new_record() -> dict[str, Any] | None:
            r = ok(await http.get("/api/v1/credit/records", params={"case_id": cid}, headers=UNIT.headers))
            fresh = [x for x in r["items"] if x["id"] != n["record_id"]]
            return fresh[0] if fresh else None

        fresh = await wait_for(new_record, timeout=30)
        assert fresh["credit_class"] == "general"
        assert fresh["publication"]["starts_on"] == "2026-09-18"
        assert fresh["publication"]["earliest_repair_on"] == "2026-12-18"


async def test_confirmed_illegal_withdraws_but_keeps_the_fine_due(platform: Platform) -> None:
    """Published 2026-09-18; a court confirms it illegal (行政诉讼法 第七十四条) effective Fri 10-09. Three
    working days: Sat 10-10 (worked) 1, 10-12 2, 10-13 3 → withdraw by 2026-10-13. The decision stays in force:
    the fine can still be paid. The credit publication ends, reason ``confirmed_illegal``."""
    async with client(platform.gateway.url) as http:
        cid, uscc, number, n = await published_case(http, date(2026, 9, 18))
        pin(date(2026, 10, 9))
        body = {
            "source": "litigation",
            "finding": "confirmed_illegal",
            "reason": "程序轻微违法，但对原告权利不产生实际影响",
            "source_document": "（2026）辽0102行初77号",
            "effective_on": "2026-10-09",
        }
        case = ok(await http.post(f"{CASES}/{cid}/confirmation", json=body, headers=UNIT.headers))
        assert case["state"] == "delivered"
        [d] = await disclosure(http, UNIT, cid)
        assert (d["status"], d["withdraw_by"]) == ("withdrawn", "2026-10-13")
        [withdrawn] = [x for x in await public_decisions(http, "withdrawn") if x["decision_no"] == number]
        assert "确认违法" in withdrawn["withdrawal_reason"]
        ended = await credit_ended(http, n["record_id"], uscc)
        assert ended["publication"]["end_reason"] == "confirmed_illegal"
        assert ended["decision_status"] == "confirmed_illegal"
        paid = await http.post(
            f"{CASES}/{cid}/payments", json={"fine_fen": 75_000 * YUAN}, headers=UNIT.headers
        )
        assert paid.status_code == 200, paid.text
