"""Examiner's cases: applying for credit repair, and the review's deadlines, worked by hand.

Sources: SPEC §4 (eligibility: minimum period served, violation corrected, penalty fully performed including the
fine, 信用承诺书, no new violation of the same kind since; review deadlines in working days, reported as 3 for
the department to accept, 10 for the 信用中国 window); docs/api/credit_repair.md §3 (7 working days to decide
from acceptance). Working days follow the State Council's 2026 holiday arrangement (国办发明电〔2025〕7号):
国庆节、中秋节 1-7 October off, Sunday 20 September and Saturday 10 October worked. Periods are counted from
the day after the starting day (民法典 第二百零一条).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from services.common import clock
from tests.credit_repair.acceptance.cases import (
    API,
    TODAY,
    YUAN,
    decide,
    paid,
    pin,
    publication,
    record_of,
    zh,
)
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import COMMITMENT, OFFICER_ST, USCC_A, USCC_B, USCC_C
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import client

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

OFFICER_SJ = personas.officer("辽A-0100001", "SJ", "210102", sub="examiner-sj")
# Enterprises of the sample data not used by the other files of this directory.
USCC_D = "91210103MAM8FFGJ4R"  # 沈阳泰和客运有限公司
USCC_E = "91210100MAETN4FJ6Q"  # 沈阳万隆大药房有限公司
USCC_F = "91210111MA5BH2LB8E"  # 沈阳祥瑞化工有限公司
USCC_G = "91210103MAU1WUTM31"  # 沈阳万隆金属制品有限公司
USCC_H = "91210103MAM8L3GB92"  # 沈阳荣盛机械制造有限公司


def body(record_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "commitment_text": COMMITMENT,
        "commitment_accepted": True,
        "violation_corrected": True,
        "evidence_refs": ["sha256:5e1f"],
        **kw,
    }


async def apply_for(credit: Credit, uscc: str, record_id: str, **kw: Any) -> Any:
    async with client(credit.base, headers=personas.enterprise(uscc, sub=f"examiner-{uscc}")) as http:
        return await http.post(f"{API}/repairs", json=body(record_id, **kw))


class TestMinimumPeriod:
    async def test_on_the_earliest_day(self, credit: Credit) -> None:
        # 一般, decided 2026-09-07: minimum 3 months -> 2026-12-07, today: the application is admissible
        _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 9, 7), pay=True)
        assert publication(record)["earliest_repair_on"] == "2026-12-07"  # type: ignore[index]
        ok(await apply_for(credit, USCC_A, record["id"]), 201)

    async def test_one_day_before_it(self, credit: Credit) -> None:
        # decided 2026-09-08: earliest 2026-12-08, tomorrow
        _, record = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 9, 8), pay=True)
        p = problem(await apply_for(credit, USCC_B, record["id"]), 409, "REPAIR_TOO_EARLY")
        assert zh(date(2026, 12, 8)) in p["detail"], p


class TestConditions:
    async def test_fine_unpaid(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_C, decided_on=date(2026, 6, 1))
        p = problem(await apply_for(credit, USCC_C, record["id"]), 409, "REPAIR_FINE_UNPAID")
        assert "80,000.00元" in p["detail"], p

    async def test_fine_half_paid(self, credit: Credit) -> None:
        # 80,000.00 yuan fined, 30,000.00 paid: 50,000.00 still owed
        d, record = await decide(credit, party_uscc=USCC_D, decided_on=date(2026, 6, 1))
        await paid(credit, d, fine_fen=30_000 * YUAN)
        p = problem(await apply_for(credit, USCC_D, record["id"]), 409, "REPAIR_FINE_UNPAID")
        assert "50,000.00元" in p["detail"], p

    async def test_without_the_commitment(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_E, decided_on=date(2026, 6, 1), pay=True)
        r = await apply_for(credit, USCC_E, record["id"], commitment_accepted=False)
        problem(r, 400, "REPAIR_COMMITMENT_MISSING")

    async def test_violation_not_corrected(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_E, decided_on=date(2026, 6, 2), pay=True)
        r = await apply_for(credit, USCC_E, record["id"], violation_corrected=False)
        problem(r, 409, "REPAIR_NOT_CORRECTED")

    async def test_new_violation_of_the_same_kind_since(self, credit: Credit) -> None:
        # the same benchmark item (the same kind of violation) decided again on 2026-10-15, after 2026-06-01
        _, record = await decide(
            credit, party_uscc=USCC_F, benchmark_code="SY-SJ-EX01", decided_on=date(2026, 6, 1), pay=True
        )
        await decide(credit, party_uscc=USCC_F, benchmark_code="SY-SJ-EX01", decided_on=date(2026, 10, 15))
        problem(await apply_for(credit, USCC_F, record["id"]), 409, "REPAIR_NEW_VIOLATION")

    async def test_a_new_violation_of_another_kind_is_no_bar(self, credit: Credit) -> None:
        _, record = await decide(
            credit, party_uscc=USCC_G, benchmark_code="SY-SJ-EX02", decided_on=date(2026, 6, 1), pay=True
        )
        await decide(credit, party_uscc=USCC_G, benchmark_code="SY-SJ-EX03", decided_on=date(2026, 10, 15))
        ok(await apply_for(credit, USCC_G, record["id"]), 201)

    async def test_an_earlier_violation_of_the_same_kind_is_no_bar(self, credit: Credit) -> None:
        # "since": a same-kind decision of 2026-04-02, before the record's 2026-06-01, does not count
        await decide(credit, party_uscc=USCC_H, benchmark_code="SY-SJ-EX04", decided_on=date(2026, 4, 2))
        _, record = await decide(
            credit, party_uscc=USCC_H, benchmark_code="SY-SJ-EX04", decided_on=date(2026, 6, 1), pay=True
        )
        ok(await apply_for(credit, USCC_H, record["id"]), 201)


class TestDeadlines:
    async def test_across_a_weekend(self, credit: Credit) -> None:
        # Submitted Thursday 2026-12-10. Accept within 3 working days: Fri 11 (1), Mon 14 (2), Tue 15 (3).
        # Decide within 7 after that: 16, 17, 18, 21, 22, 23, 24 -> Thu 2026-12-24. Window of 10 from the
        # submission: 11, 14, 15, 16, 17, 18, 21, 22, 23, 24 -> 2026-12-24.
        pin(date(2026, 12, 10))
        try:
            _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 7, 1), pay=True)
            app = ok(await apply_for(credit, USCC_A, record["id"]), 201)
        finally:
            pin()
        assert (app["submitted_on"], app["acceptance_due"], app["decision_due"], app["window_due"]) == (
            "2026-12-10",
            "2026-12-15",
            "2026-12-24",
            "2026-12-24",
        ), app

    async def test_across_national_day(self, credit: Credit) -> None:
        # Submitted Tuesday 2026-09-29. Working days after it: Wed 30 Sep (1); 1-7 Oct off; Thu 8 (2), Fri 9
        # (3) -> accept by 2026-10-09. Then Sat 10 Oct, a working day (4 of the window, 1 of the decision),
        # Mon 12, 13, 14, 15, 16, Mon 19 -> decide by 2026-10-19 (7 after the 9th); the window's 10th working
        # day after the 29th is also 2026-10-19 (30, 8, 9, 10, 12, 13, 14, 15, 16, 19).
        pin(date(2026, 9, 29))
        try:
            _, record = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 5, 6), pay=True)
            app = ok(await apply_for(credit, USCC_B, record["id"]), 201)
        finally:
            pin()
        assert (app["submitted_on"], app["acceptance_due"], app["decision_due"], app["window_due"]) == (
            "2026-09-29",
            "2026-10-09",
            "2026-10-19",
            "2026-10-19",
        ), app


class TestReview:
    async def test_acceptance_ends_publication_today(self, credit: Credit) -> None:
        d, record = await decide(credit, party_uscc=USCC_C, decided_on=date(2026, 7, 2), pay=True)
        app = ok(await apply_for(credit, USCC_C, record["id"]), 201)
        async with client(credit.base, headers=OFFICER_SJ) as http:
            ok(await http.post(f"{API}/repairs/{app['id']}/acceptance", json={"extended": False}))
            done = ok(await http.post(f"{API}/repairs/{app['id']}/decision", json={"outcome": "accepted"}))
        assert done["status"] == "repaired", done
        pub = publication(await record_of(credit, d.case_id))
        assert pub is not None and pub["active"] is False, pub
        assert (pub["ended_on"], pub["end_reason"]) == (str(TODAY), "repaired"), pub
        async with client(credit.base) as http:
            public = ok(await http.get("/public/credit/publications", params={"uscc": USCC_C, "limit": 200}))
        assert d.decision_no not in [i.get("decision_no") for i in public["items"]]

    async def test_rejection_needs_reasons(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_D, decided_on=date(2026, 7, 3), pay=True)
        app = ok(await apply_for(credit, USCC_D, record["id"]), 201)
        async with client(credit.base, headers=OFFICER_SJ) as http:
            r = await http.post(
                f"{API}/repairs/{app['id']}/decision", json={"outcome": "rejected", "reasons": []}
            )
        problem(r, 400, "REPAIR_REJECTION_REASON_REQUIRED")

    async def test_another_department_may_not_decide(self, credit: Credit) -> None:
        # 谁认定谁修复: the application is the market regulator's (SJ); ecology (ST) does not see it
        _, record = await decide(credit, party_uscc=USCC_E, decided_on=date(2026, 7, 3), pay=True)
        app = ok(await apply_for(credit, USCC_E, record["id"]), 201)
        async with client(credit.base, headers=OFFICER_ST) as http:
            r = await http.post(f"{API}/repairs/{app['id']}/decision", json={"outcome": "accepted"})
        problem(r, 404, "REPAIR_NOT_FOUND")

    async def test_another_enterprise_may_not_apply(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_F, decided_on=date(2026, 7, 3), pay=True)
        problem(await apply_for(credit, USCC_G, record["id"]), 404, "CREDIT_RECORD_NOT_FOUND")

    async def test_unknown_record_and_malformed_id(self, credit: Credit) -> None:
        problem(await apply_for(credit, USCC_A, str(uuid.uuid4())), 404, "CREDIT_RECORD_NOT_FOUND")
        problem(await apply_for(credit, USCC_A, "2026-12-07"), 422, "VALIDATION_FAILED")


class TestChinaDate:
    async def test_ten_past_midnight_in_china_is_already_the_next_day(self, credit: Credit) -> None:
        # Tuesday 2026-12-08 00:10 in China is still Monday 16:10 in UTC: the application is of the 8th, to be
        # accepted by Friday 2026-12-11 (9, 10, 11)
        _, record = await decide(credit, party_uscc=USCC_H, decided_on=date(2026, 7, 8), pay=True)
        pin(date(2026, 12, 8), hour=0)
        clock.set_offset(clock.offset() + timedelta(minutes=10))
        try:
            app = ok(await apply_for(credit, USCC_H, record["id"]), 201)
        finally:
            pin()
        assert (app["submitted_on"], app["acceptance_due"]) == ("2026-12-08", "2026-12-11"), app
