"""信用修复 across penalty and credit repair (SPEC §4): eligibility (minimum period served, the fine paid —
learned from penalty.fine.paid —, a signed commitment), the review deadlines in working days (3 to accept, 7 to
decide from acceptance, the 信用中国 window 10: the rule set's reported figures), and acceptance ending the
publication at once: off the public list, an ``ended``/``repaired`` entry in the integration feed.

The 2026 arrangement: 国庆 10-01 – 10-07 off, Sat 10-10 worked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.e2e.acceptance.journeys import (
    CASES,
    CREDIT,
    YUAN,
    Unit,
    credit_notice,
    credit_record,
    decide,
    deliver,
    enterprise_headers,
    feed,
    new_party,
    pin,
    public_credit,
)
from tests.support.http import ok, problem
from tests.support.platform import Platform
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210115")


def application(record_id: str) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "commitment_text": "本企业承诺已纠正违法行为并全部履行处罚决定，所提交材料真实有效。",
        "commitment_accepted": True,
        "violation_corrected": True,
        "evidence_refs": ["sha256:9f8e7d"],
    }


async def published(http: httpx.AsyncClient, day: date) -> tuple[str, str, dict[str, Any]]:
    uscc, name = new_party()
    pin(day)
    cid, _ = await decide(http, UNIT, uscc, name)
    n = await credit_notice(http, cid, uscc)
    await deliver(http, UNIT, cid)
    return cid, uscc, n


async def pay(http: httpx.AsyncClient, cid: str, uscc: str, record_id: str) -> None:
    ok(await http.post(f"{CASES}/{cid}/payments", json={"fine_fen": 75_000 * YUAN}, headers=UNIT.headers))

    async def seen() -> bool:
        return bool((await credit_record(http, record_id, uscc))["fully_performed"])

    await wait_for(seen, timeout=30)


async def test_an_unpaid_fine_and_an_early_application_are_both_named(platform: Platform) -> None:
    """Decided Mon 2026-06-01, nothing paid; applying on Mon 08-31 (the minimum period ends 09-01) names both
    unmet conditions; on 09-01 only the fine."""
    async with client(platform.gateway.url) as http:
        _, uscc, n = await published(http, date(2026, 6, 1))
        pin(date(2026, 8, 31))
        r = await http.post(
            f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
        )
        body = problem(r, 409, "REPAIR_TOO_EARLY")
        assert {e["code"] for e in body["errors"]} == {"REPAIR_TOO_EARLY", "REPAIR_FINE_UNPAID"}
        assert "2026年9月1日" in body["detail"]
        pin(date(2026, 9, 1))
        r = await http.post(
            f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
        )
        body = problem(r, 409, "REPAIR_FINE_UNPAID")
        assert "75,000.00元" in body["detail"]


async def test_a_commitment_is_required(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        cid, uscc, n = await published(http, date(2026, 6, 2))
        await pay(http, cid, uscc, n["record_id"])
        pin(date(2026, 9, 2))
        body = {**application(n["record_id"]), "commitment_accepted": False}
        r = await http.post(f"{CREDIT}/repairs", json=body, headers=enterprise_headers(uscc))
        assert r.status_code in (400, 409, 422), r.text
        assert "REPAIR_COMMITMENT_MISSING" in r.text


async def test_review_deadlines_across_national_day(platform: Platform) -> None:
    """Decided Tue 2026-06-30: repairable from Wed 09-30. Applied 09-30: accept within 3 working days —
    (10-01 – 10-07) 10-08 1, 10-09 2, Sat 10-10 3 → 10-10; decide within 7 working days of that — 10-12 1 …
    10-16 5, 10-19 6, 10-20 7 → 10-20; the window's 10 working days from 09-30 — 10-08, 10-09, 10-10 (3),
    10-12 … 10-16 (8), 10-19 (9), 10-20 (10) → 10-20."""
    async with client(platform.gateway.url) as http:
        cid, uscc, n = await published(http, date(2026, 6, 30))
        assert n["earliest_repair_date"] == "2026-09-30"
        await pay(http, cid, uscc, n["record_id"])
        pin(date(2026, 9, 30))
        applied = ok(
            await http.post(
                f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
            ),
            201,
        )
        assert (applied["submitted_on"], applied["acceptance_due"]) == ("2026-09-30", "2026-10-10")
        assert (applied["decision_due"], applied["window_due"]) == ("2026-10-20", "2026-10-20")


async def test_an_accepted_repair_ends_publication_at_once(platform: Platform) -> None:
    """Decided Wed 2026-07-01, paid; applied Thu 10-01 (a holiday: an online application any day), accepted by
    the deciding department on Thu 10-08: the publication ends 10-08, reason ``repaired``; the public list no
    longer shows it; the feed has its start and its end; a second application is refused."""
    async with client(platform.gateway.url) as http:
        cid, uscc, n = await published(http, date(2026, 7, 1))
        await pay(http, cid, uscc, n["record_id"])
        record = await credit_record(http, n["record_id"], uscc)
        publication_id = record["publication"]["id"]
        pin(date(2026, 10, 1))
        applied = ok(
            await http.post(
                f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
            ),
            201,
        )
        assert [p["id"] for p in await public_credit(http, uscc)] == [publication_id]
        pin(date(2026, 10, 8))
        ok(
            await http.post(
                f"{CREDIT}/repairs/{applied['id']}/acceptance", json={"extended": False}, headers=UNIT.headers
            )
        )
        decided = ok(
            await http.post(
                f"{CREDIT}/repairs/{applied['id']}/decision",
                json={"outcome": "accepted", "reasons": ["已纠正违法行为并履行处罚决定"]},
                headers=UNIT.headers,
            )
        )
        assert (decided["status"], decided["on_time"]) == ("repaired", True)
        record = await credit_record(http, n["record_id"], uscc)
        assert (record["publication"]["active"], record["publication"]["ended_on"]) == (False, "2026-10-08")
        assert record["publication"]["end_reason"] == "repaired"
        assert await public_credit(http, uscc) == []
        entries = await feed(http, publication_id)
        assert [(e["kind"], e["reason"]) for e in entries] == [("started", None), ("ended", "repaired")]
        again = await http.post(
            f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
        )
        problem(again, 409, "REPAIR_NOT_PUBLISHED")


async def test_another_department_cannot_decide_the_repair(platform: Platform) -> None:
    """谁认定谁修复: only the deciding department (SJ) reviews; CG's officer gets 403 or 404."""
    other = Unit("CG", "210115")
    async with client(platform.gateway.url) as http:
        cid, uscc, n = await published(http, date(2026, 7, 2))
        await pay(http, cid, uscc, n["record_id"])
        pin(date(2026, 10, 8))
        applied = ok(
            await http.post(
                f"{CREDIT}/repairs", json=application(n["record_id"]), headers=enterprise_headers(uscc)
            ),
            201,
        )
        r = await http.post(
            f"{CREDIT}/repairs/{applied['id']}/decision",
            json={"outcome": "accepted", "reasons": ["同意"]},
            headers=other.headers,
        )
        assert r.status_code in (403, 404), r.text
        assert (await credit_record(http, n["record_id"], uscc))["publication"]["active"] is True
