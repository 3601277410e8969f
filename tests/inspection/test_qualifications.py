"""Officers' qualifications through the running service (issue #14 item 5): the training ledger, its import
(JSON and xlsx, at most 500 rows, all or nothing, Chinese errors per row) and the yearly summary against
60 学时 (辽政办发〔2023〕18号 二(一)2)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from openpyxl import Workbook

from services.common import clock
from services.inspection import models as m
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    SJ,
    SJ_SUSPENDED,
    ST_REVOKED,
    XF,
    YJ_EXPIRED,
    Env,
    check_in,
    entry_code,
    refused,
)
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client, running_service

HEAD = officer(SJ[2], "SJ", dept_head=True)  # 市场监管's head of department
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAST_YEAR = clock.today().year - 1


async def officer_id(http: httpx.AsyncClient, cert_no: str, dept: str = "SJ") -> str:
    listed = ok(await http.get(f"{API}/officers", params={"dept_code": dept, "limit": 100}, headers=admin()))
    return str(next(o["officer_id"] for o in listed["items"] if o["cert_no"] == cert_no))


def course(n: int, hours: Any, held_on: date, **extra: Any) -> dict[str, Any]:
    return {
        "course": f"行政执法培训第{n}讲",
        "hours": hours,
        "held_on": held_on.isoformat(),
        "provider": "沈阳市司法局",
        **extra,
    }


async def trainings_count(env: Env) -> int:
    return int(await env.scalar(sa.select(sa.func.count()).select_from(m.OfficerTraining)))


class TestLedger:
    async def test_courses_and_the_year_summary(self, env: Env) -> None:
        async with client(env.url) as http:
            oid = await officer_id(http, SJ[4])
            url = f"{API}/officers/{oid}/trainings"
            ok(await http.post(url, json=course(1, 16, date(LAST_YEAR, 3, 2)), headers=HEAD), 201)
            ok(
                await http.post(url, json=course(2, "24.5", date(LAST_YEAR, 6, 20)), headers=supervisor()),
                201,
            )
            ok(await http.post(url, json=course(3, 8, date(LAST_YEAR, 12, 31)), headers=admin()), 201)
            listed = ok(await http.get(url, headers=officer(SJ[0], "SJ")))
            summary = ok(
                await http.get(
                    f"{API}/officers/{oid}/training-summary", params={"year": LAST_YEAR}, headers=HEAD
                )
            )
        assert [t["hours"] for t in listed] == [8, 24.5, 16]  # newest first
        # 16 + 24.5 + 8 = 48.5 学时 of the 60 required: 11.5 short
        assert summary == {
            "officer_id": oid,
            "year": LAST_YEAR,
            "hours": 48.5,
            "required": 60,
            "shortfall": 11.5,
            "met": False,
            "courses": 3,
        }

    async def test_hours_in_half_steps_and_no_future_dates(self, env: Env) -> None:
        async with client(env.url) as http:
            url = f"{API}/officers/{await officer_id(http, SJ[4])}/trainings"
            body = problem(
                await http.post(url, json=course(4, 2.25, date(LAST_YEAR, 1, 5)), headers=HEAD),
                422,
                "VALIDATION_FAILED",
            )
            assert "0.5的整数倍" in str(body), body
            future = date(clock.today().year + 1, 1, 1)
            problem(
                await http.post(url, json=course(5, 2, future), headers=HEAD), 422, "QUALIFICATION_INVALID"
            )

    async def test_a_plain_officer_records_nothing_and_another_department_is_not_found(
        self, env: Env
    ) -> None:
        async with client(env.url) as http:
            oid = await officer_id(http, SJ[4])
            body = course(6, 2, date(LAST_YEAR, 2, 1))
            url = f"{API}/officers/{oid}/trainings"
            problem(await http.post(url, json=body, headers=officer(SJ[0], "SJ")), 403, "DEPT_HEAD_REQUIRED")
            xf_head = officer(XF[0], "XF", dept_head=True)
            problem(await http.post(url, json=body, headers=xf_head), 404, "OFFICER_NOT_FOUND")


class TestImport:
    async def test_one_bad_row_imports_nothing_and_says_which(self, env: Env) -> None:
        before = await trainings_count(env)
        rows = [
            {**course(10, 4, date(LAST_YEAR, 4, 1)), "cert_no": SJ[0]},
            {**course(11, 3, date(LAST_YEAR, 4, 2)), "cert_no": "辽A-9999999"},  # not registered
            {**course(12, 1.2, date(LAST_YEAR, 4, 3)), "cert_no": SJ[1]},  # not a half step
            {**course(10, 4, date(LAST_YEAR, 4, 1)), "cert_no": SJ[0]},  # the first row again
            {**course(13, 4, date(LAST_YEAR, 4, 4)), "cert_no": XF[0]},  # another department's officer
        ]
        async with client(env.url) as http:
            body = problem(
                await http.post(f"{API}/trainings/bulk", json=rows, headers=HEAD), 422, "IMPORT_INVALID"
            )
        assert [e["row"] for e in body["errors"]] == [2, 3, 4, 5], body
        assert "辽A-9999999" in body["errors"][0]["message"]
        assert "与第1行重复" in body["errors"][2]["message"]
        assert await trainings_count(env) == before

    async def test_json_and_xlsx(self, env: Env) -> None:
        before = await trainings_count(env)
        rows = [{**course(20 + n, 2, date(LAST_YEAR, 5, 1 + n)), "cert_no": SJ[n % 2]} for n in range(3)]
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["执法证号", "课程", "学时", "培训日期", "培训机构", "证书编号"])
        sheet.append([SJ[3], "包容审慎监管专题", 6.5, date(LAST_YEAR, 9, 9), "辽宁省司法厅", "ZS-001"])
        sheet.append([None, None, None, None, None, None])  # a blank row is skipped
        sheet.append([SJ[3], "行政执法三项制度", 1.5, date(LAST_YEAR, 9, 10), "辽宁省司法厅", ""])
        raw = io.BytesIO()
        book.save(raw)
        async with client(env.url) as http:
            done = ok(await http.post(f"{API}/trainings/bulk", json=rows, headers=supervisor()), 201)
            sheet_done = ok(
                await http.post(
                    f"{API}/trainings/bulk.xlsx",
                    content=raw.getvalue(),
                    headers={**admin(), "content-type": XLSX},
                ),
                201,
            )
            summary = ok(
                await http.get(
                    f"{API}/officers/{await officer_id(http, SJ[3])}/training-summary",
                    params={"year": LAST_YEAR},
                    headers=admin(),
                )
            )
        assert done == {"created": 3, "officers": 2}
        assert sheet_done == {"created": 2, "officers": 1}
        assert (summary["hours"], summary["shortfall"]) == (8, 52)  # 6.5 + 1.5 = 8; 60 - 8 = 52
        assert await trainings_count(env) == before + 5

    async def test_at_most_500_rows_and_unreadable_content(self, env: Env) -> None:
        rows = [{**course(n, 1, date(LAST_YEAR, 1, 1)), "cert_no": SJ[0]} for n in range(501)]
        async with client(env.url) as http:
            body = problem(
                await http.post(f"{API}/trainings/bulk", json=rows, headers=admin()), 422, "IMPORT_INVALID"
            )
            assert "500" in body["detail"]
            problem(
                await http.post(
                    f"{API}/trainings/bulk.xlsx",
                    content=b"PK\x03\x04broken",
                    headers={**admin(), "content-type": XLSX},
                ),
                422,
                "IMPORT_INVALID",
            )


async def status_of(http: httpx.AsyncClient, oid: str) -> dict[str, Any]:
    return dict(ok(await http.get(f"{API}/officers/{oid}", headers=admin())))


def exam(held_on: date, passed: bool, kind: str = "exam") -> dict[str, Any]:
    return {
        "kind": kind,
        "held_on": held_on.isoformat(),
        "score": 85 if passed else 40,
        "passed": passed,
        "examiner": "市司法局执法监督科",
    }


async def lookup(http: httpx.AsyncClient, cert_no: str) -> dict[str, Any]:
    return dict(ok(await http.get(f"/public/inspection/officers/{cert_no}")))


class TestPublicLookup:
    async def test_what_anyone_may_check_without_a_token(self, env: Env) -> None:
        async with client(env.url) as http:
            active = await lookup(http, SJ[0])
            revoked = await lookup(http, ST_REVOKED)
            expired = await lookup(http, YJ_EXPIRED)
            suspended = await lookup(http, SJ_SUSPENDED.replace("-", "－"))  # a full-width dash is read too
            problem(await http.get("/public/inspection/officers/辽A-9999999"), 404, "OFFICER_NOT_FOUND")
            problem(await http.get("/public/inspection/officers/12345"), 422, "INVALID_CERT_NO")
        assert set(active) == {
            "cert_no",
            "name",
            "dept_code",
            "department",
            "status",
            "status_zh",
            "valid_until",
        }
        assert (active["cert_no"], active["dept_code"], active["department"], active["status_zh"]) == (
            SJ[0],
            "SJ",
            "沈阳市市场监督管理局",
            "在岗",
        )
        # the holder's name is masked as on every public page (services/common/masking.py): 1 character kept
        assert active["name"][1:] == "*" * (len(active["name"]) - 1) and len(active["name"]) >= 2
        assert (revoked["status"], revoked["status_zh"]) == ("revoked", "注销")
        assert (expired["status"], expired["status_zh"]) == ("expired", "已过期")
        # 夏静波's certificate is suspended without retraining in the sample data
        assert (suspended["cert_no"], suspended["status_zh"], suspended["name"]) == (
            SJ_SUSPENDED,
            "暂停执法（暂扣）",
            "夏**",
        )


class TestRetraining:
    """沈法治发〔2021〕7号 12: 随机抽考 … 暂扣行政执法证件，进行短期轮训，合格后返还执法证件."""

    async def test_refused_at_check_in_until_an_exam_passed_after_the_suspension(self, env: Env) -> None:
        today = clock.today()
        suspended_on = today - timedelta(days=3)
        async with client(env.url) as http:
            oid = await officer_id(http, SJ[1])
            assert (await lookup(http, SJ[1]))["status_zh"] == "在岗"
            code = await entry_code(http, KEY_AREA_TASK, caller=SJ[0], others=[SJ[1]])
            problem(
                await http.post(
                    f"{API}/officers/{oid}/retraining",
                    json={
                        "reason": "随机抽考不合格",
                        "suspended_on": suspended_on.isoformat(),
                        "return_date": (today + timedelta(days=30)).isoformat(),
                    },
                    headers=officer(SJ[0], "SJ"),
                ),
                403,
                "DEPT_HEAD_REQUIRED",
            )
            suspended = ok(
                await http.post(
                    f"{API}/officers/{oid}/retraining",
                    json={
                        "reason": "随机抽考不合格",
                        "suspended_on": suspended_on.isoformat(),
                        "return_date": (today + timedelta(days=30)).isoformat(),
                    },
                    headers=HEAD,
                )
            )
            assert (suspended["status"], suspended["retraining"], suspended["status_since"]) == (
                "suspended",
                True,
                suspended_on.isoformat(),
            )
            public = await lookup(http, SJ[1])
            assert (public["status"], public["status_zh"]) == ("retraining", "暂停执法（轮训）")
            body = await refused(env, await check_in(http, code["code"]), "OFFICER_IN_RETRAINING")
            assert SJ[1] in body["detail"] and "沈法治发〔2021〕7号" in body["detail"], body

            exams = f"{API}/officers/{oid}/exams"
            # passed before the suspension, on its day, failed after it: none lifts it
            for held_on, passed in (
                (today - timedelta(days=5), True),
                (suspended_on, True),
                (today - timedelta(days=2), False),
            ):
                recorded = ok(await http.post(exams, json=exam(held_on, passed), headers=supervisor()), 201)
                assert recorded["lifted_retraining"] is False
                assert (await status_of(http, oid))["status"] == "suspended"
            await refused(env, await check_in(http, code["code"]), "OFFICER_IN_RETRAINING")
            problem(
                await http.post(
                    f"{API}/officers/{oid}/status",
                    json={"status": "active", "reason": "恢复"},
                    headers=admin(),
                ),
                409,
                "RETRAINING_EXAM_REQUIRED",
            )

            lifted = ok(
                await http.post(exams, json=exam(today - timedelta(days=1), True, "quiz"), headers=HEAD), 201
            )
            assert lifted["lifted_retraining"] is True
            back = await status_of(http, oid)
            assert (back["status"], back["retraining"], back["return_date"]) == ("active", False, None)
            assert "合格" in back["status_reason"]
            assert (await lookup(http, SJ[1]))["status_zh"] == "在岗"
            ok(await check_in(http, code["code"]), 201)
            listed = ok(await http.get(exams, headers=officer(SJ[0], "SJ")))
        assert [e["held_on"] for e in listed][0] == (today - timedelta(days=1)).isoformat()
        assert len(listed) == 4
        changes = await env.events("inspection.officer.changed", cert_no=SJ[1])
        assert [e["data"]["status"] for e in changes][-2:] == ["suspended", "active"]

    async def test_no_suspension_in_the_future_or_without_a_return_date(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            url = f"{API}/officers/{await officer_id(http, SJ[3])}/retraining"
            future = {
                "reason": "随机抽考不合格",
                "suspended_on": (today + timedelta(days=1)).isoformat(),
                "return_date": (today + timedelta(days=9)).isoformat(),
            }
            problem(await http.post(url, json=future, headers=HEAD), 422, "QUALIFICATION_INVALID")
            problem(
                await http.post(url, json={"reason": "随机抽考不合格"}, headers=HEAD),
                422,
                "VALIDATION_FAILED",
            )
            early = {"reason": "随机抽考不合格", "return_date": today.isoformat()}
            problem(await http.post(url, json=early, headers=HEAD), 422, "RETURN_DATE_REQUIRED")


class TestHoursAtEntry:
    """辽政办发〔2023〕18号 二(一)2, enforced from a configured date (off by default)."""

    async def test_with_the_rule_on_an_officer_below_60_is_refused(self, env: Env) -> None:
        today = clock.today()
        async with (
            running_service(
                "inspection",
                database_url=env.database_url,
                nats_url=env.svc.settings.nats_url,
                job_interval_s=3600.0,
                training_hours_enforced_from=today,
            ) as strict,
            client(strict.url) as http,
        ):
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_uscc": ENTERPRISE,
                "officers": [SJ[3]],
                "item_codes": [FOOD_ITEM],
            }
            caller = officer(SJ[5], "SJ")
            first = problem(
                await http.post(f"{API}/visits/entry-codes", json=body, headers=caller),
                403,
                "TRAINING_HOURS_SHORT",
            )
            # SJ[5] has no training at all in this module: 0 of 60
            assert (first["cert_no"], first["hours"], first["required"]) == (SJ[5], 0, 60), first
            assert "辽政办发〔2023〕18号" in first["detail"]
            url = f"{API}/officers/{await officer_id(http, SJ[5])}/trainings"
            ok(await http.post(url, json=course(40, 40, today), headers=HEAD), 201)
            ok(await http.post(url, json=course(41, 20, today - timedelta(days=364)), headers=HEAD), 201)
            # 40 + 20 = 60 within the 365 days: SJ[5] passes, and the next short officer is named
            second = problem(
                await http.post(f"{API}/visits/entry-codes", json=body, headers=caller),
                403,
                "TRAINING_HOURS_SHORT",
            )
            assert second["cert_no"] == SJ[3] and second["hours"] < 60
            url = f"{API}/officers/{await officer_id(http, SJ[3])}/trainings"
            ok(await http.post(url, json=course(42, 60, today), headers=HEAD), 201)
            ok(await http.post(f"{API}/visits/entry-codes", json=body, headers=caller), 201)


class TestAppraisal:
    """辽政办发〔2023〕18号 二(一)4: 推行行政执法人员日常考核制度."""

    async def test_recorded_and_listed_per_officer(self, env: Env) -> None:
        today = clock.today()
        async with client(env.url) as http:
            oid = await officer_id(http, SJ[0])
            other = await officer_id(http, SJ[3])
            url = f"{API}/officers/{oid}/appraisals"
            first = {
                "appraised_on": (today - timedelta(days=40)).isoformat(),
                "appraiser": "孙娜",
                "rating": "合格",
            }
            second = {
                "appraised_on": (today - timedelta(days=10)).isoformat(),
                "appraiser": "孙娜",
                "rating": "基本合格",
                "notes": "检查记录填写不完整",
            }
            ok(await http.post(url, json=first, headers=HEAD), 201)
            ok(await http.post(url, json=second, headers=supervisor()), 201)
            problem(
                await http.post(url, json={**first, "rating": "良好"}, headers=HEAD), 422, "VALIDATION_FAILED"
            )
            late = {**first, "appraised_on": (today + timedelta(days=1)).isoformat()}
            problem(await http.post(url, json=late, headers=HEAD), 422, "QUALIFICATION_INVALID")
            problem(await http.post(url, json=first, headers=officer(SJ[1], "SJ")), 403, "DEPT_HEAD_REQUIRED")
            listed = ok(await http.get(url, headers=officer(SJ[1], "SJ")))
            others = ok(await http.get(f"{API}/officers/{other}/appraisals", headers=admin()))
            problem(await http.get(url, headers=officer(XF[0], "XF")), 404, "OFFICER_NOT_FOUND")
        assert [(a["rating"], a["notes"]) for a in listed] == [
            ("基本合格", "检查记录填写不完整"),
            ("合格", ""),
        ]
        assert all(a["officer_id"] == oid for a in listed) and others == []
