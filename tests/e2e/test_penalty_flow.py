"""A penalty case end to end through the gateway, with the real inspection, penalty and credit repair services
on real NATS:

violation found during a scan-to-enter visit (inspection.violation.found) → a lead in the penalty service →
an officer confirms it (case filed) → assessment against the benchmark → 行政处罚告知书 → the enterprise's
statement in the app, reviewed → 行政处罚决定书 (penalty.decision.issued) → the credit service's 信用修复提示书
arrives (credit.notice.issued) → delivery with both documents (两书同达) → payment (penalty.fine.paid, seen by
the credit service).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

YUAN = 100
# From the sample data (data/sample/officers.json, enterprises.json, inspection_items.json).
LEAD_OFFICER = officer("辽A-0012340", "SJ", "210100", sub="sub-辽A-0012340", name="雷悦国")
PARTNER = {"cert_no": "辽A-0012341", "dept_code": "SJ", "district_code": "210100", "name": "沈刚悦"}
USCC = "92210102MAATEGTJ1H"  # 沈阳市和平区中禾化妆品商行, 和平区
NAME = "沈阳市和平区中禾化妆品商行"
ENTERPRISE = enterprise(USCC)
ITEM = "SJ-SP-010"  # 对预包装食品标签及散装食品标示情况的检查
PENALTY = "/api/v1/penalty"


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(
        stack,
        ("inspection", "penalty", "credit_repair"),
        nats=nats_server,
        gateway=True,
        settings={"penalty": {"deadline_scan_enabled": False}},
    ) as running:
        yield running


async def violation_found(http: httpx.AsyncClient) -> str:
    """A complaint task, approved; the officers' entry code scanned by the enterprise; a violation recorded."""
    task = {
        "kind": "complaint",
        "title": "12345 转办：散装食品无标签",
        "lead_dept": "SJ",
        "item_codes": [ITEM],
        "enterprises": [USCC],
        "lead_id": "12345-2026-1116-001",
    }
    created = ok(await http.post("/api/v1/inspection/tasks", json=task, headers=LEAD_OFFICER), 201)
    ok(
        await http.post(
            f"/api/v1/inspection/tasks/{created['task_id']}/approve",
            headers=auth("supervisor", "sup", scope="city"),
        )
    )
    code = ok(
        await http.post(
            "/api/v1/inspection/visits/entry-codes",
            json={
                "task_id": created["task_id"],
                "enterprise_uscc": USCC,
                "officers": [PARTNER["cert_no"]],
                "item_codes": [ITEM],
            },
            headers=LEAD_OFFICER,
        ),
        201,
    )
    visit = ok(
        await http.post(
            "/api/v1/inspection/visits/check-in", json={"code": code["code"]}, headers=ENTERPRISE
        ),
        201,
    )
    visit_id = visit["visit"]["visit_id"]
    outcome = {
        "item_code": ITEM,
        "outcome": "violation",
        "description": "当事人销售无标签的预包装食品（散装糕点）30袋，货值金额3,000元。",
        "evidence_sha256": ["5d" * 32],
    }
    ok(
        await http.post(
            f"/api/v1/inspection/visits/{visit_id}/outcomes",
            json={"outcomes": [outcome]},
            headers=LEAD_OFFICER,
        )
    )
    ok(await http.post(f"/api/v1/inspection/visits/{visit_id}/checkout", headers=LEAD_OFFICER))
    return str(visit_id)


