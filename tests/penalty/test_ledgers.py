"""台账 exports (issue #15 item 4): the cases ledger as xlsx with Chinese headers, only the caller's cases."""

from __future__ import annotations

import io
import urllib.parse

from openpyxl import load_workbook

from services.common import ledger
from tests.penalty.helpers import CG_A, SJ_A, SUGGESTED_FEN, USCC_A, to_decided
from tests.support.personas import enterprise, officer
from tests.support.stack import Running, client

URL = "/api/v1/penalty/ledgers/cases.xlsx"


async def test_the_cases_ledger_opens_with_chinese_headers_and_the_callers_cases(penalty: Running) -> None:
    async with client(penalty.url) as http:
        decided = await to_decided(http)
        mine = await http.get(URL, headers=officer(**SJ_A))
        theirs = await http.get(URL, headers=enterprise(USCC_A))
        other_department = await http.get(URL, headers=officer(**CG_A))
    assert mine.status_code == 200 and mine.headers["content-type"] == ledger.XLSX
    assert "行政处罚案件台账" in urllib.parse.unquote(mine.headers["content-disposition"])
    sheet = load_workbook(io.BytesIO(mine.content)).active
    assert sheet is not None and sheet.title == "案件台账"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("立案编号", "立案时间", "部门代码") and rows[0][-1] == "罚款金额（元）"
    [row] = [r for r in rows[1:] if r[0] == decided["case_no"]]
    by_header = dict(zip(rows[0], row, strict=True))
    assert by_header["处罚决定书文号"] == decided["decision"]["number"]
    assert by_header["当事人"] == "沈阳东陵客运有限公司" and by_header["部门代码"] == "SJ"
    # 27,500 元 written as yuan (fen / 100), a number the spreadsheet can sum
    assert float(by_header["罚款金额（元）"]) == SUGGESTED_FEN / 100 == 27_500
    enterprise_rows = list(load_workbook(io.BytesIO(theirs.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert decided["case_no"] in {r[0] for r in enterprise_rows[1:]}
    other_rows = list(load_workbook(io.BytesIO(other_department.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert decided["case_no"] not in {r[0] for r in other_rows[1:]}  # another department's case is not listed
