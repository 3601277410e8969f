"""Supervision matters in the last weeks of December, before next year's holiday arrangement is entered: opening
and reopening go ahead with the deadline pending (never guessed, never refused), the overdue job passes them by,
the supervisors' list shows them (``?pending=true``, and last in the list), and entering the year computes them
in the same transaction, audited per matter.

The module has a database of its own, so 2027 is entered by this module only (in its last test). Deadlines by
hand on the 2026 calendar (no public holiday in December 2026; 元旦 2026 was 1–3 January) and on the 2027 table
the last test enters (only Friday 2027-01-01 off)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from services.risk import jobs
from tests.risk.helpers import ADMIN, SUPERVISOR, pin, unit_officer
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk/supervision/matters"
UNIT = "SJ-210102"
PENDING = "节假日安排未录入，期限待定"


def body(unit: str = UNIT, days: int = 10) -> dict[str, Any]:
    return {
        "kind": "correction",
        "target_kind": "visit",
        "target_id": str(uuid.uuid4()),
        "unit_code": unit,
        "grounds": "当事人反映检查中未出示执法证件",
        "legal_basis": "《行政处罚法》第五十五条第一款",
        "requested_action": "核查执法人员出示证件情况并纠正",
        "deadline_working_days": days,
    }


async def open_on(risk: Running, day: date, **kw: Any) -> dict[str, Any]:
    pin(day)
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.post(API, json=body(**kw))
    assert r.status_code == 201, r.text  # was 422 CALENDAR_NOT_COVERED when pending
    return dict(r.json())


async def get(risk: Running, mid: str) -> dict[str, Any]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(f"{API}/{mid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_opening_in_late_december_leaves_the_deadline_pending(risk: Running) -> None:
    try:
        # Mon 2026-12-21 + 10 working days: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5),
        # Tue 29 (6), Wed 30 (7), Thu 31 (8), then 2027, not covered: pending, nothing guessed.
        matter = await open_on(risk, date(2026, 12, 21), unit="SJ-210103")
        assert matter["due_on"] is None and matter["due_note"] == PENDING
        assert (matter["status"], matter["days_overdue"]) == ("open", 0)
        assert matter["history"][0]["note"].endswith(f"（答复期限：{PENDING}）")
        # the event says so too (the case stays open in penalty all the same)
        opened = await envelopes(
            risk.runtime.factory, "risk.supervision.matter_opened", matter_id=matter["id"]
        )
        assert len(opened) == 1 and opened[0]["data"]["due_on"] is None
        async with client(risk.url, headers=SUPERVISOR) as http:
            html = (await http.get(f"{API}/{matter['id']}/documents/html")).text
        assert "截止日期待法定节假日安排录入后确定" in html

        # unchanged where the calendar covers it: Tue 2026-12-01 + 10 working days: Wed 02 (1), Thu 03 (2),
        # Fri 04 (3), Mon 07 (4), Tue 08 (5), Wed 09 (6), Thu 10 (7), Fri 11 (8), Mon 14 (9), Tue 15 (10)
        # → 2026-12-15.
        known = await open_on(risk, date(2026, 12, 1), unit="SJ-210103")
        assert (known["due_on"], known["due_note"]) == ("2026-12-15", "")

        # the list: earliest deadline first, the pending last; ?pending=true only those; walked by cursor
        async with client(risk.url, headers=SUPERVISOR) as http:
            listed = (await http.get(API, params={"unit_code": "SJ-210103"})).json()["items"]
            assert [i["id"] for i in listed] == [known["id"], matter["id"]]
            only = (await http.get(API, params={"unit_code": "SJ-210103", "pending": True})).json()["items"]
            assert [i["id"] for i in only] == [matter["id"]]
            first = (await http.get(API, params={"unit_code": "SJ-210103", "limit": 1})).json()
            assert [i["id"] for i in first["items"]] == [known["id"]]
            params = {"unit_code": "SJ-210103", "limit": 1, "cursor": first["next_cursor"]}
            second = (await http.get(API, params=params)).json()
            assert [i["id"] for i in second["items"]] == [matter["id"]] and second["next_cursor"] is None
            ledger = await http.get("/api/v1/risk/ledgers/supervision-matters.xlsx")
        assert ledger.status_code == 200
    finally:
        pin()


async def test_reopening_in_late_december_leaves_the_new_deadline_pending(risk: Running) -> None:
    try:
        # Tue 2026-12-01 + 5 working days: Wed 02, Thu 03, Fri 04, Mon 07, Tue 08 → 2026-12-08
        matter = await open_on(risk, date(2026, 12, 1), days=5)
        assert matter["due_on"] == "2026-12-08"
        mid = matter["id"]
        pin(date(2026, 12, 3))
        async with client(risk.url, headers=unit_officer(UNIT)) as http:
            r = await http.post(f"{API}/{mid}/answer", json={"outcome": "explained", "text": "检查程序合法"})
        assert r.status_code == 200, r.text
        # Tue 2026-12-22, 8 working days: Wed 23 (1), Thu 24 (2), Fri 25 (3), Mon 28 (4), Tue 29 (5),
        # Wed 30 (6), Thu 31 (7), then 2027: pending
        pin(date(2026, 12, 22))
        async with client(risk.url, headers=SUPERVISOR) as http:
            reopen = {"reason": "说明不充分", "deadline_working_days": 8}
            r = await http.post(f"{API}/{mid}/reopen", json=reopen)
        assert r.status_code == 200, r.text  # was 422 CALENDAR_NOT_COVERED
        reopened = r.json()
        assert (reopened["status"], reopened["due_on"], reopened["due_note"]) == ("open", None, PENDING)
        assert reopened["reopen_count"] == 1 and reopened["deadline_working_days"] == 8
        assert reopened["history"][-1]["note"] == f"说明不充分（答复期限：{PENDING}）"
        # penalty's copy of the matter and the unit learn of the reopening and its pending deadline
        [set_] = await envelopes(risk.runtime.factory, "risk.supervision.matter_deadline_set", matter_id=mid)
        assert (set_["data"]["due_on"], set_["data"]["reopened"], set_["data"]["answered"]) == (
            None,
            True,
            False,
        )
    finally:
        pin()


async def test_the_overdue_job_passes_pending_matters_by(risk: Running) -> None:
    """Wed 2027-01-13, 2027 still not entered: a matter due 2026-12-15 is overdue, the pending ones are not."""
    try:
        due = await open_on(risk, date(2026, 12, 1), unit="SJ-210104")  # → 2026-12-15 (first test)
        pending = await open_on(risk, date(2026, 12, 21), unit="SJ-210104")
        pin(date(2027, 1, 13))
        await jobs.supervision_overdue(risk.runtime)
        assert (await get(risk, due["id"]))["status"] == "overdue"
        # 2026-12-15 → 2027-01-13: 16 days of December + 13 of January = 29 calendar days
        assert (await get(risk, due["id"]))["days_overdue"] == 29
        still = await get(risk, pending["id"])
        assert (still["status"], still["due_on"], still["days_overdue"]) == ("open", None, 0)
    finally:
        pin()


async def test_entering_the_year_computes_the_pending_deadlines(risk: Running) -> None:
    try:
        # Mon 2026-12-21, 10 working days, pending; answered on Wed 2027-01-06 while 2027 is still missing
        answered = await open_on(risk, date(2026, 12, 21), unit="SJ-210105")
        pin(date(2027, 1, 6))
        async with client(risk.url, headers=unit_officer("SJ-210105")) as http:
            r = await http.post(
                f"{API}/{answered['id']}/answer", json={"outcome": "explained", "text": "人员出差，延误答复"}
            )
        assert r.status_code == 200, r.text
        assert (r.json()["answered_late"], r.json()["due_on"]) == (False, None)  # not known yet

        async with client(risk.url, headers=SUPERVISOR) as http:
            listed = (await http.get(API, params={"pending": True, "limit": 200})).json()["items"]
        pending_ids = {i["id"] for i in listed}
        assert answered["id"] in pending_ids and len(pending_ids) == 4  # one per test of this module
        async with client(risk.url, headers=unit_officer(UNIT)) as http:
            own = (await http.get(API, params={"pending": True})).json()["items"]
        assert {i["unit_code"] for i in own} == {UNIT} and len(own) == 1  # a unit sees its own only

        # The administrator enters 2027: 元旦 on Friday 2027-01-01 is a day off.
        pin(date(2027, 1, 13))
        body_ = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        async with client(risk.url, headers=ADMIN) as http:
            r = await http.put("/api/v1/risk/admin/calendar/2027", json=body_)
        assert r.status_code == 200, r.text

        # Opened Mon 2026-12-21 with 10 working days: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5),
        # Tue 29 (6), Wed 30 (7), Thu 31 (8), Fri 2027-01-01 off (元旦), Mon 01-04 (9), Tue 01-05 (10)
        # → 2027-01-05; the answer of Wed 01-06 was a day late, and counts against its unit from 01-06.
        late = await get(risk, answered["id"])
        assert (late["due_on"], late["due_note"], late["answered_late"]) == ("2027-01-05", "", True)
        # published in the same transaction, for penalty's copy of the matter and the unit (which has answered
        # this one already, so notify tells it nothing)
        [set_] = await envelopes(
            risk.runtime.factory, "risk.supervision.matter_deadline_set", matter_id=answered["id"]
        )
        assert (set_["data"]["due_on"], set_["data"]["answered"]) == ("2027-01-05", True)
        assert set_["subject"] == answered["target_id"]  # one target's events stay in order
        # four computed here, and the reopening's of the second test (its new deadline then pending)
        assert len(await envelopes(risk.runtime.factory, "risk.supervision.matter_deadline_set")) == 5
        async with client(risk.url, headers=SUPERVISOR) as http:
            drill = (await http.get("/api/v1/risk/units/SJ-210105/quarters/2027Q1")).json()
            assert [(e["ref"], e["on"]) for e in drill["overdue_matters"]] == [(answered["id"], "2027-01-06")]
            audit = (await http.get(f"/api/v1/risk/audit/entities/matter/{answered['id']}")).json()
            assert [e["action"] for e in audit["items"]][-1] == "supervision.matter.deadline_computed"
            everything = (await http.get(API, params={"limit": 200})).json()["items"]
            assert (await http.get(API, params={"pending": True})).json()["items"] == []
        by_unit = {(i["unit_code"], i["opened_at"][:10]): i for i in everything}
        # The reopened one (second test): reopened Tue 2026-12-22 with 8 working days: Wed 23 (1), Thu 24 (2),
        # Fri 25 (3), Mon 28 (4), Tue 29 (5), Wed 30 (6), Thu 31 (7), 2027-01-01 off, Mon 01-04 (8) → 2027-01-04;
        # counted from the reopening, not from the opening on 2026-12-01.
        reopened = by_unit[(UNIT, "2026-12-01")]
        assert (reopened["due_on"], reopened["status"]) == ("2027-01-04", "open")
        # The two opened Mon 2026-12-21 and still unanswered: 2027-01-05 as above.
        assert by_unit[("SJ-210103", "2026-12-21")]["due_on"] == "2027-01-05"
        assert by_unit[("SJ-210104", "2026-12-21")]["due_on"] == "2027-01-05"

        # the overdue job's next round, on Wed 2027-01-13: now they are past their last day
        await jobs.supervision_overdue(risk.runtime)
        overdue = await get(risk, by_unit[("SJ-210104", "2026-12-21")]["id"])
        # 2027-01-05 → 2027-01-13: 8 calendar days
        assert (overdue["status"], overdue["days_overdue"]) == ("overdue", 8)
        assert (await get(risk, reopened["id"]))["status"] == "overdue"
    finally:
        pin()
