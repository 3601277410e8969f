"""Third examiner's round: procedure rules the first two rounds did not examine at their boundaries, through the
case API — the 较大数额 hearing thresholds exactly at the figure and one fen under (行政处罚法 第六十三条第一款第一项),
the hearing request's five working days over 国庆 and a worked Saturday (第六十四条第一项, 第八十五条), the
extension of the 90 days (第六十条), one act under two provisions with the same maximum (第二十九条), what the
决定书 must say about remedies and payment (第五十二条第二款, 第五十九条第一款第四项、第五项) and a fine collected on
water (第六十九条, 第七十一条).

The 2026 arrangement (国务院办公厅): 中秋 9-25…9-27 and 国庆 10-1…10-7 off; Sun 9-20 and Sat 10-10 worked.
"较大数额" is the jurisdiction's figure (docs/api/penalty.md §8: 1 万元 for a person, 10 万元 for an organisation);
"以上" includes the figure itself (《立法技术规范（试行）（一）》: "以上、以下、以内"均含本数).
"""

from __future__ import annotations

from datetime import date

import httpx

from tests.penalty.acceptance.support import (
    CASES,
    JT_A,
    JT_B,
    XF_A,
    XF_B,
    decided_general,
    on,
    open_case,
    person,
    step,
    yuan,
)
from tests.penalty.helpers import SJ_A, party
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.personas import officer
from tests.support.stack import Running, client

# Parties of this file only (valid check digits), so that no other case is found in their record.
USCC = [
    "91210100MA0EX3000P",
    "91210100MA0EX3001T",
    "91210100MA0EX3002X",
    "91210100MA0EX30031",
    "91210100MA0EX30044",
    "91210100MA0EX30057",
    "91210100MA0EX3006A",
    "91210100MA0EX3007D",
    "91210100MA0EX3008G",
    "91210100MA0EX3009K",
]
IDS = [
    "210102199003033018",
    "210102199104044023",
    "210102199205055039",
    "210102199306066044",
    "21010219940707705X",
]

FACTS_TEXT = ["当事人的违法事实。"]
DELIVERY = {"method": "direct", "recipient": "当事人法定代表人"}


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


def company(n: int) -> dict[str, object]:
    return party(USCC[n], f"沈阳考官{n}号有限公司")


async def document_html(http: httpx.AsyncClient, cid: str, who: dict[str, str]) -> str:
    case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**who)))
    [doc] = [d for d in case["documents"] if d["kind"] == "penalty_decision"]
    return (await http.get(doc["html_url"], headers=officer(**who))).text


class TestLargeAmountThresholds:
    async def test_an_organisation_at_exactly_100000_must_be_offered_a_hearing(
        self, penalty: Running
    ) -> None:
        # SY-SJ-0004 (食品安全法 第一百二十五条), goods 12,000 ≥ 1 万元: 5–10 × = 60,000–120,000; 一般 60,000 +
        # 60,000 × 30 % = 78,000 … 60,000 + 60,000 × 70 % = 102,000 (exclusive), suggested (78,000 + 101,999.99) / 2
        # = 89,999.995 → 90,000.00 < 10 万元: the suggestion needs no hearing. A notice proposing 100,000.00 (in the
        # tier, 较大数额 for an organisation) without the hearing right is incomplete; 99,999.99 without it is lawful
        async with client(penalty.url) as http:
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(0))
            ok(await step(http, cid, "investigation", {}))
            facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("12000")}}
            a = ok(await step(http, cid, "assessment", facts))
            assert a["penalty"]["suggested_fine_fen"] == yuan("90000")
            assert a["hearing_required"] is False
            at = {"facts": FACTS_TEXT, "proposed": fine(yuan("100000")), "hearing_offered": False}
            problem(await step(http, cid, "notice", at), 400, "PROCEDURE_NOTICE_INCOMPLETE")
            under = {"facts": FACTS_TEXT, "proposed": fine(yuan("99999.99")), "hearing_offered": False}
            notified = ok(await step(http, cid, "notice", under))
        assert "hearing_notice" not in {d["kind"] for d in notified["documents"]}

    async def test_a_person_at_exactly_10000_must_be_offered_a_hearing(self, penalty: Running) -> None:
        # SY-JT-0001 (道路运输条例 第六十三条, 没有违法所得: 3,000–10,000) on a person who obstructed the
        # inspection: 从重 70–100 % → 3,000 + 7,000 × 70 % = 7,900 … 10,000, suggested (7,900 + 10,000) / 2 = 8,950.00
        # < 1 万元. Proposing 10,000.00 (较大数额 for a person) without the hearing right: incomplete; 9,999.99: lawful
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-JT-0001", who=JT_A, partner=JT_B, the_party=person(id_number=IDS[0])
            )
            ok(await step(http, cid, "investigation", {}, JT_A))
            facts = {
                "violation_date": "2026-11-01",
                "base_amounts": {"illegal_gains": 0},
                "aggravations": ["obstruction"],
            }
            a = ok(await step(http, cid, "assessment", facts, JT_A))
            assert a["penalty"]["tier_key"] == "heavier"
            assert a["penalty"]["suggested_fine_fen"] == yuan("8950")
            assert a["hearing_required"] is False
            at = {"facts": FACTS_TEXT, "proposed": fine(yuan("10000")), "hearing_offered": False}
            problem(await step(http, cid, "notice", at, JT_A), 400, "PROCEDURE_NOTICE_INCOMPLETE")
            under = {"facts": FACTS_TEXT, "proposed": fine(yuan("9999.99")), "hearing_offered": False}
            notified = ok(await step(http, cid, "notice", under, JT_A))
        assert "hearing_notice" not in {d["kind"] for d in notified["documents"]}


