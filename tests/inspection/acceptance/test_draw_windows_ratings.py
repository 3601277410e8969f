"""Examiner's cases: the 双随机 draw's ratios by class, quiet periods, urgent complaints, back-fill, ratings,
training hours, and what each role may not do.

Sources: SPEC §2.2 (ratios A 5 %, B 20 %, C 60 %, D 100 %: the upper ends of the local scheme A ≤ 5 %, B 5-20 %,
C 21-60 %, D 61-100 %; urgent complaint tasks approved within 24 hours), §2.3 (back-fill within 10 days), §2.4
(rating within 7 days; A-class quiet unless a lead exists — 无事不扰); 辽政办发〔2023〕18号 二(一)2 (seed 004: at
least 60 学时 of training a year); 优化营商环境条例 第五十五条 (no disturbing inspections).
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.events import make_envelope
from tests.inspection.acceptance.cases import ITEM, PAIRS, ask_code, register, task_for, task_view, visit
from tests.inspection.helpers import API, Env, new_task
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

OFFICER_ID = "8deba82e-3b0d-5462-9d5e-debbf7a2dc1d"  # 辽A-0012344, 市场监管 (data/sample/officers.json)


async def classify(env: Env, uscc: str, risk_class: str) -> None:
    event = EnterpriseClassified(
        uscc=uscc,
        risk_class=risk_class,  # type: ignore[arg-type]
        previous_class=None,
        score=0,
        reasons=["考官设定"],
        classified_at=clock.now(),
        revision=3,
    )
    envelope = make_envelope(event, source="risk")
    await env.svc.runtime.bus.js.publish(
        event.TYPE, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)}
    )
    async with client(env.url, headers=admin()) as http:

        async def seen() -> bool:
            r = await http.get(f"{API}/enterprises/{uscc}/risk-class")
            return r.status_code == 200 and r.json()["risk_class"] == risk_class

        await wait_for(seen)


class TestDraw:
    async def test_ratios_by_class(self, env: Env) -> None:
        # pool (its own industry): 2 A, 3 never classified (drawn as B), 3 C, 2 D.
        # A ceil(2 × 5 %) = ceil(0.1) = 1; B ceil(3 × 20 %) = ceil(0.6) = 1; C ceil(3 × 60 %) = ceil(1.8) = 2;
        # D ceil(2 × 100 %) = 2: 6 enterprises drawn.
        industry = "考官抽查业"
        classes = ["A", "A", None, None, None, "C", "C", "C", "D", "D"]
        async with client(env.url) as http:
            pool = [await register(http, 8300 + i, industry=industry) for i in range(len(classes))]
            for uscc, cls in zip(pool, classes, strict=True):
                if cls:
                    await classify(env, uscc, cls)
            task = await new_task(
                http,
                kind="random",
                items=["SJ-DJ-001"],
                pool={"district_codes": ["210102"], "industries": [industry]},
            )
            drawn = (await task_view(http, task["task_id"]))["enterprises"]
        by_class: dict[str, int] = {}
        for member in drawn:
            cls = classes[pool.index(member["uscc"])] or "B"
            by_class[cls] = by_class.get(cls, 0) + 1
        expected = {"A": math.ceil(2 * 0.05), "B": math.ceil(3 * 0.2), "C": math.ceil(3 * 0.6), "D": 2}
        assert expected == {"A": 1, "B": 1, "C": 2, "D": 2}
        assert by_class == expected, drawn

    async def test_no_seed_may_be_chosen(self, env: Env) -> None:
        body = {
            "kind": "random",
            "title": "指定种子",
            "lead_dept": "SJ",
            "item_codes": ["SJ-DJ-001"],
            "pool": {"district_codes": ["210102"]},
            "seed": "12345",
        }
        async with client(env.url) as http:
            r = await http.post(f"{API}/tasks", json=body, headers=officer(PAIRS["SJ"][0], "SJ"))
        problem(r, 422, "DRAW_SEED_NOT_ACCEPTED")


class TestQuiet:
    async def test_a_window_that_ended_yesterday_and_one_that_ends_today(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            over, quiet = await register(http, 8401), await register(http, 8402)
            for uscc, ends in ((over, today - timedelta(days=1)), (quiet, today)):
                window = {
                    "uscc": uscc,
                    "starts_on": str(today - timedelta(days=30)),
                    "ends_on": str(ends),
                    "reason": "新开办企业包容期",
                }
                ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            await visit(http, await task_for(http, over, ["SJ", "XF"]), over, ["SJ", "XF"])
            joint = await task_for(http, quiet, ["SJ", "XF"])
            problem(await ask_code(http, joint, quiet, ["SJ", "XF"]), 403, "QUIET_PERIOD")
            await visit(http, await task_for(http, quiet, ["SJ"], kind="key_area"), quiet, ["SJ"])

    async def test_a_class_quiet_without_a_lead_not_with_one(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8403)
            await classify(env, uscc, "A")
            joint = await task_for(http, uscc, ["SJ", "XF"])
            problem(await ask_code(http, joint, uscc, ["SJ", "XF"]), 403, "QUIET_PERIOD")
            lead = await task_for(http, uscc, ["SJ"], kind="complaint", lead_id="12345-2026-8403")
            await visit(http, lead, uscc, ["SJ"])

    async def test_an_impossible_date(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8404)
            window = {
                "uscc": uscc,
                "starts_on": "2026-02-30",
                "ends_on": "2026-03-02",
                "reason": "不存在的日期",
            }
            r = await http.post(f"{API}/quiet-windows", json=window, headers=admin())
        problem(r, 422, "VALIDATION_FAILED")


class TestUrgentComplaint:
    async def test_enters_before_approval_for_twenty_four_hours(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8501)
            task = await new_task(
                http,
                kind="complaint",
                items=[ITEM["SJ"]],
                enterprises=[uscc],
                approve=False,
                urgent=True,
                lead_id="12345-2026-8501",
            )
            try:
                clock.set_offset(timedelta(hours=23, minutes=50))
                ok(await ask_code(http, task["task_id"], uscc, ["SJ"]), 201)
                clock.set_offset(timedelta(hours=24, minutes=10))
                problem(await ask_code(http, task["task_id"], uscc, ["SJ"]), 403, "TASK_NOT_APPROVED")
            finally:
                clock.reset()


class TestBackfill:
    async def test_within_ten_days_and_an_hour_past(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8601)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            body: dict[str, Any] = {
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": [PAIRS["SJ"][1]],
                "item_codes": [ITEM["SJ"]],
                "reason": "系统故障，现场无法扫码",
            }
            headers = officer(PAIRS["SJ"][0], "SJ")
            inside = body | {
                "started_at": (clock.now() - timedelta(days=10) + timedelta(hours=1)).isoformat()
            }
            got = ok(await http.post(f"{API}/visits/backfill", json=inside, headers=headers), 201)
            assert got["mode"] == "backfilled" and got["backfilled"] is True, got
            past = body | {"started_at": (clock.now() - timedelta(days=10, hours=1)).isoformat()}
            r = await http.post(f"{API}/visits/backfill", json=past, headers=headers)
            problem(r, 403, "BACKFILL_WINDOW_PASSED")


class TestRating:
    async def test_seven_days_once_own_visits_only(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc, other = await register(http, 8701), await register(http, 8702)
            v = await visit(http, await task_for(http, uscc, ["SJ"], kind="key_area"), uscc, ["SJ"])
            by = officer(PAIRS["SJ"][0], "SJ")
            outcomes = {"outcomes": [{"item_code": ITEM["SJ"], "outcome": "compliant"}]}
            ok(await http.post(f"{API}/visits/{v['visit_id']}/outcomes", json=outcomes, headers=by))
            done = ok(await http.post(f"{API}/visits/{v['visit_id']}/checkout", headers=by))
            assert done["status"] == "completed"
            path = f"{API}/visits/{v['visit_id']}/rating"
            problem(
                await http.post(path, json={"stars": 4}, headers=enterprise(other)), 404, "VISIT_NOT_FOUND"
            )
            problem(
                await http.post(path, json={"stars": 0}, headers=enterprise(uscc)), 422, "VALIDATION_FAILED"
            )
            try:
                clock.set_offset(timedelta(days=6, hours=23))
                ok(await http.post(path, json={"stars": 4, "tags": ["规范"]}, headers=enterprise(uscc)))
                problem(
                    await http.post(path, json={"stars": 5}, headers=enterprise(uscc)), 409, "ALREADY_RATED"
                )
            finally:
                clock.reset()

    async def test_the_window_closes_after_seven_days(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8703)
            v = await visit(http, await task_for(http, uscc, ["SJ"], kind="key_area"), uscc, ["SJ"])
            by = officer(PAIRS["SJ"][0], "SJ")
            outcomes = {"outcomes": [{"item_code": ITEM["SJ"], "outcome": "compliant"}]}
            ok(await http.post(f"{API}/visits/{v['visit_id']}/outcomes", json=outcomes, headers=by))
            ok(await http.post(f"{API}/visits/{v['visit_id']}/checkout", headers=by))
            try:
                clock.set_offset(timedelta(days=7, minutes=1))
                r = await http.post(
                    f"{API}/visits/{v['visit_id']}/rating", json={"stars": 2}, headers=enterprise(uscc)
                )
            finally:
                clock.reset()
        problem(r, 409, "RATING_WINDOW_CLOSED")


class TestTraining:
    async def test_sixty_hours_a_calendar_year(self, env: Env) -> None:
        # 2025: 40 + 8.5 (the 8.5 on 2025-12-31) = 48.5, short by 60 − 48.5 = 11.5; 3 hours of 2026-01-01 are
        # not 2025's. Then 11.5 more in 2025: 60.0, met.
        path = f"{API}/officers/{OFFICER_ID}/trainings"
        async with client(env.url, headers=supervisor()) as http:
            for course, hours, held in (
                ("行政处罚法专题培训", 40, "2025-06-01"),
                ("行政检查规范", 8.5, "2025-12-31"),
                ("新年第一课", 3, "2026-01-01"),
            ):
                ok(
                    await http.post(
                        path,
                        json={"course": course, "hours": hours, "held_on": held, "provider": "沈阳市司法局"},
                    ),
                    201,
                )
            summary = ok(
                await http.get(f"{API}/officers/{OFFICER_ID}/training-summary", params={"year": 2025})
            )
            assert (summary["hours"], summary["required"], summary["shortfall"], summary["met"]) == (
                48.5,
                60,
                11.5,
                False,
            )
            ok(
                await http.post(
                    path,
                    json={
                        "course": "补训",
                        "hours": 11.5,
                        "held_on": "2025-12-30",
                        "provider": "沈阳市司法局",
                    },
                ),
                201,
            )
            summary = ok(
                await http.get(f"{API}/officers/{OFFICER_ID}/training-summary", params={"year": 2025})
            )
            assert (summary["hours"], summary["shortfall"], summary["met"]) == (60, 0, True), summary

    async def test_bad_hours_and_future_dates(self, env: Env) -> None:
        path = f"{API}/officers/{OFFICER_ID}/trainings"
        tomorrow = str(clock.today() + timedelta(days=1))
        async with client(env.url, headers=supervisor()) as http:
            r = await http.post(
                path, json={"course": "半小时以下", "hours": 0.25, "held_on": "2026-01-05", "provider": "x"}
            )
            problem(r, 422, "VALIDATION_FAILED")
            r = await http.post(
                path, json={"course": "未来课程", "hours": 2, "held_on": tomorrow, "provider": "x"}
            )
            problem(r, 422, "QUALIFICATION_INVALID")

    async def test_a_plain_officer_may_not_record(self, env: Env) -> None:
        path = f"{API}/officers/{OFFICER_ID}/trainings"
        async with client(env.url, headers=officer(PAIRS["SJ"][0], "SJ")) as http:
            r = await http.post(
                path, json={"course": "自记学时", "hours": 2, "held_on": "2026-01-05", "provider": "x"}
            )
        problem(r, 403, "DEPT_HEAD_REQUIRED")


class TestWhoMayNot:
    async def test_another_department_does_not_see_the_task(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8801)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            problem(
                await http.get(f"{API}/tasks/{task}", headers=officer(PAIRS["ST"][0], "ST")),
                404,
                "TASK_NOT_FOUND",
            )
            problem(
                await http.get(f"{API}/tasks/{uuid.uuid4()}", headers=officer(PAIRS["ST"][0], "ST")),
                404,
                "TASK_NOT_FOUND",
            )

    async def test_another_enterprise_does_not_see_the_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc, other = await register(http, 8802), await register(http, 8803)
            v = await visit(http, await task_for(http, uscc, ["SJ"], kind="key_area"), uscc, ["SJ"])
            problem(
                await http.get(f"{API}/visits/{v['visit_id']}", headers=enterprise(other)),
                404,
                "VISIT_NOT_FOUND",
            )

    async def test_bad_bodies(self, env: Env) -> None:
        async with client(env.url) as http:
            r = await http.post(
                f"{API}/visits/check-in", json={}, headers=enterprise(await register(http, 8804))
            )
            problem(r, 422, "VALIDATION_FAILED")
            r = await http.post(
                f"{API}/visits/check-in",
                content=b'{"code": ',
                headers={**enterprise(await register(http, 8805)), "Content-Type": "application/json"},
            )
            assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith(
                "application/problem+json"
            )


class TestDrawnAClass:
    """SPEC §2.2: A-class enterprises are sampled at 5 % (the local scheme's A ≤ 5 %); 无事不扰 keeps them free of
    other visits without a lead. A pool of one A-class enterprise draws it (ceil(1 × 5 %) = 1); the drawn pair
    may then enter, or the 5 % would be a dead letter."""

    async def test_a_drawn_a_class_enterprise_may_be_entered(self, env: Env) -> None:
        industry = "考官A类业"
        async with client(env.url) as http:
            uscc = await register(http, 8901, industry=industry)
            await classify(env, uscc, "A")
            task = await new_task(
                http,
                kind="random",
                items=["SJ-DJ-001"],
                pool={"district_codes": ["210102"], "industries": [industry]},
            )
            [drawn] = (await task_view(http, task["task_id"]))["enterprises"]
            first, second = drawn["assigned_cert_nos"]
            body = {
                "task_id": task["task_id"],
                "enterprise_uscc": uscc,
                "officers": [second],
                "item_codes": ["SJ-DJ-001"],
            }
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(first, "SJ"))
        ok(r, 201)


class TestRequestedByTheEnterprise:
    """SPEC §2.4: complaint, key-area and enterprise-requested visits are exempt; a visit the enterprise asked
    for disturbs nobody (无事不扰 protects the enterprise from visits it did not ask for)."""

    async def test_in_a_quiet_window(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            uscc = await register(http, 8902)
            window = {
                "uscc": uscc,
                "starts_on": str(today),
                "ends_on": str(today + timedelta(days=10)),
                "reason": "包容期",
            }
            ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            asked = await task_for(http, uscc, ["SJ", "XF"], requested_by_enterprise=True)
            await visit(http, asked, uscc, ["SJ", "XF"])

    async def test_an_a_class_enterprise(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8903)
            await classify(env, uscc, "A")
            asked = await task_for(http, uscc, ["SJ", "XF"], requested_by_enterprise=True)
            await visit(http, asked, uscc, ["SJ", "XF"])


class TestDistrictScope:
    async def test_a_district_supervisor_sees_only_the_district(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8904)  # district 210102
            v = await visit(http, await task_for(http, uscc, ["SJ"], kind="key_area"), uscc, ["SJ"])
            r = await http.get(f"{API}/visits/{v['visit_id']}", headers=supervisor("210103", sub="sup-103"))
            problem(r, 404, "VISIT_NOT_FOUND")
            ok(await http.get(f"{API}/visits/{v['visit_id']}", headers=supervisor("210102", sub="sup-102")))
