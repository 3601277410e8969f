"""Fourth examiner's cases: who may stand at the door (certificates expired on the day or the day before, revoked,
suspended, of another department, auxiliary staff, one person named twice), a quiet window's first day, a
triple joint visit counted once, an unused code that is no visit, and a 双随机 pair that was not drawn.

Sources: 行政处罚法 第四十二条 ("执法人员不得少于两人，法律另有规定的除外"), 第五十五条 ("执法人员在调查或者进行检查时，
应当主动向当事人或者有关人员出示执法证件 ... 当事人或者有关人员有权要求执法人员出示执法证件。执法人员不出示执法证件的，
当事人或者有关人员有权拒绝接受调查或者检查"); seed 004 (辽政办发〔2023〕18号: 未取得执法证件的，不得独立从事行政执法工作;
暂扣、收缴); SPEC §2.1-2.4 (auxiliary staff never count as inspectors; a joint visit counts once toward every
participating department's cap; four capped on-site visits per enterprise per year; 无事不扰); docs/api/
inspection.md §7 (CERT_EXPIRED "past its valid-until date": the valid-until day itself is still valid;
TOO_FEW_OFFICERS "of each department whose items are inspected"; OFFICER_OUT_OF_AUTHORITY "for 双随机, an
officer not drawn for this enterprise").
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
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
from tests.inspection.acceptance.test_codes_and_caps import random_visit
from tests.inspection.helpers import (
    API,
    SJ,
    SJ_AUXILIARY_ID,
    SJ_SUSPENDED,
    ST_REVOKED,
    XF,
    YJ_EXPIRED,
    Env,
    new_task,
)
from tests.support.http import ok, problem
from tests.support.personas import admin, officer
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def new_officer(http: Any, cert_no: str, dept: str, valid_until: date) -> dict[str, Any]:
    body = {"name": "考官测试", "dept_code": dept, "cert_no": cert_no, "valid_until": str(valid_until)}
    return dict(ok(await http.post(f"{API}/officers", json=body, headers=admin()), 201))


async def with_partner(http: Any, task: str, uscc: str, dept: str, partner: str, items: list[str]) -> Any:
    """A code asked for by the department's first sample officer, naming ``partner`` as the second."""
    body = {"task_id": task, "enterprise_uscc": uscc, "officers": [partner], "item_codes": items}
    return await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(PAIRS[dept][0], dept))


class TestCertificateValidity:
    """CERT_EXPIRED is "past its valid-until date": a certificate valid until today is good all day today; one
    valid until yesterday is expired today (whether or not the nightly job has marked it yet)."""

    async def test_valid_until_today_is_still_valid(self, env: Env) -> None:
        async with client(env.url) as http:
            await new_officer(http, "辽A-0099401", "SJ", clock.today())
            uscc = await register(http, 9601)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            ok(await with_partner(http, task, uscc, "SJ", "辽A-0099401", [ITEM["SJ"]]), 201)

    async def test_valid_until_yesterday_is_expired(self, env: Env) -> None:
        async with client(env.url) as http:
            await new_officer(http, "辽A-0099402", "SJ", clock.today() - timedelta(days=1))
            uscc = await register(http, 9602)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            p = problem(
                await with_partner(http, task, uscc, "SJ", "辽A-0099402", [ITEM["SJ"]]), 403, "CERT_EXPIRED"
            )
        assert "辽A-0099402" in p["detail"], p

    async def test_expired_in_the_sample(self, env: Env) -> None:
        # 辽A-0052003 (安监 YJ) expired 2026-03-31
        async with client(env.url) as http:
            uscc = await register(http, 9603)
            task = await task_for(http, uscc, ["YJ"], kind="key_area")
            problem(await with_partner(http, task, uscc, "YJ", YJ_EXPIRED, [ITEM["YJ"]]), 403, "CERT_EXPIRED")

    async def test_revoked(self, env: Env) -> None:
        # 辽A-0023004 (生态环境 ST) withdrawn (收缴)
        async with client(env.url) as http:
            uscc = await register(http, 9604)
            task = await task_for(http, uscc, ["ST"], kind="key_area")
            problem(await with_partner(http, task, uscc, "ST", ST_REVOKED, [ITEM["ST"]]), 403, "CERT_REVOKED")

    async def test_suspended(self, env: Env) -> None:
        # 辽A-0012345 (市场监管 SJ) suspended (暂扣)
        async with client(env.url) as http:
            uscc = await register(http, 9605)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            problem(
                await with_partner(http, task, uscc, "SJ", SJ_SUSPENDED, [ITEM["SJ"]]), 403, "CERT_SUSPENDED"
            )

    async def test_reinstated_with_a_new_valid_until_may_enter_again(self, env: Env) -> None:
        # expired yesterday, renewed today until 2031-12-31: the pair enters
        async with client(env.url) as http:
            row = await new_officer(http, "辽A-0099403", "SJ", clock.today() - timedelta(days=1))
            uscc = await register(http, 9606)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            problem(
                await with_partner(http, task, uscc, "SJ", "辽A-0099403", [ITEM["SJ"]]), 403, "CERT_EXPIRED"
            )
            renew = {"status": "active", "reason": "换发新证", "valid_until": "2031-12-31"}
            ok(await http.post(f"{API}/officers/{row['officer_id']}/status", json=renew, headers=admin()))
            ok(await with_partner(http, task, uscc, "SJ", "辽A-0099403", [ITEM["SJ"]]), 201)


