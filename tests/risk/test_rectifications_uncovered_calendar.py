"""A rectification reopened in the last weeks of December, before next year's holiday arrangement is entered: the
supervisor's reopening goes ahead with the new deadline pending (never guessed, never refused), it is never
overdue while pending, lists last, and entering the year computes it in the same transaction, audited; measures
submitted meanwhile after that deadline are late then.

The module has a database of its own, so 2027 is entered by this module only. 2026Q2 is published on Monday
2026-11-23 (the pinned day) with two units red for 6 reconsideration corrections each (tests/risk/acceptance/
test_follow_up.py): red, 15 working days → Monday 2026-12-14. A reopening gives 10 working days
(risk_config.json ``reopen_working_days``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.risk.acceptance.cases import intake, recons
from tests.risk.helpers import ADMIN, SUPERVISOR, pin, unit_officer
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk/rectifications"
A, B = "SJ-210104", "CG-210105"
PENDING = "节假日安排未录入，期限待定"


async def step(
    risk: Running, day: date, wid: str, action: str, body: dict[str, Any], who: dict[str, str]
) -> Any:
    pin(day)
    async with client(risk.url, headers=who) as http:
        r = await http.post(f"{API}/{wid}/{action}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def get(risk: Running, path: str, **params: Any) -> Any:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_reopening_into_an_uncovered_year_is_pending_until_the_year_is_entered(risk: Running) -> None:
    try:
        await intake(risk, "reconsideration", recons("RP", A, 6, "2026-06-02"))
        await intake(risk, "reconsideration", recons("RP", B, 6, "2026-06-03"))
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.post("/api/v1/risk/reports/2026Q2/publish")
        assert r.status_code == 200, r.text
        warned = {w["unit_code"]: w for w in r.json()["warnings"]}
        assert {u: (w["colour"], w["deadline"]) for u, w in warned.items()} == {
            A: ("red", "2026-12-14"),
            B: ("red", "2026-12-14"),
        }
        a, b = warned[A]["id"], warned[B]["id"]

        # Both submit on time on Thu 2026-12-10; B is reopened the same day: 10 working days Fri 11 (1),
        # Mon 14 (2), Tue 15 (3), Wed 16 (4), Thu 17 (5), Fri 18 (6), Mon 21 (7), Tue 22 (8), Wed 23 (9),
        # Thu 24 (10) → 2026-12-24.
        for wid, unit in ((a, A), (b, B)):
            done = await step(
                risk, date(2026, 12, 10), wid, "submit", {"measures": "逐案复查"}, unit_officer(unit)
            )
            assert (done["status"], done["submitted_late"]) == ("submitted", False)
        got = await step(risk, date(2026, 12, 10), b, "reopen", {"reason": "措施不具体"}, SUPERVISOR)
        assert got["deadline"] == "2026-12-24"

        # A is reopened on Mon 2026-12-21: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5), Tue 29 (6),
        # Wed 30 (7), Thu 31 (8), then 2027, not covered: pending (was 422 CALENDAR_NOT_COVERED).
        got = await step(risk, date(2026, 12, 21), a, "reopen", {"reason": "措施未落实"}, SUPERVISOR)
        assert (got["status"], got["deadline"], got["overdue"]) == ("reopened", None, False)
        assert got["history"][-1]["note"] == f"措施未落实；新整改期限{PENDING}"

        # Wed 2027-01-13, 2027 still not entered: B (due 2026-12-24) is overdue by 7 + 13 = 20 days; A is not.
        pin(date(2027, 1, 13))
        overdue = (await get(risk, f"{API}/overdue"))["items"]
        assert [(i["unit_code"], i["days_overdue"]) for i in overdue] == [(B, 20)]
        # the list: earliest deadline first, the pending last, walked by cursor
        first = await get(risk, API, quarter="2026Q2", limit=1)
        assert [i["unit_code"] for i in first["items"]] == [B]
        second = await get(risk, API, quarter="2026Q2", limit=1, cursor=first["next_cursor"])
        assert [(i["unit_code"], i["deadline"], i["days_overdue"]) for i in second["items"]] == [(A, None, 0)]
        assert second["next_cursor"] is None

        # A submits on Wed 2027-01-13 while its deadline is pending: not late yet
        done = await step(risk, date(2027, 1, 13), a, "submit", {"measures": "整改到位"}, unit_officer(A))
        assert (done["status"], done["submitted_late"]) == ("submitted", False)

        # The administrator enters 2027: 元旦 on Friday 2027-01-01 is a day off.
        body = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        async with client(risk.url, headers=ADMIN) as http:
            r = await http.put("/api/v1/risk/admin/calendar/2027", json=body)
        assert r.status_code == 200, r.text
        # A, reopened Mon 2026-12-21: the 8 working days above, Fri 2027-01-01 off, Mon 01-04 (9), Tue 01-05 (10)
        # → 2027-01-05; the measures of 01-13 came 8 days after it: late.
        filled = await get(risk, f"{API}/{a}")
        assert (filled["deadline"], filled["submitted_late"]) == ("2027-01-05", True)
        audit = await get(risk, f"/api/v1/risk/audit/entities/rectification/{a}")
        assert [e["action"] for e in audit["items"]][-1] == "rectification.deadline_computed"
        assert (await get(risk, f"{API}/{b}"))["deadline"] == "2026-12-24"  # untouched
        # the unit learns the new date (risk.rectification.deadline_set, reopened); nothing for B
        [set_] = await envelopes(risk.runtime.factory, "risk.rectification.deadline_set")
        assert (set_["data"]["warning_id"], set_["data"]["due_on"], set_["data"]["reopened"]) == (
            a,
            "2027-01-05",
            True,
        )
    finally:
        pin()
