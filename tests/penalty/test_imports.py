"""The case import (POST /imports/cases, /imports/cases.xlsx): cases of a former case system with their real
dates, held to the live procedure, deadlines on the calendar of their own year, idempotent, per-row report.

The worked calendar (国务院办公厅关于2024年部分节假日安排的通知, 国办发明电〔2023〕7号): 国庆节 10月1日至7日放假,
9月29日（星期日）、10月12日（星期六）上班. Every expected date below is counted by hand from that arrangement.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl
import sqlalchemy as sa

from services.common.db import transaction
from services.penalty.models import DecidedCase, ImportedCase, PenaltyCase
from tests.penalty.helpers import SJ_A, USCC_A, YUAN, to_assessed
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import admin, enterprise, integration, officer, supervisor
from tests.support.stack import Running, client

IMPORT = "/api/v1/penalty/imports/cases"
XLSX = "/api/v1/penalty/imports/cases.xlsx"
TEMPLATE = "/api/v1/penalty/imports/cases/template.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# SY-SJ-0004 (食品安全法 第一百二十五条第一款), goods value 3,000 元 < 10,000 元: the fixed range 5,000–50,000 元;
# 一般 tier = 30–70 % of it = [18,500.00, 36,499.99] 元 (tests/penalty/helpers.py). 27,500 元 is inside it.
FINE_FEN = 27_500 * YUAN


def decided_2024(no: str, **changes: Any) -> dict[str, Any]:
    """A general-procedure case decided in 2024, notice served on Friday 2024-09-27 (before 国庆)."""
    row: dict[str, Any] = {
        "source_case_no": no,
        "dept_code": "SJ",
        "district_code": "210102",
        "party": {
            "kind": "organisation",
            "name": "沈阳东陵客运有限公司",
            "uscc": USCC_A,
            "address": "沈阳市铁西区沈辽路288号",
            "legal_representative": "于某某",
        },
        "benchmark_code": "SY-SJ-0004",
        "facts_brief": "当事人销售无标签的预包装食品。",
        "officers": ["辽A-6000001", "辽A-6000002"],
        "approved_by": "分管副局长",
        "filed_on": "2024-09-02",
        "facts": {"violation_date": "2024-08-20", "base_amounts": {"goods_value": 3_000 * YUAN}},
        "notice": {"document_number": f"{no}-告", "served_on": "2024-09-27"},
        "decision": {
            "document_number": f"{no}-决",
            "decided_on": "2024-10-11",
            "penalty": {"kinds": ["fine"], "fine_fen": FINE_FEN},
        },
        "delivery": {"delivered_on": "2024-10-14", "method": "direct", "recipient": "沈阳东陵客运有限公司"},
    }
    row.update(changes)
    return row


def no() -> str:
    return f"沈市监案〔2024〕{uuid.uuid4().hex[:8]}号"


async def case_rows(penalty: Running, case_no: str) -> int:
    async with transaction(penalty.runtime.factory) as session:
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(PenaltyCase).where(PenaltyCase.case_no == case_no)
        )
    return int(count or 0)


class TestDecidedIn2024:
    async def test_a_decided_case_keeps_its_dates_and_its_deadlines_follow_the_2024_calendar(
        self, penalty: Running
    ) -> None:
        number = no()
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [decided_2024(number)]}, headers=admin()))
            assert report["summary"] == {"rows": 1, "accepted": 1, "created": 1, "unchanged": 0, "refused": 0}
            row = report["rows"][0]
            assert row["status"] == "accepted" and row["row"] == 1 and row["decided_on"] == "2024-10-11"
            case = ok(await http.get(f"/api/v1/penalty/cases/{row['case_id']}", headers=admin()))
            steps = ok(await http.get(f"/api/v1/penalty/cases/{row['case_id']}/steps", headers=admin()))
        assert case["case_no"] == number and case["state"] == "delivered"
        assert case["filed_on"] == "2024-09-02"
        # 第六十条: 90 calendar days after 2024-09-02 → 2024-12-01
        assert case["decision_limit"] == "2024-12-01"
        decision = case["decision"]
        assert decision["decided_on"] == "2024-10-11" and decision["number"] == f"{number}-决"
        # 第六十一条 + 第八十五条: 7 working days after Fri 2024-10-11: Sat 10-12 (调休上班) 1, Mon 10-14 2,
        # 10-15 3, 10-16 4, 10-17 5, Fri 10-18 6, (weekend) Mon 10-21 7 → 2024-10-21; publication (seed 003) too
        assert decision["delivery_due"] == "2024-10-21"
        assert decision["publish_by"] == "2024-10-21"
        # 第六十七条第三款: 15 calendar days after delivery on 2024-10-14 → Tue 2024-10-29, a working day
        assert decision["delivered_on"] == "2024-10-14" and decision["payment_due"] == "2024-10-29"
        notice_events = [e for s in steps if s["action"] == "notice" for e in s["events"]]
        # 5 working days after Fri 2024-09-27: Sun 9-29 (调休上班) 1, Mon 9-30 2, (国庆 10-1..10-7),
        # Tue 10-8 3, 10-9 4, Thu 10-10 5 → 2024-10-10 (a calendar without the holiday would say 10-04)
        assert notice_events[0]["statement_deadline"] == "2024-10-10"
        assert [(s["action"], s["at"][:10]) for s in steps] == [
            ("filed", "2024-09-02"),
            ("investigation", "2024-09-02"),
            ("assessment", "2024-09-02"),
            ("notice", "2024-09-27"),
            ("decision", "2024-10-11"),
            ("delivery", "2024-10-14"),
        ]

    async def test_an_imported_decision_is_not_published_here_with_a_backdated_date(
        self, penalty: Running
    ) -> None:
        """行政执法公示 of a decision made in the former system was that system's to make: the import writes no
        publication step (none dated 2024) and the sweep leaves the case alone, so it is neither published
        under a date it was not published on nor counted late against the department here."""
        from services.penalty.use_cases import disclosure

        number = no()
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [decided_2024(number)]}, headers=admin()))
            case_id = report["rows"][0]["case_id"]
            await disclosure.sweep(penalty.runtime.factory, decided_since=None)
            assert ok(await http.get(f"/api/v1/penalty/cases/{case_id}/disclosure", headers=admin())) == []
            steps = ok(await http.get(f"/api/v1/penalty/cases/{case_id}/steps", headers=admin()))
            assert "publication" not in [step["action"] for step in steps]

    async def test_the_decision_event_carries_the_real_decision_date(self, penalty: Running) -> None:
        number = no()
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [decided_2024(number)]}, headers=admin()))
        case_id = report["rows"][0]["case_id"]
        issued = await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=case_id)
        assert len(issued) == 1
        data = issued[0]["data"]
        # credit_repair counts publication and repair periods from decided_on (publication_window); the
        # decision's effective date is its own date (use_cases/publishing.decision_issued)
        assert data["decided_on"] == "2024-10-11" and data["effective_on"] == "2024-10-11"
        assert data["decision_no"] == f"{number}-决" and data["fine_fen"] == FINE_FEN
        opened = await envelopes(penalty.runtime.factory, "penalty.case.opened", case_id=case_id)
        assert opened[0]["data"]["opened_at"].startswith("2024-09-02T12:00:00")
        async with transaction(penalty.runtime.factory) as session:
            decided = await session.scalar(
                sa.select(DecidedCase).where(DecidedCase.case_id == uuid.UUID(case_id))
            )
            where = DecidedCase.case_id == uuid.UUID(case_id)
            part = await session.scalar(
                sa.select(sa.text("tableoid::regclass::text")).select_from(DecidedCase).where(where)
            )
        assert decided is not None and decided.decided_on.isoformat() == "2024-10-11"
        # a past year the kernel job does not keep: its partition was created on the write path (penalty_0014)
        assert decided.first_decided_on.isoformat() == "2024-10-11" and part == "decided_case_2024"
        assert decided.fine_fen == FINE_FEN and decided.tier == "一般"


class TestRefusedLikeLive:
    async def test_a_decision_before_its_notice_is_refused_with_the_live_code(self, penalty: Running) -> None:
        number = no()
        early = decided_2024(number)
        early["decision"] = {**early["decision"], "decided_on": "2024-09-20"}  # notice: 2024-09-27
        early.pop("delivery")
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [early]}, headers=admin()))
            live_case = await to_assessed(http)
            live = await http.post(
                f"/api/v1/penalty/cases/{live_case}/decision",
                json={"penalty": {"kinds": ["fine"], "fine_fen": FINE_FEN}},
                headers=officer(**SJ_A),
            )
        live_problem = problem(live, 409, "PROCEDURE_DECISION_BEFORE_NOTICE")
        row = report["rows"][0]
        assert report["summary"]["refused"] == 1
        assert row["status"] == "refused" and row["code"] == live_problem["code"]
        assert row["step"] == "决定" and row["step_on"] == "2024-09-20"
        assert "第四十四条" in row["message"]
        assert await case_rows(penalty, number) == 0  # never a half-written case

    async def test_a_decision_inside_the_statement_period_is_refused(self, penalty: Running) -> None:
        # the statement period runs to 2024-10-10 (worked above, across 国庆): a decision that day is early
        number = no()
        early = decided_2024(number)
        early["decision"] = {**early["decision"], "decided_on": "2024-10-10"}
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [early]}, headers=admin()))
        row = report["rows"][0]
        assert row["code"] == "PROCEDURE_STATEMENT_PERIOD_OPEN" and row["step_on"] == "2024-10-10"
        assert "2024-10-10" in row["message"]
        assert await case_rows(penalty, number) == 0

    async def test_each_row_is_reported_with_its_number(self, penalty: Running) -> None:
        good, bad, future = no(), no(), no()
        tomorrow = decided_2024(future, delivery={"delivered_on": "2026-11-17", "recipient": "张三"})
        broken = decided_2024(bad)
        broken.pop("party")
        async with client(penalty.url) as http:
            report = ok(
                await http.post(
                    IMPORT, json={"cases": [decided_2024(good), broken, tomorrow]}, headers=admin()
                )
            )
        first, second, third = report["rows"]
        assert report["summary"] == {"rows": 3, "accepted": 1, "created": 1, "unchanged": 0, "refused": 2}
        assert (first["row"], first["status"]) == (1, "accepted")
        assert (second["row"], second["code"], second["source_case_no"]) == (2, "IMPORT_ROW_INVALID", bad)
        assert "party" in second["message"]
        # the clock reads 2026-11-16: a delivery on 2026-11-17 has not happened
        assert (third["row"], third["code"], third["step"]) == (3, "PROCEDURE_INVALID_DATE", "送达")
        assert await case_rows(penalty, bad) == 0 and await case_rows(penalty, future) == 0


class TestRefusedBeforeWriting:
    async def test_a_decision_number_held_by_another_case_and_another_departments_benchmark(
        self, penalty: Running
    ) -> None:
        first, second, other_dept = no(), no(), no()
        taken = decided_2024(second)
        taken["decision"] = {**taken["decision"], "document_number": f"{first}-决"}  # the first row's number
        async with client(penalty.url) as http:
            report = ok(
                await http.post(
                    IMPORT,
                    json={"cases": [decided_2024(first), taken, decided_2024(other_dept, dept_code="CG")]},
                    headers=admin(),
                )
            )
        ok_row, taken_row, foreign_row = report["rows"]
        assert ok_row["status"] == "accepted"
        assert taken_row["code"] == "IMPORT_NUMBER_TAKEN" and f"{first}-决" in taken_row["message"]
        assert foreign_row["code"] == "BENCHMARK_OTHER_DEPARTMENT"  # SY-SJ-0004 is 市场监管's, not 城管's
        assert await case_rows(penalty, second) == 0 and await case_rows(penalty, other_dept) == 0


class TestIdempotent:
    async def test_the_same_file_twice_gives_the_same_result_and_no_duplicate(self, penalty: Running) -> None:
        rows = [decided_2024(no()), decided_2024(no())]
        async with client(penalty.url) as http:
            first = ok(await http.post(IMPORT, json={"cases": rows}, headers=admin()))
            again = ok(await http.post(IMPORT, json={"cases": rows}, headers=admin()))
            changed = ok(
                await http.post(
                    IMPORT, json={"cases": [{**rows[0], "facts_brief": "另一种说法。"}]}, headers=admin()
                )
            )
        assert [r["case_id"] for r in again["rows"]] == [r["case_id"] for r in first["rows"]]
        assert [r["status"] for r in again["rows"]] == ["accepted", "accepted"]
        assert again["summary"] == {"rows": 2, "accepted": 2, "created": 0, "unchanged": 2, "refused": 0}
        for row in rows:
            assert await case_rows(penalty, row["source_case_no"]) == 1
        case_id = first["rows"][0]["case_id"]
        assert len(await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=case_id)) == 1
        assert changed["rows"][0]["code"] == "IMPORT_CASE_CHANGED"
        async with transaction(penalty.runtime.factory) as session:
            keys = await session.scalar(
                sa.select(sa.func.count())
                .select_from(ImportedCase)
                .where(ImportedCase.source_case_no == rows[0]["source_case_no"])
            )
        assert keys == 1


class TestLimitsAndAccess:
    async def test_too_many_rows_is_413(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(IMPORT, json={"cases": [{}] * 101}, headers=admin())
        body = problem(r, 413, "IMPORT_TOO_LARGE")
        assert "一次最多导入100个案件，本次为101个" in body["detail"]

    async def test_who_may_import(self, penalty: Running) -> None:
        body = {"cases": [decided_2024(no())]}
        async with client(penalty.url) as http:
            for other in (officer(**SJ_A), enterprise(USCC_A), supervisor("city")):
                problem(await http.post(IMPORT, json=body, headers=other), 403, "ROLE_FORBIDDEN")
                problem(await http.get(TEMPLATE, headers=other), 403, "ROLE_FORBIDDEN")
            problem(
                await http.post(IMPORT, json=body, headers=integration("payment")),
                403,
                "CLIENT_SCOPE_FORBIDDEN",
            )
            report = ok(await http.post(IMPORT, json=body, headers=integration("case-migration")))
        assert report["rows"][0]["status"] == "accepted"


class TestSpreadsheet:
    async def test_the_template_as_downloaded_imports_its_2024_example(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            template = await http.get(TEMPLATE, headers=admin())
            assert template.status_code == 200 and template.headers["content-type"] == XLSX_TYPE
            book = openpyxl.load_workbook(io.BytesIO(template.content))
            sheet = book["案件"]
            headers = [c.value for c in sheet[1]]
            assert headers[:3] == ["原案件编号", "部门代码", "区县代码"] and "决定日期" in headers
            sheet.cell(row=2, column=1, value="沈市监案〔2024〕模板")  # the case number of this test
            out = io.BytesIO()
            book.save(out)
            report = ok(
                await http.post(XLSX, content=out.getvalue(), headers={**admin(), "content-type": XLSX_TYPE})
            )
            row = report["rows"][0]
            assert (row["row"], row["status"], row["decided_on"]) == (2, "accepted", "2024-10-11")
            case = ok(await http.get(f"/api/v1/penalty/cases/{row['case_id']}", headers=admin()))
        # the example is the 2024 case worked above: delivery due 2024-10-21, payment due 2024-10-29
        assert case["decision"]["delivery_due"] == "2024-10-21"
        assert case["decision"]["payment_due"] == "2024-10-29"
        assert case["decision"]["fine_fen"] == 27_500 * YUAN  # 罚款金额（元） 27500 → fen

    async def test_a_bad_cell_is_refused_in_its_row_with_the_column_name(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            template = await http.get(TEMPLATE, headers=admin())
            book = openpyxl.load_workbook(io.BytesIO(template.content))
            sheet = book["案件"]
            headers = [c.value for c in sheet[1]]
            sheet.cell(row=2, column=1, value="沈市监案〔2024〕坏金额")
            sheet.cell(row=2, column=headers.index("罚款金额（元）") + 1, value="两万七千五百")
            out = io.BytesIO()
            book.save(out)
            report = ok(
                await http.post(XLSX, content=out.getvalue(), headers={**admin(), "content-type": XLSX_TYPE})
            )
        row = report["rows"][0]
        assert (row["row"], row["code"]) == (2, "IMPORT_ROW_INVALID")
        assert "罚款金额（元）（decision.penalty.fine_fen）：应为整数" in row["message"], row["message"]

    async def test_a_file_that_is_not_xlsx_is_422_in_chinese(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            broken = await http.post(
                XLSX,
                content=b"PK\x03\x04 not really a workbook",
                headers={**admin(), "content-type": XLSX_TYPE},
            )
            csv = await http.post(XLSX, content="原案件编号,部门代码\n".encode(), headers=admin())
        body = problem(broken, 422, "IMPORT_FILE_INVALID")
        assert ".xlsx" in body["detail"] and "无法读取" in body["detail"]
        problem(csv, 422, "IMPORT_FILE_INVALID")

    async def test_a_sheet_of_more_than_100_cases_is_413(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            template = await http.get(TEMPLATE, headers=admin())
            book = openpyxl.load_workbook(io.BytesIO(template.content))
            sheet = book["案件"]
            for n in range(100):  # the example row + 100 more = 101 cases
                sheet.append([f"X-{n}"])
            sheet.append([])  # blank rows are not cases
            out = io.BytesIO()
            book.save(out)
            r = await http.post(XLSX, content=out.getvalue(), headers={**admin(), "content-type": XLSX_TYPE})
        assert "一次最多导入100个案件" in problem(r, 413, "IMPORT_TOO_LARGE")["detail"]

    async def test_a_sheet_without_the_template_header_is_422_naming_the_columns(
        self, penalty: Running
    ) -> None:
        book = openpyxl.Workbook()
        book.active.append(["案件编号", "当事人"])
        book.active.append(["X-1", "某公司"])
        out = io.BytesIO()
        book.save(out)
        async with client(penalty.url) as http:
            r = await http.post(XLSX, content=out.getvalue(), headers={**admin(), "content-type": XLSX_TYPE})
        body = problem(r, 422, "IMPORT_FILE_INVALID")
        assert "缺少必填列「原案件编号」" in body["detail"] and "无法识别的列「案件编号」" in body["detail"]


class TestStepsAfterTheDecision:
    async def test_a_late_payment_is_executed_and_reported_on_its_real_dates(self, penalty: Running) -> None:
        number = no()
        # due 2024-10-29 (worked above); paid Mon 2024-11-04: 6 days late (10-30 … 11-04), and the lawful
        # surcharge is 27,500 元 × 3 % × 6 = 4,950 元 (第七十二条第一款第一项), which the bank collected
        paid = {"paid_on": "2024-11-04", "fine_fen": FINE_FEN, "surcharge_fen": 4_950 * YUAN}
        async with client(penalty.url) as http:
            report = ok(
                await http.post(
                    IMPORT, json={"cases": [decided_2024(number, payments=[paid])]}, headers=admin()
                )
            )
            case_id = report["rows"][0]["case_id"]
            case = ok(await http.get(f"/api/v1/penalty/cases/{case_id}", headers=admin()))
        assert case["state"] == "executed" and case["decision"]["fine_outstanding_fen"] == 0
        fine_paid = await envelopes(penalty.runtime.factory, "penalty.fine.paid", case_id=case_id)
        assert [(e["data"]["paid_on"], e["data"]["fully_performed"]) for e in fine_paid] == [
            ("2024-11-04", True)
        ]
        missed = await envelopes(penalty.runtime.factory, "penalty.deadline.missed", case_id=case_id)
        assert [(e["data"]["deadline"], e["data"]["due_on"], e["data"]["detected_on"]) for e in missed] == [
            ("payment", "2024-10-29", "2024-11-04")
        ]


class TestInFlight:
    async def test_a_case_in_flight_is_imported_where_it_stands_and_goes_on_live(
        self, penalty: Running
    ) -> None:
        number = no()
        row = decided_2024(
            number,
            filed_on="2026-10-20",
            facts={"violation_date": "2026-10-08", "base_amounts": {"goods_value": 3_000 * YUAN}},
            notice={
                "document_number": f"{number}-告",
                "served_on": "2026-11-10",
                "proposed": {"kinds": ["fine"], "fine_fen": FINE_FEN},
            },
            officers=[SJ_A["cert_no"], "辽A-7000002"],
        )
        row.pop("decision")
        row.pop("delivery")
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [row]}, headers=admin()))
            case_id = report["rows"][0]["case_id"]
            case = ok(await http.get(f"/api/v1/penalty/cases/{case_id}", headers=admin()))
            # 第六十条: 2026-10-20 + 90 days = 2027-01-18 (11 days to 10-31, 30 in November, 31 in December, 18)
            assert (case["state"], case["decision"], case["decision_limit"]) == (
                "notified",
                None,
                "2027-01-18",
            )
            # the clock reads Mon 2026-11-16; the statement period (5 working days after Tue 11-10: 11, 12, 13,
            # 16, 17) runs to 2026-11-17: a live decision today is refused, after the party's waiver it is not
            fine = {"penalty": {"kinds": ["fine"], "fine_fen": FINE_FEN}}
            early = await http.post(
                f"/api/v1/penalty/cases/{case_id}/decision", json=fine, headers=officer(**SJ_A)
            )
            problem(early, 409, "PROCEDURE_STATEMENT_PERIOD_OPEN")
            ok(
                await http.post(
                    f"/api/v1/penalty/cases/{case_id}/waiver",
                    json={"statement": True},
                    headers=officer(**SJ_A),
                )
            )
            decided = ok(
                await http.post(
                    f"/api/v1/penalty/cases/{case_id}/decision", json=fine, headers=officer(**SJ_A)
                )
            )
        assert decided["state"] == "decided" and decided["decision"]["decided_on"] == "2026-11-16"
        assert await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=case_id)


def on_the_spot_2025(number: str, officers: list[str]) -> dict[str, Any]:
    """SY-CG-0006 (a person 张贴 without approval): 警告 only, which the simple procedure allows (第五十一条)."""
    return {
        "source_case_no": number,
        "dept_code": "CG",
        "district_code": "210103",
        "party": {
            "kind": "individual",
            "name": "王某某",
            "id_number": "21010519840819157X",
            "address": "沈阳市沈河区中街1号",
        },
        "benchmark_code": "SY-CG-0006",
        "procedure": "simple",
        "facts_brief": "当事人在城市建筑物上擅自张贴小广告。",
        "officers": officers,
        "approved_by": "中队长",
        "filed_on": "2025-03-03",
        "facts": {"violation_date": "2025-03-03", "harm": "minor"},
        "decision": {
            "document_number": f"{number}-简",
            "decided_on": "2025-03-03",
            "penalty": {"kinds": ["warning"]},
        },
        "delivery": {"delivered_on": "2025-03-03", "method": "on_the_spot", "recipient": "王某某"},
        "execution": {"executed_on": "2025-03-03", "note": "当场予以警告"},
    }


class TestSimpleProcedure:
    async def test_an_on_the_spot_warning_of_2025(self, penalty: Running) -> None:
        number, lone = no(), no()
        async with client(penalty.url) as http:
            report = ok(
                await http.post(
                    IMPORT,
                    json={
                        "cases": [
                            on_the_spot_2025(number, ["辽A-6100001", "辽A-6100002"]),
                            on_the_spot_2025(lone, ["辽A-6100001"]),
                        ]
                    },
                    headers=admin(),
                )
            )
            done, refused = report["rows"]
            assert done["status"] == "accepted", (done["code"], done["message"], done["step"])
            case = ok(await http.get(f"/api/v1/penalty/cases/{done['case_id']}", headers=admin()))
        assert (case["procedure"], case["state"]) == ("simple", "executed")
        # 第五十二条第一款: handed over on the spot, so due the same day; no publication deadline (seed 003
        # sets one for general-procedure decisions only)
        assert (case["decision"]["delivery_due"], case["decision"]["publish_by"]) == ("2025-03-03", None)
        issued = await envelopes(penalty.runtime.factory, "penalty.decision.issued", case_id=done["case_id"])
        assert [(e["data"]["procedure"], e["data"]["decided_on"], e["data"]["kinds"]) for e in issued] == [
            ("simple", "2025-03-03", ["警告"])
        ]
        # 第四十二条第一款: two officers, on the spot as anywhere
        assert (refused["code"], refused["step"]) == ("PROCEDURE_SIMPLE_NOT_ALLOWED", "决定")
        assert "不得少于两人" in refused["message"]
