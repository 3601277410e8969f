"""Integration clients act only within their scopes (issue #11 item 5), end to end through the gateway with the
real penalty and credit services on real NATS.

The defect: the 12345 hotline's token (role integration, client 12345) recorded a 75,000-yuan payment on an
SJ case; the case was executed, the credit record became fully performed and a repair was then accepted.
Now a client without the payments scope is refused with 403 CLIENT_SCOPE_FORBIDDEN and nothing changes: the
case, its timeline, the outbox (no penalty.fine.paid) and so the credit record. The payment platform's client
records the same payment and the whole chain follows. The credit feed is likewise only for the client that
holds its scope.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.test_credit_flow import CASES, ENTERPRISE, OFFICER, YUAN, decide_75000_yuan
from tests.e2e.test_credit_flow import platform as platform  # the module-scoped fixture, reused
from tests.support.http import ok
from tests.support.outbox import envelopes
from tests.support.personas import integration
from tests.support.platform import Platform
from tests.support.stack import auth, client, wait_for

FINE_FEN = 75_000 * YUAN  # 75,000 元 = 7,500,000 分


async def test_only_the_payment_client_records_payments(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        cid, _ = await decide_75000_yuan(http)

        async def credit_notice() -> dict[str, Any] | None:
            r = await http.get("/api/v1/credit/notices", params={"case_id": cid}, headers=ENTERPRISE)
            items = r.json()["items"] if r.status_code == 200 else []
            return items[0] if items else None

        notice = await wait_for(credit_notice, timeout=20)
        delivery = {"method": "direct", "recipient": "当事人法定代表人"}

        async def delivered() -> bool:
            r = await http.post(f"{CASES}/{cid}/delivery", json=delivery, headers=OFFICER)
            return r.status_code == 200

        await wait_for(delivered, timeout=20)
        record_url = f"/api/v1/credit/records/{notice['record_id']}"
        case_before = ok(await http.get(f"{CASES}/{cid}", headers=OFFICER))
        steps_before = ok(await http.get(f"{CASES}/{cid}/steps", headers=OFFICER))
        record_before = ok(await http.get(record_url, headers=ENTERPRISE))
        assert case_before["state"] == "delivered" and record_before["fine_paid_fen"] == 0

        for outsider in ("12345", "court", "reconsideration", "creditchina", "unknown-system"):
            r = await http.post(
                f"{CASES}/{cid}/payments", json={"fine_fen": FINE_FEN}, headers=integration(outsider)
            )
            assert r.status_code == 403, r.text
            body = r.json()
            assert body["code"] == "CLIENT_SCOPE_FORBIDDEN" and body["scope"] == "penalty.payments.record"
            assert outsider in body["detail"] and "报送罚款缴纳" in body["detail"]

        assert ok(await http.get(f"{CASES}/{cid}", headers=OFFICER)) == case_before
        assert ok(await http.get(f"{CASES}/{cid}/steps", headers=OFFICER)) == steps_before
        assert await envelopes(platform.penalty.runtime.factory, "penalty.fine.paid", case_id=cid) == []
        await asyncio.sleep(0.5)  # a payment event, had one been written, would reach credit well within this
        assert ok(await http.get(record_url, headers=ENTERPRISE)) == record_before

        paid = ok(
            await http.post(
                f"{CASES}/{cid}/payments",
                json={"fine_fen": FINE_FEN, "receipt_ref": "非税缴款书 2102-0001"},
                headers=integration("payment"),
            )
        )
        assert paid["state"] == "executed" and paid["decision"]["fine_outstanding_fen"] == 0
        assert [
            e["data"]["fine_fen"]
            for e in await envelopes(platform.penalty.runtime.factory, "penalty.fine.paid", case_id=cid)
        ] == [FINE_FEN]

        async def fully_performed() -> bool:
            return bool(ok(await http.get(record_url, headers=ENTERPRISE))["fully_performed"])

        await wait_for(fully_performed, timeout=20)


async def test_the_credit_feed_is_for_the_credit_platform(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        for outsider in ("12345", "payment", "court"):
            r = await http.get("/api/v1/credit/feed", headers=integration(outsider))
            assert r.status_code == 403 and r.json()["code"] == "CLIENT_SCOPE_FORBIDDEN", r.text
            assert r.json()["scope"] == "credit.feed.read"
        ok(await http.get("/api/v1/credit/feed", headers=integration("creditchina")))
        ok(await http.get("/api/v1/credit/feed", headers=auth("supervisor", "sup-city", scope="city")))


async def test_english_refusal_names_client_and_scope(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        r = await http.get("/api/v1/credit/feed", headers={**integration("12345"), "Accept-Language": "en"})
    assert r.status_code == 403
    assert (
        r.json()["detail"]
        == "client '12345' is not granted credit.feed.read (read the credit publication feed)"
    )


async def test_configured_scopes_are_what_counts(platform: Platform) -> None:
    """The grants are configuration (ZHIFA_INTEGRATION_SCOPES): granted the scope, a client may read the feed."""
    settings = platform.credit.runtime.settings
    original = settings.integration_scopes
    settings.integration_scopes = {**original, "12345": ["risk.intake.complaint", "credit.feed.read"]}
    try:
        async with client(platform.gateway.url) as http:
            ok(await http.get("/api/v1/credit/feed", headers=integration("12345")))
    finally:
        settings.integration_scopes = original
