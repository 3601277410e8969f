"""A quarter's report published before next year's holiday arrangement is entered: the fourth quarter's report is
published in January, and every rectification deadline it sets runs into the new year. Publishing goes ahead
with those deadlines pending (never guessed, never refused with CALENDAR_NOT_COVERED), risk.warning.issued says
so (``rectification_due_on`` null), the rectifications are never overdue while pending and are listed with
``?pending=true``; entering the year computes them in the same transaction, audited, and publishes
risk.rectification.deadline_set so the unit learns the date. A report whose deadlines fall in a covered year is
unchanged.

The module has a database of its own, so 2027 is entered by this module only (2027 is what chinese-calendar
does not cover). Red is 15 working days (risk_config.json ``red_working_days``); two units red for 6
reconsideration corrections each and nothing else (tests/risk/acceptance/test_follow_up.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.contracts import risk as contracts
from services.notify.domain import mapping
from tests.risk.acceptance.cases import intake, recons
from tests.risk.helpers import ADMIN, SUPERVISOR, pin, unit_officer
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk"
A, B, C = "SJ-210104", "CG-210105", "ST-210106"
PENDING = "节假日安排未录入，期限待定"


async def get(risk: Running, path: str, **params: Any) -> Any:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(f"{API}{path}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def publish(risk: Running, quarter: str) -> dict[str, dict[str, Any]]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.post(f"{API}/reports/{quarter}/publish")
    assert r.status_code == 200, r.text  # was 422 CALENDAR_NOT_COVERED for 2026Q4 in January 2027
    return {w["unit_code"]: w for w in r.json()["warnings"]}


async def test_a_report_whose_deadlines_fall_in_a_covered_year_is_unchanged(risk: Running) -> None:
    # 2026Q3 published on the suite's day, Mon 2026-11-23: red, 15 working days: Tue 24 (1), Wed 25 (2),
    # Thu 26 (3), Fri 27 (4), Mon 30 (5), Tue 12-01 (6), Wed 02 (7), Thu 03 (8), Fri 04 (9), Mon 07 (10),
    # Tue 08 (11), Wed 09 (12), Thu 10 (13), Fri 11 (14), Mon 14 (15) → 2026-12-14
    await intake(risk, "reconsideration", recons("RC", C, 6, "2026-08-03"))
    warned = await publish(risk, "2026Q3")
    assert {u: (w["colour"], w["deadline"]) for u, w in warned.items()} == {C: ("red", "2026-12-14")}
    wid = warned[C]["id"]
    [issued] = await envelopes(risk.runtime.factory, "risk.warning.issued", warning_id=wid)
    assert issued["data"]["rectification_due_on"] == "2026-12-14"
    got = await get(risk, f"/rectifications/{wid}")
    assert got["history"][0]["note"] == "整改期限2026-12-14"
    assert (await get(risk, "/rectifications", pending=True))["items"] == []


async def test_the_fourth_quarter_published_in_january_waits_for_the_year(risk: Running) -> None:
    try:
        await intake(risk, "reconsideration", recons("RQ", A, 6, "2026-10-12"))
        await intake(risk, "reconsideration", recons("RQ", B, 6, "2026-11-03"))
        # Published on Tue 2027-01-05, 2027 not entered: red, 15 working days from the issue day, all in 2027
        pin(date(2027, 1, 5))
        warned = await publish(risk, "2026Q4")
        assert {u: (w["colour"], w["deadline"]) for u, w in warned.items()} == {
            A: ("red", None),
            B: ("red", None),
        }
        a, b = warned[A]["id"], warned[B]["id"]
        for wid in (a, b):
            [issued] = await envelopes(risk.runtime.factory, "risk.warning.issued", warning_id=wid)
            assert issued["data"]["rectification_due_on"] is None
            # notify tells the unit the deadline is to be set, not "None"
            [draft] = mapping.drafts(contracts.WarningIssued.model_validate(issued["data"]))
            assert draft.body.endswith("整改期限待节假日安排录入后确定，届时另行通知，请及时整改。")
            got = await get(risk, f"/rectifications/{wid}")
            assert (got["status"], got["deadline"], got["overdue"]) == ("pending", None, False)
            assert got["history"][0]["note"] == f"整改期限{PENDING}"

        # Wed 2027-01-27, 2027 still not entered: only C (due 2026-12-14) is overdue, the pending are listed
        pin(date(2027, 1, 27))
        assert [i["unit_code"] for i in (await get(risk, "/rectifications/overdue"))["items"]] == [C]
        assert [i["unit_code"] for i in (await get(risk, "/rectifications", overdue=True))["items"]] == [C]
        assert (await get(risk, "/overview/2026Q4"))["rectifications"]["overdue"] == 1
        pending = (await get(risk, "/rectifications", pending=True))["items"]
        assert sorted(i["unit_code"] for i in pending) == sorted([A, B])
        assert all((i["deadline"], i["days_overdue"]) == (None, 0) for i in pending)
        # the list: the covered one (2026-12-14, overdue by 17 + 27 = 44 days) first, the pending last
        listed = (await get(risk, "/rectifications"))["items"]
        assert [(i["unit_code"], i["days_overdue"]) for i in listed[:1]] == [(C, 44)]
        assert {i["unit_code"] for i in listed[1:]} == {A, B}
        async with client(risk.url, headers=unit_officer(A)) as http:
            own = (await http.get(f"{API}/rectifications", params={"pending": True})).json()["items"]
        assert [i["unit_code"] for i in own] == [A]  # a unit sees its own only
        async with client(risk.url, headers=SUPERVISOR) as http:
            assert (await http.get(f"{API}/ledgers/rectifications.xlsx")).status_code == 200

        # A submits on Wed 2027-01-27 while its deadline is pending: not late yet
        async with client(risk.url, headers=unit_officer(A)) as http:
            r = await http.post(
                f"{API}/rectifications/{a}/submit", json={"measures": "逐案复查，修订执法程序"}
            )
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["submitted_late"]) == ("submitted", False)

        # The administrator enters 2027: 元旦 on Friday 2027-01-01 is a day off.
        body = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        async with client(risk.url, headers=ADMIN) as http:
            r = await http.put("/api/v1/risk/admin/calendar/2027", json=body)
        assert r.status_code == 200, r.text

        # Issued Tue 2027-01-05, red 15 working days: Wed 06 (1), Thu 07 (2), Fri 08 (3), Mon 11 (4), Tue 12 (5),
        # Wed 13 (6), Thu 14 (7), Fri 15 (8), Mon 18 (9), Tue 19 (10), Wed 20 (11), Thu 21 (12), Fri 22 (13),
        # Mon 25 (14), Tue 26 (15) → 2027-01-26. A's measures of Wed 01-27 came a day after it: late; B, not
        # submitted, is overdue by 1 day on 01-27.
        filled_a = await get(risk, f"/rectifications/{a}")
        assert (filled_a["deadline"], filled_a["submitted_late"]) == ("2027-01-26", True)
        filled_b = await get(risk, f"/rectifications/{b}")
        assert (filled_b["deadline"], filled_b["overdue"], filled_b["days_overdue"]) == (
            "2027-01-26",
            True,
            1,
        )
        assert [i["unit_code"] for i in (await get(risk, "/rectifications/overdue"))["items"]] == [C, B]
        assert (await get(risk, "/overview/2026Q4"))["rectifications"]["overdue"] == 2
        assert (await get(risk, "/rectifications", pending=True))["items"] == []
        audit = await get(risk, f"/audit/entities/rectification/{a}")
        assert [e["action"] for e in audit["items"]][-1] == "rectification.deadline_computed"

        # the unit learns its date: risk.rectification.deadline_set, one per computed deadline, none for C
        sets = await envelopes(risk.runtime.factory, "risk.rectification.deadline_set")
        assert sorted(
            (e["data"]["warning_id"], e["data"]["due_on"], e["data"]["reopened"]) for e in sets
        ) == sorted([(a, "2027-01-26", False), (b, "2027-01-26", False)])
        [set_b] = [e for e in sets if e["data"]["warning_id"] == b]
        assert (set_b["subject"], set_b["data"]["unit_code"], set_b["data"]["quarter"]) == (b, B, "2026Q4")
        [draft] = mapping.drafts(contracts.RectificationDeadlineSet.model_validate(set_b["data"]))
        assert (
            draft.body == "2026Q4 执法风险预警的整改期限已确定，请于2027年1月26日前完成整改并报送整改措施。"
        )
        assert draft.link == f"/api/v1/risk/rectifications/{b}"
    finally:
        pin()
