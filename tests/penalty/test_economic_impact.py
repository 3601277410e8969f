"""经济影响评估 as a step: a flagged enterprise case is not decided before its assessment is recorded.

Seed 000 (沈司办〔2026〕16号): "加强涉企经济影响的事前研判、事中评估和事后保障，出台《沈阳市涉企行政执法案件
经济影响评估实施办法》"; seed 004 (辽政办发〔2023〕18号 9.): "探索建立涉企行政执法案件经济影响评估制度".
The thresholds are the jurisdiction's configuration (``eia_kinds``, ``eia_fine_fen``); this module runs a
service whose threshold is 20,000 元 so that the sample case (suggested 27,500 元) is flagged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from services.common.db import transaction
from services.common.tables import audit_t
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases.catalogue import install_catalogue
from tests.penalty.helpers import SAMPLE_CATALOGUE, SJ_A, SUGGESTED_FEN, YUAN, to_notified
from tests.support.http import ok, problem
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, Stack, client, running_service

EIA_THRESHOLD_FEN = 20_000 * YUAN  # 27,500 元 ≥ 20,000 元: flagged


@pytest.fixture(scope="module")
async def penalty(stack: Stack) -> AsyncIterator[Running]:
    url = await stack.anew_database("penalty")
    async with running_service(
        "penalty",
        database_url=url,
        nats_url="nats://127.0.0.1:1",
        deadline_scan_enabled=False,
        assessment_config={"eia_fine_fen": EIA_THRESHOLD_FEN},
    ) as running:
        async with transaction(running.runtime.factory) as session:
            catalogue = cat.parse_json(SAMPLE_CATALOGUE.read_text())
            await install_catalogue(session, catalogue=catalogue, actor="test")
        yield running


async def test_flagged_enterprise_case_waits_for_its_assessment(penalty: Running) -> None:
    async with client(penalty.url) as http:
        cid = await to_notified(http)
        case = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert case["assessment"]["economic_impact_assessment_required"]
        ok(
            await http.post(
                f"/api/v1/penalty/cases/{cid}/waiver", json={"statement": True}, headers=officer(**SJ_A)
            )
        )
        decision = {"penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}}
        refused = problem(
            await http.post(f"/api/v1/penalty/cases/{cid}/decision", json=decision, headers=officer(**SJ_A)),
            409,
            "ECONOMIC_IMPACT_ASSESSMENT_MISSING",
        )
        assert "经济影响评估" in refused["detail"] and "27,500.00元" in refused["detail"]

        url = f"/api/v1/penalty/cases/{cid}/economic-impact"
        incomplete = {"assessors": ["张执法"], "findings": "", "mitigation_measures": []}
        problem(await http.post(url, json=incomplete, headers=officer(**SJ_A)), 422, "VALIDATION_FAILED")
        problem(await http.post(url, json=_assessment(), headers=supervisor()), 403, "ROLE_FORBIDDEN")
        recorded = ok(await http.post(url, json=_assessment(), headers=officer(**SJ_A)), 201)
        assert recorded["assessed_on"] == "2026-11-16" and recorded["recorded_by"] == "officer-辽A-7000001"
        listed = ok(await http.get(url, headers=supervisor()))
        assert [r["id"] for r in listed] == [recorded["id"]]

        decided = ok(
            await http.post(f"/api/v1/penalty/cases/{cid}/decision", json=decision, headers=officer(**SJ_A))
        )
        assert decided["state"] == "decided"
    # the assessment is in the case's audit trail
    async with transaction(penalty.runtime.factory) as session:
        actions = (
            await session.scalars(
                sa.select(audit_t.c.action).where(audit_t.c.entity_id == cid).order_by(audit_t.c.seq)
            )
        ).all()
    assert "penalty.case.economic_impact_assessed" in actions


def _assessment() -> dict[str, object]:
    return {
        "assessors": ["张执法", "市营商环境建设局刘某"],
        "findings": "罚款约占当事人上年度净利润的3%，不影响其正常生产经营和职工就业。",
        "mitigation_measures": ["告知当事人可申请延期或者分期缴纳罚款（行政处罚法 第六十六条）"],
    }
