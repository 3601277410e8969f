"""12345 leads over HTTP: weekly transfer per department (周移送), answer, return, close, overdue flags."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.common import clock
from services.common.workdays import WorkingDayCalendar
from services.risk.domain import leads as leads_domain
from tests.risk.helpers import HOTLINE, SUPERVISOR, TODAY, pin, unit_officer
from tests.support import personas
from tests.support.stack import Running, client

A, B = "SJ-210102", "CG-210104"


def lead(n: int, unit: str, at: str, category: str = "执法态度") -> dict[str, Any]:
    return {
        "external_id": f"L-{n}",
        "unit_code": unit,
        "domain": "食品安全",
        "category": category,
        "text": f"第{n}条线索",
        "received_at": at,
    }


async def seed(risk: Running) -> None:
    records = [
        lead(1, A, "2026-08-03T08:00:00+08:00"),  # Monday of 2026-W32
        lead(2, A, "2026-08-09T23:59:00+08:00", "涉企执法"),  # Sunday night, still W32
        lead(3, B, "2026-08-05T12:00:00+08:00"),
        lead(4, A, "2026-08-10T00:00:00+08:00"),  # Monday 00:00 -> W33
    ]
    body = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    async with client(risk.url, headers=HOTLINE) as http:
        r = await http.post("/api/v1/risk/intake/complaints/bulk", content=body)
    assert r.json()["stored"] == 4, r.text


@pytest.fixture(scope="module")
async def seeded(risk: Running) -> Running:
    await seed(risk)
    return risk


async def leads(
    running: Running, headers: dict[str, str] = SUPERVISOR, **params: Any
) -> dict[str, dict[str, Any]]:
    async with client(running.url, headers=headers) as http:
        r = await http.get("/api/v1/risk/leads", params=params)
    assert r.status_code == 200, r.text
    return {i["external_id"]: i for i in r.json()["items"]}


class TestWeeklyTransfer:
    async def test_batches_and_transfer_overdue_flag(self, seeded: Running) -> None:
        items = await leads(seeded)
        assert {k: v["batch"] for k, v in items.items()} == {
            "L-1": "2026-W32",
            "L-2": "2026-W32",
            "L-3": "2026-W32",
            "L-4": "2026-W33",
        }
        # W32 ends Sunday 2026-08-09; due the first working day after: Monday 2026-08-10. Long past today.
        assert items["L-1"]["flags"] == {
            "transfer_overdue": True,
            "answer_overdue": False,
            "close_overdue": False,
            "due_on": "2026-08-10",
            "due_unknown": False,
            "note": "",
        }

    async def test_open_week_cannot_be_transferred(self, seeded: Running) -> None:
        async with client(seeded.url, headers=SUPERVISOR) as http:
            # today, Monday 2026-11-23, is in 2026-W48
            r = await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W48"})
            assert r.status_code == 409 and r.json()["code"] == "LEAD_BATCH_NOT_ENDED"
            r = await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W60"})
            assert r.status_code == 400 and r.json()["code"] == "LEAD_WEEK_INVALID"
            r = await http.post("/api/v1/risk/leads/transfers", json={"batch": "W32"})
            assert r.status_code == 422
            r = await http.post(
                "/api/v1/risk/leads/transfers",
                json={"batch": "2026-W32"},
                headers=personas.supervisor("210102", sub="s"),
            )
            assert r.status_code == 403 and r.json()["code"] == "RISK_CITY_SCOPE_REQUIRED"

    async def test_one_transfer_per_department(self, seeded: Running) -> None:
        async with client(seeded.url, headers=SUPERVISOR) as http:
            r = await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W32"})
            again = await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W32"})
        assert r.status_code == 200, r.text
        assert sorted((t["unit_code"], t["lead_count"]) for t in r.json()) == [(B, 1), (A, 2)]
        assert again.json() == []  # nothing left to move
        items = await leads(seeded)
        assert items["L-1"]["status"] == "transferred" and items["L-1"]["department"] == A
        assert items["L-4"]["status"] == "received"  # W33 not asked for
        # answer deadlines: 10 working days, 5 for 涉企执法 (config 2026.1), as the pure leads.transfer() says
        config = seeded.runtime.context.config.in_effect(clock.today()).leads
        for key in ("L-1", "L-2"):
            moved = leads_domain.transfer(
                leads_domain.receive(
                    lead_id=key,
                    unit_code=A,
                    category=items[key]["category"],
                    received_at=datetime.fromisoformat(items[key]["received_at"]),
                    actor="t",
                ),
                department=A,
                transferred_at=datetime.fromisoformat(items[key]["transferred_at"]),
                actor="t",
                config=config,
                calendar=WorkingDayCalendar(),
            )
            assert items[key]["answer_due_on"] == moved.answer_due_on.isoformat()  # type: ignore[union-attr]
        assert items["L-2"]["answer_due_on"] < items["L-1"]["answer_due_on"]

    async def test_officer_sees_own_department_only(self, seeded: Running) -> None:
        mine = await leads(seeded, headers=unit_officer(B))
        assert set(mine) == {"L-3"}
        other = (await leads(seeded))["L-1"]["id"]
        async with client(seeded.url, headers=unit_officer(B)) as http:
            r = await http.get(f"/api/v1/risk/leads/{other}")
            a = await http.post(f"/api/v1/risk/leads/{other}/answer", json={"text": "已处理"})
        assert (r.status_code, a.status_code) == (404, 404)

    async def test_answer_return_answer_close(self, seeded: Running) -> None:
        lead_id = (await leads(seeded))["L-3"]["id"]
        async with client(seeded.url) as http:
            r = await http.post(f"/api/v1/risk/leads/{lead_id}/close", json={}, headers=SUPERVISOR)
            assert r.status_code == 409 and r.json()["code"] == "LEAD_NOT_ANSWERED"
            r = await http.post(
                f"/api/v1/risk/leads/{lead_id}/answer",
                json={"text": "已约谈当事执法人员"},
                headers=unit_officer(B),
            )
            assert r.status_code == 200 and r.json()["status"] == "answered", r.text
            assert r.json()["close_due_on"] is not None
            r = await http.post(
                f"/api/v1/risk/leads/{lead_id}/return", json={"reason": "未说明整改结果"}, headers=SUPERVISOR
            )
            assert r.json()["status"] == "transferred" and r.json()["return_count"] == 1
            r = await http.post(
                f"/api/v1/risk/leads/{lead_id}/answer", json={"text": "已整改并回访"}, headers=unit_officer(B)
            )
            r = await http.post(
                f"/api/v1/risk/leads/{lead_id}/close", json={"note": "办结"}, headers=SUPERVISOR
            )
            assert r.status_code == 200 and r.json()["status"] == "closed"
        assert [h["to_status"] for h in r.json()["history"]] == [
            "received",
            "transferred",
            "answered",
            "transferred",
            "answered",
            "closed",
        ]

    async def test_overdue_leads(self, seeded: Running) -> None:
        async with client(seeded.url, headers=SUPERVISOR) as http:
            now = (await http.get("/api/v1/risk/leads/overdue")).json()["items"]
            assert [i["external_id"] for i in now] == ["L-4"]  # W33 never transferred
            pin(TODAY + timedelta(days=40))  # past every answer deadline
            try:
                later = (await http.get("/api/v1/risk/leads/overdue")).json()["items"]
            finally:
                pin()
        flags = {i["external_id"]: i["flags"] for i in later}
        assert set(flags) == {"L-1", "L-2", "L-4"}  # L-3 is closed
        assert flags["L-1"]["answer_overdue"] and flags["L-4"]["transfer_overdue"]

    async def test_all_finished_weeks_at_once(self, seeded: Running) -> None:
        async with client(seeded.url, headers=SUPERVISOR) as http:
            r = await http.post("/api/v1/risk/leads/transfers", json={})
            listed = (await http.get("/api/v1/risk/leads/transfers")).json()
        assert [(t["batch"], t["unit_code"]) for t in r.json()] == [("2026-W33", A)]
        assert {t["batch"] for t in listed} == {"2026-W32", "2026-W33"}


class TestDailyJob:
    async def test_daily_job_transfers_finished_weeks(self, seeded: Running) -> None:
        from services.risk import jobs

        async with client(seeded.url, headers=HOTLINE) as http:
            r = await http.post(
                "/api/v1/risk/intake/complaints", json=lead(50, A, "2026-09-02T10:00:00+08:00")
            )
            assert r.status_code == 201, r.text
        settings = seeded.settings.model_copy(update={"daily_job_enabled": True, "daily_job_hour": 0})
        context = dataclasses.replace(seeded.runtime.context, settings=settings)
        assert await jobs.run_daily(seeded.runtime.factory, context) is True
        moved = (await leads(seeded))["L-50"]
        assert moved["status"] == "transferred"
        assert moved["history"][-1]["actor"] == "system:risk-daily"
        # once a day
        assert await jobs.run_daily(seeded.runtime.factory, context) is False


class TestUncoveredCalendar:
    async def test_a_deadline_in_an_uncovered_year_is_reported_not_guessed(self, seeded: Running) -> None:
        # received Thursday 2026-12-31: week 2026-W53 ends Sunday 2027-01-03; its transfer deadline is in 2027,
        # which the statutory calendar package does not cover and no administrator has entered
        pin(date(2027, 1, 6))
        try:
            async with client(seeded.url, headers=HOTLINE) as http:
                r = await http.post(
                    "/api/v1/risk/intake/complaints", json=lead(60, A, "2026-12-31T10:00:00+08:00")
                )
                assert r.status_code == 201, r.text
            item = (await leads(seeded))["L-60"]
        finally:
            pin()
        assert item["batch"] == "2026-W53"
        assert item["flags"]["due_unknown"] is True and item["flags"]["due_on"] is None
        assert item["flags"]["note"] == "节假日安排未录入，期限待定"


class TestLedger:
    """台账 (issue #15 item 4): the leads as xlsx with Chinese headers, the caller's scope only."""

    async def test_the_leads_ledger(self, seeded: Running) -> None:
        import io

        from openpyxl import load_workbook

        async with client(seeded.url) as http:
            city = await http.get("/api/v1/risk/ledgers/leads.xlsx", headers=SUPERVISOR)
            unit = await http.get("/api/v1/risk/ledgers/leads.xlsx", headers=unit_officer(B))
            rectifications = await http.get("/api/v1/risk/ledgers/rectifications.xlsx", headers=SUPERVISOR)
        assert city.status_code == 200 and city.headers["content-type"].endswith("spreadsheetml.sheet")
        rows = list(load_workbook(io.BytesIO(city.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert rows[0][:4] == ("工单编号", "受理时间", "批次", "承办单位")
        by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
        assert {"L-1", "L-2", "L-3", "L-4"} <= set(by_id)
        assert by_id["L-3"]["承办单位"] == B and by_id["L-3"]["诉求内容"] == "第3条线索"
        # received 2026-08-05T12:00+08:00: written in China time, without an offset Excel cannot hold
        assert by_id["L-3"]["受理时间"] == datetime(2026, 8, 5, 12, 0)
        assert by_id["L-3"]["逾期答复"] in ("是", "否")
        unit_rows = list(load_workbook(io.BytesIO(unit.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert {r[0] for r in unit_rows[1:]} == {"L-3"}  # an officer: its own unit's only
        sheet = load_workbook(io.BytesIO(rectifications.content)).active
        assert sheet is not None and sheet.title == "整改台账"
        assert next(sheet.iter_rows(values_only=True))[:3] == ("执法单位", "季度", "预警等级")


class TestHotlineReadsItsOwnLeads:
    """Issue #15 (webhooks, last sentence): the 12345 client reads back its own leads and their answers;
    another integration client sees none of them (its list is empty and a get answers 404, as for an id that
    does not exist)."""

    async def test_the_hotline_lists_and_reads_its_leads(self, seeded: Running) -> None:
        mine = await leads(seeded, HOTLINE)
        assert {"L-1", "L-2", "L-3", "L-4"} <= set(mine)
        async with client(seeded.url, headers=HOTLINE) as http:
            r = await http.get(f"/api/v1/risk/leads/{mine['L-1']['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["external_id"] == "L-1" and "answer" in r.json()

    async def test_another_client_sees_none_of_them(self, seeded: Running) -> None:
        mine = await leads(seeded, HOTLINE)
        court = personas.integration("court")
        assert await leads(seeded, court) == {}
        async with client(seeded.url, headers=court) as http:
            r = await http.get(f"/api/v1/risk/leads/{mine['L-1']['id']}")
        assert r.status_code == 404 and r.json()["code"] == "LEAD_NOT_FOUND", r.text


async def test_a_cursor_of_another_shape_is_400_not_500(seeded: Running) -> None:
    """``NQ`` decodes to the number 5: a cursor no page of this list gave (was a 500: the key was indexed)."""
    async with client(seeded.url, headers=SUPERVISOR) as http:
        r = await http.get("/api/v1/risk/leads", params={"cursor": "NQ"})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_CURSOR", r.text


async def test_a_rectification_cursor_of_another_shape_is_400_not_500(seeded: Running) -> None:
    """The same for the rectifications list (``NQ``: the number 5; ``WyJ4IiwieSJd``: ["x", "y"], not a date)."""
    async with client(seeded.url, headers=SUPERVISOR) as http:
        for cursor in ("NQ", "WyJ4IiwieSJd"):
            r = await http.get("/api/v1/risk/rectifications", params={"cursor": cursor})
            assert r.status_code == 400 and r.json()["code"] == "INVALID_CURSOR", (cursor, r.text)
