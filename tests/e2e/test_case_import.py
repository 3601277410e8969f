"""An imported decision feeds credit repair like a live one, with its real decision date: a case decided on
2024-10-11 in a former case system is imported through the gateway; the penalty service publishes
``penalty.decision.issued`` on real NATS; the credit service classes it under the rule set in force on
2024-10-11 and counts its publication and repair periods from that day, not from the import.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e import test_credit_flow as credit_flow
from tests.support.stack import auth, client, wait_for

# the penalty and credit services on real NATS behind the gateway, with the sample catalogue and rule sets
platform = credit_flow.platform

USCC = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司
YUAN = 100


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


# SY-SJ-0001 (食品安全法 第一百二十四条), goods value 5,000 元 < 10,000 元: 5–10 万元, 一般 tier
# [65,000, 84,999.99] 元 (tests/e2e/test_credit_flow.py); the decision imposes 75,000 元.
CASE = {
    "source_case_no": "沈市监案〔2024〕1011号",
    "dept_code": "SJ",
    "district_code": "210102",
    "party": {
        "kind": "organisation",
        "name": "沈阳东陵客运有限公司",
        "uscc": USCC,
        "address": "沈阳市铁西区沈辽路288号",
        "legal_representative": "于某某",
    },
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
    platform: credit_flow.Platform,
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
