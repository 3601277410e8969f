"""Examiner's cases: the party's rights and the limits on the agency — hearings for heavy penalties other than
fines (行政处罚法 第六十三条), the hearing notice (第六十四条第二项), no heavier penalty for defending oneself (第四十五条
第二款), one act fined once and by the higher provision (第二十九条), instalments (第六十六条第二款) and a decision
confirmed void (行政诉讼法 第七十五条: nothing is owed), through the case API."""

from __future__ import annotations

from datetime import date

import httpx

from tests.penalty.acceptance.support import CASES, ENTERPRISES, decided_general, on, open_case, step, yuan
from tests.penalty.helpers import SJ_A, party
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer
from tests.support.stack import Running, client

GOODS = {"goods_value": yuan("3000")}
FACTS = {"violation_date": "2026-11-01", "base_amounts": GOODS}
NOTICE_FACTS = ["当事人销售无标签的预包装食品。"]


def fine(fen: int, **more: object) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen, **more}


async def assessed(http: httpx.AsyncClient, n: int, facts: dict[str, object] = FACTS) -> str:
    cid = await open_case(http, code="SY-SJ-0004", the_party=party(ENTERPRISES[n], f"沈阳权利{n}号有限公司"))
    ok(await step(http, cid, "investigation", {}))
    ok(await step(http, cid, "assessment", facts))
    return cid


class TestHearingForHeavyPenalties:
    async def test_suspension_proposed_without_a_hearing_is_an_incomplete_notice(
        self, penalty: Running
    ) -> None:
        # 第六十三条第一款第四项 责令停产停业: SY-SJ-0004 情节严重 (食品安全法 第一百二十五条) with a 27,500.00 fine
        async with client(penalty.url) as http:
            cid = await assessed(http, 0, {**FACTS, "statutory_serious": True})
            proposed = {
                "kinds": ["fine", "suspend_business"],
                "fine_fen": yuan("27500"),
                "terms": "责令停产停业1个月",
            }
            body = {"facts": NOTICE_FACTS, "proposed": proposed, "hearing_offered": False}
            problem(await step(http, cid, "notice", body), 400, "PROCEDURE_NOTICE_INCOMPLETE")

    async def test_a_large_confiscation_needs_a_hearing(self, penalty: Running) -> None:
        # 第六十三条第一款第二项 没收较大数额违法所得: a fine of 27,500.00 (under 10 万元) with 200,000.00 of
        # illegal gains confiscated from an organisation — the confiscation alone is of 较大数额 (≥ 10 万元)
        async with client(penalty.url) as http:
            cid = await assessed(http, 1)
            proposed = {
                "kinds": ["fine", "confiscate_illegal_gains"],
                "fine_fen": yuan("27500"),
                "confiscation_fen": yuan("200000"),
            }
            body = {"facts": NOTICE_FACTS, "proposed": proposed, "hearing_offered": False}
            problem(await step(http, cid, "notice", body), 400, "PROCEDURE_NOTICE_INCOMPLETE")

    async def test_the_hearing_is_notified_seven_working_days_ahead(self, penalty: Running) -> None:
        # 第六十四条第二项 七日前 (working days, 第八十五条): scheduled Mon 11-16 for Tue 11-24 — 11-17 … 11-24 are
        # six working days: too short
        async with client(penalty.url) as http:
            cid = await assessed(http, 2, {**FACTS, "base_amounts": {"goods_value": yuan("20000")}})
            amount = fine(yuan("150000"))
            ok(await step(http, cid, "notice", {"facts": NOTICE_FACTS, "proposed": amount}))
            ok(await http.post(f"{CASES}/{cid}/hearing/request", json={}, headers=enterprise(ENTERPRISES[2])))
            early = {"hearing_on": "2026-11-24", "presider": "法制科孙科长"}
            problem(
                await step(http, cid, "hearing/schedule", early), 400, "PROCEDURE_HEARING_NOTICE_TOO_SHORT"
            )


class TestNoHeavierForDefending:
    async def test_after_a_statement_the_decision_cannot_exceed_the_notice(self, penalty: Running) -> None:
        # 第四十五条第二款 行政机关不得因当事人陈述、申辩而给予更重的处罚: notified 27,500.00, the party states its
        # case, the officer reviews it; 27,500.01 is refused, 27,500.00 decided
        async with client(penalty.url) as http:
            cid = await assessed(http, 3)
            ok(await step(http, cid, "notice", {"facts": NOTICE_FACTS, "proposed": fine(yuan("27500"))}))
            statement = {"content": "我方已下架全部商品，请求从轻处罚。"}
            ok(
                await http.post(
                    f"{CASES}/{cid}/statements", json=statement, headers=enterprise(ENTERPRISES[3])
                )
            )
            ok(
                await step(
                    http,
                    cid,
                    "statements/review",
                    {"opinion": "陈述理由不成立，不予采纳。", "adopted": False},
                )
            )
            on(date(2026, 11, 24))  # the 5 working days of the statement period have run (11-17 … 11-23)
            heavier = await step(http, cid, "decision", {"penalty": fine(yuan("27500.01"))})
            problem(heavier, 409, "PROCEDURE_HEAVIER_THAN_NOTICE")
            ok(await step(http, cid, "decision", {"penalty": fine(yuan("27500"))}))