class TestTwoOfficers:
    """第四十二条: not fewer than two. Two means two different certified people."""

    async def test_the_caller_named_again_is_still_one_person(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9611)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            r = await with_partner(http, task, uscc, "SJ", PAIRS["SJ"][0], [ITEM["SJ"]])
        problem(r, 403, "TOO_FEW_OFFICERS")

    async def test_auxiliary_staff_put_forward_as_an_inspector(self, env: Env) -> None:
        # 向杰玉 is 执法辅助人员 (no certificate): named among the inspectors, refused NOT_CERTIFIED
        async with client(env.url) as http:
            uscc = await register(http, 9612)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            r = await with_partner(http, task, uscc, "SJ", SJ_AUXILIARY_ID, [ITEM["SJ"]])
        problem(r, 403, "NOT_CERTIFIED")

    async def test_one_officer_and_auxiliary_staff_accompanying(self, env: Env) -> None:
        # one certified officer + one accompanying auxiliary: the auxiliary never counts, so one inspector
        async with client(env.url) as http:
            uscc = await register(http, 9613)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            body = {
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": [],
                "accompanying": [SJ_AUXILIARY_ID],
                "item_codes": [ITEM["SJ"]],
            }
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(PAIRS["SJ"][0], "SJ"))
        problem(r, 403, "TOO_FEW_OFFICERS")

    async def test_an_unknown_certificate_number(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9614)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            r = await with_partner(http, task, uscc, "SJ", "辽A-0099999", [ITEM["SJ"]])
        problem(r, 403, "NOT_CERTIFIED")

    async def test_joint_visit_with_one_officer_of_the_second_department(self, env: Env) -> None:
        # joint SJ+XF, items of both: SJ brings two, XF only one -> fewer than two of XF, whose item is inspected
        async with client(env.url) as http:
            uscc = await register(http, 9615)
            task = await task_for(http, uscc, ["SJ", "XF"])
            body = {
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": [PAIRS["SJ"][1], XF[0]],
                "item_codes": [ITEM["SJ"], ITEM["XF"]],
            }
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(PAIRS["SJ"][0], "SJ"))
        problem(r, 403, "TOO_FEW_OFFICERS")


class TestAuthority:
    async def test_an_officer_of_a_department_not_in_the_task(self, env: Env) -> None:
        # a key-area task of SJ alone; a 消防 (XF) officer named as the second inspector
        async with client(env.url) as http:
            uscc = await register(http, 9621)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            r = await with_partner(http, task, uscc, "SJ", XF[0], [ITEM["SJ"]])
        problem(r, 403, "OFFICER_OUT_OF_AUTHORITY")

    async def test_an_item_of_a_department_that_is_not_present(self, env: Env) -> None:
        # joint SJ+XF approved for both items; only SJ's pair came but asks to inspect XF's item too
        async with client(env.url) as http:
            uscc = await register(http, 9622)
            task = await task_for(http, uscc, ["SJ", "XF"])
            r = await with_partner(http, task, uscc, "SJ", PAIRS["SJ"][1], [ITEM["SJ"], ITEM["XF"]])
        problem(r, 403, "ITEM_OUT_OF_AUTHORITY")

    async def test_a_random_task_pair_that_was_not_drawn(self, env: Env) -> None:
        # 双随机: officers are drawn too; two other certified SJ officers may not take the drawn pair's place
        industry = "考官四抽查业"
        async with client(env.url) as http:
            uscc = await register(http, 9623, industry=industry)
            task = await new_task(
                http,
                kind="random",
                items=["SJ-DJ-001"],
                pool={"district_codes": ["210102"], "industries": [industry]},
            )
            [drawn] = (await task_view(http, task["task_id"]))["enterprises"]
            others = [c for c in SJ if c not in drawn["assigned_cert_nos"]]
            body = {
                "task_id": task["task_id"],
                "enterprise_uscc": uscc,
                "officers": [others[1]],
                "item_codes": ["SJ-DJ-001"],
            }
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(others[0], "SJ"))
        problem(r, 403, "OFFICER_OUT_OF_AUTHORITY")


