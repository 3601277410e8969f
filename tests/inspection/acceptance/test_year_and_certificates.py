"""Examiner's cases: the calendar year of the caps in China time, a certificate suspended after the code was
issued, and what the public sees of a draw before the task ends.

Sources: SPEC §1.6 (times shown in Asia/Shanghai), §2.4 (visits counted per enterprise per department per
calendar year), §2.3 (check-in verifies that the officers are still active; 行政处罚法 第五十五条), §2.2 (一公开:
before completion only counts by class are public).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common import clock
from tests.inspection.acceptance.cases import ITEM, PAIRS, ask_code, check_in, register, task_for
from tests.inspection.helpers import API, Env, new_task
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, officer
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUSPENDED_LATER = ("辽A-0012347", "辽A-0012348")
SUSPENDED_LATER_ID = "54581952-1a42-5391-8175-3e71fa679abf"  # 辽A-0012348 (data/sample/officers.json)


def china(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=clock.CHINA)


def at(moment: datetime) -> None:
    clock.set_offset(moment - datetime.now(UTC))


class TestCalendarYear:
    """Two enterprises, each visited by SJ+XF on a joint task, the visit back-filled (the system was down):
    one entered at 2026-12-31 23:50 China time (2026's visit), the other at 2027-01-01 00:10 China time, which
    is still 2026-12-31 16:10 in UTC (2027's visit). On 2027-01-04 a second joint visit of SJ+XF enters the
    first (2027's cap unused) and is refused at the second (one capped visit per department in 2027)."""

    async def test_the_year_turns_at_midnight_in_china(self, env: Env) -> None:
        try:
            at(china(2026, 12, 30, 10))
            async with client(env.url) as http:
                old, new = await register(http, 9001), await register(http, 9002)
                tasks = {u: [await task_for(http, u, ["SJ", "XF"]) for _ in range(2)] for u in (old, new)}
            at(china(2027, 1, 4, 10))
            async with client(env.url) as http:
                for uscc, started in ((old, china(2026, 12, 31, 23, 50)), (new, china(2027, 1, 1, 0, 10))):
                    body: dict[str, Any] = {
                        "task_id": tasks[uscc][0],
                        "enterprise_uscc": uscc,
                        "officers": [PAIRS["SJ"][1], *PAIRS["XF"]],
                        "item_codes": [ITEM["SJ"], ITEM["XF"]],
                        "started_at": started.isoformat(),
                        "reason": "系统故障，现场无法扫码",
                    }
                    ok(
                        await http.post(
                            f"{API}/visits/backfill", json=body, headers=officer(PAIRS["SJ"][0], "SJ")
                        ),
                        201,
                    )
                code = ok(await ask_code(http, tasks[old][1], old, ["SJ", "XF"]), 201)
                ok(await check_in(http, code["code"], old), 201)
                problem(await ask_code(http, tasks[new][1], new, ["SJ", "XF"]), 403, "FREQUENCY_CAP_REACHED")
        finally:
            clock.reset()


class TestCertificateAfterTheCode:
    async def test_suspended_after_issue_is_refused_at_check_in(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9101)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            body = {
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": [SUSPENDED_LATER[1]],
                "item_codes": [ITEM["SJ"]],
            }
            code = ok(
                await http.post(
                    f"{API}/visits/entry-codes", json=body, headers=officer(SUSPENDED_LATER[0], "SJ")
                ),
                201,
            )
            ok(
                await http.post(
                    f"{API}/officers/{SUSPENDED_LATER_ID}/status",
                    json={"status": "suspended", "reason": "涉嫌违规执法，暂扣执法证件"},
                    headers=admin(),
                )
            )
            p = problem(await check_in(http, code["code"], uscc), 403, "CERT_SUSPENDED")
        assert SUSPENDED_LATER[1] in p["detail"], p


class TestPublicDraw:
    async def test_no_enterprise_is_named_before_the_end(self, env: Env) -> None:
        industry = "考官公开业"
        async with client(env.url) as http:
            pool = [await register(http, 9200 + i, industry=industry) for i in range(3)]
            task = await new_task(
                http,
                kind="random",
                items=["SJ-DJ-001"],
                pool={"district_codes": ["210102"], "industries": [industry]},
            )
            r = await http.get(f"/public/inspection/tasks/{task['task_id']}/draw")
        public = ok(r)
        text = r.text
        assert not any(u in text for u in pool), public
        assert not any(c in text for c in ("辽A-00123", 'nonce":"')), public
        # 3 never classified enterprises, drawn as B: ceil(3 × 20 %) = 1
        assert "counts" in text, public


class TestEnterpriseCode:
    """SPEC §2.3: the officers scan the enterprise's printed code; in an emergency they inspect first and scan
    before leaving, within 12 hours of entering; a re-issued code makes every older print invalid."""

    async def test_emergency_scan_within_twelve_hours(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9301)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            printed = ok(await http.get(f"{API}/enterprises/{uscc}/code", headers=enterprise(uscc)))
            body: dict[str, Any] = {
                "task_id": task,
                "enterprise_code": printed["code"],
                "officers": [PAIRS["SJ"][1]],
                "item_codes": [ITEM["SJ"]],
                "emergency": True,
                "reason": "群众举报燃气泄漏，先行处置",
            }
            headers = officer(PAIRS["SJ"][0], "SJ")
            late = body | {"started_at": (clock.now() - timedelta(hours=12, minutes=10)).isoformat()}
            problem(
                await http.post(f"{API}/visits/scan", json=late, headers=headers), 403, "EMERGENCY_SCAN_LATE"
            )
            in_time = body | {"started_at": (clock.now() - timedelta(hours=11, minutes=50)).isoformat()}
            got = ok(await http.post(f"{API}/visits/scan", json=in_time, headers=headers), 201)
        assert (got["mode"], got["emergency"]) == ("emergency", True), got

    async def test_an_old_print_after_reissue(self, env: Env) -> None:
        async with client(env.url) as http:
            uscc = await register(http, 9302)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            old = ok(await http.get(f"{API}/enterprises/{uscc}/code", headers=enterprise(uscc)))
            new = ok(await http.post(f"{API}/enterprises/{uscc}/code/reissue", headers=enterprise(uscc)))
            assert new["serial"] == old["serial"] + 1, new
            body = {
                "task_id": task,
                "enterprise_code": old["code"],
                "officers": [PAIRS["SJ"][1]],
                "item_codes": [ITEM["SJ"]],
            }
            headers = officer(PAIRS["SJ"][0], "SJ")
            problem(
                await http.post(f"{API}/visits/scan", json=body, headers=headers),
                403,
                "ENTERPRISE_CODE_REVOKED",
            )
            ok(
                await http.post(
                    f"{API}/visits/scan", json=body | {"enterprise_code": new["code"]}, headers=headers
                ),
                201,
            )


class TestChinaDate:
    async def test_a_quiet_window_is_over_at_midnight_in_china(self, env: Env) -> None:
        # a window ending on day D; at D+1 00:10 in China (still D 16:10 in UTC) it is over: entry allowed
        async with client(env.url) as http:
            uscc = await register(http, 9401)
            day = clock.today()
            window = {
                "uscc": uscc,
                "starts_on": str(day - timedelta(days=5)),
                "ends_on": str(day),
                "reason": "包容期",
            }
            ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
            joint = await task_for(http, uscc, ["SJ", "XF"])
            try:
                at(
                    datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=clock.CHINA)
                    + timedelta(minutes=10)
                )
                ok(await ask_code(http, joint, uscc, ["SJ", "XF"]), 201)
            finally:
                clock.reset()
