"""两书同达 to credit repair, end to end through the gateway, with the real penalty and credit services on
real NATS: an officer decides a 75,000-yuan fine → the credit service classes it 一般, publishes it and
issues its 信用修复提示书 → the penalty service delivers the decision together with the notice → the fine is
paid → the enterprise's early application is refused, then (the clock moved to the minimum period's end)
accepted by the deciding department → the integration feed shows the start and the end of publication.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from services.common.workdays import PACKAGE_YEARS
from tests.credit_repair.helpers import months_later
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

USCC = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司 (data/sample/enterprises.json)
YUAN = 100
OFFICER = officer("辽A-7000001", "SJ", "210102", sub="sub-辽A-7000001", name="张执法")
ENTERPRISE = enterprise(USCC)
PARTNER = {"cert_no": "辽A-7000002", "dept_code": "SJ", "district_code": "210102", "name": "李执法"}
CASES = "/api/v1/penalty/cases"


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(
        stack,
        ("penalty", "credit_repair"),
        nats=nats_server,
        gateway=True,
        settings={"penalty": {"deadline_scan_enabled": False}},
    ) as running:
        yield running


async def decide_75000_yuan(http: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    """SY-SJ-0001 (goods value 5,000 元): 5–10 万元, 一般 tier [65,000, 84,999.99], suggested 75,000 元."""
    body = {
        "party": {
            "kind": "organisation",
            "name": "沈阳东陵客运有限公司",
            "uscc": USCC,
            "address": "沈阳市铁西区",
            "legal_representative": "于某某",
        },
        "benchmark_code": "SY-SJ-0001",
        "procedure": "general",
        "facts_brief": "现场检查发现当事人生产经营超过保质期的食品。",
        "officers": [PARTNER["cert_no"]],
        "approved_by": "分管副局长",
    }
    cid = ok(await http.post(CASES, json=body, headers=OFFICER), 201)["id"]
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=OFFICER))
    facts = {
        "violation_date": (clock.today() - timedelta(days=20)).isoformat(),
        "base_amounts": {"goods_value": 5_000 * YUAN},
    }
    ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=OFFICER))
    fine = {"kinds": ["fine"], "fine_fen": 75_000 * YUAN}
    notice = {"facts": ["当事人生产经营超过保质期的食品。"], "proposed": fine}
    ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=OFFICER))
    ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=OFFICER))
    decided = ok(await http.post(f"{CASES}/{cid}/decision", json={"penalty": fine}, headers=OFFICER))
    return cid, decided


async def test_decision_notice_repair_feed(platform: Platform) -> None:
    try:
        async with client(platform.gateway.url) as http:
            cid, decided = await decide_75000_yuan(http)
            decided_on = date.fromisoformat(decided["decision"]["decided_on"])

            # 两书同达: the credit service answers penalty.decision.issued with its notice ...
            async def notice() -> dict[str, Any] | None:
                r = await http.get("/api/v1/credit/notices", params={"case_id": cid}, headers=ENTERPRISE)
                items = r.json()["items"] if r.status_code == 200 else []
                return items[0] if items else None

            n = await wait_for(notice, timeout=20)
            assert n["published"] is True and n["class_label"] == "一般失信信息"
            # 75,000 > 50,000 元: 一般, published from the decision date, repairable after 3 months, at most 1 year
            earliest = date.fromisoformat(n["earliest_repair_date"])
            assert date.fromisoformat(n["publication_start"]) == decided_on
            assert earliest == months_later(decided_on, 3)
            assert date.fromisoformat(n["maximum_end"]) == months_later(decided_on, 12)

            # ... and the penalty service delivers the decision together with it
            async def deliverable() -> dict[str, Any] | None:
                r = await http.post(
                    f"{CASES}/{cid}/delivery",
                    json={"method": "direct", "recipient": "当事人法定代表人"},
                    headers=OFFICER,
                )
                return r.json() if r.status_code == 200 else None

            delivered = await wait_for(deliverable, timeout=20)
            assert delivered["credit_notice"]["document_url"].endswith(f"/notices/{n['id']}/pdf")
            view = ok(await http.get(f"{CASES}/{cid}/decision", headers=ENTERPRISE))
            assert view["both_documents_ready"] is True
            html = await http.get(n["html_url"], headers=ENTERPRISE)
            assert html.status_code == 200 and n["notice_no"] in html.text

            record = ok(await http.get(f"/api/v1/credit/records/{n['record_id']}", headers=ENTERPRISE))
            assert (record["credit_class"], record["publication"]["active"]) == ("general", True)
            public = ok(await http.get("/public/credit/publications", params={"uscc": USCC}))
            assert record["publication"]["id"] in [p["id"] for p in public["items"]]

            # the fine is paid (penalty.fine.paid)
            ok(await http.post(f"{CASES}/{cid}/payments", json={"fine_fen": 75_000 * YUAN}, headers=OFFICER))

            async def fine_paid() -> bool:
                r = ok(await http.get(f"/api/v1/credit/records/{n['record_id']}", headers=ENTERPRISE))
                return bool(r["fully_performed"] or r["fine_paid_fen"] == 75_000 * YUAN)

            await wait_for(fine_paid, timeout=20)

            application = {
                "record_id": n["record_id"],
                "commitment_text": "本企业承诺已纠正违法行为并全部履行处罚决定，所提交材料真实有效。",
                "commitment_accepted": True,
                "evidence_refs": ["sha256:8a7b6c"],
            }
            early = await http.post("/api/v1/credit/repairs", json=application, headers=ENTERPRISE)
            assert early.status_code == 409 and early.json()["code"] == "REPAIR_TOO_EARLY"

            # the minimum period passes: move the platform's clock (dev/test only), enter next year's calendar
            admin = auth("admin", "admin-1")
            for year in {earliest.year, earliest.year + 1}:
                if year not in PACKAGE_YEARS:
                    ok(
                        await http.put(
                            f"/api/v1/credit/admin/calendar/{year}",
                            json={"source": "国务院办公厅节假日安排（测试数据）"},
                            headers=admin,
                        )
                    )
            days = (earliest - clock.today()).days
            ok(
                await http.put(
                    "/api/v1/credit/admin/clock", json={"offset_seconds": days * 86400 + 60}, headers=admin
                )
            )
            assert clock.today() == earliest

            applied = ok(await http.post("/api/v1/credit/repairs", json=application, headers=ENTERPRISE), 201)
            accepted = ok(
                await http.post(
                    f"/api/v1/credit/repairs/{applied['id']}/decision",
                    json={"outcome": "accepted", "reasons": ["已纠正违法行为并履行处罚决定"]},
                    headers=OFFICER,
                )
            )
            assert accepted["status"] == "repaired" and accepted["on_time"] is True

            # the feed shows the start and the end of publication, in order
            feed = ok(
                await http.get(
                    "/api/v1/credit/feed",
                    params={"limit": 200},
                    headers=auth("integration", "cc", client="creditchina"),
                )
            )
            mine = [i for i in feed["items"] if i["publication_id"] == record["publication"]["id"]]
            assert [(i["kind"], i["reason"]) for i in mine] == [("started", None), ("ended", "repaired")]
            assert mine[1]["data"]["ended_on"] == earliest.isoformat()
            public = ok(await http.get("/public/credit/publications", params={"uscc": USCC}))
            assert record["publication"]["id"] not in [p["id"] for p in public["items"]]
            unknown = await http.get(f"/api/v1/credit/records/{uuid.uuid4()}", headers=ENTERPRISE)
            assert unknown.status_code == 404
    finally:
        clock.reset()