class TestQuietWindowFirstDay:
    async def test_starting_today_is_quiet_starting_tomorrow_is_not(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            quiet, free = await register(http, 9631), await register(http, 9632)
            for uscc, starts in ((quiet, today), (free, today + timedelta(days=1))):
                window = {
                    "uscc": uscc,
                    "starts_on": str(starts),
                    "ends_on": str(today + timedelta(days=30)),
                    "reason": "新开办企业包容期",
                }
                ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            joint = await task_for(http, quiet, ["SJ", "XF"])
            problem(await ask_code(http, joint, quiet, ["SJ", "XF"]), 403, "QUIET_PERIOD")
            await visit(http, await task_for(http, free, ["SJ", "XF"]), free, ["SJ", "XF"])


class TestCountingVisits:
    async def test_a_triple_joint_visit_is_one_of_the_four(self, env: Env) -> None:
        # SJ+XF+ST together (1 on-site visit: 进一次门、查多项事, and each of the three has used its own cap),
        # CG (2), JT (3), YJ (4) by 双随机: 4 = the cap; WJ (5) is one over the overall cap of 4.
        industry = "考官四联合业"
        async with client(env.url) as http:
            uscc = await register(http, 9641, industry=industry)
            await visit(http, await task_for(http, uscc, ["SJ", "XF", "ST"]), uscc, ["SJ", "XF", "ST"])
            for dept in ("CG", "JT", "YJ"):
                await random_visit(http, uscc, dept, industry)
            # the fifth: a joint task of WJ and SJ on which only WJ comes (WJ's officers, WJ's item): it would
            # count for WJ alone (its own cap of 1 unused), but it is the enterprise's fifth capped visit
            fifth = await task_for(http, uscc, ["WJ", "SJ"])
            r = await ask_code(http, fifth, uscc, ["WJ"])
            p = problem(r, 403, "FREQUENCY_CAP_REACHED")
        assert p.get("limit") == 4, p

    async def test_a_triple_joint_visit_uses_each_departments_cap(self, env: Env) -> None:
        # after SJ+XF+ST together, ST (cap 1, used) may not come again this year with CG
        async with client(env.url) as http:
            uscc = await register(http, 9642)
            await visit(http, await task_for(http, uscc, ["SJ", "XF", "ST"]), uscc, ["SJ", "XF", "ST"])
            again = await task_for(http, uscc, ["CG", "ST"])
            p = problem(await ask_code(http, again, uscc, ["CG", "ST"]), 403, "FREQUENCY_CAP_REACHED")
        assert p.get("limit") == 1, p

    async def test_a_code_never_used_is_no_visit(self, env: Env) -> None:
        # SJ asked for a code and went away without the enterprise checking in: SJ's yearly visit is not used
        async with client(env.url) as http:
            uscc = await register(http, 9643)
            first = await task_for(http, uscc, ["SJ", "XF"])
            ok(await ask_code(http, first, uscc, ["SJ", "XF"]), 201)
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])

    async def test_a_refused_check_in_is_no_visit(self, env: Env) -> None:
        # the code expired before the scan (10 min 31 s): refused, so the department may still come once
        async with client(env.url) as http:
            uscc = await register(http, 9644)
            first = await task_for(http, uscc, ["SJ", "XF"])
            code = ok(await ask_code(http, first, uscc, ["SJ", "XF"]), 201)["code"]
            try:
                clock.set_offset(timedelta(minutes=10, seconds=31))
                problem(await check_in(http, code, uscc), 403, "CODE_EXPIRED")
            finally:
                clock.reset()
            await visit(http, await task_for(http, uscc, ["SJ", "XF"]), uscc, ["SJ", "XF"])