class TestHearingRequestOverNationalDay:
    async def notified(self, http: httpx.AsyncClient, id_number: str) -> str:
        # notice served Thu 2026-09-24 proposing 27,500.00 to a person (≥ 1 万元: a hearing is offered)
        on(date(2026, 9, 18))
        cid = await open_case(http, code="SY-SJ-0004", the_party=person(id_number=id_number))
        on(date(2026, 9, 24))
        ok(await step(http, cid, "investigation", {}))
        facts = {"violation_date": "2026-09-01", "base_amounts": {"goods_value": yuan("3000")}}
        ok(await step(http, cid, "assessment", facts))
        notified = ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": fine(yuan("27500"))}))
        assert "hearing_notice" in {d["kind"] for d in notified["documents"]}
        return cid

    async def test_the_fifth_working_day_is_after_national_day(self, penalty: Running) -> None:
        # 告知后五日内 (第六十四条第一项), working days (第八十五条): after Thu 9-24 — 9-25…9-27 中秋 off, Mon 9-28 (1),
        # 9-29 (2), 9-30 (3), 10-1…10-7 国庆 off, Thu 10-8 (4), Fri 10-9 (5): a request on 10-9 is in time
        async with client(penalty.url) as http:
            cid = await self.notified(http, IDS[1])
            on(date(2026, 10, 9))
            ok(await step(http, cid, "hearing/request", {}))

    async def test_the_worked_saturday_is_the_sixth(self, penalty: Running) -> None:
        # Sat 10-10 is a working day of the 2026 arrangement, the sixth after the notice: late
        async with client(penalty.url) as http:
            cid = await self.notified(http, IDS[2])
            on(date(2026, 10, 10))
            problem(await step(http, cid, "hearing/request", {}), 409, "PROCEDURE_HEARING_REQUEST_LATE")


class TestExtension:
    """第六十条: 自行政处罚案件立案之日起九十日内作出行政处罚决定。法律、法规、规章另有规定的，从其规定 — an extension
    under such a provision must be granted while the 90 days still run; a lapsed limit is not revived."""

    EXTENSION = {
        "new_limit": "2026-12-15",
        "approver": "局长",
        "basis": "《市场监督管理行政处罚程序规定》第六十四条",
        "reason": "案情复杂，需补充检验",
    }

    async def filed(self, http: httpx.AsyncClient, n: int) -> str:
        # filed Mon 2026-08-17 → the 90th day (the first day not counted) is Sun 11-15
        on(date(2026, 8, 17))
        cid = await open_case(http, code="SY-SJ-0004", the_party=company(n))
        case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        assert case["decision_limit"] == "2026-11-15"
        return cid

    async def decide(self, http: httpx.AsyncClient, cid: str) -> httpx.Response:
        ok(await step(http, cid, "investigation", {}))
        facts = {"violation_date": "2026-08-01", "base_amounts": {"goods_value": yuan("3000")}}
        ok(await step(http, cid, "assessment", facts))
        ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": fine(yuan("27500"))}))
        ok(await step(http, cid, "waiver", {"statement": True}))
        return await step(http, cid, "decision", {"penalty": fine(yuan("27500"))})

    async def test_extended_on_the_88th_day_decided_on_the_91st(self, penalty: Running) -> None:
        # extended on Fri 11-13 (day 88) to 12-15: the decision of Mon 11-16 (day 91) is in time
        async with client(penalty.url) as http:
            cid = await self.filed(http, 1)
            on(date(2026, 11, 13))
            extended = ok(await step(http, cid, "extension", self.EXTENSION))
            assert extended["decision_limit"] == "2026-12-15"
            on(date(2026, 11, 16))
            decided = ok(await self.decide(http, cid))
        assert decided["decision"]["decided_on"] == "2026-11-16"

    async def test_an_extension_after_the_90th_day_is_refused(self, penalty: Running) -> None:
        # on Mon 11-16 (day 91) the limit has run out: no extension, and no decision
        async with client(penalty.url) as http:
            cid = await self.filed(http, 2)
            on(date(2026, 11, 16))
            problem(await step(http, cid, "extension", self.EXTENSION), 409, "PROCEDURE_TIME_LIMIT_EXCEEDED")
            problem(await self.decide(http, cid), 409, "PROCEDURE_TIME_LIMIT_EXCEEDED")