async def test_violation_to_payment(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        visit_id = await violation_found(http)

        # inspection.violation.found → a lead for the department
        async def lead() -> dict[str, Any] | None:
            r = ok(await http.get(f"{PENALTY}/leads", params={"status": "open"}, headers=LEAD_OFFICER))
            return next((x for x in r["items"] if x["visit_id"] == visit_id), None)

        found = await wait_for(lead, timeout=20)
        assert found["enterprise_uscc"] == USCC and found["officer_cert_nos"]
        detail = ok(await http.get(f"{PENALTY}/leads/{found['id']}", headers=LEAD_OFFICER))
        assert "SY-SJ-0004" in detail["suggested_benchmarks"]

        # the officer confirms it: 立案
        confirm = {
            "benchmark_code": "SY-SJ-0004",
            "approved_by": "分管副局长",
            "party_address": "沈阳市和平区",
            "legal_representative": "于某某",
        }
        case = ok(
            await http.post(f"{PENALTY}/leads/{found['id']}/confirm", json=confirm, headers=LEAD_OFFICER), 201
        )
        cid = case["id"]
        assert case["source"] == "inspection" and case["party"]["name"] == NAME
        ok(await http.post(f"{PENALTY}/cases/{cid}/investigation", json={}, headers=LEAD_OFFICER))

        # assessment: goods value 3,000 元 < 10,000 元 → 5,000–50,000 元 (食品安全法 第一百二十五条第一款);
        # 一般 = 30–70 %: [18,500, 36,499.99]; suggested (18,500 + 36,499.99) / 2 → 27,500 元
        facts = {
            "violation_date": (clock.today() - timedelta(days=1)).isoformat(),
            "base_amounts": {"goods_value": 3_000 * YUAN},
        }
        assessment = ok(
            await http.post(f"{PENALTY}/cases/{cid}/assessment", json=facts, headers=LEAD_OFFICER)
        )
        fine_fen = assessment["penalty"]["suggested_fine_fen"]
        assert fine_fen == 27_500 * YUAN and assessment["penalty"]["tier"] == "一般"
        assert not assessment["hearing_required"]  # under 10 万元 for an organisation

        # 告知书, then the enterprise's statement from the app, reviewed by the officer
        fine = {"kinds": ["fine"], "fine_fen": fine_fen}
        notice = {"facts": [found["description"]], "evidence": ["现场检查笔录"], "proposed": fine}
        notified = ok(await http.post(f"{PENALTY}/cases/{cid}/notice", json=notice, headers=LEAD_OFFICER))
        assert any(d["kind"] == "penalty_notice" for d in notified["documents"])
        statement = {"content": "我店已将全部无标签食品下架，请求从轻处理。"}
        ok(await http.post(f"{PENALTY}/cases/{cid}/statements", json=statement, headers=ENTERPRISE))
        review = {"opinion": "当事人已改正，但不属于法定从轻情形，维持拟处罚意见。", "adopted": False}
        ok(await http.post(f"{PENALTY}/cases/{cid}/statements/review", json=review, headers=LEAD_OFFICER))

        # 决定书: penalty.decision.issued
        decided = ok(
            await http.post(f"{PENALTY}/cases/{cid}/decision", json={"penalty": fine}, headers=LEAD_OFFICER)
        )
        decision_no = decided["decision"]["number"]
        assert decision_no.startswith("沈市监罚〔")

        # the credit service answers with its notice (credit.notice.issued); until then, no delivery
        body = {"method": "direct", "recipient": "经营者本人"}

        async def deliverable() -> dict[str, Any] | None:
            r = await http.post(f"{PENALTY}/cases/{cid}/delivery", json=body, headers=LEAD_OFFICER)
            if r.status_code == 409:
                assert r.json()["code"] == "CREDIT_NOTICE_PENDING"
                return None
            return ok(r)  # type: ignore[no-any-return]

        delivered = await wait_for(deliverable, timeout=30)
        assert delivered["case"]["state"] == "delivered"
        assert delivered["decision_document"]["number"] == decision_no
        credit_notice = delivered["credit_notice"]
        assert credit_notice["notice_no"] and credit_notice["document_url"]

        # the enterprise's view shows both documents, and both open
        view = ok(await http.get(f"{PENALTY}/cases/{cid}/decision", headers=ENTERPRISE))
        assert view["both_documents_ready"] is True
        decision_pdf = await http.get(view["decision_document"]["pdf_url"], headers=ENTERPRISE)
        assert decision_pdf.status_code == 200 and decision_pdf.content.startswith(b"%PDF")
        notice_doc = await http.get(view["credit_notice"]["document_url"], headers=ENTERPRISE)
        assert notice_doc.status_code == 200

        # payment: penalty.fine.paid reaches the credit service
        paid = ok(
            await http.post(
                f"{PENALTY}/cases/{cid}/payments", json={"fine_fen": fine_fen}, headers=LEAD_OFFICER
            )
        )
        assert paid["state"] == "executed"

        async def credit_saw_payment() -> bool:
            r = await http.get("/api/v1/credit/notices", params={"case_id": cid}, headers=ENTERPRISE)
            items = r.json()["items"] if r.status_code == 200 else []
            if not items:
                return False
            record = ok(await http.get(f"/api/v1/credit/records/{items[0]['record_id']}", headers=ENTERPRISE))
            return bool(record["fully_performed"] or record["fine_paid_fen"] == fine_fen)

        await wait_for(credit_saw_payment, timeout=20)
