"""Complaints in the last weeks of December, before next year's holiday arrangement is entered: received or
forwarded with the deadline pending (never guessed as weekdays, never refused), never overdue while pending,
listed with ``?pending=true``, and computed when the year is entered, in the same transaction, audited per
complaint.

The module has a database of its own, so 2027 is entered by this module only (in its last test). Deadlines by
hand on the 2026 calendar (no public holiday in December 2026) and on the 2027 table the last test enters (only
Friday 2027-01-01 off). The handling deadline is 15 working days, the reply deadline 10 (the defaults)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.risk.helpers import ADMIN, SUPERVISOR, make_uscc, pin, unit_officer
from tests.support import personas
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk/complaints"
UNIT = "SJ-210102"
PENDING = "节假日安排未录入，期限待定"
ENTERPRISE = personas.enterprise(make_uscc(311), sub="ent-311")


def body(text: str) -> dict[str, Any]:
    return {
        "subject_kind": "department",
        "unit_code": UNIT,
        "category": "态度问题",
        "text": text,
        "anonymous": False,
    }


async def file_on(risk: Running, day: date, text: str) -> dict[str, Any]:
    pin(day)
    async with client(risk.url, headers=ENTERPRISE) as http:
        r = await http.post(API, json=body(text))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def get(risk: Running, cid: str) -> dict[str, Any]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(f"{API}/{cid}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def listed(risk: Running, **params: Any) -> list[str]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(API, params={"unit_code": UNIT, "limit": 200, **params})
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_a_complaint_received_in_late_december_has_its_deadline_pending(risk: Running) -> None:
    try:
        # Mon 2026-12-21 + 15 working days: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5),
        # Tue 29 (6), Wed 30 (7), Thu 31 (8), then 2027, not covered: pending. (Counting weekdays, the old
        # guess, gave Mon 2027-01-11.)
        late = await file_on(risk, date(2026, 12, 21), "十二月下旬受理的投诉")
        assert (late["due_on"], late["overdue"]) == (None, False)
        assert late["history"][0]["note"] == f"企业投诉（期限：{PENDING}）"
        received = await envelopes(risk.runtime.factory, "risk.complaint.received", complaint_id=late["id"])
        assert len(received) == 1 and received[0]["data"]["due_on"] is None

        # Tue 2026-12-01 + 15 working days: Wed 02 (1), Thu 03 (2), Fri 04 (3), Mon 07 – Fri 11 (4–8),
        # Mon 14 – Fri 18 (9–13), Mon 21 (14), Tue 22 (15) → 2026-12-22, in the covered year as before.
        early = await file_on(risk, date(2026, 12, 1), "十二月初受理的投诉")
        assert early["due_on"] == "2026-12-22"
        assert early["history"][0]["note"] == "企业投诉"

        assert await listed(risk, pending=True) == [late["id"]]
        assert set(await listed(risk)) == {early["id"], late["id"]}
    finally:
        pin()


async def test_a_complaint_forwarded_in_late_december_has_its_reply_deadline_pending(risk: Running) -> None:
    try:
        # received Tue 2026-12-01: due 2026-12-22 (first test)
        complaint = await file_on(risk, date(2026, 12, 1), "十二月转办的投诉")
        # forwarded Fri 2026-12-18, 10 working days: Mon 21 – Fri 25 (1–5), Mon 28 (6), Tue 29 (7),
        # Wed 30 (8), Thu 31 (9), then 2027: pending
        pin(date(2026, 12, 18))
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.post(f"{API}/{complaint['id']}/forward", json={"note": "请核查"})
        assert r.status_code == 200, r.text
        forwarded = r.json()
        assert (forwarded["status"], forwarded["due_on"]) == ("forwarded", "2026-12-22")
        assert (forwarded["reply_due_on"], forwarded["reply_overdue"]) == (None, False)
        assert forwarded["history"][-1]["note"] == f"请核查（期限：{PENDING}）"
        # the unit it was forwarded to reads it, the reply deadline pending
        async with client(risk.url, headers=unit_officer(UNIT)) as http:
            r = await http.get(f"{API}/{complaint['id']}")
        assert r.status_code == 200 and r.json()["reply_due_on"] is None
        assert complaint["id"] in await listed(risk, pending=True)
    finally:
        pin()


async def test_pending_complaints_are_never_overdue(risk: Running) -> None:
    """Wed 2027-01-13, 2027 still not entered: a complaint due 2026-12-22 is overdue, a pending one is not."""
    try:
        due = await file_on(risk, date(2026, 12, 1), "逾期的投诉")  # → 2026-12-22 (first test)
        pending = await file_on(risk, date(2026, 12, 21), "期限待定的投诉")
        pin(date(2027, 1, 13))
        assert (await get(risk, due["id"]))["overdue"] is True
        assert (await get(risk, pending["id"]))["overdue"] is False
        overdue = await listed(risk, overdue=True)
        assert due["id"] in overdue and pending["id"] not in overdue
    finally:
        pin()


async def test_entering_the_year_computes_the_pending_deadlines(risk: Running) -> None:
    try:
        pending = set(await listed(risk, pending=True))
        assert len(pending) == 3  # two received on 2026-12-21, one forwarded on 2026-12-18

        # The administrator enters 2027: 元旦 on Friday 2027-01-01 is a day off.
        pin(date(2027, 1, 13))
        body_ = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        async with client(risk.url, headers=ADMIN) as http:
            r = await http.put("/api/v1/risk/admin/calendar/2027", json=body_)
        assert r.status_code == 200, r.text
        assert await listed(risk, pending=True) == []

        rows = [await get(risk, cid) for cid in pending]
        received = [c for c in rows if c["status"] == "received"]
        [forwarded] = [c for c in rows if c["status"] == "forwarded"]
        # Received Mon 2026-12-21, 15 working days: Tue 22 – Thu 31 (1–8), Fri 2027-01-01 off (元旦),
        # Mon 01-04 (9), Tue 05 (10), Wed 06 (11), Thu 07 (12), Fri 08 (13), Mon 11 (14), Tue 12 (15)
        # → 2027-01-12: on Wed 2027-01-13 a day past it, overdue now.
        assert [(c["due_on"], c["overdue"]) for c in received] == [("2027-01-12", True)] * 2
        # Forwarded Fri 2026-12-18, 10 working days: Mon 21 – Thu 31 (1–9), 2027-01-01 off, Mon 2027-01-04 (10)
        # → 2027-01-04, unreplied on 2027-01-13: late.
        assert (forwarded["due_on"], forwarded["reply_due_on"], forwarded["reply_overdue"]) == (
            "2026-12-22",
            "2027-01-04",
            True,
        )
        async with client(risk.url, headers=SUPERVISOR) as http:
            audit = (await http.get(f"/api/v1/risk/audit/entities/complaint/{forwarded['id']}")).json()
        last = audit["items"][-1]
        assert last["action"] == "complaint.deadline_computed"
        assert last["after"] == {"reply_due_on": "2027-01-04"}
    finally:
        pin()
