"""A decision is never refused because next year's statutory calendar is missing (行政处罚法 第六十条).

The body must decide within 90 days of filing (第六十条); a general-procedure decision of late December
starts deadlines of 7 working days (delivery, 第六十一条第一款 and 第八十五条; publication, seed 003) that run
into January. Before the State Council's arrangement for that year is entered, those deadlines are unknown:
the decision is issued, the deadlines read as unknown with a reason, the administrator sees the case in a
list, and the deadlines are computed as soon as the arrangement is entered.

Own module: the module-scoped database must not have 2027 entered by another test.
"""

from __future__ import annotations

from datetime import date

from services.common.workdays import PACKAGE_YEARS
from tests.penalty.helpers import SJ_A, pin_clock, to_decided
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import Running, client

DECIDED_ON = date(2026, 12, 24)  # a Thursday


async def test_decision_issued_with_unknown_deadlines_then_computed(penalty: Running) -> None:
    assert 2026 in PACKAGE_YEARS and 2027 not in PACKAGE_YEARS  # the premise of the test
    pin_clock(DECIDED_ON)
    async with client(penalty.url) as http:
        decided = await to_decided(http)
        cid = decided["id"]
        assert decided["state"] == "decided"
        decision = decided["decision"]
        assert decision["delivery_due"] is None and decision["publish_by"] is None
        assert "2027年法定节假日安排尚未录入" in decision["deadlines_unknown"]
        assert "第六十条" in decision["deadlines_unknown"]

        listed = ok(await http.get("/api/v1/penalty/admin/deadlines/unknown", headers=admin()))
        (row,) = [r for r in listed if r["case_id"] == cid]
        assert row["year"] == 2027 and row["decided_on"] == "2026-12-24"
        assert row["decision_no"] == decision["number"]
        problem(
            await http.get("/api/v1/penalty/admin/deadlines/unknown", headers=supervisor()),
            403,
            "ROLE_FORBIDDEN",
        )

        # The arrangement for 2027: 元旦 on Friday 2027-01-01 is a day off.
        body = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        ok(await http.put("/api/v1/penalty/admin/calendar/2027", json=body, headers=admin()))

        # 7 working days after Thu 2026-12-24: Fri 25 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5),
        # Fri 2027-01-01 off (元旦), Mon 01-04 (6), Tue 01-05 (7) → both deadlines 2027-01-05.
        case = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert case["decision"]["delivery_due"] == "2027-01-05"
        assert case["decision"]["publish_by"] == "2027-01-05"
        assert case["decision"]["deadlines_unknown"] is None
        listed = ok(await http.get("/api/v1/penalty/admin/deadlines/unknown", headers=admin()))
        assert cid not in [r["case_id"] for r in listed]