class TestOneActTwoProvisions:
    async def test_equal_maxima_the_higher_minimum_governs(self, penalty: Running) -> None:
        # 第二十九条 按照罚款数额高的规定处罚. Goods 3,000: SY-SJ-0004 5,000–50,000, SY-SJ-0012 (化妆品监督管理条例
        # 第六十条, 不足1万元) 10,000–50,000. Same maximum, SY-SJ-0012's minimum is higher → SY-SJ-0012 governs (第2版
        # for an act of 2026, 一般 20–60 %): 18,000 … 33,999.99, suggested 26,000.00
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(3))
            ok(await step(http, cid, "investigation", {}))
            facts = {
                "violation_date": "2026-11-01",
                "base_amounts": {"goods_value": yuan("3000")},
                "provisions": ["SY-SJ-0012"],
            }
            a = ok(await step(http, cid, "assessment", facts))
        assert a["benchmark_code"] == "SY-SJ-0012"
        assert a["penalty"]["legal_range"]["low_fen"] == yuan("10000")
        assert a["penalty"]["suggested_fine_fen"] == yuan("26000")
        assert "第二十九条" in a["explanation"]


class TestDecisionDocument:
    async def test_a_general_decision_states_both_remedies_and_the_fifteen_days(
        self, penalty: Running
    ) -> None:
        # 第五十九条第一款第五项 申请行政复议、提起行政诉讼的途径和期限: 六十日 (行政复议法 第二十条第一款) and 六个月
        # (行政诉讼法 第四十六条第一款); 第四项 履行方式和期限: 十五日 to pay (第六十七条第三款)
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}},
                fine_fen=yuan("27500"),
                the_party=company(4),
            )
            html = await document_html(http, cid, SJ_A)
        assert "六十日" in html
        assert "六个月" in html
        assert "十五日" in html

    async def test_an_on_the_spot_decision_sends_the_party_to_reconsideration_first(
        self, penalty: Running
    ) -> None:
        # 第五十二条第二款: the on-the-spot 决定书 "应当载明 … 申请行政复议、提起行政诉讼的途径和期限". 行政复议法 第二十三条
        # 第一款: "有下列情形之一的，申请人应当先向行政复议机关申请行政复议 …（一）对当场作出的行政处罚决定不服", and
        # 第二款: the agency "应当告知 … 先向行政复议机关申请行政复议". So: sixty days to the reconsideration body first,
        # and no six months to sue directly (the first draft of this case expected them: a misreading)
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person(id_number=IDS[3]),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-16"}, XF_A))
            ok(await step(http, cid, "decision", {"penalty": fine(yuan("200"))}, XF_A))
            html = await document_html(http, cid, XF_A)
        assert "六十日内先向" in html
        assert "六个月" not in html


class TestOnTheSpotEnforcementWindow:
    async def test_the_window_follows_the_sixty_days_alone(self, penalty: Running) -> None:
        # An on-the-spot decision (第五十一条) goes to reconsideration first (行政复议法 第二十三条第一款第一项): the
        # party has no six months to sue directly, so 行政强制法 第五十三条's "法定期限" is the sixty days alone.
        # Received Mon 2026-03-16: pay by 03-31 (15 days); reconsideration 60 days → Fri 05-15; the window opens
        # on 05-16 and closes three months from 05-15, on 08-15 (not 09-17 … 12-16 as for a general decision)
        async with client(penalty.url) as http:
            on(date(2026, 3, 16))
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person(id_number=IDS[4]),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-03-16"}, XF_A))
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("200"))}, XF_A))
            await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY, XF_A))
            view = ok(
                await http.get(
                    f"{CASES}/{cid}/enforcement", params={"on": "2026-04-01"}, headers=officer(**XF_A)
                )
            )
        d = {x["key"]: x["on"] for x in view["dates"]}
        assert d["payment_due"] == "2026-03-31"
        assert d["reconsideration_ends"] == "2026-05-15"
        assert d.get("litigation_ends") is None
        assert (d["window_opens"], d["window_closes"]) == ("2026-05-16", "2026-08-15")


