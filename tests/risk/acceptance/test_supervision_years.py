"""Examiner's cases: document numbers and 受理编号 per calendar year, and deadlines across the new year once an
administrator entered it, judged only by what the HTTP API answers.

Sources: docs/api/supervision.md §1 ("a document number from its own counter per kind and year (no gaps, no
duplicates)"; a deadline into a year not entered is pending, due_on null, computed when PUT /admin/calendar/{year}
enters it),
§2 (TS-<year>-<6 digits>, a sequence per year; 15 working days), §5 (沈司执监通〔year〕N号 per calendar year from 1);
docs/operations.md "Every year: the holiday arrangement" (days_off / working_days).

The 2027 arrangement entered here is the test's own: only 2027-01-01 (Friday) off.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from tests.risk.acceptance.cases import API
from tests.risk.helpers import ADMIN, SUPERVISOR, apply, make_uscc, of_unit, pin
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.http import ok
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

M = f"{API}/supervision/matters"
UNIT = "SJ-210102"
ENTERPRISE = personas.enterprise(make_uscc(701), sub="ent-701")


async def call(risk: Running, method: str, path: str, body: Any, headers: dict[str, str] = SUPERVISOR) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.request(method, path, json=body)


def correction(case_id: str, days: int) -> dict[str, Any]:
    return {
        "kind": "correction",
        "target_kind": "case",
        "target_id": case_id,
        "grounds": "重复检查",
        "legal_basis": "《中华人民共和国行政处罚法》第五十五条",
        "requested_action": "核查并纠正",
        "deadline_working_days": days,
    }


async def opened_on(risk: Running, day: date, case_id: str, days: int) -> Any:
    pin(day)
    try:
        return await call(risk, "POST", M, correction(case_id, days))
    finally:
        pin()


@pytest.fixture(scope="module")
async def a_case(risk: Running) -> AsyncIterator[str]:
    cid = uuid.uuid4()
    await apply(risk, decision_issued(**of_unit(UNIT), case_id=cid, decided_on=date(2026, 8, 3)))
    yield str(cid)


async def test_pending_until_2027_is_entered_then_counted(risk: Running, a_case: str) -> None:
    pending = ok(await opened_on(risk, date(2026, 12, 28), a_case, 10), 201)
    assert (pending["due_on"], pending["document_no"]) == (None, "沈司纠错〔2026〕1号"), pending
    cal = {"source": "测试用2027年安排", "days_off": ["2027-01-01"], "working_days": []}
    r = await call(risk, "PUT", f"{API}/admin/calendar/2027", cal, ADMIN)
    assert r.status_code in (200, 201, 204), r.text
    # opened Mon 2026-12-28, 10 working days: Dec 29, 30, 31 (3), Jan 1 off, Jan 4-8 (8), Jan 11, 12 (10)
    filled = ok(await call(risk, "GET", f"{M}/{pending['id']}", None), 200)
    assert filled["due_on"] == "2027-01-12", filled
    got = ok(await opened_on(risk, date(2026, 12, 28), a_case, 10), 201)
    assert (got["due_on"], got["document_no"]) == ("2027-01-12", "沈司纠错〔2026〕2号"), got


async def test_numbers_restart_each_year(risk: Running, a_case: str) -> None:
    first_2027 = ok(await opened_on(risk, date(2027, 1, 4), a_case, 1), 201)
    assert (first_2027["document_no"], first_2027["due_on"]) == ("沈司纠错〔2027〕1号", "2027-01-05"), (
        first_2027
    )
    second_2026 = ok(await opened_on(risk, date(2026, 12, 30), a_case, 1), 201)
    assert second_2026["document_no"] == "沈司纠错〔2026〕3号", second_2026


async def test_complaint_numbers_per_year(risk: Running) -> None:
    body = {
        "subject_kind": "department",
        "unit_code": UNIT,
        "category": "重复检查",
        "text": "一月内重复检查三次",
    }
    pin(date(2026, 12, 31))
    try:
        a = ok(await call(risk, "POST", "/api/v1/risk/complaints", body, ENTERPRISE), 201)
    finally:
        pin()
    pin(date(2027, 1, 4))
    try:
        b = ok(await call(risk, "POST", "/api/v1/risk/complaints", body, ENTERPRISE), 201)
    finally:
        pin()
    # received Thu 2026-12-31: Jan 1 off, Jan 4-8 (5), 11-15 (10), 18-22 (15) -> Fri 2027-01-22
    assert (a["ack_no"], a["due_on"]) == ("TS-2026-000001", "2027-01-22"), a
    # received Mon 2027-01-04: Jan 5-8 (4), 11-15 (9), 18-22 (14), Mon 25 (15) -> 2027-01-25
    assert (b["ack_no"], b["due_on"]) == ("TS-2027-000001", "2027-01-25"), b


async def test_the_day_of_receipt_is_chinas(risk: Running) -> None:
    """Filed and opened at 00:00 China time on Tuesday 2026-11-24 (16:00 UTC on Monday): the day is the 24th.
    Complaint, 15 working days: Nov 25-27 (3), Nov 30-Dec 4 (8), Dec 7-11 (13), Dec 14, 15 (15) -> 2026-12-15
    (counting from the UTC day would give 12-14). Matter, 1 working day: Wednesday 2026-11-25."""
    body = {"subject_kind": "department", "unit_code": UNIT, "category": "其他", "text": "深夜提交的投诉"}
    cid = uuid.uuid4()
    await apply(risk, decision_issued(**of_unit(UNIT), case_id=cid, decided_on=date(2026, 8, 3)))
    pin(date(2026, 11, 24), hour=0)
    try:
        filed = ok(await call(risk, "POST", "/api/v1/risk/complaints", body, ENTERPRISE), 201)
        opened = ok(await call(risk, "POST", M, correction(str(cid), 1)), 201)
    finally:
        pin()
    assert (filed["due_on"], opened["due_on"]) == ("2026-12-15", "2026-11-25"), (filed, opened)


async def test_numbers_taken_at_once_have_no_gaps_nor_duplicates(risk: Running, a_case: str) -> None:
    """Six opinions and six bulletins posted at the same moment: 沈司监意〔2026〕1-6号 and 沈司执监通〔2026〕1-6号."""
    body = {**correction(a_case, 5), "kind": "opinion"}
    opened = await asyncio.gather(*[call(risk, "POST", M, body) for _ in range(6)])
    numbers = sorted(ok(r, 201)["document_no"] for r in opened)
    assert sorted(numbers, key=lambda n: int(n[len("沈司监意〔2026〕") : -1])) == [
        f"沈司监意〔2026〕{i}号" for i in range(1, 7)
    ], numbers
    source = ok(opened[0], 201)["id"]
    bulletin = {
        "title": "监督事项情况",
        "text": "请整改。",
        "source_kind": "matter",
        "source_id": source,
        "public": False,
    }
    issued = await asyncio.gather(*[call(risk, "POST", f"{API}/bulletins", bulletin) for _ in range(6)])
    got = sorted(int(ok(r, 201)["number"][len("沈司执监通〔2026〕") : -1]) for r in issued)
    assert got == [1, 2, 3, 4, 5, 6], got
