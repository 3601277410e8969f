"""Imports of the registries (CSV and JSON), all or nothing: a bad row rejects the whole import with its
row and reason, and a repeated import changes nothing."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from typing import Any

import pytest

from tests.inspection.helpers import (
    API,
    Env,
    make_uscc,
)
from tests.support.http import ok, problem
from tests.support.personas import admin
from tests.support.stack import client


class TestItemImport:
    async def test_csv_import_is_all_or_nothing_and_idempotent(self, env: Env) -> None:
        header = "code,name,dept_code,level,enterprise_related,key_area,on_site,legal_basis,effective_from\n"
        good = "SJ-ZZ-010,对进货台账的检查,SJ,district,true,false,true,食品安全法:第五十三条|食品安全法:第一百二十六条,2026-05-01\n"
        bad = "SJ-ZZ-011,缺少依据的事项,SJ,district,true,false,true,,2026-05-01\n"
        csv_headers = {**admin(), "Content-Type": "text/csv"}
        async with client(env.url) as http:
            r = await http.post(
                f"{API}/items/bulk", content=(header + good + bad).encode(), headers=csv_headers
            )
            problem(r, 422, "IMPORT_INVALID")
            assert r.json()["errors"][0]["row"] == 2
            assert (
                await http.get(f"{API}/items/SJ-ZZ-010", headers=admin())
            ).status_code == 404  # nothing imported
            first = ok(
                await http.post(f"{API}/items/bulk", content=(header + good).encode(), headers=csv_headers)
            )
            again = ok(
                await http.post(f"{API}/items/bulk", content=(header + good).encode(), headers=csv_headers)
            )
            assert (first["created"], again["created"], again["unchanged"]) == (1, 0, 1)
            garbage = await http.post(f"{API}/items/bulk", content=b"\xff\xfe\x00garbage", headers=admin())
            assert garbage.status_code == 422


class TestOfficerImport:
    async def test_csv_import_of_officers(self, env: Env) -> None:
        header = "officer_id,name,dept_code,body_code,cert_no,auxiliary,valid_until,id_number,status,status_since,status_reason,retraining,return_date\n"
        row = f"{uuid.uuid4()},导入执法员,SJ,SJ-210100,辽A-0012398,false,2030-06-30,,active,,,,\n"
        async with client(env.url) as http:
            result = ok(
                await http.post(
                    f"{API}/officers/bulk",
                    content=(header + row).encode(),
                    headers={**admin(), "Content-Type": "text/csv"},
                )
            )
            assert result["created"] == 1
            bad = row.replace("辽A-0012398", "京A-1").replace(row.split(",")[0], str(uuid.uuid4()))
            r = await http.post(
                f"{API}/officers/bulk",
                content=(header + bad).encode(),
                headers={**admin(), "Content-Type": "text/csv"},
            )
            problem(r, 422, "IMPORT_INVALID")
            assert r.json()["errors"][0]["code"] == "INVALID_CERT_NO"


class TestEnterpriseImport:
    async def test_import_rejects_invalid_usccs_by_row(self, env: Env) -> None:
        good = make_uscc(4300)
        bad = good[:-1] + ("1" if good[-1] != "1" else "2")
        csv_text = f"uscc,name,district_code,industry,address,legal_rep_name,registered_on\n{good},沈阳甲有限公司,210102,,,,\n{bad},沈阳乙有限公司,210102,,,,\n"
        async with client(env.url) as http:
            r = await http.post(
                f"{API}/enterprises/bulk",
                content=csv_text.encode(),
                headers={**admin(), "Content-Type": "text/csv"},
            )
            problem(r, 422, "IMPORT_INVALID")
            assert r.json()["errors"][0]["row"] == 2 and "校验码" in r.json()["errors"][0]["message"]
            assert r.json()["errors"][0]["column"] == "统一社会信用代码"  # the template's header
            assert (await http.get(f"{API}/enterprises/{good}", headers=admin())).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Spreadsheets as people keep them (issue #15 item 4): GB18030/GBK CSV and xlsx, Chinese headers, templates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    active = book.active
    assert active is not None
    for row in rows:
        active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled(template: bytes, values: dict[str, Any]) -> bytes:
    """The template with its example row overwritten by ``values`` (by Chinese header); other cells blank."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    active = book.active
    assert active is not None
    headers = [cell.value for cell in active[1]]
    for index, header in enumerate(headers, start=1):
        active.cell(2, index).value = values.get(str(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestSpreadsheets:
    async def test_a_gbk_csv_with_chinese_headers(self, env: Env) -> None:
        uscc = make_uscc(4401)
        text = (
            "统一社会信用代码,企业名称,区县代码,行业,住所,法定代表人,成立日期\r\n"
            f"{uscc},沈阳镕鑫餐饮有限公司,210102,餐饮服务,沈阳市和平区南京北街88号,赵镕,2019-05-20\r\n"
        )
        raw = text.encode("gbk")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # truly not UTF-8
        async with client(env.url) as http:
            result = ok(
                await http.post(
                    f"{API}/enterprises/bulk", content=raw, headers={**admin(), "Content-Type": "text/csv"}
                )
            )
            got = ok(await http.get(f"{API}/enterprises/{uscc}", headers=admin()))
        assert result["created"] == 1
        assert (got["name"], got["address"]) == ("沈阳镕鑫餐饮有限公司", "沈阳市和平区南京北街88号")

    async def test_an_xlsx_of_officers_and_its_errors_by_row_in_chinese(self, env: Env) -> None:
        header = ["姓名", "部门编码", "执法主体编码", "执法证号", "证件有效期至", "证件状态"]
        good = ["表格导入员", "SJ", "SJ-210100", "辽A-0012388", date(2030, 6, 30), "active"]
        bad = ["错误证号员", "SJ", "SJ-210100", "京A-1", date(2030, 6, 30), "active"]
        async with client(env.url) as http:
            refused = await http.post(
                f"{API}/officers/bulk",
                content=sheet([header, good, bad]),
                headers={**admin(), "Content-Type": XLSX},
            )
            body = problem(refused, 422, "IMPORT_INVALID")
            assert [e["row"] for e in body["errors"]] == [2]
            assert re.search(r"[\u4e00-\u9fff]", body["errors"][0]["message"]), body["errors"]
            result = ok(
                await http.post(
                    f"{API}/officers/bulk",
                    content=sheet([header, good]),
                    headers={**admin(), "Content-Type": XLSX},
                )
            )
        assert result["created"] == 1

    async def test_each_template_downloaded_filled_and_imported(self, env: Env) -> None:
        uscc = make_uscc(4402)
        fills = {
            "items": {
                "事项编码": "SJ-ZZ-021",
                "事项名称": "对模板导入事项的检查",
                "部门编码": "SJ",
                "层级": "district",
                "是否涉企": "是",
                "是否重点领域": "否",
                "是否现场检查": "是",
                "检查依据": "食品安全法:第五十三条",
                "生效日期": "2026-05-01",
            },
            "officers": {
                "姓名": "模板导入员",
                "部门编码": "SJ",
                "执法主体编码": "SJ-210100",
                "执法证号": "辽A-0012387",
                "证件有效期至": "2030-06-30",
                "证件状态": "active",
            },
            "enterprises": {
                "统一社会信用代码": uscc,
                "企业名称": "沈阳模板导入有限公司",
                "区县代码": "210102",
                "成立日期": date(2021, 3, 1),  # a date cell, as Excel stores it
            },
        }
        async with client(env.url) as http:
            for registry, values in fills.items():
                template = await http.get(f"{API}/{registry}/bulk/template.xlsx", headers=admin())
                assert template.status_code == 200 and template.headers["content-type"] == XLSX
                from openpyxl import load_workbook

                rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
                assert len(rows) == 2 and set(values) <= set(rows[0])  # Chinese headers, one example row
                result = ok(
                    await http.post(
                        f"{API}/{registry}/bulk",
                        content=filled(template.content, values),
                        headers={**admin(), "Content-Type": XLSX},
                    )
                )
                assert result["created"] == 1, (registry, result)
            versions = ok(await http.get(f"{API}/items/SJ-ZZ-021", headers=admin()))  # the item's versions
            assert [v["name"] for v in versions] == ["对模板导入事项的检查"]
            got = ok(await http.get(f"{API}/enterprises/{uscc}", headers=admin()))
        assert got["name"] == "沈阳模板导入有限公司"

    async def test_only_a_declared_xlsx_body_may_carry_nul_bytes(self, env: Env) -> None:
        """The edge refuses NUL in a bulk body; an xlsx (a zip) is exempt only when declared as xlsx."""
        book = sheet([["姓名"], ["某人"]])
        assert b"\x00" in book
        async with client(env.url) as http:
            as_csv = await http.post(
                f"{API}/officers/bulk", content=book, headers={**admin(), "Content-Type": "text/csv"}
            )
            nul_csv = await http.post(
                f"{API}/officers/bulk",
                content="姓名\n某\x00人\n".encode(),
                headers={**admin(), "Content-Type": "text/csv"},
            )
        problem(as_csv, 422, "NUL_CHARACTER")
        problem(nul_csv, 422, "NUL_CHARACTER")
