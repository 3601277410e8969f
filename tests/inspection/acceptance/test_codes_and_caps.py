"""Examiner's cases: the entry code (forged, tampered, replayed, expired, for another enterprise) and the yearly
caps at exactly the cap and one over, with the exemptions.

Sources: SPEC §2.2-2.4 (a signed code valid 10 minutes, single use, naming the enterprise; caps: one random-task
visit per department per enterprise per year — Liaoning's practice —, four on-site visits per enterprise per year
across departments, a joint visit counting once for each participating department; complaint, key-area and
enterprise-requested visits exempt); 优化营商环境条例 第五十四条 (双随机 the rule, full coverage only for key areas);
行政处罚法 第四十二条 (two officers), 第五十五条 (the party may refuse).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from services.common import clock
from tests.inspection.acceptance.cases import (
    ITEM,
    PAIRS,
    ask_code,
    check_in,
    code_body,
    register,
    task_for,
    task_view,
    visit,
)
from tests.inspection.helpers import API, Env, new_task
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TestEntryCode:
    async def test_forged(self, env: Env) -> None:
        header = b64(b'{"alg":"EdDSA","kid":"ec-forged","typ":"zhifa-entry"}')
        payload = b64(b'{"v":1}')
        async with client(env.url) as http:
            uscc = await register(http, 8001)
            r = await check_in(http, f"{header}.{payload}.{b64(bytes(64))}", uscc)
        problem(r, 403, "CODE_INVALID")

    async def test_tampered_payload(self, env: Env) -> None:
        # the code names 8002; the payload is re-encoded naming 8003 and keeps the signature: CODE_INVALID
        async with client(env.url) as http:
            mine, other = await register(http, 8002), await register(http, 8003)
            task = await task_for(http, mine, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, mine, ["SJ"]), 201)["code"]
            head, payload, sig = code.split(".")
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            claims["ent"] = other
            forged = f"{head}.{b64(json.dumps(claims, sort_keys=True, separators=(',', ':')).encode())}.{sig}"
            problem(await check_in(http, forged, other), 403, "CODE_INVALID")

    async def test_replayed(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8004)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            ok(await check_in(http, code, uscc), 201)
            problem(await check_in(http, code, uscc), 409, "CODE_USED")

    async def test_for_another_enterprise(self, env: Env) -> None:
        async with client(env.url) as http:
            mine, other = await register(http, 8005), await register(http, 8006)
            task = await task_for(http, mine, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, mine, ["SJ"]), 201)["code"]
            problem(await check_in(http, code, other), 403, "CODE_WRONG_ENTERPRISE")
            ok(await check_in(http, code, mine), 201)  # and the code still serves the enterprise it names

    async def test_ten_minutes(self, env: Env) -> None:
        # a code is good for 10 minutes: used at 9 min 50 s it is accepted; at 10 min 31 s (past the 30 s a
        # phone's clock is allowed) it is expired
        async with client(env.url) as http:
            uscc = await register(http, 8007)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            early = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            late = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            try:
                clock.set_offset(timedelta(minutes=10, seconds=31))
                problem(await check_in(http, late, uscc), 403, "CODE_EXPIRED")
                clock.set_offset(timedelta(minutes=9, seconds=50))
                ok(await check_in(http, early, uscc), 201)
            finally:
                clock.reset()

    async def test_an_enterprise_may_not_ask_for_a_code(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8008)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            r = await http.post(
                f"{API}/visits/entry-codes", json=code_body(task, uscc, ["SJ"]), headers=enterprise(uscc)
            )
        problem(r, 403, "ROLE_FORBIDDEN")

    async def test_one_officer_alone(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8009)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            body = code_body(task, uscc, ["SJ"]) | {"officers": []}
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(PAIRS["SJ"][0], "SJ"))
        problem(r, 403, "TOO_FEW_OFFICERS")


class TestDepartmentCap:
    async def test_one_visit_per_department_then_refused(self, env: Env) -> None:
        # joint SJ+XF: the visit counts once for SJ and once for XF (their cap: 1). A second joint task of
        # SJ+ST is refused for SJ; ST alone, in a joint with CG, may still come.
        async with client(env.url) as http:
            uscc = await register(http, 8101)
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])
            again = await task_for(http, uscc, ["SJ", "ST"])
            p = problem(await ask_code(http, again, uscc, ["SJ", "ST"]), 403, "FREQUENCY_CAP_REACHED")
            assert p.get("limit") == 1, p
            await visit(http, await task_for(http, uscc, ["ST", "CG"]), uscc, ["ST", "CG"])

    async def test_a_department_that_did_not_come_has_not_used_its_cap(self, env: Env) -> None:
        # a joint task of SJ+XF, but only SJ came (SJ's officers, SJ's item): the visit counts for SJ only;
        # XF may still come once this year (with ST)
        async with client(env.url) as http:
            uscc = await register(http, 8105)
            joint = await task_for(http, uscc, ["SJ", "XF"])
            await visit(http, joint, uscc, ["SJ"])
            await visit(http, await task_for(http, uscc, ["XF", "ST"]), uscc, ["XF", "ST"])

    @pytest.mark.parametrize("kind", ["key_area", "complaint"])
    async def test_exempt_kinds_past_the_cap(self, env: Env, kind: str) -> None:
        n = 8102 if kind == "key_area" else 8103
        async with client(env.url) as http:
            uscc = await register(http, n)
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])
            extra = {"lead_id": f"12345-2026-{n}"} if kind == "complaint" else {}
            exempt = await task_for(http, uscc, ["SJ"], kind=kind, **extra)
            await visit(http, exempt, uscc, ["SJ"])

    async def test_enterprise_requested_past_the_cap(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8104)
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])
            asked = await task_for(http, uscc, ["SJ", "XF"], requested_by_enterprise=True)
            await visit(http, asked, uscc, ["SJ", "XF"])


class TestOverallCap:
    """Four capped visits per enterprise per year across departments. A 双随机 task whose pool is this one
    enterprise (its own industry) always draws it: whatever its class, ceil(1 × ratio) = 1. Four random
    visits by SJ, XF, ST and CG reach the cap exactly; a fifth visit, by a joint task of JT and YJ (neither at
    its departmental cap), is one over."""

    async def test_four_visits_then_the_fifth_is_refused(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 8201, industry="考官测试业8201")
            for dept in ("SJ", "XF", "ST", "CG"):
                await random_visit(http, uscc, dept, "考官测试业8201")
            fifth = await task_for(http, uscc, ["JT", "YJ"])
            p = problem(await ask_code(http, fifth, uscc, ["JT", "YJ"]), 403, "FREQUENCY_CAP_REACHED")
            assert p.get("limit") == 4, p

    async def test_exempt_visits_do_not_count(self, env: Env) -> None:
        # three capped visits (SJ+XF, ST+CG, JT) and two key-area visits: the fourth capped one (YJ+WJ) enters
        async with client(env.url) as http:
            uscc = await register(http, 8202, industry="考官测试业8202")
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])
            await visit(http, await task_for(http, uscc, ["ST", "CG"]), uscc, ["ST", "CG"])
            await random_visit(http, uscc, "JT", "考官测试业8202")
            for _ in range(2):
                await visit(http, await task_for(http, uscc, ["SJ"], kind="key_area"), uscc, ["SJ"])
            await visit(http, await task_for(http, uscc, ["YJ", "WJ"]), uscc, ["YJ", "WJ"])


async def random_visit(http: Any, uscc: str, dept: str, industry: str) -> None:
    task = await new_task(
        http,
        kind="random",
        lead_dept=dept,
        items=[ITEM[dept]],
        creator=officer(PAIRS[dept][0], dept),
        pool={"district_codes": ["210102"], "industries": [industry]},
    )
    drawn = (await task_view(http, task["task_id"]))["enterprises"]
    assert [e["uscc"] for e in drawn] == [uscc], drawn
    first, second = drawn[0]["assigned_cert_nos"]
    body = {
        "task_id": task["task_id"],
        "enterprise_uscc": uscc,
        "officers": [second],
        "item_codes": [ITEM[dept]],
    }
    code = ok(await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(first, dept)), 201)
    ok(await check_in(http, code["code"], uscc), 201)
