"""12345 leads in the last weeks of December, before next year's holiday arrangement is entered: the weekly
transfer goes ahead with the answer deadline pending (never guessed), the overdue list ignores it, the
supervisors' pending list shows it, and entering the year computes it in the same transaction.

The module has a database of its own, so 2027 is entered by this test only."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from services.risk import jobs
from tests.risk.helpers import ADMIN, HOTLINE, SUPERVISOR, pin, unit_officer
from tests.support.stack import Running, client

A = "SJ-210102"
PENDING = "节假日安排未录入，期限待定"


def lead(n: int, at: str, category: str = "执法态度") -> dict[str, Any]:
    return {
        "external_id": f"U-{n}",
        "unit_code": A,
        "domain": "食品安全",
        "category": category,
        "text": f"第{n}条线索",
        "received_at": at,
    }


async def intake(risk: Running, *records: dict[str, Any]) -> None:
    body = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    async with client(risk.url, headers=HOTLINE) as http:
        r = await http.post("/api/v1/risk/intake/complaints/bulk", content=body)
    assert r.json()["stored"] == len(records), r.text


async def by_id(risk: Running, path: str = "/api/v1/risk/leads") -> dict[str, dict[str, Any]]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get(path)
    assert r.status_code == 200, r.text
    return {i["external_id"]: i for i in r.json()["items"]}


async def test_the_transfer_goes_ahead_and_entering_the_year_computes_the_deadline(risk: Running) -> None:
    try:
        # Week 2026-W51 (Mon 12-14 .. Sun 12-20); transferred on Monday 2026-12-21 by a supervisor.
        pin(date(2026, 12, 21))
        await intake(
            risk,
            lead(1, "2026-12-15T09:00:00+08:00"),
            lead(2, "2026-12-20T23:00:00+08:00", "涉企执法"),
        )
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W51"})
        assert r.status_code == 200, r.text  # was 422 CALENDAR_NOT_COVERED
        assert [(t["batch"], t["unit_code"], t["lead_count"]) for t in r.json()] == [("2026-W51", A, 2)]
        items = await by_id(risk)
        # U-1: 10 working days from Mon 12-21 reach into 2027, not covered: pending, nothing guessed.
        one = items["U-1"]
        assert one["status"] == "transferred" and one["answer_due_on"] is None
        assert one["flags"]["due_unknown"] is True and one["flags"]["note"] == PENDING
        assert one["flags"]["answer_overdue"] is False and one["flags"]["due_on"] is None
        # U-2 (涉企执法, 5 working days) can be computed: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4),
        # Mon 28 (5) -> 2026-12-28.
        two = items["U-2"]
        assert two["answer_due_on"] == "2026-12-28"
        assert two["flags"]["due_unknown"] is False and two["flags"]["note"] == ""

        # Week 2026-W52 (Mon 12-21 .. Sun 12-27): the daily job transfers it on Monday 2026-12-28.
        pin(date(2026, 12, 22))
        await intake(risk, lead(3, "2026-12-22T09:00:00+08:00"))
        pin(date(2026, 12, 28))
        settings = risk.settings.model_copy(update={"daily_job_enabled": True, "daily_job_hour": 0})
        context = dataclasses.replace(risk.runtime.context, settings=settings)
        assert await jobs.run_daily(risk.runtime.factory, context) is True
        three = (await by_id(risk))["U-3"]
        assert three["status"] == "transferred" and three["answer_due_on"] is None
        assert three["history"][-1]["actor"] == "system:risk-daily"

        # The unit answers U-3 on Tue 12-29: 5 closing days reach into 2027 as well, so closing is pending too.
        pin(date(2026, 12, 29))
        async with client(risk.url, headers=unit_officer(A)) as http:
            r = await http.post(f"/api/v1/risk/leads/{three['id']}/answer", json={"text": "已核实处理"})
        assert r.status_code == 200, r.text
        answered = r.json()
        assert answered["status"] == "answered" and answered["close_due_on"] is None
        assert answered["answered_late"] is False and answered["flags"]["due_unknown"] is True

        pending = await by_id(risk, "/api/v1/risk/leads/pending")
        assert sorted(pending) == ["U-1", "U-3"]
        assert pending["U-1"]["flags"]["note"] == PENDING
        async with client(risk.url, headers=unit_officer(A)) as http:
            r = await http.get("/api/v1/risk/leads/pending")
        assert r.status_code == 403, r.text  # a supervisor's (or administrator's) list

        # Wed 2027-01-13, 2027 still not entered: only U-2 (due 2026-12-28) is overdue; the pending are not.
        pin(date(2027, 1, 13))
        overdue = await by_id(risk, "/api/v1/risk/leads/overdue")
        assert sorted(overdue) == ["U-2"]

        # The administrator enters 2027: 元旦 on Friday 2027-01-01 is a day off.
        body = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        async with client(risk.url, headers=ADMIN) as http:
            r = await http.put("/api/v1/risk/admin/calendar/2027", json=body)
        assert r.status_code == 200, r.text

        items = await by_id(risk)
        # U-1, transferred Mon 2026-12-21, 10 working days: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4),
        # Mon 28 (5), Tue 29 (6), Wed 30 (7), Thu 31 (8), Fri 2027-01-01 off (元旦), Mon 01-04 (9),
        # Tue 01-05 (10) -> 2027-01-05.
        assert items["U-1"]["answer_due_on"] == "2027-01-05"
        assert items["U-1"]["flags"]["due_unknown"] is False and items["U-1"]["flags"]["note"] == ""
        # U-3, transferred Mon 2026-12-28, 10 working days: Tue 29 (1), Wed 30 (2), Thu 31 (3), 01-01 off,
        # Mon 01-04 (4), Tue 05 (5), Wed 06 (6), Thu 07 (7), Fri 08 (8), Mon 11 (9), Tue 12 (10) -> 2027-01-12;
        # answered Tue 2026-12-29, in time; closing 5 working days: Wed 30 (1), Thu 31 (2), 01-01 off,
        # Mon 01-04 (3), Tue 05 (4), Wed 06 (5) -> 2027-01-06.
        assert items["U-3"]["answer_due_on"] == "2027-01-12"
        assert items["U-3"]["close_due_on"] == "2027-01-06"
        assert items["U-3"]["answered_late"] is False
        assert items["U-2"]["answer_due_on"] == "2026-12-28"  # untouched

        assert await by_id(risk, "/api/v1/risk/leads/pending") == {}
        # on 2027-01-13 all three are past their deadlines now, earliest first
        overdue_list = await by_id(risk, "/api/v1/risk/leads/overdue")
        assert [(k, v["flags"]["due_on"]) for k, v in overdue_list.items()] == [
            ("U-2", "2026-12-28"),
            ("U-1", "2027-01-05"),
            ("U-3", "2027-01-06"),
        ]
        assert overdue_list["U-3"]["flags"]["close_overdue"] is True
    finally:
        pin()
