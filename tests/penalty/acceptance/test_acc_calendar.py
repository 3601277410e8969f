"""Examiner's cases: deadlines that end on a rest day, a statutory holiday or a worked weekend day of the 2026
arrangement (国务院办公厅: 中秋 9-25…9-27 and 国庆 10-1…10-7 off; Sun 9-20 and Sat 10-10 worked), and money in
Chinese capitals (中国人民银行《支付结算办法》附一 正确填写票据和结算凭证的基本规定).

- 十五日 to pay (行政处罚法 第六十七条第三款) is a period in days: the first day is not counted and a last day
  that is a rest day or holiday moves to the next working day (民法典 第二百零三条); a worked Saturday is a
  working day.
- 二日 of 第七十一条 are working days (第八十五条).
"""

from __future__ import annotations

from datetime import date

import httpx

from tests.penalty.acceptance.support import (
    CASES,
    ENTERPRISES,
    PERSON_IDS,
    XF_A,
    XF_B,
    assess,
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

GOODS = {"goods_value": yuan("3000")}
DELIVERY = {"method": "direct", "recipient": "当事人法定代表人"}


async def decided_and_delivered(
    penalty: Running,
    http: httpx.AsyncClient,
    n: int,
    decided: date,
    delivered: date,
    fine_fen: int = yuan("27500"),
) -> str:
    on(decided)
    cid = await decided_general(
        http,
        facts={"violation_date": "2026-09-01", "base_amounts": GOODS},
        fine_fen=fine_fen,
        the_party=party(ENTERPRISES[n], f"沈阳日历{n}号有限公司"),
    )
    case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
    await credit_notice_arrives(penalty, cid, case["decision"]["number"])
    on(delivered)
    ok(await step(http, cid, "delivery", DELIVERY))
    return cid


class TestFifteenDaysToPay:
    async def test_ending_in_national_day_moves_to_the_first_working_day(self, penalty: Running) -> None:
        # received Wed 9-16: 15 days → Thu 10-01 (国庆) → Thu 10-08; the surcharge starts on 10-09
        async with client(penalty.url) as http:
            cid = await decided_and_delivered(penalty, http, 0, date(2026, 9, 14), date(2026, 9, 16))
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            assert case["decision"]["payment_due"] == "2026-10-08"
            r = ok(
                await http.get(
                    f"{CASES}/{cid}/surcharge", params={"on": "2026-10-09"}, headers=officer(**SJ_A)
                )
            )
        assert (r["days_counted"], r["amount_fen"]) == (1, yuan("825"))

    async def test_ending_on_a_worked_saturday_stays(self, penalty: Running) -> None:
        # received Fri 9-25 (中秋; delivery is not barred on a holiday): 15 days → Sat 10-10, a working day of the
        # 2026 arrangement: the last day to pay is 10-10 itself
        async with client(penalty.url) as http:
            cid = await decided_and_delivered(penalty, http, 1, date(2026, 9, 24), date(2026, 9, 25))
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        assert case["decision"]["payment_due"] == "2026-10-10"


class TestOnTheSpotHandover:
    async def test_two_working_days_over_a_weekend(self, penalty: Running) -> None:
        # 第七十一条: collected Fri 11-20 → hand over within 二日 (working days): Mon 11-23, Tue 11-24
        async with client(penalty.url) as http:
            on(date(2026, 11, 20))
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person(id_number=PERSON_IDS[5]),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-20"}, XF_A))
            decided = ok(
                await step(
                    http, cid, "decision", {"penalty": {"kinds": ["fine"], "fine_fen": yuan("100")}}, XF_A
                )
            )
            await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY, XF_A))
            body = {"ground": "small_fine", "receipt_no": "辽财罚字No.91000001"}
            collection = ok(await step(http, cid, "collections", body, XF_A), 201)
        assert collection["handover_due_on"] == "2026-11-24"


class TestChineseCapitals:
    async def document_html(self, http: httpx.AsyncClient, cid: str) -> str:
        case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        [doc] = [d for d in case["documents"] if d["kind"] == "penalty_decision"]
        return (await http.get(doc["html_url"], headers=officer(**SJ_A))).text

    async def test_a_zero_in_the_middle_and_fen_after_zero_jiao(self, penalty: Running) -> None:
        # 36,400.05 元: 角位是"0"而分位不是"0"时，元后面应写"零"字 → 叁万陆仟肆佰元零伍分 (no 整 after 分)
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": GOODS},
                fine_fen=yuan("36400.05"),
                the_party=party(ENTERPRISES[2], "沈阳大写2号有限公司"),
            )
            html = await self.document_html(http, cid)
        assert "36,400.05" in html
        assert "叁万陆仟肆佰元零伍分" in html

    async def test_zeros_between_digits_are_one_ling(self, penalty: Running) -> None:
        # 20,005.00 元: 中间有连续几个"0"时，中文大写金额中间可以只写一个"零"字 → 贰万零伍元整
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": GOODS},
                fine_fen=yuan("20005"),
                the_party=party(ENTERPRISES[3], "沈阳大写3号有限公司"),
            )
            html = await self.document_html(http, cid)
        assert "贰万零伍元整" in html


class TestMoreCircumstances:
    async def test_minor_and_corrected_but_with_slight_harm_is_punished(self, penalty: Running) -> None:
        # 第三十三条第一款前句 needs 没有造成危害后果: with 轻微 harm and not a first violation, it is punished
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2026-11-01",
                base_amounts=GOODS,
                minor_violation=True,
                correction="in_time",
                harm="minor",
                first_offence=False,
            )
        assert a["outcome"] == "penalty"

    async def test_first_violation_without_any_harm_qualifies_too(self, penalty: Running) -> None:
        # 初次违法且危害后果轻微并及时改正: no harm at all is no more than 轻微
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0019",
                violation_date="2026-11-01",
                first_offence=True,
                harm="none",
                correction="in_time",
            )
        assert a["first_violation_eligible"] is True or a["outcome"] == "no_penalty"

    async def test_remote_area_collection_needs_the_party_s_request(self, penalty: Running) -> None:
        # 第六十九条: 经当事人提出 — without the party's request, refused
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": GOODS},
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[4], "沈阳边远4号有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY))
            body = {
                "ground": "remote_area",
                "area": "remote",
                "reason": "当事人所在村距最近银行网点80公里",
                "party_requested": False,
                "receipt_no": "辽财罚字No.91000002",
            }
            problem(await step(http, cid, "collections", body), 409, "SPOT_COLLECTION_NOT_ALLOWED")
            body |= {"party_requested": True, "receipt_no": "辽财罚字No.91000003"}
            ok(await step(http, cid, "collections", body), 201)


class TestUncoveredYear:
    async def test_seven_working_days_into_an_unentered_year_are_unknown_not_guessed(
        self, penalty: Running
    ) -> None:
        # decided Thu 2026-12-24: 12-25 (1), 12-28 … 12-31 (5), then 2027, whose arrangement is not entered yet
        # (SPEC §1.6: never a silent guess). The decision is still made (第六十条's 90 days do not wait)
        on(date(2026, 12, 24))
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-12-01", "base_amounts": GOODS},
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[5], "沈阳跨年5号有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        assert case["decision"]["delivery_due"] is None
        assert case["decision"]["deadlines_unknown"]