class TestCollectedOnWater:
    async def test_two_working_days_from_landing_then_two_to_the_bank(self, penalty: Running) -> None:
        # 第六十九条: 水上, at the party's request, after a general-procedure decision (第五十七条). 第七十一条: "在水上
        # 当场收缴的罚款，应当自抵岸之日起二日内交至行政机关；行政机关应当在二日内将罚款缴付指定的银行", 二日 = working
        # days (第八十五条). Collected Fri 11-20 on water, landed Mon 11-23 → hand over by Wed 11-25; handed over on
        # 11-25 → banked by Fri 11-27
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}},
                fine_fen=yuan("27500"),
                the_party=company(5),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY))
            on(date(2026, 11, 20))
            body = {
                "ground": "remote_area",
                "area": "waterborne",
                "waterborne": True,
                "reason": "当事人的渡船停靠江心，无法前往银行",
                "party_requested": True,
                "receipt_no": "辽财罚字No.93000001",
            }
            collection = ok(await step(http, cid, "collections", body), 201)
            assert collection["handover_due_on"] is None  # not before landing
            on(date(2026, 11, 23))
            landed = ok(
                await http.post(
                    f"/api/v1/penalty/collections/{collection['id']}/landing",
                    json={"landed_on": "2026-11-23"},
                    headers=officer(**SJ_A),
                )
            )
            assert landed["handover_due_on"] == "2026-11-25"
            on(date(2026, 11, 25))
            handed = ok(
                await http.post(
                    f"/api/v1/penalty/collections/{collection['id']}/handover",
                    json={"received_by": "财务科李会计"},
                    headers=officer(**SJ_A),
                )
            )
        assert handed["banking_due_on"] == "2026-11-27"
        assert handed["late"] == []


class TestOneFineStandsOnly:
    """第二十九条: "对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚" — a fine that no longer stands, or a
    penalty that is not a fine, does not bar a fine on the same act."""

    async def test_after_the_first_fine_is_revoked_a_new_fine_may_be_decided(self, penalty: Running) -> None:
        facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}}
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            first = await decided_general(http, facts=facts, fine_fen=yuan("27500"), the_party=company(7))
            revoke = {
                "source": "self_correction",
                "reason": "原决定适用依据错误，予以撤销。",
                "source_document": "沈市监撤〔2026〕1号",
            }
            ok(await step(http, first, "revocation", revoke))
            act = ok(await http.get(f"{CASES}/{first}/act", headers=officer(**SJ_A)))
            assert act["fined"] is False
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(7), act={"id": act["id"]})
            ok(await step(http, cid, "investigation", {}))
            ok(await step(http, cid, "assessment", facts))
            ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": fine(yuan("27500"))}))
            ok(await step(http, cid, "waiver", {"statement": True}))
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("27500"))}))
        assert decided["decision"]["fine_fen"] == yuan("27500")


class TestDaysBeforeTheDecision:
    async def test_a_hearing_notified_exactly_seven_working_days_ahead(self, penalty: Running) -> None:
        # 第六十四条第二项 "在举行听证的七日前，通知当事人", working days (第八十五条). Notified Mon 11-16 for Wed 11-25:
        # seven working days before 11-25 (11-24, 23, 20, 19, 18, 17, 16) is 11-16 — in time (the first round
        # checked Tue 11-24, six days: too short)
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(8))
            ok(await step(http, cid, "investigation", {}))
            facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("20000")}}
            ok(await step(http, cid, "assessment", facts))
            ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": fine(yuan("150000"))}))
            ok(await step(http, cid, "hearing/request", {}))
            body = {"hearing_on": "2026-11-25", "presider": "法制科孙科长"}
            scheduled = ok(await step(http, cid, "hearing/schedule", body))
        assert scheduled["state"] == "hearing_requested"

    async def test_no_decision_on_the_last_day_of_the_statement_period(self, penalty: Running) -> None:
        # 第四十五条 (陈述、申辩) with the notice's five working days: served Mon 11-16 → 11-17, 18, 19, 20, 23: the
        # party may still state its case all of Mon 11-23, so the decision waits until Tue 11-24 (第六十二条)
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(9))
            ok(await step(http, cid, "investigation", {}))
            facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}}
            ok(await step(http, cid, "assessment", facts))
            ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": fine(yuan("27500"))}))
            on(date(2026, 11, 23))
            early = await step(http, cid, "decision", {"penalty": fine(yuan("27500"))})
            problem(early, 409, "PROCEDURE_STATEMENT_PERIOD_OPEN")
            on(date(2026, 11, 24))
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("27500"))}))
        assert decided["decision"]["decided_on"] == "2026-11-24"
