"""Examiner's cases: 亮灯 above the city average of litigation losses, the absolute correction counts, the
rectification deadlines of a published report and the overdue list, and who may not do what.

Sources: seed 000 二(四) ("对败诉量超全市平均值的单位给予亮灯警示"; the loop 数据研判—风险预警—整改落实—考核闭环); SPEC §5;
docs/risk-model.md §2-3 (average over active units; red at 6 corrections, yellow at 3; deadlines red 15,
yellow 20, lit only 20 working days after publication; the deadline day itself is in time).

City of 2026Q3:
  SJ-210102  100 decisions, 2 litigation losses  (rate 2.00 %)
  ST-210103   20 decisions, 0
  CG-210104    0 decisions, 1 loss
  YJ-210105    0 decisions, 1 loss
  JT-210106    0 decisions, 6 reconsideration corrections (not active: neither decided nor lost)
  WJ-210111    0 decisions, 5 reconsideration corrections
Active units 4 (SJ, ST, CG, YJ), losses 2 + 0 + 1 + 1 = 4: average 1.00. SJ-210102 (2 > 1.00) is lit; CG and YJ
(1, not above 1.00) are not. City rate (4 + 11) / 120 = 12.50 %: SJ's 2.00 % colours nothing, so SJ is lit only.
JT-210106: 6 corrections -> red; WJ-210111: 5 -> yellow (not red).
Published Monday 2026-11-23: red 15 working days -> Mon 2026-12-14; yellow and lit only 20 -> Mon 2026-12-21
(no holiday in between: 24-27 Nov, 30 Nov-4 Dec, 7-11 Dec, 14 Dec is the 15th; 15-18, 21 Dec the 20th).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from tests.risk.acceptance.cases import API, decisions, intake, losses, recons, rules, units
from tests.risk.helpers import ADMIN, HOTLINE, SUPERVISOR, TODAY, pin, unit_officer
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIT, QUIET, ONE_A, ONE_B, RED, YELLOW = (
    "SJ-210102",
    "ST-210103",
    "CG-210104",
    "YJ-210105",
    "JT-210106",
    "WJ-210111",
)
Q = "2026Q3"


@pytest.fixture(scope="module")
async def city(risk: Running) -> AsyncIterator[Running]:
    await decisions(risk, LIT, 100, date(2026, 8, 3))
    await decisions(risk, QUIET, 20, date(2026, 8, 3))
    await intake(
        risk,
        "litigation",
        losses("2026", LIT, 2, "2026-09-01")
        + losses("2026", ONE_A, 1, "2026-09-01")
        + losses("2026", ONE_B, 1, "2026-07-01"),
    )
    await intake(
        risk, "reconsideration", recons("L", RED, 6, "2026-08-20") + recons("L", YELLOW, 5, "2026-08-20")
    )
    yield risk


@pytest.fixture(scope="module")
async def published(city: Running) -> dict[str, dict[str, Any]]:
    async with client(city.url, headers=SUPERVISOR) as http:
        body = ok(await http.post(f"{API}/reports/{Q}/publish"))
    return {w["unit_code"]: w for w in body["warnings"]}


class TestLamp:
    async def test_above_the_average_of_active_units(self, city: Running) -> None:
        got = await units(city, Q)
        assert {u: (got[u]["colour"], got[u]["lamp"]) for u in (LIT, QUIET, ONE_A, ONE_B, RED, YELLOW)} == {
            LIT: ("none", True),
            QUIET: ("none", False),
            ONE_A: ("none", False),
            ONE_B: ("none", False),
            RED: ("red", False),
            YELLOW: ("yellow", False),
        }
        assert "1.00" in got[LIT]["lamp_reason"]["text"], got[LIT]

    async def test_six_corrections_red_five_yellow(self, city: Running) -> None:
        got = await units(city, Q)
        assert rules(got[RED])[0] == "CORRECTIONS_RED" and rules(got[YELLOW]) == ["CORRECTIONS_YELLOW"]


class TestRectification:
    async def test_deadlines_in_working_days(self, published: dict[str, dict[str, Any]]) -> None:
        assert {u: (w["colour"], w["lamp"], w["deadline"]) for u, w in published.items()} == {
            RED: ("red", False, "2026-12-14"),
            YELLOW: ("yellow", False, "2026-12-21"),
            LIT: ("none", True, "2026-12-21"),
        }

    async def test_overdue_the_day_after_the_deadline_only(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        try:
            pin(date(2026, 12, 14))
            async with client(city.url, headers=SUPERVISOR) as http:
                on_the_day = ok(await http.get(f"{API}/rectifications/overdue"))["items"]
            pin(date(2026, 12, 15))
            async with client(city.url, headers=SUPERVISOR) as http:
                after = ok(await http.get(f"{API}/rectifications/overdue"))["items"]
        finally:
            pin(TODAY)
        assert RED not in {i["unit_code"] for i in on_the_day}
        late = {i["unit_code"]: i for i in after}
        assert set(late) == {RED} and late[RED]["overdue"] is True, after

    async def test_another_unit_cannot_see_or_submit(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        wid = published[RED]["id"]
        async with client(city.url, headers=unit_officer(YELLOW)) as http:
            problem(await http.get(f"{API}/rectifications/{wid}"), 404, "RECTIFICATION_NOT_FOUND")
            r = await http.post(
                f"{API}/rectifications/{wid}/submit", json={"measures": "开展专题培训，逐案复查"}
            )
            problem(r, 404, "RECTIFICATION_NOT_FOUND")

    async def test_the_warned_unit_submits_and_the_supervisor_closes(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        wid = published[YELLOW]["id"]
        async with client(city.url) as http:
            problem(
                await http.post(
                    f"{API}/rectifications/{wid}/close", json={"note": "销号"}, headers=SUPERVISOR
                ),
                409,
                "RECTIFICATION_NOT_SUBMITTED",
            )
            r = await http.post(
                f"{API}/rectifications/{wid}/submit",
                json={"measures": "对5件被纠错案件逐案复查，组织程序规范专题培训"},
                headers=unit_officer(YELLOW),
            )
            assert ok(r)["status"] == "submitted"
            done = ok(
                await http.post(
                    f"{API}/rectifications/{wid}/close", json={"note": "销号"}, headers=SUPERVISOR
                )
            )
        assert done["status"] == "closed", done


class TestWhoMayNot:
    async def test_a_district_supervisor_cannot_publish(self, city: Running) -> None:
        async with client(city.url, headers=personas.supervisor("210102", sub="sup-102")) as http:
            problem(await http.post(f"{API}/reports/{Q}/publish"), 403, "RISK_CITY_SCOPE_REQUIRED")

    async def test_an_officer_cannot_publish(self, city: Running) -> None:
        async with client(city.url, headers=unit_officer(LIT)) as http:
            r = await http.post(f"{API}/reports/{Q}/publish")
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )

    async def test_the_hotline_cannot_send_court_outcomes(self, city: Running) -> None:
        async with client(city.url, headers=HOTLINE) as http:
            r = await http.post(f"{API}/intake/litigation", json=losses("X", LIT, 1, "2026-09-02")[0])
        problem(r, 403, "INTAKE_CLIENT_NOT_ALLOWED")

    async def test_the_current_quarter_cannot_be_published(self, city: Running) -> None:
        async with client(city.url, headers=ADMIN) as http:
            problem(await http.post(f"{API}/reports/2026Q4/publish"), 409, "RISK_QUARTER_NOT_CLOSED")
            problem(await http.get(f"{API}/reports/2027Q1"), 422, "RISK_QUARTER_IN_FUTURE")
            # a quarter that is no quarter is refused by the path's own pattern, before the report is read
            problem(await http.get(f"{API}/reports/2026Q0"), 422, "VALIDATION_FAILED")
            problem(await http.get(f"{API}/reports/1900Q1"), 400, "RISK_QUARTER_INVALID")


class TestBadIntake:
    async def test_a_timestamp_without_zone(self, city: Running) -> None:
        body = {
            "external_id": "12345-naive",
            "unit_code": LIT,
            "domain": "市场监管",
            "category": "执法态度",
            "text": "无时区",
            "received_at": "2026-08-03T10:00:00",
        }
        async with client(city.url, headers=HOTLINE) as http:
            r = await http.post(f"{API}/intake/complaints", json=body)
        problem(r, 422, "INTAKE_NAIVE_DATETIME")

    async def test_a_loss_without_its_type(self, city: Running) -> None:
        record = losses("Y", LIT, 1, "2026-09-02")[0]
        del record["loss_type"]
        async with client(city.url, headers=personas.integration("court")) as http:
            r = await http.post(f"{API}/intake/litigation", json=record)
        problem(r, 422, "INTAKE_LOSS_TYPE_REQUIRED")


class TestDistrictScope:
    async def test_another_districts_unit_and_rectification(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        # JT-210106 is of district 210106: a supervisor of 210102 sees neither its drill-down nor its rectification
        other = personas.supervisor("210102", sub="sup-102b")
        async with client(city.url, headers=other) as http:
            assert (await http.get(f"{API}/units/{RED}/quarters/{Q}")).status_code == 404
            problem(
                await http.get(f"{API}/rectifications/{published[RED]['id']}"), 404, "RECTIFICATION_NOT_FOUND"
            )
            ok(await http.get(f"{API}/units/{LIT}/quarters/{Q}"))


class TestPublishedSnapshot:
    async def test_a_late_record_does_not_change_what_units_were_told(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        # after publication, a reconsideration of 2026-08-21 arrives for ST-210103 (quiet so far): the published
        # report keeps its figures; publishing again issues nothing
        await intake(city, "reconsideration", recons("late", QUIET, 1, "2026-08-21"))
        got = await units(city, Q)
        assert got[QUIET]["figures"]["reconsideration_corrections"] == 0, got[QUIET]
        async with client(city.url, headers=SUPERVISOR) as http:
            again = ok(await http.post(f"{API}/reports/{Q}/publish"))
        assert again["newly_published"] is False, again


class TestLateSubmission:
    async def test_after_the_deadline_is_accepted_and_marked(
        self, city: Running, published: dict[str, dict[str, Any]]
    ) -> None:
        # SJ-210102 (lit only) was due Monday 2026-12-21; its measures arrive Tuesday the 22nd: accepted, late
        wid = published[LIT]["id"]
        try:
            pin(date(2026, 12, 22))
            async with client(city.url) as http:
                got = ok(
                    await http.post(
                        f"{API}/rectifications/{wid}/submit",
                        json={"measures": "组织败诉案件复盘，完善证据收集规范"},
                        headers=unit_officer(LIT),
                    )
                )
        finally:
            pin(TODAY)
        assert (got["status"], got["submitted_late"]) == ("submitted", True), got
