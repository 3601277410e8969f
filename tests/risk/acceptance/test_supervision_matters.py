"""Examiner's cases: supervision matters (个案监督、纠错、提级办理), judged only by what the HTTP API answers.

Sources: docs/api/supervision.md §1 (deadline 1-60 statutory working days after the day of opening; an answer on
or before ``due_on`` is in time, after it late; the overdue job; document numbers per kind and year without
gaps; who may open, answer, close; escalation to 市级); seed 000 (加强个案监督 … 提级办理); 国务院办公厅关于2026年
部分节假日安排的通知 (国庆节 10月1日至7日放假调休，9月20日（周日）、10月10日（周六）上班).

The service clock reads Monday 2026-11-23 unless a case pins another day (tests/risk/helpers.py).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest

from services.risk import jobs
from tests.risk.acceptance.cases import API
from tests.risk.helpers import ADMIN, HOTLINE, SUPERVISOR, apply, of_unit, pin, unit_officer
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

M = f"{API}/supervision/matters"
UNIT, OTHER = "SJ-210102", "CG-210104"
DISTRICT = personas.supervisor("210102", sub="sup-102")
OTHER_DISTRICT = personas.supervisor("210103", sub="sup-103")


def matter(case_id: str, kind: str = "opinion", days: int = 5, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "target_kind": "case",
        "target_id": case_id,
        "grounds": "检查时未出示执法证件，且重复检查",
        "legal_basis": "《中华人民共和国行政处罚法》第五十五条第一款",
        "requested_action": "核查并纠正，书面报告纠正结果",
        "deadline_working_days": days,
        **extra,
    }


ANSWER = {"outcome": "explained", "text": "经核查，执法人员已出示证件，现场记录可证"}


async def case(risk: Running, unit: str = UNIT) -> str:
    cid = uuid.uuid4()
    await apply(risk, decision_issued(**of_unit(unit), case_id=cid, decided_on=date(2026, 8, 3)))
    return str(cid)


async def open_matter(
    risk: Running, body: dict[str, Any], headers: dict[str, str] = SUPERVISOR
) -> dict[str, Any]:
    async with client(risk.url, headers=headers) as http:
        return dict(ok(await http.post(M, json=body), 201))


async def post(risk: Running, path: str, body: Any, headers: dict[str, str]) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.post(path, json=body)


async def get(risk: Running, path: str, headers: dict[str, str], **params: Any) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.get(path, params=params)


@pytest.fixture
def repin() -> Iterator[None]:
    """A case that moves the clock puts it back on Monday 2026-11-23."""
    try:
        yield
    finally:
        pin()


@pytest.fixture(scope="module")
async def a_case(risk: Running) -> AsyncIterator[str]:
    yield await case(risk)


class TestDeadlines:
    async def test_five_working_days_across_a_weekend(self, risk: Running, a_case: str) -> None:
        # opened Monday 2026-11-23: Tue 24, Wed 25, Thu 26, Fri 27, (weekend 28-29) Mon 30 -> 2026-11-30
        got = await open_matter(risk, matter(a_case, days=5))
        assert (got["due_on"], got["status"], got["answered_late"]) == ("2026-11-30", "open", False), got
        assert got["unit_code"] == UNIT and got["document_no"].startswith("沈司监意〔2026〕"), got

    async def test_across_national_day_with_the_make_up_saturday(self, risk: Running, repin: None) -> None:
        # opened Monday 2026-09-28: Tue 29 (1), Wed 30 (2), Oct 1-7 holiday, Thu 8 (3), Fri 9 (4),
        # Sat 10 (5: 调休上班) -> 2026-10-10
        cid = await case(risk)
        pin(date(2026, 9, 28))
        got = await open_matter(risk, matter(cid, days=5))
        assert got["due_on"] == "2026-10-10", got

    async def test_one_working_day_before_national_day(self, risk: Running, repin: None) -> None:
        # opened Wednesday 2026-09-30: Oct 1-7 holiday -> Thu 2026-10-08
        cid = await case(risk)
        pin(date(2026, 9, 30))
        got = await open_matter(risk, matter(cid, days=1))
        assert got["due_on"] == "2026-10-08", got

    async def test_a_deadline_into_an_uncovered_year(self, risk: Running, repin: None) -> None:
        # opened Monday 2026-12-28 with 10 working days: runs into 2027, whose arrangement nobody entered
        cid = await case(risk)
        pin(date(2026, 12, 28))
        # (docs/api/supervision.md): opened all the same, the deadline pending, never guessed
        got = ok(await post(risk, M, matter(cid, days=10), SUPERVISOR), 201)
        assert (got["due_on"], got["due_note"], got["status"]) == (
            None,
            "节假日安排未录入，期限待定",
            "open",
        ), got

    @pytest.mark.parametrize("days", [0, 61])
    async def test_deadline_out_of_range(self, risk: Running, a_case: str, days: int) -> None:
        r = await post(risk, M, matter(a_case, days=days), SUPERVISOR)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )

    async def test_sixty_runs_into_2027(self, risk: Running, a_case: str) -> None:
        # after 2026-11-23, 2026 has Nov 24-27 (4), four full weeks Nov 30 - Dec 25 (20) and Dec 28-31 (4):
        # 28 working days, so 60 reaches 2027: pending
        got = ok(await post(risk, M, matter(a_case, days=60), SUPERVISOR), 201)
        assert (got["due_on"], got["deadline_working_days"]) == (None, 60), got


class TestAnswers:
    async def test_answered_on_the_due_day_is_in_time(self, risk: Running, repin: None) -> None:
        # opened Monday 2026-11-16, 5 working days: 17, 18, 19, 20, 23 -> due Monday 2026-11-23 (today)
        cid = await case(risk)
        pin(date(2026, 11, 16))
        opened = await open_matter(risk, matter(cid, days=5))
        assert opened["due_on"] == "2026-11-23"
        pin(date(2026, 11, 23), hour=23)
        got = ok(await post(risk, f"{M}/{opened['id']}/answer", ANSWER, unit_officer(UNIT)))
        assert (got["status"], got["answered_late"]) == ("answered", False), got

    async def test_answered_the_day_after_is_late(self, risk: Running, repin: None) -> None:
        # opened Friday 2026-11-13, 5 working days: 16, 17, 18, 19, 20 -> due Friday 2026-11-20; answered Mon 23
        cid = await case(risk)
        pin(date(2026, 11, 13))
        opened = await open_matter(risk, matter(cid, days=5))
        assert opened["due_on"] == "2026-11-20"
        pin(date(2026, 11, 21), hour=9)
        got = ok(await post(risk, f"{M}/{opened['id']}/answer", ANSWER, unit_officer(UNIT)))
        assert (got["status"], got["answered_late"]) == ("answered", True), got

    async def test_corrected_must_say_what(self, risk: Running, a_case: str) -> None:
        opened = await open_matter(risk, matter(a_case, kind="correction", days=3))
        r = await post(
            risk, f"{M}/{opened['id']}/answer", {"outcome": "corrected", "text": "已纠正"}, unit_officer(UNIT)
        )
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )

    async def test_overdue_marked_and_days_counted(self, risk: Running, repin: None) -> None:
        # opened Monday 2026-09-28 with 1 working day: due Tue 2026-09-29; today 2026-11-23 it is overdue:
        # Sep 30 (1) + October (31) + Nov 1-23 (23) = 55 calendar days past due_on
        cid = await case(risk)
        pin(date(2026, 9, 28))
        opened = await open_matter(risk, matter(cid, days=1))
        assert opened["due_on"] == "2026-09-29"
        pin()
        await jobs.supervision_overdue(risk.runtime)  # the periodic job's round (every 10 minutes in service)
        got = ok(await get(risk, f"{M}/{opened['id']}", SUPERVISOR))
        assert (got["status"], got["status_label"]) == ("overdue", "逾期未答复"), got
        listed = ok(await get(risk, M, SUPERVISOR, unit_code=UNIT, status="overdue", limit=50))["items"]
        item = next(i for i in listed if i["id"] == opened["id"])
        assert item["days_overdue"] == 55, item
        late = ok(await post(risk, f"{M}/{opened['id']}/answer", ANSWER, unit_officer(UNIT)))
        assert (late["status"], late["answered_late"]) == ("answered", True), late
        listed = ok(await get(risk, M, SUPERVISOR, unit_code=UNIT, status="answered", limit=50))["items"]
        assert next(i for i in listed if i["id"] == opened["id"])["days_overdue"] == 0

    async def test_close_and_reopen_with_a_new_deadline(self, risk: Running, a_case: str) -> None:
        opened = await open_matter(risk, matter(a_case, days=5))
        mid = opened["id"]
        problem(
            await post(risk, f"{M}/{mid}/close", {"note": "x"}, SUPERVISOR),
            409,
            "SUPERVISION_MATTER_INVALID_TRANSITION",
        )
        ok(await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)))
        # reopened Monday 2026-11-23 with 10: Nov 24-27 (4), Nov 30 - Dec 4 (9), Mon Dec 7 (10)
        got = ok(
            await post(
                risk, f"{M}/{mid}/reopen", {"reason": "说明不充分", "deadline_working_days": 10}, SUPERVISOR
            )
        )
        assert (got["status"], got["due_on"]) == ("open", "2026-12-07"), got
        ok(await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)))
        closed = ok(await post(risk, f"{M}/{mid}/close", {"note": "纠正到位"}, SUPERVISOR))
        assert closed["status"] == "closed", closed
        problem(
            await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)),
            409,
            "SUPERVISION_MATTER_INVALID_TRANSITION",
        )


class TestDocumentNumbers:
    async def test_per_kind_and_year_without_gaps(self, risk: Running) -> None:
        cid = await case(risk)
        numbers: dict[str, list[int]] = {"opinion": [], "correction": [], "escalation": []}
        prefix = {
            "opinion": "沈司监意〔2026〕",
            "correction": "沈司纠错〔2026〕",
            "escalation": "沈司提级〔2026〕",
        }
        for kind in ["correction", "correction", "escalation", "correction"]:
            got = await open_matter(risk, matter(cid, kind=kind, days=3))
            assert got["document_no"].startswith(prefix[kind]) and got["document_no"].endswith("号"), got
        listed = ok(await get(risk, M, ADMIN, limit=200))["items"]
        for item in listed:
            full = ok(await get(risk, f"{M}/{item['id']}", ADMIN))
            numbers[full["kind"]].append(int(full["document_no"][len(prefix[full["kind"]]) : -1]))
        for kind, got_numbers in numbers.items():
            assert sorted(got_numbers) == list(range(1, len(got_numbers) + 1)), (kind, got_numbers)
        assert len(numbers["correction"]) >= 3 and len(numbers["escalation"]) >= 1


class TestWho:
    async def test_officer_may_not_open(self, risk: Running, a_case: str) -> None:
        problem(await post(risk, M, matter(a_case), unit_officer(UNIT)), 403, "ROLE_FORBIDDEN")

    async def test_district_supervisor_of_another_district(self, risk: Running, a_case: str) -> None:
        problem(await post(risk, M, matter(a_case), OTHER_DISTRICT), 404, "RISK_UNIT_NOT_FOUND")

    async def test_district_supervisor_of_the_unit(self, risk: Running, a_case: str) -> None:
        got = await open_matter(risk, matter(a_case), DISTRICT)
        assert got["unit_code"] == UNIT

    async def test_unit_code_must_agree_with_the_case(self, risk: Running, a_case: str) -> None:
        r = await post(risk, M, matter(a_case, unit_code=OTHER), SUPERVISOR)
        problem(r, 422, "SUPERVISION_MATTER_INPUT_INVALID")

    async def test_another_unit_and_district_do_not_see_it(self, risk: Running, a_case: str) -> None:
        opened = await open_matter(risk, matter(a_case))
        problem(
            await get(risk, f"{M}/{opened['id']}", unit_officer(OTHER)), 404, "SUPERVISION_MATTER_NOT_FOUND"
        )
        problem(await get(risk, f"{M}/{opened['id']}", OTHER_DISTRICT), 404, "SUPERVISION_MATTER_NOT_FOUND")
        ok(await get(risk, f"{M}/{opened['id']}", unit_officer(UNIT)))
        ok(await get(risk, f"{M}/{opened['id']}", DISTRICT))
        mine = ok(await get(risk, M, unit_officer(OTHER), limit=200))["items"]
        assert opened["id"] not in [i["id"] for i in mine]

    async def test_answer_and_close_roles(self, risk: Running, a_case: str) -> None:
        opened = await open_matter(risk, matter(a_case))
        mid = opened["id"]
        problem(
            await post(risk, f"{M}/{mid}/answer", ANSWER, SUPERVISOR), 403, "SUPERVISION_MATTER_UNIT_ONLY"
        )
        ok(await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)))
        r = await post(risk, f"{M}/{mid}/close", {"note": "x"}, unit_officer(UNIT))
        problem(r, 403, "SUPERVISION_MATTER_SUPERVISOR_ONLY")

    async def test_escalated_target_is_for_the_city(self, risk: Running) -> None:
        cid = await case(risk)
        esc = await open_matter(risk, matter(cid, kind="escalation"), DISTRICT)
        assert (esc["supervision_level"], esc["level_decided_by"]) == ("city", "sup-102"), esc
        ok(await post(risk, f"{M}/{esc['id']}/answer", ANSWER, unit_officer(UNIT)))
        problem(
            await post(risk, f"{M}/{esc['id']}/close", {"note": "x"}, DISTRICT), 403, "SUPERVISION_CITY_LEVEL"
        )
        ok(await get(risk, f"{M}/{esc['id']}", DISTRICT))
        r = await post(risk, M, matter(cid, kind="opinion"), DISTRICT)
        problem(r, 403, "SUPERVISION_CITY_LEVEL")
        ok(await post(risk, f"{M}/{esc['id']}/close", {"note": "办结"}, SUPERVISOR))


class TestBadInput:
    async def test_unknown_matter_is_404(self, risk: Running) -> None:
        problem(await get(risk, f"{M}/{uuid.uuid4()}", SUPERVISOR), 404, "SUPERVISION_MATTER_NOT_FOUND")

    @pytest.mark.parametrize(
        "bad",
        [
            {"kind": "warning"},
            {"target_kind": "enterprise"},
            {"target_id": "not-a-uuid"},
            {"grounds": ""},
            {"deadline_working_days": "5"},
        ],
    )
    async def test_malformed_bodies_are_422(self, risk: Running, a_case: str, bad: dict[str, Any]) -> None:
        r = await post(risk, M, {**matter(a_case), **bad}, SUPERVISOR)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )

    async def test_a_case_risk_does_not_know_yet_names_its_unit(self, risk: Running) -> None:
        # "The unit is taken from the case or lead when risk knows it": otherwise unit_code names it
        got = await open_matter(risk, matter(str(uuid.uuid4()), unit_code=UNIT))
        assert got["unit_code"] == UNIT
        r = await post(risk, M, matter(str(uuid.uuid4())), SUPERVISOR)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )


class TestList:
    async def test_earliest_deadline_first_and_the_districts_scope(self, risk: Running, repin: None) -> None:
        other_case = await case(risk, OTHER)
        pin(date(2026, 11, 20))
        late = await open_matter(risk, matter(other_case, days=1))  # due Mon 2026-11-23
        pin()
        listed = ok(await get(risk, M, SUPERVISOR, limit=200))["items"]
        dues = [i["due_on"] for i in listed]
        known = [d for d in dues if d is not None]  # the pending (null) come last
        assert dues == sorted(known) + [None] * (len(dues) - len(known)), dues
        mine = ok(await get(risk, M, DISTRICT, limit=200))["items"]
        assert {i["unit_code"] for i in mine} == {UNIT} and late["id"] not in [i["id"] for i in mine]
        theirs = ok(await get(risk, M, personas.supervisor("210104", sub="sup-104"), limit=200))["items"]
        assert [i["id"] for i in theirs] == [late["id"]], theirs


class TestLedgerRow:
    async def test_a_reopened_late_answer_in_the_ledger(self, risk: Running, repin: None) -> None:
        # opened Fri 2026-11-13 with 5 working days: due Fri 2026-11-20; answered Sat 11-21 (late);
        # reopened Mon 11-23 with 3: Nov 24, 25, 26 -> due Thu 2026-11-26
        cid = await case(risk)
        pin(date(2026, 11, 13))
        opened = await open_matter(risk, matter(cid, kind="escalation", days=5))
        pin(date(2026, 11, 21), hour=9)
        ok(await post(risk, f"{M}/{opened['id']}/answer", ANSWER, unit_officer(UNIT)))
        pin()
        body = {"reason": "说明不充分", "deadline_working_days": 3}
        reopened = ok(await post(risk, f"{M}/{opened['id']}/reopen", body, SUPERVISOR))
        assert (reopened["due_on"], reopened["reopen_count"]) == ("2026-11-26", 1), reopened
        r = await get(risk, f"{API}/ledgers/supervision-matters.xlsx", SUPERVISOR)
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0])
        row = next(dict(zip(header, v, strict=False)) for v in rows[1:] if v[0] == opened["document_no"])
        assert (
            row["监督方式"],
            row["提级办理"],
            row["监督层级"],
            str(row["答复截止日"])[:10],
            row["办理状态"],
            row["退回次数"],
        ) == (
            "提级办理",
            "是",
            "市级",
            "2026-11-26",
            "待答复",
            1,
        ), row


class TestDaysOverdueBeforeTheJob:
    async def test_counted_while_unanswered_whatever_the_jobs_round(self, risk: Running, repin: None) -> None:
        # opened Mon 2026-11-16 with 1 working day: due Tue 11-17; on Mon 11-23, unanswered, 6 calendar days past
        # due_on, whether or not the overdue job has marked it yet
        cid = await case(risk)
        pin(date(2026, 11, 16))
        opened = await open_matter(risk, matter(cid, days=1))
        pin()
        got = ok(await get(risk, f"{M}/{opened['id']}", SUPERVISOR))
        assert got["days_overdue"] == 6, got


class TestOtherTargets:
    async def test_escalating_a_12345_lead(self, risk: Running) -> None:
        lead = {
            "external_id": "12345-20261123-0042",
            "unit_code": UNIT,
            "domain": "市场监管",
            "category": "执法态度",
            "text": "反映执法人员重复检查",
            "received_at": "2026-11-23T08:30:00+08:00",
        }
        stored = ok(await post(risk, f"{API}/intake/complaints", lead, HOTLINE), 201)
        body = {**matter(stored["id"], kind="escalation"), "target_kind": "lead"}
        got = await open_matter(risk, body, DISTRICT)
        assert (got["title"], got["target_ref"], got["unit_code"], got["due_on"]) == (
            "提级办理：12345热线线索 12345-20261123-0042",
            "12345-20261123-0042",
            UNIT,
            "2026-11-30",
        ), got
        assert (got["supervision_level"], got["level_decided_by"], got["kind_label"]) == (
            "city",
            "sup-102",
            "提级办理",
        )

    async def test_a_visit_names_its_unit(self, risk: Running) -> None:
        body = {**matter(str(uuid.uuid4())), "target_kind": "visit"}
        r = await post(risk, M, body, SUPERVISOR)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )
        got = await open_matter(risk, {**body, "unit_code": OTHER})
        assert got["unit_code"] == OTHER


class TestTransitions:
    async def test_reopen_only_an_answered_matter_and_only_by_a_supervisor(
        self, risk: Running, a_case: str
    ) -> None:
        opened = await open_matter(risk, matter(a_case))
        mid = opened["id"]
        body = {"reason": "说明不充分", "deadline_working_days": 5}
        problem(
            await post(risk, f"{M}/{mid}/reopen", body, SUPERVISOR),
            409,
            "SUPERVISION_MATTER_INVALID_TRANSITION",
        )
        ok(await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)))
        problem(
            await post(risk, f"{M}/{mid}/answer", ANSWER, unit_officer(UNIT)),
            409,
            "SUPERVISION_MATTER_INVALID_TRANSITION",
        )
        r = await post(risk, f"{M}/{mid}/reopen", body, unit_officer(UNIT))
        problem(r, 403, "SUPERVISION_MATTER_SUPERVISOR_ONLY")
        ok(await post(risk, f"{M}/{mid}/close", {"note": "办结"}, SUPERVISOR))
        problem(
            await post(risk, f"{M}/{mid}/reopen", body, SUPERVISOR),
            409,
            "SUPERVISION_MATTER_INVALID_TRANSITION",
        )

    async def test_an_overdue_matter_cannot_be_closed_unanswered(self, risk: Running, repin: None) -> None:
        cid = await case(risk)
        pin(date(2026, 11, 16))
        opened = await open_matter(risk, matter(cid, days=1))  # due 11-17
        pin()
        await jobs.supervision_overdue(risk.runtime)
        r = await post(risk, f"{M}/{opened['id']}/close", {"note": "x"}, SUPERVISOR)
        problem(r, 409, "SUPERVISION_MATTER_INVALID_TRANSITION")
