"""Leads through the API: a violation found in an inspection becomes a lead (once, however often the event
arrives), which an officer confirms (the case is filed) or dismisses with a reason."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.common import clock
from services.common.contracts.inspection import ViolationFound
from services.common.db import transaction
from services.common.events import make_envelope
from services.common.inbox import Delivery
from services.penalty import consumers
from services.penalty.use_cases import leads
from tests.penalty.helpers import (
    CG_A,
    SJ_A,
    SJ_B,
    USCC_B,
)
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
NOTICE = {"facts": ["当事人销售无标签的预包装食品30袋。"]}


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


class TestLeads:
    async def test_violation_found_becomes_a_lead_an_officer_confirms(self, penalty: Running) -> None:
        violation = ViolationFound(
            violation_id=uuid.uuid4(),
            visit_id=uuid.uuid4(),
            enterprise_uscc=USCC_B,
            enterprise_name="沈阳东方化工产品经营有限公司",
            item_code="SJ-SP-001",
            item_name="对食品生产经营许可及许可证公示情况的检查",
            legal_basis="《中华人民共和国食品安全法》第一百二十五条",
            description="销售无标签的预包装食品20袋。",
            evidence_hashes=["ab" * 32],
            officer_cert_nos=[SJ_A["cert_no"], SJ_B["cert_no"]],
            department_code="SJ",
            district_code="210104",
            found_at=clock.now(),
        )
        for _ in range(2):  # a redelivered event makes no second lead
            async with transaction(penalty.runtime.factory) as session:
                await consumers.on_violation_found(
                    session,
                    violation,
                    Delivery(make_envelope(violation, source="inspection"), penalty.runtime.context),
                )
        async with client(penalty.url) as http:
            leads = ok(
                await http.get("/api/v1/penalty/leads", params={"status": "open"}, headers=officer(**SJ_A))
            )
            [lead] = [x for x in leads["items"] if x["violation_id"] == str(violation.violation_id)]
            detail = ok(await http.get(f"/api/v1/penalty/leads/{lead['id']}", headers=officer(**SJ_A)))
            assert "SY-SJ-0004" in detail["suggested_benchmarks"]
            problem(
                await http.get(f"/api/v1/penalty/leads/{lead['id']}", headers=officer(**CG_A)),
                404,
                "LEAD_NOT_FOUND",
            )
            confirm = {
                "benchmark_code": "SY-SJ-0004",
                "approved_by": "分管副局长",
                "party_address": "沈阳市铁西区沈辽路288号",
                "legal_representative": "于某某",
            }
            case = ok(
                await http.post(
                    f"/api/v1/penalty/leads/{lead['id']}/confirm", json=confirm, headers=officer(**SJ_A)
                ),
                201,
            )
            again = await http.post(
                f"/api/v1/penalty/leads/{lead['id']}/confirm", json=confirm, headers=officer(**SJ_A)
            )
        problem(again, 409, "LEAD_ALREADY_HANDLED")
        assert case["source"] == "inspection" and case["violation_id"] == str(violation.violation_id)
        assert case["party"]["uscc"] == USCC_B and case["district_code"] == "210104"
        [opened] = await envelopes(penalty.runtime.factory, "penalty.case.opened", case_id=case["id"])
        assert opened["data"]["violation_id"] == str(violation.violation_id)
        assert opened["data"]["source"] == "inspection"

    async def test_dismissed_with_a_reason(self, penalty: Running) -> None:
        violation = ViolationFound(
            violation_id=uuid.uuid4(),
            visit_id=uuid.uuid4(),
            enterprise_uscc=USCC_B,
            enterprise_name="沈阳东方化工产品经营有限公司",
            item_code="SJ-SP-001",
            item_name="检查",
            legal_basis="食品安全法",
            description="x",
            evidence_hashes=[],
            officer_cert_nos=[SJ_A["cert_no"], SJ_B["cert_no"]],
            department_code="SJ",
            district_code="210104",
            found_at=clock.now(),
        )
        async with transaction(penalty.runtime.factory) as session:
            await leads.record_violation(session, violation)
        lead_id = uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:lead:{violation.violation_id}")
        async with client(penalty.url) as http:
            dismissed = ok(
                await http.post(
                    f"/api/v1/penalty/leads/{lead_id}/dismiss",
                    json={"note": "经核实不构成违法。"},
                    headers=officer(**SJ_A),
                )
            )
        assert dismissed["status"] == "dismissed" and dismissed["note"] == "经核实不构成违法。"


def _lead_in(district: str, found_at_offset_days: int) -> ViolationFound:
    return ViolationFound(
        violation_id=uuid.uuid4(),
        visit_id=uuid.uuid4(),
        enterprise_uscc=USCC_B,
        enterprise_name="沈阳东方化工产品经营有限公司",
        item_code="SJ-SP-001",
        item_name="检查",
        legal_basis="食品安全法",
        description="x",
        evidence_hashes=[],
        officer_cert_nos=[SJ_A["cert_no"], SJ_B["cert_no"]],
        department_code="SJ",
        district_code=district,
        found_at=clock.now() + timedelta(days=found_at_offset_days),
    )


async def test_a_district_supervisors_page_holds_their_district_leads(penalty: Running) -> None:
    # The two newest leads are another district's; a page of one must still show this district's lead
    # (the district is part of the query, not a filter applied to a page already cut).
    own = _lead_in("210111", -1)
    async with transaction(penalty.runtime.factory) as session:
        for violation in (_lead_in("210199", 1), _lead_in("210199", 2), own):
            await leads.record_violation(session, violation)
    async with client(penalty.url) as http:
        page = ok(await http.get("/api/v1/penalty/leads", params={"limit": 1}, headers=supervisor("210111")))
    assert [x["violation_id"] for x in page["items"]] == [str(own.violation_id)]
