"""A decision that restricts for a term (限制从业 5 years, 化妆品监督管理条例 第六十五条) through the penalty API: the
term is validated, printed on the 决定书, shown in the case read model, and sent on penalty.decision.issued
and penalty.decision.changed (restriction_months), where credit repair reads it (tests/e2e/test_restriction_publication.py)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from services.common.db import transaction
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases.catalogue import install_catalogue
from tests.penalty.helpers import (
    RESTRICTION_CODE,
    SJ_A,
    SJ_B,
    SJ_C,
    SUGGESTED_FEN,
    TODAY,
    catalogue_with_restriction,
)
from tests.penalty.test_disclosure import deliver
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import admin, officer
from tests.support.stack import Running, Stack, client, running_service

CASES = "/api/v1/penalty/cases"
PERSON_ID = "21010519840819157X"
BAN_5_YEARS = {"kinds": ["fine", "restrict_employment"], "fine_fen": SUGGESTED_FEN, "restriction_months": 60}


@pytest.fixture(scope="module")
async def penalty(stack: Stack) -> AsyncIterator[Running]:
    url = await stack.anew_database("penalty")
    async with running_service(
        "penalty", database_url=url, nats_url="nats://127.0.0.1:1", deadline_scan_enabled=False
    ) as running:
        async with transaction(running.runtime.factory) as session:
            catalogue = cat.parse_json(catalogue_with_restriction())
            await install_catalogue(session, catalogue=catalogue, actor="test")
        yield running


async def to_notified_ban(http: httpx.AsyncClient, proposed: dict[str, Any] = BAN_5_YEARS) -> str:
    """A person responsible under 第六十五条, assessed (ordinary tier, suggested 27,500 元) and told of a fine and
    a 5-year 限制从业; 限制从业 gives the right to a hearing (行政处罚法 第六十三条第一款第四项), waived below, and
    the case needs legal review (第五十八条) and the heads' collective discussion (第五十七条第二款), which both
    conclude ``proposed``."""
    body = {
        "party": {
            "kind": "individual",
            "name": "王某某",
            "id_number": PERSON_ID,
            "address": "沈阳市和平区某街3号",
        },
        "benchmark_code": RESTRICTION_CODE,
        "procedure": "general",
        "facts_brief": "当事人作为直接责任人员在化妆品备案时提供虚假资料。",
        "officers": [SJ_B["cert_no"]],
        "approved_by": "分管副局长",
    }
    who = officer(**SJ_A)
    cid = ok(await http.post(CASES, json=body, headers=who), 201)["id"]
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=who))
    facts = {"violation_date": (TODAY - timedelta(days=20)).isoformat()}
    ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=who))
    notice = {"facts": ["当事人在化妆品备案时提供虚假资料，情节严重。"], "proposed": proposed}
    ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=who))
    ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True, "hearing": True}, headers=who))
    review = {"passed": True, "opinion": "事实清楚，程序合法，裁量适当。", "proposal": proposed}
    ok(await http.post(f"{CASES}/{cid}/legal-review", json=review, headers=officer(**SJ_C)))
    discussion = {
        "participants": ["局长", "分管副局长", "法制科长"],
        "minutes_ref": "集体讨论记录2026-11",
        "conclusion": proposed,
    }
    ok(await http.post(f"{CASES}/{cid}/collective-discussion", json=discussion, headers=who))
    return str(cid)


async def decide(http: httpx.AsyncClient, cid: str, penalty: dict[str, Any]) -> httpx.Response:
    return await http.post(f"{CASES}/{cid}/decision", json={"penalty": penalty}, headers=officer(**SJ_A))


class TestDecision:
    async def test_the_term_is_recorded_printed_and_published(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified_ban(http)
            case = ok(await decide(http, cid, BAN_5_YEARS))
            assert case["decision"]["restriction_months"] == 60
            assert [k["kind"] for k in case["decision"]["kinds"]] == ["fine", "restrict_employment"]
            [doc] = [d for d in case["documents"] if d["kind"] == "penalty_decision"]
            html = await http.get(doc["html_url"], headers=officer(**SJ_A))
            assert html.status_code == 200 and "限制从业，期限5年" in html.text
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=cid)
        assert event["data"]["kinds"] == ["罚款", "限制从业"]
        assert event["data"]["restriction_months"] == 60

    async def test_a_fine_alone_sends_no_term(self, penalty: Running) -> None:
        fine = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}
        async with client(penalty.url) as http:
            cid = await to_notified_ban(http, fine)
            assert ok(await decide(http, cid, fine))["decision"]["restriction_months"] is None
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=cid)
        assert event["data"]["restriction_months"] is None

    async def test_a_term_without_a_restriction_is_refused(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified_ban(http)
            fine_with_term = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN, "restriction_months": 60}
            body = problem(await decide(http, cid, fine_with_term), 400, "PROCEDURE_INVALID_PENALTY")
            assert "却载有限制期限" in body["detail"]
            for months in (0, 1201, "60"):
                r = await decide(http, cid, {**BAN_5_YEARS, "restriction_months": months})
                problem(r, 422, "VALIDATION_FAILED")

    async def test_a_change_sends_the_changed_term(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified_ban(http)
            await deliver(penalty, http, ok(await decide(http, cid, BAN_5_YEARS)))
            change = {
                "source": "reconsideration",
                "reason": "行政复议机关决定变更限制期限",
                "source_document": "沈政复决字〔2026〕12号",
                "penalty": {**BAN_5_YEARS, "restriction_months": 36},
            }
            case = ok(await http.post(f"{CASES}/{cid}/change", json=change, headers=officer(**SJ_A)))
            assert case["decision"]["restriction_months"] == 36
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.changed", case_id=cid)
        assert (event["data"]["kinds"], event["data"]["restriction_months"]) == (["罚款", "限制从业"], 36)


IMPORT = "/api/v1/penalty/imports/cases"
XLSX = "/api/v1/penalty/imports/cases.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(cells: dict[str, Any]) -> bytes:
    """A filled-in import sheet of one row: the template's column headers ``cells`` names, in its order."""
    book = openpyxl.Workbook()
    rows = book.active
    rows.title = "案件"
    rows.append(list(cells))
    rows.append(list(cells.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ban_of_2024(case_no: str) -> dict[str, Any]:
    """A 5-year 限制从业 with a 27,500-元 fine of 2024 as a former system's row: the notice (served Friday
    2024-09-27) offers a hearing (第六十三条第一款第四项), both rights waived that day, legal review and the
    heads' collective discussion before the decision of 2024-10-11, delivered 2024-10-14."""
    return {
        "原案件编号": case_no,
        "部门代码": "SJ",
        "区县代码": "210102",
        "当事人类型": "公民",
        "当事人名称": "王某某",
        "居民身份证号码": PERSON_ID,
        "当事人地址": "沈阳市和平区某街3号",
        "裁量基准编码": RESTRICTION_CODE,
        "简要案情": "当事人作为直接责任人员在化妆品备案时提供虚假资料。",
        "执法证号": "辽A-6000001、辽A-6000002",
        "立案审批人": "分管副局长",
        "立案日期": date(2024, 9, 2),
        "违法行为发生日期": date(2024, 8, 20),
        "告知书文号": f"{case_no}-告",
        "告知日期": date(2024, 9, 27),
        "告知听证权利": "是",
        "放弃权利日期": date(2024, 9, 27),
        "放弃陈述申辩": "是",
        "放弃听证": "是",
        "法制审核日期": date(2024, 10, 8),
        "法制审核人": "法制科长",
        "法制审核意见": "事实清楚，程序合法，裁量适当。",
        "集体讨论日期": date(2024, 10, 9),
        "集体讨论参加人": "局长、分管副局长、法制科长",
        "集体讨论记录编号": "集体讨论记录2024-10",
        "决定书文号": f"{case_no}-决",
        "决定日期": date(2024, 10, 11),
        "处罚种类": "罚款、限制从业",
        "罚款金额（元）": 27500,
        "限制期限（月）": 60,
        "送达日期": date(2024, 10, 14),
        "送达方式": "直接送达",
        "受送达人": "王某某",
    }


class TestSpreadsheetImport:
    async def test_the_term_column_is_imported(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(
                XLSX,
                content=sheet(ban_of_2024("沈市监案〔2024〕限制1号")),
                headers={**admin(), "content-type": XLSX_TYPE},
            )
            [row] = ok(r)["rows"]
            assert (row["row"], row["status"]) == (2, "accepted"), row
            case = ok(await http.get(f"{CASES}/{row['case_id']}", headers=admin()))
        assert case["decision"]["restriction_months"] == 60  # 限制期限（月） 60
        assert [k["kind"] for k in case["decision"]["kinds"]] == ["fine", "restrict_employment"]
        [event] = await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=row["case_id"])
        assert event["data"]["restriction_months"] == 60

    async def test_a_term_on_a_fine_only_row_is_refused_as_in_the_json_import(self, penalty: Running) -> None:
        cells = {**ban_of_2024("沈市监案〔2024〕限制2号"), "处罚种类": "罚款"}
        json_row: dict[str, Any] = {
            "source_case_no": "沈市监案〔2024〕限制3号",
            "dept_code": "SJ",
            "district_code": "210102",
            "party": {
                "kind": "individual",
                "name": "王某某",
                "id_number": PERSON_ID,
                "address": "沈阳市和平区某街3号",
            },
            "benchmark_code": RESTRICTION_CODE,
            "facts_brief": "当事人作为直接责任人员在化妆品备案时提供虚假资料。",
            "officers": ["辽A-6000001", "辽A-6000002"],
            "approved_by": "分管副局长",
            "filed_on": "2024-09-02",
            "facts": {"violation_date": "2024-08-20"},
            "notice": {"document_number": "沈市监案〔2024〕限制3号-告", "served_on": "2024-09-27"},
            "decision": {
                "document_number": "沈市监案〔2024〕限制3号-决",
                "decided_on": "2024-10-11",
                "penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN, "restriction_months": 60},
            },
        }
        async with client(penalty.url) as http:
            r = await http.post(XLSX, content=sheet(cells), headers={**admin(), "content-type": XLSX_TYPE})
            [from_sheet] = ok(r)["rows"]
            [from_json] = ok(await http.post(IMPORT, json={"cases": [json_row]}, headers=admin()))["rows"]
            over = await http.post(
                XLSX,
                content=sheet({**ban_of_2024("沈市监案〔2024〕限制4号"), "限制期限（月）": 1201}),
                headers={**admin(), "content-type": XLSX_TYPE},
            )
        assert "却载有限制期限" in from_json["message"], from_json
        assert (from_sheet["status"], from_sheet["code"], from_sheet["message"]) == (
            from_json["status"],
            from_json["code"],
            from_json["message"],
        )
        [too_long] = ok(over)["rows"]
        assert too_long["code"] == "IMPORT_ROW_INVALID" and "限制期限（月）" in too_long["message"], too_long