class TestCodeUse:
    async def test_a_code_used_once_cannot_start_a_second_visit_under_a_new_key(self, env: Env) -> None:
        # single use: a second check-in with another Idempotency-Key (a second phone) is CODE_USED, not a replay
        async with client(env.url) as http:
            uscc = await register(http, 9651)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            code = ok(await ask_code(http, task, uscc, ["SJ"]), 201)["code"]
            first = ok(await check_in(http, code, uscc), 201)
            p = problem(await check_in(http, code, uscc), 409, "CODE_USED")
        assert first["visit"]["visit_id"] and p.get("code_id"), p
        assert str(uuid.UUID(p["code_id"])) == p["code_id"]

    async def test_code_names_every_officer_and_item(self, env: Env) -> None:
        # the body names one partner; the code carries both certificate numbers (the caller counted) and the item
        async with client(env.url) as http:
            uscc = await register(http, 9652)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            got = ok(
                await http.post(
                    f"{API}/visits/entry-codes",
                    json=code_body(task, uscc, ["SJ"]),
                    headers=officer(PAIRS["SJ"][0], "SJ"),
                ),
                201,
            )
        assert sorted(got["officer_cert_nos"]) == sorted(PAIRS["SJ"]), got
        assert got["item_codes"] == [ITEM["SJ"]], got
        # expires-at = issued-at + 10 minutes (600 s)
        issued, expires = (
            datetime.fromisoformat(got[k].replace("Z", "+00:00")) for k in ("issued_at", "expires_at")
        )
        assert (expires - issued).total_seconds() == 600, got


def china_at(day: date, hour: int, minute: int) -> None:
    """Make the service clock read ``day`` ``hour``:``minute`` in China."""
    moment = datetime.combine(day, datetime.min.time(), tzinfo=clock.CHINA) + timedelta(
        hours=hour, minutes=minute
    )
    clock.set_offset(moment - datetime.now(UTC))


class TestFirstAndLastHour:
    """Days are China's (SPEC §1.6): a day starts at 00:00 Asia/Shanghai, which is 16:00 UTC the day before."""

    async def test_a_quiet_window_starts_at_midnight_in_china(self, env: Env) -> None:
        # window from tomorrow D+1: at D 23:50 China (15:50 UTC) not yet quiet; at D+1 00:10 China (D 16:10 UTC,
        # still D in UTC) quiet
        day = clock.today()
        async with client(env.url) as http:
            uscc = await register(http, 9661)
            window = {
                "uscc": uscc,
                "starts_on": str(day + timedelta(days=1)),
                "ends_on": str(day + timedelta(days=20)),
                "reason": "重大活动保障期",
            }
            ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            joint = await task_for(http, uscc, ["SJ", "XF"])
            try:
                china_at(day, 23, 50)
                ok(await ask_code(http, joint, uscc, ["SJ", "XF"]), 201)
                china_at(day + timedelta(days=1), 0, 10)
                problem(await ask_code(http, joint, uscc, ["SJ", "XF"]), 403, "QUIET_PERIOD")
            finally:
                clock.reset()

    async def test_a_certificate_valid_until_today_lapses_at_midnight_in_china(self, env: Env) -> None:
        # valid until D: at D 23:50 China good; at D+1 00:10 China (still D in UTC) past its valid-until date
        day = clock.today()
        async with client(env.url) as http:
            await new_officer(http, "辽A-0099404", "SJ", day)
            uscc = await register(http, 9662)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            try:
                china_at(day, 23, 50)
                ok(await with_partner(http, task, uscc, "SJ", "辽A-0099404", [ITEM["SJ"]]), 201)
                china_at(day + timedelta(days=1), 0, 10)
                r = await with_partner(http, task, uscc, "SJ", "辽A-0099404", [ITEM["SJ"]])
                problem(r, 403, "CERT_EXPIRED")
            finally:
                clock.reset()

    async def test_a_task_ending_today_is_over_at_midnight_in_china(self, env: Env) -> None:
        # a key-area task of D..D: at D 23:50 China a code is issued; at D+1 00:10 China the task is outside
        # its dates (TASK_NOT_APPROVED: "... or outside its dates")
        day = clock.today()
        async with client(env.url) as http:
            uscc = await register(http, 9663)
            task = await task_for(http, uscc, ["SJ"], kind="key_area", starts_on=str(day), ends_on=str(day))
            try:
                china_at(day, 23, 50)
                ok(await ask_code(http, task, uscc, ["SJ"]), 201)
                china_at(day + timedelta(days=1), 0, 10)
                problem(await ask_code(http, task, uscc, ["SJ"]), 403, "TASK_NOT_APPROVED")
            finally:
                clock.reset()

    async def test_a_task_starting_tomorrow_opens_at_midnight_in_china(self, env: Env) -> None:
        day = clock.today()
        async with client(env.url) as http:
            uscc = await register(http, 9664)
            starts = day + timedelta(days=1)
            task = await task_for(
                http,
                uscc,
                ["SJ"],
                kind="key_area",
                starts_on=str(starts),
                ends_on=str(starts + timedelta(days=9)),
            )
            try:
                china_at(day, 23, 50)
                problem(await ask_code(http, task, uscc, ["SJ"]), 403, "TASK_NOT_APPROVED")
                china_at(starts, 0, 10)
                ok(await ask_code(http, task, uscc, ["SJ"]), 201)
            finally:
                clock.reset()
