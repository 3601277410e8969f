"""Examiner's cases: overdue and late-answered matters in the unit's quarterly colour, the matter's documents and
audit trail, and a complaint concluded after its deadline, judged only by what the HTTP API answers.

Sources: docs/api/supervision.md §1 ("an overdue or late-answered matter counts once in its unit's quarterly report,
on the day after the deadline: indicator ``overdue_matters``, yellow at 1, red at 3 (thresholds version 2026.4 from
2026-10-01)"; documents HTML and PDF; every step in the audit chain) and §2 (``overdue``: the bureau's deadline
passed before 办结; ``complaint_counts``: received in the quarter, substantiated, open past the deadline);
国务院办公厅 2026 holiday arrangement (国庆 10月1日至7日).

Unit ST-210113, a fresh database. Its matters (1 or 5 working days):
  M1 opened Mon 09-28, 1 day: due Tue 09-29, counts on Wed 09-30 (2026Q3's figure, no colour: before 2026.4)
  M2 opened Tue 09-29, 1 day: due Wed 09-30, counts on Thu 10-01 (2026Q4), later answered late: still once
  M3 opened Fri 11-13, 5 days (16-20): due Fri 11-20, answered late Sat 11-21: counts on 11-21
  M4 opened Mon 11-16, 5 days (17-20, 23): due Mon 11-23 = today, unanswered: not yet counted
So 2026Q4 has 2 (M2, M3): yellow. Then M5 opened Thu 11-19, 1 day: due Fri 11-20, overdue: 3, red.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.risk import jobs
from tests.risk.acceptance.cases import API
from tests.risk.helpers import SUPERVISOR, apply, make_uscc, of_unit, pin, unit_officer
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.http import ok
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

M = f"{API}/supervision/matters"
UNIT = "ST-210113"
ANSWER = {"outcome": "explained", "text": "已说明理由"}


async def post(risk: Running, path: str, body: Any, headers: dict[str, str] = SUPERVISOR) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.post(path, json=body)


async def get(risk: Running, path: str, headers: dict[str, str] = SUPERVISOR, **params: Any) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.get(path, params=params)


async def open_on(risk: Running, day: date, days: int) -> dict[str, Any]:
    cid = uuid.uuid4()
    await apply(risk, decision_issued(**of_unit(UNIT), case_id=cid, decided_on=date(2026, 8, 3)))
    pin(day)
    try:
        body = {
            "kind": "opinion",
            "target_kind": "case",
            "target_id": str(cid),
            "grounds": "未按规定出示执法证件",
            "legal_basis": "《中华人民共和国行政处罚法》第五十五条",
            "requested_action": "核查并书面报告",
            "deadline_working_days": days,
        }
        return dict(ok(await post(risk, M, body), 201))
    finally:
        pin()


async def answer_on(risk: Running, mid: str, day: date) -> dict[str, Any]:
    pin(day)
    try:
        return dict(ok(await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT))))
    finally:
        pin()


async def unit_row(risk: Running, quarter: str) -> dict[str, Any]:
    rep = ok(await get(risk, f"{API}/reports/{quarter}"))
    return dict(next(u for u in rep["units"] if u["unit_code"] == UNIT))


@pytest.fixture(scope="module")
async def matters(risk: Running) -> AsyncIterator[dict[str, dict[str, Any]]]:
    m = {
        "M1": await open_on(risk, date(2026, 9, 28), 1),
        "M2": await open_on(risk, date(2026, 9, 29), 1),
        "M3": await open_on(risk, date(2026, 11, 13), 5),
        "M4": await open_on(risk, date(2026, 11, 16), 5),
    }
    await answer_on(risk, m["M3"]["id"], date(2026, 11, 21))
    await jobs.supervision_overdue(risk.runtime)  # today 2026-11-23: M1 and M2 are past their deadlines
    await answer_on(risk, m["M2"]["id"], date(2026, 11, 23))
    yield m


class TestOverdueInTheColour:
    async def test_the_deadlines(self, matters: dict[str, dict[str, Any]]) -> None:
        assert [matters[k]["due_on"] for k in ("M1", "M2", "M3", "M4")] == [
            "2026-09-29",
            "2026-09-30",
            "2026-11-20",
            "2026-11-23",
        ]

    async def test_two_in_q4_is_yellow(self, risk: Running, matters: dict[str, dict[str, Any]]) -> None:
        row = await unit_row(risk, "2026Q4")
        assert (row["figures"]["overdue_matters"], row["colour"]) == (2, "yellow"), row
        drill = ok(await get(risk, f"{API}/units/{UNIT}/quarters/2026Q4"))
        assert sorted(e["on"] for e in drill["overdue_matters"]) == ["2026-10-01", "2026-11-21"], drill
        # M1 counts on 09-30, in 2026Q3's figures; Q3 is judged before thresholds 2026.4 (from 2026-10-01), so
        # it colours nothing there
        q3 = await unit_row(risk, "2026Q3")
        assert q3["figures"]["overdue_matters"] == 1, q3
        assert not any(r["rule"].startswith("OVERDUE_MATTERS") for r in q3["reasons"]), q3["reasons"]

    async def test_the_third_is_red(self, risk: Running, matters: dict[str, dict[str, Any]]) -> None:
        await open_on(risk, date(2026, 11, 19), 1)
        await jobs.supervision_overdue(risk.runtime)
        row = await unit_row(risk, "2026Q4")
        assert (row["figures"]["overdue_matters"], row["colour"]) == (3, "red"), row
        assert any(r["rule"] == "OVERDUE_MATTERS_RED" for r in row["reasons"]), row["reasons"]

    async def test_documents_and_audit(self, risk: Running, matters: dict[str, dict[str, Any]]) -> None:
        m = matters["M3"]
        html = await get(risk, f"{M}/{m['id']}/documents/html", unit_officer(UNIT))
        assert html.status_code == 200 and m["document_no"] in html.text, html.text[:300]
        pdf = await get(risk, f"{M}/{m['id']}/documents/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.headers
        trail = ok(await get(risk, f"{API}/audit/entities/matter/{m['id']}"))
        assert len(trail["items"] if isinstance(trail, dict) and "items" in trail else trail) >= 2, trail
        assert (
            await get(risk, f"{M}/{m['id']}/documents/html", unit_officer("SJ-210102"))
        ).status_code == 404


class TestComplaintConcludedLate:
    async def test_overdue_until_concluded_and_counted_in_q3(self, risk: Running) -> None:
        # received Mon 2026-09-28: 15 working days -> Fri 2026-10-23 (see test_supervision_complaints);
        # concluded Mon 2026-11-23, after the deadline; in 2026Q3 received 1, substantiated 1
        ent = personas.enterprise(make_uscc(601), sub="ent-601")
        body = {
            "subject_kind": "department",
            "unit_code": UNIT,
            "category": "逾期未办",
            "text": "申请事项逾期未办",
        }
        pin(date(2026, 9, 28))
        try:
            filed = ok(await post(risk, "/api/v1/risk/complaints", body, ent), 201)
        finally:
            pin()
        before = ok(await get(risk, f"/api/v1/risk/complaints/{filed['id']}"))
        assert before["overdue"] is True, before
        done = {"finding": "substantiated", "conclusion": "属实"}
        got = ok(await post(risk, f"/api/v1/risk/complaints/{filed['id']}/conclude", done))
        # "overdue (the bureau's deadline passed before 办结)" reads two ways: 逾期未办结 (a state, cleared by 办结)
        # or 逾期办结 (kept after a late 办结). The product's reading, 逾期未办结, is kept (see the report).
        assert (got["status"], got["overdue"]) == ("concluded", False), got
        counts = ok(await get(risk, f"{API}/units/{UNIT}/quarters/2026Q3"))["complaint_counts"]
        assert (counts["received"], counts["substantiated"]) == (1, 1), counts
