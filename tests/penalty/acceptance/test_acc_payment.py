"""Examiner's cases: after the decision — paying within fifteen days (行政处罚法 第六十七条第三款), the 3 % a day
surcharge and its cap (第七十二条第一款第一项; 行政强制法 第四十五条), on-the-spot collection (第六十八条), money in
Chinese capitals on the 决定书, publication and its withdrawal (第四十八条), through the case API."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.penalty.acceptance.support import (
    CASES,
    ENTERPRISES,
    PERSON_IDS,
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

GOODS = {"goods_value": yuan("3000")}
FACTS = {"violation_date": "2026-11-01", "base_amounts": GOODS}
DELIVERY = {"method": "direct", "recipient": "当事人法定代表人"}


async def deliver(
    penalty: Running, http: httpx.AsyncClient, cid: str, who: dict[str, str] = SJ_A
) -> dict[str, Any]:
    case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**who)))
    await credit_notice_arrives(penalty, cid, case["decision"]["number"])
    return ok(await step(http, cid, "delivery", DELIVERY, who))  # type: ignore[no-any-return]


async def surcharge(http: httpx.AsyncClient, cid: str, day: str) -> dict[str, Any]:
    return ok(await http.get(f"{CASES}/{cid}/surcharge", params={"on": day}, headers=officer(**SJ_A)))  # type: ignore[no-any-return]


async def delivered_friday(penalty: Running, http: httpx.AsyncClient, n: int, fine_fen: int) -> str:
    """Decided Mon 2026-11-16, delivered Fri 2026-11-20 (within the seven working days)."""
    cid = await decided_general(
        http, facts=FACTS, fine_fen=fine_fen, the_party=party(ENTERPRISES[n], f"沈阳付款{n}号有限公司")
    )
    on(date(2026, 11, 20))
    await deliver(penalty, http, cid)
    return cid


class TestPaymentAndSurcharge:
    async def test_fifteen_days_ending_on_a_saturday_move_to_monday(self, penalty: Running) -> None:
        # received Fri 11-20: 15 days → Sat 12-05, a rest day, so the last day to pay is Mon 12-07
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 6, yuan("27500"))
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            assert case["decision"]["payment_due"] == "2026-12-07"
            on_due = await surcharge(http, cid, "2026-12-07")
            one_day = await surcharge(http, cid, "2026-12-08")
        assert on_due["amount_fen"] == 0
        # 1 day × 3 % × 27,500.00 = 825.00
        assert (one_day["days_counted"], one_day["amount_fen"]) == (1, yuan("825"))

    async def test_surcharge_rounded_once_half_up(self, penalty: Running) -> None:
        # 20,000.50 (inside 一般 18,500 … 36,499.99): 3 % = 600.015 a day. One day → 600.015 → 600.02; two
        # days → 1,200.03 exactly (rounded once, not 2 × 600.02 = 1,200.04)
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 7, yuan("20000.50"))
            one = await surcharge(http, cid, "2026-12-08")
            two = await surcharge(http, cid, "2026-12-09")
        assert one["amount_fen"] == yuan("600.02")
        assert two["amount_fen"] == yuan("1200.03")

    async def test_surcharge_never_exceeds_the_fine(self, penalty: Running) -> None:
        # due 12-07: on 2027-01-09, 12-08…12-31 (24) + 01-01…01-09 (9) = 33 days × 825.00 = 27,225.00; on 01-10,
        # 34 × 825.00 = 28,050.00 > 27,500.00 → 27,500.00
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 8, yuan("27500"))
            d33 = await surcharge(http, cid, "2027-01-09")
            d34 = await surcharge(http, cid, "2027-01-10")
        assert (d33["days_counted"], d33["amount_fen"]) == (33, yuan("27225"))
        assert (d34["days_counted"], d34["amount_fen"], d34["capped"]) == (34, yuan("27500"), True)

    async def test_paying_more_than_the_fine_is_refused(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 9, yuan("27500"))
            over = {"paid_on": "2026-11-20", "fine_fen": yuan("27500.01")}
            problem(await step(http, cid, "payments", over), 400, "PROCEDURE_PAYMENT_EXCEEDS_FINE")
            paid = ok(await step(http, cid, "payments", {"paid_on": "2026-11-20", "fine_fen": yuan("27500")}))
        assert paid["state"] == "executed"


class TestOnTheSpot:
    async def spot_decision(
        self, penalty: Running, http: httpx.AsyncClient, id_number: str, fine_fen: int
    ) -> str:
        cid = await open_case(
            http,
            code="SY-XF-0003",
            who=XF_A,
            partner=XF_B,
            the_party=person(id_number=id_number),
            procedure="simple",
        )
        ok(await step(http, cid, "assessment", {"violation_date": "2026-11-16"}, XF_A))
        ok(await step(http, cid, "decision", {"penalty": {"kinds": ["fine"], "fine_fen": fine_fen}}, XF_A))
        await deliver(penalty, http, cid, XF_A)
        return cid

    async def test_one_hundred_yuan_collected_on_the_spot(self, penalty: Running) -> None:
        # 第六十八条第一项 依法给予一百元以下罚款: 100.00 (in the 一般 tier 100.00 … 299.99 of SY-XF-0003)
        async with client(penalty.url) as http:
            cid = await self.spot_decision(penalty, http, PERSON_IDS[3], yuan("100"))
            body = {"ground": "small_fine", "receipt_no": "辽财罚字No.90000001"}
            ok(await step(http, cid, "collections", body, XF_A), 201)
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**XF_A)))
        assert case["state"] == "executed"

    async def test_one_fen_over_one_hundred_is_not_collected_on_the_spot(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await self.spot_decision(penalty, http, PERSON_IDS[4], yuan("100.01"))
            body = {"ground": "small_fine", "receipt_no": "辽财罚字No.90000002"}
            problem(await step(http, cid, "collections", body, XF_A), 409, "SPOT_COLLECTION_NOT_ALLOWED")

    async def test_a_general_procedure_fine_is_never_collected_as_small(self, penalty: Running) -> None:
        # 第六十八条 opens with 依照本法第五十一条的规定当场作出行政处罚决定
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 5, yuan("27500"))
            body = {"ground": "small_fine", "receipt_no": "辽财罚字No.90000003", "amount_fen": yuan("100")}
            problem(await step(http, cid, "collections", body), 409, "SPOT_COLLECTION_NOT_ALLOWED")

    async def test_small_fine_is_the_fine_decided_not_the_amount_collected(self, penalty: Running) -> None:
        # 第六十八条第一项 依法给予一百元以下罚款的: a fine of 200.00 is not one, even if 100.00 of it is handed over
        async with client(penalty.url) as http:
            cid = await self.spot_decision(penalty, http, PERSON_IDS[5], yuan("200"))
            body = {"ground": "small_fine", "receipt_no": "辽财罚字No.90000004", "amount_fen": yuan("100")}
            problem(await step(http, cid, "collections", body, XF_A), 409, "SPOT_COLLECTION_NOT_ALLOWED")

    async def test_hard_to_enforce_needs_an_on_the_spot_decision(self, penalty: Running) -> None:
        # 第六十八条第二项 opens with 依照本法第五十一条的规定当场作出行政处罚决定 as well
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 1, yuan("27500"))
            body = {
                "ground": "hard_to_enforce",
                "reason": "当事人系流动摊贩，无固定住所",
                "receipt_no": "辽财罚字No.90000005",
            }
            problem(await step(http, cid, "collections", body), 409, "SPOT_COLLECTION_NOT_ALLOWED")


class TestDocumentsAndPublication:
    async def test_the_decision_prints_the_fine_in_figures_and_capitals(self, penalty: Running) -> None:
        # 27,500.00 元 = 贰万柒仟伍佰元整
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts=FACTS,
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[3], "沈阳印文书有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            [doc] = [d for d in case["documents"] if d["kind"] == "penalty_decision"]
            html = (await http.get(doc["html_url"], headers=officer(**SJ_A))).text
        assert "27,500.00" in html
        assert "贰万柒仟伍佰元整" in html

    async def test_publication_and_withdrawal_in_working_days(self, penalty: Running) -> None:
        # published when delivered (Fri 11-20, within 7 working days of Mon 11-16); revoked on Mon 11-23:
        # withdrawn within 三日 (第四十八条第二款, 第八十五条 working days): 11-24, 11-25, 11-26 → 11-26
        async with client(penalty.url) as http:
            cid = await delivered_friday(penalty, http, 4, yuan("27500"))
            [record] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**SJ_A)))
            assert (record["status"], record["due_on"], record["published_on"]) == (
                "published",
                "2026-11-25",
                "2026-11-20",
            )
            public = ok(await http.get("/public/penalty/decisions", params={"limit": 200}))
            assert any("27,500.00" in str(item) for item in public["items"])
            on(date(2026, 11, 23))
            body = {
                "source": "self_correction",
                "reason": "认定事实不清，依法撤销。",
                "source_document": "沈市监撤〔2026〕1号",
            }
            ok(await step(http, cid, "revocation", body))
            [record] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=officer(**SJ_A)))
        assert (record["status"], record["withdrawn_on"], record["withdraw_by"]) == (
            "withdrawn",
            "2026-11-23",
            "2026-11-26",
        )
