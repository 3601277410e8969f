"""Officers' qualifications through the running service (issue #14 item 5): the training ledger, its import
(JSON and xlsx, at most 500 rows, all or nothing, Chinese errors per row) and the yearly summary against
60 学时 (辽政办发〔2023〕18号 二(一)2)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa
from openpyxl import Workbook

from services.common import clock
from services.inspection import models as m
from tests.inspection.helpers import API, SJ, XF, Env
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client

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
