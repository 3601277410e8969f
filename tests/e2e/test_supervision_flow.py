"""Supervision that acts (issue #14, Must show), end to end through the gateway with the real penalty and risk
services on real NATS: a 12345 lead → 提级办理 → a 纠错通知书 on the resulting penalty case → the department
answers late → the unit turns yellow (amber) with the overdue reason in its quarterly report → the supervisor
closes the matter → the case can now close.

The clock of both services (one process) is pinned:
  Mon 2026-11-16: the lead arrives, is escalated, the case is filed and the matter opened with 1 working day:
                  the last day to answer is Tue 2026-11-17 (no holiday in November 2026);
  Thu 2026-11-19: the department answers, two days late.
The report of 2026Q4 is judged by the shipped thresholds' version 2026.5 (2026.4's overdue_matters kept): one overdue or
late-answered matter reaches the yellow threshold 1 of ``overdue_matters``; the unit's one 12345 complaint stays
under the complaints threshold 3 and the open case has no decision, so that is the only reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.support.http import ok, problem
from tests.support.personas import integration, officer, supervisor
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client, wait_for

UNIT = "SJ-210102"
OFFICER = officer("辽A-7000001", "SJ", "210102", name="张执法")
CITY = supervisor("city", sub="sup-city")
DISTRICT = supervisor("210102", sub="sup-102")
HOTLINE = integration("12345")
MATTERS = "/api/v1/risk/supervision/matters"
CASES = "/api/v1/penalty/cases"


def pin(day: date) -> None:
    clock.set_offset(datetime.combine(day, time(10), tzinfo=clock.CHINA) - datetime.now(UTC))


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"penalty": {"deadline_scan_enabled": False}, "risk": {"daily_job_enabled": False}}
    async with running_platform(
        stack, ("penalty", "risk"), nats=nats_server, settings=settings, gateway=True
    ) as running:
        try:
            yield running
        finally:
            clock.reset()


def correction(case_id: str) -> dict[str, Any]:
    return {
        "kind": "correction",
        "target_kind": "case",
        "target_id": case_id,
        "unit_code": UNIT,
        "grounds": "群众反映执法人员检查时未出示执法证件，且对当事人重复检查",
        "legal_basis": "《中华人民共和国行政处罚法》第五十五条第一款",
        "requested_action": "核查出示执法证件情况，纠正重复检查，书面报告纠正结果",
        "deadline_working_days": 1,
    }


async def test_a_lead_escalated_to_a_late_answer_an_amber_unit_and_a_closable_case(
    platform: Platform,
) -> None:
    pin(date(2026, 11, 16))
    async with client(platform.gateway.url) as http:
        lead = ok(
            await http.post(
                "/api/v1/risk/intake/complaints",
                json={
                    "external_id": "12345-20261116-0042",
                    "unit_code": UNIT,
                    "domain": "食品安全",
                    "category": "涉企执法",
                    "text": "企业反映：市场监管执法人员检查时未出示证件，一周内重复检查三次",
                    "received_at": "2026-11-16T09:12:00+08:00",
                },
                headers=HOTLINE,
            ),
            201,
        )
        # 提级办理: the district supervisor escalates the lead; its supervision moves to the city
        escalated = ok(
            await http.post(
                MATTERS,
                json={
                    "kind": "escalation",
                    "target_kind": "lead",
                    "target_id": lead["id"],
                    "grounds": "涉企执法投诉反映强烈，属典型执法突出问题",
                    "legal_basis": "《行政执法监督条例》；沈司办〔2026〕16号 提级快办机制",
                    "requested_action": "由市级执法监督机构提级办理，承办单位依法立案查处并报告",
                    "deadline_working_days": 5,
                },
                headers=DISTRICT,
            ),
            201,
        )
        assert (escalated["supervision_level"], escalated["level_decided_by"]) == ("city", "sup-102")
        assert escalated["unit_code"] == UNIT and escalated["document_no"] == "沈司提级〔2026〕1号"

        # the department files the resulting case; the city opens a 纠错通知书 on it
        case = ok(
            await http.post(
                CASES,
                json={
                    "party": {
                        "kind": "organisation",
                        "name": "沈阳东陵客运有限公司",
                        "uscc": "91210100MACQTKPQ79",
                        "address": "沈阳市铁西区沈辽路288号",
                    },
                    "benchmark_code": "SY-SJ-0004",
                    "procedure": "general",
                    "facts_brief": "12345线索提级办理：现场检查发现当事人销售无标签的预包装食品。",
                    "officers": ["辽A-7000002"],
                    "approved_by": "分管副局长",
                },
                headers=OFFICER,
            ),
            201,
        )
        cid = case["id"]
        matter = ok(await http.post(MATTERS, json=correction(cid), headers=CITY), 201)
        mid = matter["id"]
        assert matter["due_on"] == "2026-11-17"  # 1 working day after Mon 2026-11-16
        assert matter["document_no"] == "沈司纠错〔2026〕1号"

        # penalty learns of the matter over NATS: the case carries it
        async def held() -> list[dict[str, Any]] | None:
            read = ok(await http.get(f"{CASES}/{cid}", headers=OFFICER))
            return read["supervision_matters"] or None

        assert [m["matter_id"] for m in await wait_for(held, timeout=30)] == [mid]

        # the department answers on Thu 2026-11-19, two days after the last day
        pin(date(2026, 11, 19))
        answer = {
            "outcome": "corrected",
            "text": "经核查，检查人员未按规定出示执法证件，已责令改正",
            "corrected": "对两名执法人员批评教育，取消重复检查安排，向企业当面说明",
        }
        answered = ok(await http.post(f"{MATTERS}/{mid}/answer", json=answer, headers=OFFICER))
        assert (answered["status"], answered["answered_late"]) == ("answered", True)

        # the unit turns yellow (amber) with the overdue reason and its number
        report = ok(await http.get("/api/v1/risk/reports/2026Q4", headers=CITY))
        unit = next(u for u in report["units"] if u["unit_code"] == UNIT)
        assert unit["colour"] == "yellow"
        assert [r["rule"] for r in unit["reasons"]] == ["OVERDUE_MATTERS_YELLOW"]
        assert unit["reasons"][0]["text"] == "本季度监督事项逾期未答复或逾期答复1件，达到黄色预警阈值1件"
        drill = ok(await http.get(f"/api/v1/risk/units/{UNIT}/quarters/2026Q4", headers=OFFICER))
        assert drill["assessment"]["reasons"][0]["rule"] == "OVERDUE_MATTERS_YELLOW"
        assert [(e["ref"], e["on"]) for e in drill["overdue_matters"]] == [(mid, "2026-11-18")]

        # the case cannot close while the matter is open
        close = {"reason": "not_established", "note": "经调查，违法事实不能成立，撤销立案"}
        refused = problem(
            await http.post(f"{CASES}/{cid}/closure", json=close, headers=OFFICER),
            409,
            "CASE_UNDER_SUPERVISION",
        )
        assert "纠错通知书 沈司纠错〔2026〕1号" in refused["detail"]

        # the supervisors' console lists the unit's matters
        listed = ok(await http.get(MATTERS, params={"unit_code": UNIT}, headers=CITY))["items"]
        assert {(i["id"], i["status_label"]) for i in listed} >= {(mid, "已答复")}

        # the city closes the matter; penalty hears of it; the case closes
        closed = ok(await http.post(f"{MATTERS}/{mid}/close", json={"note": "纠正到位"}, headers=CITY))
        assert closed["status"] == "closed"

        async def released() -> bool:
            read = ok(await http.get(f"{CASES}/{cid}", headers=OFFICER))
            return read["supervision_matters"] == []

        await wait_for(released, timeout=30)
        done = ok(await http.post(f"{CASES}/{cid}/closure", json=close, headers=OFFICER))
        assert done["state"] == "closed"
