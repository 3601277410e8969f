"""An imported decision feeds credit repair like a live one, with its real decision date: a case decided on
2024-10-11 in a former case system is imported through the gateway; the penalty service publishes
``penalty.decision.issued`` on real NATS; the credit service classes it under the rule set in force on
2024-10-11 and counts its publication and repair periods from that day, not from the import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.credit_repair.use_cases import rule_sets as credit_rule_sets
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases import catalogue as penalty_catalogue
from tests.support.stack import Running, Stack, auth, client, running_gateway, running_service, wait_for

ROOT = Path(__file__).resolve().parents[2]
USCC = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司
YUAN = 100


@dataclass
class Platform:
    gateway: Running
    penalty: Running
    credit: Running


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    penalty_db = await stack.anew_database("penalty")
    credit_db = await stack.anew_database("credit_repair")
    async with (
        running_service(
            "penalty", database_url=penalty_db, nats_url=nats_server.url, deadline_scan_enabled=False
        ) as penalty,
        running_service("credit_repair", database_url=credit_db, nats_url=nats_server.url) as credit,
        running_gateway({"penalty": penalty.url, "credit_repair": credit.url}) as gateway,
    ):
        async with transaction(penalty.runtime.factory) as session:
            catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text())
            await penalty_catalogue.install_catalogue(session, catalogue=catalogue, actor="e2e")
        async with transaction(credit.runtime.factory) as session:
            rules = (ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8")
            await credit_rule_sets.load_rule_set_document(
                session, rules, actor="e2e", cache=credit.runtime.context.rule_sets
            )
        assert await penalty.runtime.bus.wait_ready(15) and await credit.runtime.bus.wait_ready(15)
        yield Platform(gateway, penalty, credit)


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


# SY-SJ-0001 (食品安全法 第一百二十四条), goods value 5,000 元 < 10,000 元: 5–10 万元, 一般 tier
# [65,000, 84,999.99] 元 (tests/e2e/test_credit_flow.py); the decision imposes 75,000 元.
CASE = {
    "source_case_no": "沈市监案〔2024〕1011号",
    "dept_code": "SJ",
    "district_code": "210102",
    "party": {"kind": "organisation", "name": "沈阳东陵客运有限公司", "uscc": USCC},
    "benchmark_code": "SY-SJ-0001",
    "facts_brief": "当事人经营超过保质期的食品。",
    "officers": ["辽A-6000001", "辽A-6000002"],
    "approved_by": "分管副局长",
    "filed_on": "2024-09-02",
    "facts": {"violation_date": "2024-08-20", "base_amounts": {"goods_value": 5_000 * YUAN}},
    "notice": {"document_number": "沈市监罚告〔2024〕1011号", "served_on": "2024-09-27"},
    "decision": {
        "document_number": "沈市监罚〔2024〕1011号",
        "decided_on": "2024-10-11",
        "penalty": {"kinds": ["fine"], "fine_fen": 75_000 * YUAN},
    },
    "delivery": {"delivered_on": "2024-10-14", "method": "direct", "recipient": "沈阳东陵客运有限公司"},
}


async def test_the_credit_periods_of_an_imported_decision_count_from_its_decision_date(
    platform: Platform,
) -> None:
    async with client(platform.gateway.url) as http:
        report = ok(
            await http.post(
                "/api/v1/penalty/imports/cases", json={"cases": [CASE]}, headers=auth("admin", "a")
            )
        )
        row = report["rows"][0]
        assert row["status"] == "accepted", row
        enterprise = auth("enterprise", f"ent-{USCC}", uscc=USCC)

        async def notice() -> dict[str, Any] | None:
            r = await http.get(
                "/api/v1/credit/notices", params={"case_id": row["case_id"]}, headers=enterprise
            )
            items = r.json()["items"] if r.status_code == 200 else []
            return items[0] if items else None

        n = await wait_for(notice, timeout=20)
    # The rule set in force on 2024-10-11 is sample-credit-2023-05 (2023-05-01 to 2026-03-31): a fine above
    # 50,000 元 on an organisation is 一般, published from the decision date, at least 3 months, at most 36:
    #   start 2024-10-11; earliest repair 2024-10-11 + 3 months = 2025-01-11; end 2024-10-11 + 36 = 2027-10-11
    # (counted from the import day, 2026-12-xx, every one of these would be two years later).
    assert n["published"] is True and n["class_label"] == "一般失信信息"
    assert n["publication_start"] == "2024-10-11"
    assert n["earliest_repair_date"] == "2025-01-11"
    assert n["maximum_end"] == "2027-10-11"
