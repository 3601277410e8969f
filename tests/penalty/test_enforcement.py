"""After the decision, through the API, worked by hand: instalments (行政处罚法 第六十六条第二款, 第七十二条第一款
第一项), the enforcement dates (行政复议法 第二十条, 行政诉讼法 第四十六条, 行政强制法 第五十三条, 第五十四条), the
催告书 and the application to the court with their documents, and the missed-window alert."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from services.penalty.use_cases.enforcement import scan_windows
from tests.penalty.helpers import SJ_A, SUGGESTED_FEN, USCC_A, YUAN, facts, open_case, pin_clock
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import admin, enterprise, officer
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
OFFICER = officer(**SJ_A)


async def decided_case(http: httpx.AsyncClient, day: date) -> dict[str, Any]:
    """tests.penalty.helpers.to_decided on ``day``: the violation 20 days before it."""
    cid = (await open_case(http))["id"]
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=OFFICER))
    assessment = facts(violation_date=(day - timedelta(days=20)).isoformat())
    ok(await http.post(f"{CASES}/{cid}/assessment", json=assessment, headers=OFFICER))
    notice = {
        "facts": ["当事人销售无标签的预包装食品30袋。"],
        "proposed": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN},
    }
    ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=OFFICER))
    ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=OFFICER))
    decision = {"penalty": {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}}
    return ok(await http.post(f"{CASES}/{cid}/decision", json=decision, headers=OFFICER))  # type: ignore[no-any-return]


async def delivered_on(penalty: Running, day: date) -> str:
    """A fine of 27,500.00 yuan decided and delivered on ``day``."""
    pin_clock(day)
    async with client(penalty.url) as http:
        decided = await decided_case(http, day)
        cid = str(decided["id"])
        await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
        body = {"method": "direct", "recipient": "当事人法定代表人"}
        ok(await http.post(f"{CASES}/{cid}/delivery", json=body, headers=OFFICER))
    return cid


async def get(penalty: Running, path: str, headers: dict[str, str] = OFFICER, **params: str) -> Any:
    async with client(penalty.url) as http:
        return ok(await http.get(path, params=params, headers=headers))


async def post(penalty: Running, path: str, body: dict[str, Any], headers: dict[str, str] = OFFICER) -> Any:
    async with client(penalty.url) as http:
        return await http.post(path, json=body, headers=headers)


def dates(view: dict[str, Any]) -> dict[str, str | None]:
    return {x["key"]: x["on"] for x in view["dates"]}


class TestInstalments:
    async def test_only_the_late_instalment_accrues(self, penalty: Running) -> None:
        # decided and delivered Mon 2026-11-16: the last day to pay is 12-01 (15 days, 第六十七条第三款)
        cid = await delivered_on(penalty, date(2026, 11, 16))
        assert SUGGESTED_FEN == 27_500 * YUAN
        pin_clock(date(2026, 11, 20))
        application = {
            "kind": "instalments",
            "reasons": "受市场影响资金周转困难",
            "evidence": ["2026年10月银行流水"],
        }
        r = await post(penalty, f"{CASES}/{cid}/payment-plan/application", application, enterprise(USCC_A))
        assert ok(r, 201)["current"]["status"] == "applied"
        # 10,000.00 + 10,000.00 + 7,500.00 = 27,500.00, the whole fine
        decision = {
            "approved": True,
            "approved_by": "王局长",
            "reasons": "当事人确有经济困难",
            "instalments": [
                {"due_on": "2026-12-01", "amount_fen": 10_000 * YUAN},
                {"due_on": "2027-01-04", "amount_fen": 10_000 * YUAN},
                {"due_on": "2027-02-01", "amount_fen": 7_500 * YUAN},
            ],
        }
        plan = ok(await post(penalty, f"{CASES}/{cid}/payment-plan/decision", decision))
        assert plan["current"]["status"] == "approved" and plan["current"]["document_number"].startswith(
            "沈市监缓缴"
        )
        assert plan["documents"][0]["title"] == "分期缴纳罚款决定书"
        async with client(penalty.url) as http:
            pdf = await http.get(plan["documents"][0]["pdf_url"], headers=enterprise(USCC_A))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # the case's last day to pay is now the last instalment's
        case = await get(penalty, f"{CASES}/{cid}")
        assert case["decision"]["payment_due"] == "2027-02-01"

        pin_clock(date(2026, 12, 1))
        # a further application (pending) does not suspend the plan in force: instalments are still reported on it
        again = {"kind": "deferral", "reasons": "第二期资金仍有缺口", "evidence": ["2026年11月银行流水"]}
        r = await post(penalty, f"{CASES}/{cid}/payment-plan/application", again, enterprise(USCC_A))
        assert ok(r, 201)["current"]["status"] == "applied"
        pay = {"instalment": 1, "receipt_ref": "R-1"}
        ok(await post(penalty, f"{CASES}/{cid}/payment-plan/payments", pay))
        # the case's surcharge (GET /surcharge) follows the plan: on 01-06, #2 (due 01-04) is 2 days late:
        # 01-05, 01-06 = 2 × 3% × 10,000.00 = 600.00; #3 is not due; the case's payment_due (02-01) alone would say 0
        r = await get(penalty, f"{CASES}/{cid}/surcharge", on="2027-01-06")
        assert (r["amount_fen"], r["days_counted"], r["base_fen"]) == (600 * YUAN, 2, 17_500 * YUAN)
        assert "第2期" in r["explanation"]
        pin_clock(date(2027, 1, 8))
        # #2 due 01-04, paid 01-08: 01-05 … 01-08 = 4 days × 3% × 10,000.00 = 4 × 300.00 = 1,200.00
        pay = {"instalment": 2, "surcharge_fen": 1_200 * YUAN, "receipt_ref": "R-2"}
        ok(await post(penalty, f"{CASES}/{cid}/payment-plan/payments", pay))
        # on 01-20: #1 on time 0; #2 1,200.00; #3 not yet due (02-01) 0
        view = await get(penalty, f"{CASES}/{cid}/payment-plan", enterprise(USCC_A), on="2027-01-20")
        got = [(i["seq"], i["days_late"], i["surcharge_fen"]) for i in view["history"][0]["instalments"]]
        assert got == [(1, 0, 0), (2, 4, 1_200 * YUAN), (3, 0, 0)]
        assert "第七十二条第一款第一项" in view["history"][0]["instalments"][1]["explanation"]
        # the payment events (the timeline's penalty.fine.paid) carry each instalment's own lawful figure, the
        # schedule's: #1 on time 0 days, 0; #2 4 days, 1,200.00 (not the whole-fine deadline's 0, 02-01 not
        # yet reached); each paid 10,000.00, 17,500.00 then 7,500.00 left
        steps = await get(penalty, f"{CASES}/{cid}/steps")
        paid = [e for x in steps for e in x["events"] if e["type"] == "penalty.fine.paid"]
        assert [
            (e["fine_fen"], e["days_late"], e["lawful_surcharge_fen"], e["outstanding_fen"]) for e in paid
        ] == [
            (10_000 * YUAN, 0, 0, 17_500 * YUAN),
            (10_000 * YUAN, 4, 1_200 * YUAN, 7_500 * YUAN),
        ]
        # paying an instalment twice is refused
        r = await post(penalty, f"{CASES}/{cid}/payment-plan/payments", {"instalment": 2})
        problem(r, 409, "PAYMENT_PLAN_CONFLICT")
        # the last instalment pays the fine off: the decision is executed
        pin_clock(date(2027, 2, 1))
        ok(await post(penalty, f"{CASES}/{cid}/payment-plan/payments", {"instalment": 3}))
        assert (await get(penalty, f"{CASES}/{cid}"))["state"] == "executed"

    async def test_a_plan_that_does_not_add_up_is_refused_whole(self, penalty: Running) -> None:
        cid = await delivered_on(penalty, date(2026, 11, 16))
        application = {"kind": "instalments", "reasons": "困难", "evidence": ["银行流水"]}
        ok(await post(penalty, f"{CASES}/{cid}/payment-plan/application", application), 201)
        decision = {
            "approved": True,
            "approved_by": "王局长",
            "reasons": "同意",
            # 10,000.00 + 17,499.99 = 27,499.99 ≠ 27,500.00
            "instalments": [
                {"due_on": "2026-12-01", "amount_fen": 10_000 * YUAN},
                {"due_on": "2027-01-04", "amount_fen": 17_499 * YUAN + 99},
            ],
        }
        problem(
            await post(penalty, f"{CASES}/{cid}/payment-plan/decision", decision), 400, "PAYMENT_PLAN_INVALID"
        )
        case = await get(penalty, f"{CASES}/{cid}")
        assert case["decision"]["payment_due"] == "2026-12-01"  # nothing written
        # a refusal with reasons: numbered too, the last day to pay stays
        refusal = {"approved": False, "approved_by": "王局长", "reasons": "证明材料不足以证明确有经济困难"}
        view = ok(await post(penalty, f"{CASES}/{cid}/payment-plan/decision", refusal))
        assert view["current"]["status"] == "refused" and view["documents"][0]["number"]

    async def test_a_deferral_moves_the_court_window(self, penalty: Running) -> None:
        # received 2026-03-02: litigation period to 09-02 (six months). A deferral to 2026-10-30 (第六十六条第二款)
        # ends later, so the court window starts when it ends: 10-31 … three months from 10-30 = 2027-01-30
        cid = await delivered_on(penalty, date(2026, 3, 2))
        pin_clock(date(2026, 3, 10))
        application = {"kind": "deferral", "reasons": "主要客户拖欠货款", "evidence": ["应收账款明细"]}
        ok(
            await post(penalty, f"{CASES}/{cid}/payment-plan/application", application, enterprise(USCC_A)),
            201,
        )
        decision = {"approved": True, "approved_by": "王局长", "reasons": "属实", "new_due": "2026-10-30"}
        view = ok(await post(penalty, f"{CASES}/{cid}/payment-plan/decision", decision))
        assert view["documents"][0]["title"] == "延期缴纳罚款决定书"
        assert [(i["due_on"], i["amount_fen"]) for i in view["current"]["instalments"]] == [
            ("2026-10-30", SUGGESTED_FEN)
        ]
        d = dates(await get(penalty, f"{CASES}/{cid}/enforcement", on="2026-11-02"))
        assert (d["payment_due"], d["window_opens"], d["window_closes"]) == (
            "2026-10-30",
            "2026-10-31",
            "2027-01-30",
        )


class TestEnforcementWindow:
    async def test_received_2026_03_02_to_the_court(self, penalty: Running) -> None:
        cid = await delivered_on(penalty, date(2026, 3, 2))
        view = await get(penalty, f"{CASES}/{cid}/enforcement", on="2026-03-10")
        assert view["stage"] == "performing"
        d = dates(view)
        # 60 days from 03-02 → 05-01, a holiday (05-01 … 05-05) → 05-06 (行政复议法 第二十条, 民事诉讼法 第八十五条);
        # six months → 09-02 (行政诉讼法 第四十六条); window 09-03 … three months from 09-02 = 12-02 (第五十三条)
        assert (d["payment_due"], d["reconsideration_ends"], d["litigation_ends"]) == (
            "2026-03-17",
            "2026-05-06",
            "2026-09-02",
        )
        assert (d["window_opens"], d["window_closes"]) == ("2026-09-03", "2026-12-02")
        articles = {x["key"]: x["article"] for x in view["dates"]}
        assert "行政强制法》第五十三条" in articles["window_closes"]
        assert "行政诉讼法》第四十六条" in articles["litigation_ends"]

        # still in time on 03-17: no 催告
        pin_clock(date(2026, 3, 17))
        problem(await post(penalty, f"{CASES}/{cid}/enforcement/reminder", {}), 409, "ENFORCEMENT_NOT_DUE")
        pin_clock(date(2026, 3, 18))
        view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder", {}), 201)
        assert view["stage"] == "reminded" and view["reminder"]["number"].startswith("沈市监催")
        # without coercive power there is no enforcement decision of its own (第十三条第二款)
        r = await post(penalty, f"{CASES}/{cid}/enforcement/decision", {"method": "划拨存款"})
        problem(r, 409, "ENFORCEMENT_STEP_INVALID")
        # not delivered yet: no application (第五十四条)
        r = await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {})
        problem(r, 409, "ENFORCEMENT_STEP_INVALID")
        delivery = {"method": "direct", "recipient": "当事人法定代表人"}
        view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder/delivery", delivery))
        # delivered 03-18: ten days 03-19 … 03-28; but the window only opens 09-03
        assert view["application_from"] == "2026-09-03"
        pin_clock(date(2026, 4, 1))
        r = await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {})
        assert "2026-09-03" in problem(r, 409, "ENFORCEMENT_NOT_DUE")["detail"]

        pin_clock(date(2026, 9, 3))
        view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {}), 201)
        assert view["stage"] == "applied" and view["application"]["applied_on"] == "2026-09-03"
        kinds = [x["kind"] for x in view["documents"]]
        assert kinds == ["enforcement_reminder", "court_application"]
        async with client(penalty.url) as http:
            for doc in view["documents"]:
                html = (await http.get(doc["html_url"], headers=OFFICER)).text
                assert doc["number"] in html
        assert (await get(penalty, f"{CASES}/{cid}/enforcement", enterprise(USCC_A)))["stage"] == "applied"

    async def test_the_ten_days_after_the_reminder_are_working_days(self, penalty: Running) -> None:
        # 行政强制法 第五十四条: 催告书送达十日后当事人仍未履行义务的，行政机关可以 … 申请强制执行; 第六十九条: 本法中
        # 十日以内期限的规定是指工作日，不含法定节假日.
        cid = await delivered_on(penalty, date(2026, 3, 2))
        # window 09-03 … 12-02 (as above); the 催告书 issued and delivered on Thu 2026-09-03.
        pin_clock(date(2026, 9, 3))
        ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder", {}), 201)
        delivery = {"method": "direct", "recipient": "当事人法定代表人"}
        view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder/delivery", delivery))
        # ten working days from the day after: 09-04 (Fri) 1; 09-07 … 09-11 2–6; 09-14 … 09-17 7–10 (no
        # holiday in between) → the earliest application is Fri 09-18 (ten calendar days would end 09-13).
        assert view["application_from"] == "2026-09-18"
        line = next(x for x in view["dates"] if x["key"] == "application_from")
        assert "第六十九条" in line["article"]
        for early in (date(2026, 9, 14), date(2026, 9, 17)):
            pin_clock(early)
            r = await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {})
            assert "2026-09-18" in problem(r, 409, "ENFORCEMENT_NOT_DUE")["detail"]
        pin_clock(date(2026, 9, 18))
        view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {}), 201)
        assert view["stage"] == "applied" and view["application"]["applied_on"] == "2026-09-18"

    async def test_with_a_suit_recorded(self, penalty: Running) -> None:
        cid = await delivered_on(penalty, date(2026, 3, 2))
        pin_clock(date(2026, 4, 2))
        suit = {"source": "litigation", "filed_on": "2026-04-01", "reference": "(2026)辽0102行初12号"}
        ok(await post(penalty, f"{CASES}/{cid}/remedies", suit))
        view = await get(penalty, f"{CASES}/{cid}/enforcement", on="2026-04-02")
        assert view["stage"] == "suspended" and view["application_until"] is None
        pin_clock(date(2026, 6, 1))
        ok(
            await post(
                penalty, f"{CASES}/{cid}/remedies/conclude", {"concluded_on": "2026-05-30", "upheld": True}
            )
        )
        d = dates(await get(penalty, f"{CASES}/{cid}/enforcement", on="2026-06-01"))
        # 04-01 … 05-30 = 30 + 30 = 60 days added to the unmoved ends, then a rest day moved: 05-01 → 06-30
        # (Tue); 09-02 → Sun 11-01 → Mon 11-02; window 11-03 … 2027-02-02
        assert (d["reconsideration_ends"], d["litigation_ends"]) == ("2026-06-30", "2026-11-02")
        assert (d["window_opens"], d["window_closes"]) == ("2026-11-03", "2027-02-02")

    async def test_missed_window_is_reported_once(self, penalty: Running) -> None:
        cid = await delivered_on(penalty, date(2026, 3, 2))
        # the window closes 2026-12-02: nothing on that day, reported on 12-03, and only once
        await scan_windows(penalty.runtime.factory, date(2026, 12, 2))
        assert (
            await envelopes(penalty.runtime.factory, "penalty.enforcement.window_missed", case_id=cid) == []
        )
        await scan_windows(penalty.runtime.factory, date(2026, 12, 3))
        await scan_windows(penalty.runtime.factory, date(2026, 12, 4))
        found = await envelopes(penalty.runtime.factory, "penalty.enforcement.window_missed", case_id=cid)
        assert [(e["data"]["window_closed_on"], e["data"]["department_code"]) for e in found] == [
            ("2026-12-02", "SJ")
        ]
        pin_clock(date(2026, 12, 3))
        view = await get(penalty, f"{CASES}/{cid}/enforcement")
        assert view["stage"] == "window_missed" and view["window_missed"] is True

    async def test_own_coercive_power(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            body = {"coercive_power": True}
            r = await http.put("/api/v1/penalty/admin/departments/SJ/enforcement", json=body, headers=admin())
            problem(r, 409, "ENFORCEMENT_STEP_INVALID")  # 第十三条: the law granting it must be named
            body = {"coercive_power": True, "basis": "《中华人民共和国税收征收管理法》第四十条（示例）"}
            ok(await http.put("/api/v1/penalty/admin/departments/SJ/enforcement", json=body, headers=admin()))
        try:
            cid = await delivered_on(penalty, date(2026, 3, 2))
            # last day to pay 03-17; surcharge day 30 = 04-16; the 催告 from 04-17 (第四十六条)
            view = await get(penalty, f"{CASES}/{cid}/enforcement", on="2026-04-01")
            assert view["coercive_power"] is True and view["reminder_from"] == "2026-04-17"
            pin_clock(date(2026, 4, 16))
            problem(
                await post(penalty, f"{CASES}/{cid}/enforcement/reminder", {}), 409, "ENFORCEMENT_NOT_DUE"
            )
            pin_clock(date(2026, 4, 17))
            ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder", {"compliance_days": 10}), 201)
            delivery = {"method": "direct", "recipient": "当事人法定代表人"}
            view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/reminder/delivery", delivery))
            # delivered 04-17 + 10 days = 04-27; the enforcement decision from 04-28 (第三十七条)
            assert view["application_from"] == "2026-04-28"
            r = await post(penalty, f"{CASES}/{cid}/enforcement/court-application", {})
            problem(r, 409, "ENFORCEMENT_STEP_INVALID")
            decision = {"method": "通知当事人开户银行划拨存款"}
            pin_clock(date(2026, 4, 27))  # still inside the 催告书's ten days
            problem(
                await post(penalty, f"{CASES}/{cid}/enforcement/decision", decision),
                409,
                "ENFORCEMENT_NOT_DUE",
            )
            pin_clock(date(2026, 4, 28))
            view = ok(await post(penalty, f"{CASES}/{cid}/enforcement/decision", decision), 201)
            assert view["stage"] == "applied"
            assert [d["kind"] for d in view["documents"]] == ["enforcement_reminder", "enforcement_decision"]
            assert view["documents"][1]["number"].startswith("沈市监强执")
        finally:
            async with client(penalty.url) as http:
                body = {"coercive_power": False}
                ok(
                    await http.put(
                        "/api/v1/penalty/admin/departments/SJ/enforcement", json=body, headers=admin()
                    )
                )
