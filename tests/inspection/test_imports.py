"""Imports of the registries (CSV and JSON), all or nothing: a bad row rejects the whole import with its
row and reason, and a repeated import changes nothing."""

from __future__ import annotations

import uuid

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
            assert (await http.get(f"{API}/enterprises/{good}", headers=admin())).status_code == 404
