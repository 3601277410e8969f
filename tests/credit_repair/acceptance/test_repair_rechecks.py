"""Examiner's cases: eligibility checked again when the repair is decided, and a 严重 record outside market
regulation.

Sources: SPEC §4 (requirements: penalty fully performed including the fine; a reviewer accepts or rejects);
docs/api/credit_repair.md §2-3 (the notice: "已全部履行行政处罚决定规定的义务，包括缴清罚款（逾期缴纳的，含加处的罚款）";
acceptance re-checks eligibility on the day), §1 (only market-regulation decisions of 吊销许可证件, 责令关闭,
责令停产停业, 限制开展生产经营活动 and 限制从业 are never ended early: 总局令第45号 governs market regulation).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import API, decide, publication
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import COMMITMENT
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import client

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

USCC_Q = "91210105MAEGA39K0F"  # 沈阳聚丰印刷包装有限公司
USCC_R = "91210100MAWELQKM0Q"  # 沈阳东方化工产品经营有限公司
OFFICER_SJ = personas.officer("辽A-0100003", "SJ", "210102", sub="examiner-sj-3")
OFFICER_ST = personas.officer("辽A-0200003", "ST", "210102", sub="examiner-st-3")


def body(record_id: str) -> dict[str, Any]:
    return {"record_id": record_id, "commitment_text": COMMITMENT, "commitment_accepted": True}


class TestAcceptanceRechecks:
    async def test_a_new_violation_between_application_and_acceptance(self, credit: Credit) -> None:
        _, record = await decide(
            credit, party_uscc=USCC_Q, benchmark_code="SY-SJ-EXRC", decided_on=date(2026, 6, 4), pay=True
        )
        async with client(credit.base) as http:
            app = ok(
                await http.post(
                    f"{API}/repairs", json=body(record["id"]), headers=personas.enterprise(USCC_Q)
                ),
                201,
            )
            await decide(credit, party_uscc=USCC_Q, benchmark_code="SY-SJ-EXRC", decided_on=date(2026, 12, 7))
            ok(
                await http.post(
                    f"{API}/repairs/{app['id']}/acceptance", json={"extended": False}, headers=OFFICER_SJ
                )
            )
            r = await http.post(
                f"{API}/repairs/{app['id']}/decision", json={"outcome": "accepted"}, headers=OFFICER_SJ
            )
        problem(r, 409, "REPAIR_REFUSED")


class TestSeriousOutsideMarketRegulation:
    async def test_production_suspended_by_ecology_is_repairable_after_a_year(self, credit: Credit) -> None:
        # 责令停产停业 by 生态环境 (ST) decided 2025-11-10: 严重 (1 to 3 years); not a market-regulation decision,
        # so it may be repaired from 2026-11-10; published at most until 2028-11-10
        _, record = await decide(
            credit,
            party_uscc=USCC_R,
            kinds=["suspend_production"],
            department_code="ST",
            decided_on=date(2025, 11, 10),
            pay=True,
        )
        pub = publication(record)
        assert (record["credit_class"], pub["earliest_repair_on"], pub["max_ends_on"]) == (  # type: ignore[index]
            "serious",
            "2026-11-10",
            "2028-11-10",
        ), record
        async with client(credit.base) as http:
            app = ok(
                await http.post(
                    f"{API}/repairs", json=body(record["id"]), headers=personas.enterprise(USCC_R)
                ),
                201,
            )
            ok(
                await http.post(
                    f"{API}/repairs/{app['id']}/acceptance", json={"extended": False}, headers=OFFICER_ST
                )
            )
            done = ok(
                await http.post(
                    f"{API}/repairs/{app['id']}/decision", json={"outcome": "accepted"}, headers=OFFICER_ST
                )
            )
        assert done["status"] == "repaired", done