class TestOneActOneFine:
    async def test_the_higher_provision_governs(self, penalty: Running) -> None:
        # 第二十九条 按照罚款数额高的规定处罚: goods 3,000 — SY-SJ-0004 (食品安全法 第一百二十五条) 5,000–50,000,
        # SY-SJ-0001 (第一百二十四条) 50,000–100,000: 100,000 > 50,000, so SY-SJ-0001; its 一般 50,000 + 50,000 ×
        # 30 % = 65,000 … 85,000 (exclusive), suggested (65,000 + 84,999.99) / 2 = 74,999.995 → 75,000.00
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[4], "沈阳权利4号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(await step(http, cid, "assessment", {**FACTS, "provisions": ["SY-SJ-0001"]}))
        assert a["benchmark_code"] == "SY-SJ-0001"
        assert a["penalty"]["suggested_fine_fen"] == yuan("75000")
        assert "第二十九条" in a["explanation"]

    async def test_a_second_fine_for_the_same_act_is_refused(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            first = await decided_general(
                http,
                facts=FACTS,
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[5], "沈阳权利5号有限公司"),
            )
            act = ok(await http.get(f"{CASES}/{first}/act", headers=officer(**SJ_A)))
            cid = await open_case(
                http,
                code="SY-SJ-0004",
                the_party=party(ENTERPRISES[5], "沈阳权利5号有限公司"),
                act={"id": act["id"]},
            )
            ok(await step(http, cid, "investigation", {}))
            ok(await step(http, cid, "assessment", FACTS))
            ok(await step(http, cid, "notice", {"facts": NOTICE_FACTS, "proposed": fine(yuan("27500"))}))
            ok(await step(http, cid, "waiver", {"statement": True}))
            problem(
                await step(http, cid, "decision", {"penalty": fine(yuan("27500"))}), 409, "ONE_ACT_ONE_FINE"
            )


class TestAfterTheDecision:
    async def delivered(self, penalty: Running, http: httpx.AsyncClient, n: int) -> str:
        cid = await decided_general(
            http,
            facts=FACTS,
            fine_fen=yuan("27500"),
            the_party=party(ENTERPRISES[n], f"沈阳权利{n}号有限公司"),
        )
        case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        await credit_notice_arrives(penalty, cid, case["decision"]["number"])
        ok(await step(http, cid, "delivery", {"method": "direct", "recipient": "当事人法定代表人"}))
        return cid

    async def test_instalments_must_add_up_to_the_fine_exactly(self, penalty: Running) -> None:
        # 第六十六条第二款: 27,500.00 in 10,000.00 + 10,000.00 + 7,499.99 is one fen short — refused; with 7,500.00
        # approved, and the last day to pay becomes the last instalment's
        async with client(penalty.url) as http:
            cid = await self.delivered(penalty, http, 6)
            application = {
                "kind": "instalments",
                "reasons": "资金周转困难",
                "evidence": ["2026年10月银行流水"],
            }
            ok(await step(http, cid, "payment-plan/application", application), 201)
            plan = [
                {"due_on": "2026-12-15", "amount_fen": yuan("10000")},
                {"due_on": "2027-01-15", "amount_fen": yuan("10000")},
                {"due_on": "2027-02-15", "amount_fen": yuan("7499.99")},
            ]
            decision = {
                "approved": True,
                "approved_by": "王局长",
                "reasons": "确有经济困难",
                "instalments": plan,
            }
            problem(await step(http, cid, "payment-plan/decision", decision), 400, "PAYMENT_PLAN_INVALID")
            plan[2]["amount_fen"] = yuan("7500")
            ok(await step(http, cid, "payment-plan/decision", decision))
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        assert case["decision"]["payment_due"] == "2027-02-15"

    async def test_a_decision_confirmed_void_owes_nothing(self, penalty: Running) -> None:
        # 确认无效: no legal effect from the start — no surcharge however late
        async with client(penalty.url) as http:
            cid = await self.delivered(penalty, http, 7)
            on(date(2026, 12, 20))
            body = {
                "source": "litigation",
                "finding": "confirmed_void",
                "reason": "作出决定的机关不具有行政主体资格",
                "source_document": "（2026）辽0102行初31号",
                "effective_on": "2026-12-20",
            }
            case = ok(await step(http, cid, "confirmation", body))
            assert case["state"] == "void"
            r = ok(
                await http.get(
                    f"{CASES}/{cid}/surcharge", params={"on": "2026-12-20"}, headers=officer(**SJ_A)
                )
            )
        assert r["amount_fen"] == 0

    async def test_no_surcharge_while_payment_is_deferred(self, penalty: Running) -> None:
        # 第六十六条第二款 暂缓缴纳: delivered Mon 11-16, due 12-01, deferred to 2027-01-15 — no surcharge on
        # 2027-01-10 (nothing is overdue); on 01-18, 3 days (01-16 … 01-18) × 825.00 = 2,475.00
        async with client(penalty.url) as http:
            cid = await self.delivered(penalty, http, 8)
            application = {
                "kind": "deferral",
                "reasons": "受市场影响资金周转困难",
                "evidence": ["2026年10月银行流水"],
            }
            ok(await step(http, cid, "payment-plan/application", application), 201)
            decision = {
                "approved": True,
                "approved_by": "王局长",
                "reasons": "确有经济困难",
                "new_due": "2027-01-15",
            }
            ok(await step(http, cid, "payment-plan/decision", decision))
            before = ok(
                await http.get(
                    f"{CASES}/{cid}/surcharge", params={"on": "2027-01-10"}, headers=officer(**SJ_A)
                )
            )
            after = ok(
                await http.get(
                    f"{CASES}/{cid}/surcharge", params={"on": "2027-01-18"}, headers=officer(**SJ_A)
                )
            )
        assert before["amount_fen"] == 0
        assert (after["days_counted"], after["amount_fen"]) == (3, yuan("2475"))
