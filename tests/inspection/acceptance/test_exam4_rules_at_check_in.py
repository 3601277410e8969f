"""Fourth examiner's cases: the rules checked again when the enterprise scans, for what changed between the code's
issue and the scan (a cap reached by another code, a quiet window entered, a task withdrawn, a certificate that
lapsed at midnight).

Sources: SPEC §2.3 ("the service verifies signature, expiry, single use, that the code names this enterprise,
that the officers are still active"; "Entry is refused ... when ... the enterprise's yearly cap for this
department is reached or the enterprise is in a no-disturbance period"); docs/api/inspection.md §2 (check-in:
"signature, expiry, unused, names this enterprise, officers still active, rules again; consume the code"), §7
(TASK_NOT_APPROVED for a cancelled task; CERT_EXPIRED past the valid-until date); 行政处罚法 第五十五条 (the party
may refuse an inspection that is not lawful at the door).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.common import clock
from tests.inspection.acceptance.cases import ITEM, PAIRS, ask_code, check_in, code_body, register, task_for
from tests.inspection.acceptance.test_codes_and_caps import random_visit
from tests.inspection.helpers import API, Env
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")


def china_at(day: date, hour: int, minute: int) -> None:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=clock.CHINA) + timedelta(
        hours=hour, minutes=minute
    )
    clock.set_offset(moment - datetime.now(UTC))


class TestRulesAgainAtTheDoor:
    async def test_two_codes_for_one_yearly_visit(self, env: Env) -> None:
        # SJ+XF asked for two codes on two joint tasks before either was scanned (each lawful when issued: no
        # visit yet this year). The first scan uses SJ's and XF's yearly visit (cap 1 each); the second scan
        # would be the second of the year for both: refused.
        async with client(env.url) as http:
            uscc = await register(http, 9701)
            first = ok(
                await ask_code(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"]), 201
            )
            second = ok(
                await ask_code(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"]), 201
            )
            ok(await check_in(http, first["code"], uscc), 201)
            problem(await check_in(http, second["code"], uscc), 403, "FREQUENCY_CAP_REACHED")

    async def test_a_quiet_window_entered_after_the_code(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            uscc = await register(http, 9702)
            code = ok(await ask_code(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"]), 201)
            window = {
                "uscc": uscc,
                "starts_on": str(today),
                "ends_on": str(today + timedelta(days=10)),
                "reason": "企业申请的生产旺季无事不扰期",
            }
            ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            problem(await check_in(http, code["code"], uscc), 403, "QUIET_PERIOD")

    async def test_a_task_withdrawn_after_the_code(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9703)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, uscc, ["SJ"]), 201)
            ok(
                await http.post(
                    f"{API}/tasks/{task}/cancel",
                    json={"reason": "任务重复下达，撤回"},
                    headers=officer(PAIRS["SJ"][0], "SJ"),
                )
            )
            problem(await check_in(http, code["code"], uscc), 403, "TASK_NOT_APPROVED")

    async def test_a_certificate_lapsing_between_issue_and_scan(self, env: Env) -> None:
        # valid until D; the code issued at D 23:55 China, scanned at D+1 00:03 China (8 minutes later, inside
        # the code's 10): the certificate is past its valid-until date at the door
        day = clock.today()
        async with client(env.url) as http:
            body = {"name": "考官测试", "dept_code": "SJ", "cert_no": "辽A-0099405", "valid_until": str(day)}
            ok(await http.post(f"{API}/officers", json=body, headers=admin()), 201)
            uscc = await register(http, 9704)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            request = {
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": ["辽A-0099405"],
                "item_codes": [ITEM["SJ"]],
            }
            try:
                china_at(day, 23, 55)
                code = ok(
                    await http.post(
                        f"{API}/visits/entry-codes", json=request, headers=officer(PAIRS["SJ"][0], "SJ")
                    ),
                    201,
                )
                china_at(day + timedelta(days=1), 0, 3)
                p = problem(await check_in(http, code["code"], uscc), 403, "CERT_EXPIRED")
            finally:
                clock.reset()
        assert "辽A-0099405" in p["detail"], p


class TestExemptPastTheOverallCap:
    """SPEC §2.4: "complaint, key-area and enterprise-requested visits exempt" — from the overall cap of four
    as from the departmental one. Four 双随机 visits (SJ, XF, ST, CG) reach 4; a fifth capped visit would be
    refused (tests/inspection/acceptance/test_codes_and_caps.py), but these three kinds still enter."""

    async def test_requested_complaint_and_key_area_after_four(self, env: Env) -> None:
        industry = "考官四豁免业"
        async with client(env.url) as http:
            uscc = await register(http, 9711, industry=industry)
            for dept in ("SJ", "XF", "ST", "CG"):
                await random_visit(http, uscc, dept, industry)
            asked = await task_for(http, uscc, ["JT", "YJ"], requested_by_enterprise=True)
            ok(await ask_code(http, asked, uscc, ["JT", "YJ"]), 201)
            lead = await task_for(http, uscc, ["WJ"], kind="complaint", lead_id="12345-2026-9711")
            ok(await ask_code(http, lead, uscc, ["WJ"]), 201)
            key = await task_for(http, uscc, ["SJ"], kind="key_area")
            ok(await ask_code(http, key, uscc, ["SJ"]), 201)


class TestRetries:
    """SPEC §1.6: "a retry with the same key and body returns the first response (status and body); the same key
    with a different body is 422 ... Mobile networks retry; nothing may be created twice"."""

    async def test_a_check_in_retried_with_its_key_is_the_same_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9721)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            headers = {**enterprise(uscc), "Idempotency-Key": "exam4-checkin-9721"}
            first = ok(await http.post(f"{API}/visits/check-in", json={"code": code}, headers=headers), 201)
            again = ok(await http.post(f"{API}/visits/check-in", json={"code": code}, headers=headers), 201)
        assert again["visit"]["visit_id"] == first["visit"]["visit_id"], (first, again)

    async def test_an_entry_code_retried_with_its_key_is_the_same_code(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9722)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            first = ok(
                await ask_code(http, task, uscc, ["SJ"], **{"Idempotency-Key": "exam4-code-9722"}), 201
            )
            again = ok(
                await ask_code(http, task, uscc, ["SJ"], **{"Idempotency-Key": "exam4-code-9722"}), 201
            )
            assert again["code_id"] == first["code_id"], (first, again)
            other = await http.post(
                f"{API}/visits/entry-codes",
                json=code_body(task, uscc, ["SJ"]) | {"item_codes": ["SJ-SP-002"]},
                headers={**officer(PAIRS["SJ"][0], "SJ"), "Idempotency-Key": "exam4-code-9722"},
            )
        problem(other, 422, "IDEMPOTENCY_KEY_MISMATCH")


class TestCompletedTask:
    async def test_a_code_of_a_task_completed_before_the_scan(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9723)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            ok(await http.post(f"{API}/tasks/{task}/complete", headers=officer(PAIRS["SJ"][0], "SJ")))
            problem(await check_in(http, code, uscc), 403, "TASK_NOT_APPROVED")
