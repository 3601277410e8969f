"""加处罚款 through the API (``GET /cases/{id}/surcharge?on=``), worked by hand: 行政处罚法 第七十二条第一款第一项
(3% of the fine a day, never more than the fine) and 第七十三条第三款 (days of reconsideration or litigation
not counted)."""

from __future__ import annotations

from datetime import date

from tests.penalty.helpers import SJ_A, SUGGESTED_FEN, USCC_A, YUAN, pin_clock, to_decided
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"


async def delivered_case(penalty: Running) -> str:
    """A fine of 27,500.00 yuan decided and delivered on Mon 2026-11-16: 15 calendar days to pay
    (第六十七条第三款) → Tue 2026-12-01, a working day, so the last day to pay is 12-01."""
    async with client(penalty.url) as http:
        decided = await to_decided(http)
        cid = str(decided["id"])
        await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
        body = {"method": "direct", "recipient": "当事人法定代表人"}
        delivered = ok(await http.post(f"{CASES}/{cid}/delivery", json=body, headers=officer(**SJ_A)))
        assert delivered["case"]["decision"]["payment_due"] == "2026-12-01"
    return cid


async def surcharge(penalty: Running, cid: str, on: str, headers: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    async with client(penalty.url) as http:
        return ok(  # type: ignore[no-any-return]
            await http.get(f"{CASES}/{cid}/surcharge", params={"on": on}, headers=headers or officer(**SJ_A))
        )


class TestSurcharge:
    async def test_three_percent_a_day_from_the_day_after_the_last_day_to_pay(self, penalty: Running) -> None:
        assert SUGGESTED_FEN == 27_500 * YUAN
        cid = await delivered_case(penalty)
        # the last day to pay is still in time
        on_due = await surcharge(penalty, cid, "2026-12-01")
        assert (on_due["days_overdue"], on_due["amount_fen"]) == (0, 0)
        # 12-02 … 12-11 = 10 days × 3% × 27,500.00 = 10 × 825.00 = 8,250.00
        r = await surcharge(penalty, cid, "2026-12-11")
        assert (r["days_overdue"], r["days_excluded"], r["days_counted"]) == (10, 0, 10)
        assert r["amount_fen"] == 8_250 * YUAN and r["capped"] is False
        assert r["base_fen"] == 27_500 * YUAN and r["payment_due"] == "2026-12-01"
        # the enterprise sees its own case's surcharge
        assert (await surcharge(penalty, cid, "2026-12-11", enterprise(USCC_A)))["amount_fen"] == 8_250 * YUAN

    async def test_capped_at_the_fine(self, penalty: Running) -> None:
        cid = await delivered_case(penalty)
        # 33 days (12-02 … 2027-01-03: 30 in December + 3): 33 × 825.00 = 27,225.00, under the fine
        r = await surcharge(penalty, cid, "2027-01-03")
        assert (r["days_counted"], r["amount_fen"], r["capped"]) == (33, 27_225 * YUAN, False)
        # 34 days: 34 × 825.00 = 28,050.00 > 27,500.00 → the fine itself
        r = await surcharge(penalty, cid, "2027-01-04")
        assert (r["days_counted"], r["amount_fen"], r["capped"]) == (34, 27_500 * YUAN, True)

    async def test_the_cap_counts_the_surcharge_already_collected(self, penalty: Running) -> None:
        # 行政处罚法 第七十二条第一款第一项 and 行政强制法 第四十五条第二款: 加处罚款的数额不得超出罚款的数额 — the
        # surcharge of this fine, over all its payments, is at most the fine, 27,500.00.
        cid = await delivered_case(penalty)
        # On 2027-01-04 (34 days late) the surcharge is capped at 27,500.00 (test_capped_at_the_fine). The party
        # pays 10,000.00 of the fine with that whole 27,500.00 surcharge: the cap is used up.
        pin_clock(date(2027, 1, 4))
        paid = {"paid_on": "2027-01-04", "fine_fen": 10_000 * YUAN, "surcharge_fen": 27_500 * YUAN}
        async with client(penalty.url) as http:
            ok(await http.post(f"{CASES}/{cid}/payments", json=paid, headers=officer(**SJ_A)))
        # On 01-05 17,500.00 is outstanding, 35 days late: 35 × 3% × 17,500.00 = 18,375.00, above the
        # 17,500.00 outstanding; but 27,500.00 of surcharge was collected already, so 27,500.00 − 27,500.00 =
        # 0.00 may still be added (before: 17,500.00, a total of 45,000.00 on a fine of 27,500.00).
        r = await surcharge(penalty, cid, "2027-01-05")
        assert r["base_fen"] == 17_500 * YUAN
        assert (r["amount_fen"], r["capped"]) == (0, True)

    async def test_a_partial_payment_s_surcharge_counts_towards_the_rest(self, penalty: Running) -> None:
        cid = await delivered_case(penalty)
        # Paid 10,000.00 on 12-31, 30 days late (12-02 … 12-31), with 30 × 825.00 = 24,750.00 surcharge (the
        # lawful amount on the 27,500.00 then outstanding).
        pin_clock(date(2026, 12, 31))
        paid = {"paid_on": "2026-12-31", "fine_fen": 10_000 * YUAN, "surcharge_fen": 24_750 * YUAN}
        async with client(penalty.url) as http:
            ok(await http.post(f"{CASES}/{cid}/payments", json=paid, headers=officer(**SJ_A)))
        # On 2027-01-10: the 10,000.00 paid on 12-31 carried 30 × 3% × 10,000.00 = 9,000.00; the 17,500.00 left,
        # 40 days late (12-02 … 01-10), 40 × 525.00 = 21,000.00, over itself: 17,500.00 (行政强制法 第四十五条
        # 第二款). In all 9,000.00 + 17,500.00 = 26,500.00 (under the fine's 27,500.00), less the 24,750.00
        # collected with the payment: 1,750.00.
        r = await surcharge(penalty, cid, "2027-01-10")
        assert r["base_fen"] == 17_500 * YUAN
        assert (r["days_counted"], r["amount_fen"], r["capped"]) == (40, 1_750 * YUAN, True)
        assert "合计26,500.00元" in r["explanation"] and "已收取加处罚款24,750.00元" in r["explanation"]

    async def test_the_case_s_deadline_shows_the_same_surcharge_after_a_partial_payment(
        self, penalty: Running
    ) -> None:
        cid = await delivered_case(penalty)
        # 10,000.00 paid on the last day to pay, 12-01, without surcharge: 17,500.00 outstanding.
        pin_clock(date(2026, 12, 1))
        paid = {"paid_on": "2026-12-01", "fine_fen": 10_000 * YUAN}
        async with client(penalty.url) as http:
            ok(await http.post(f"{CASES}/{cid}/payments", json=paid, headers=officer(**SJ_A)))
        # On 12-11, 10 days late (12-02 … 12-11): 10 × 3% × 17,500.00 = 10 × 525.00 = 5,250.00, both on
        # GET /surcharge and on the case's overdue payment deadline (before: 10 × 825.00 = 8,250.00 there,
        # on the whole fine).
        pin_clock(date(2026, 12, 11))
        r = await surcharge(penalty, cid, "2026-12-11")
        assert (r["base_fen"], r["amount_fen"]) == (17_500 * YUAN, 5_250 * YUAN)
        async with client(penalty.url) as http:
            view = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
        [payment] = [d for d in view["deadlines"] if d["deadline"] == "payment"]
        assert payment["surcharge_fen"] == 5_250 * YUAN

    async def test_reconsideration_days_are_not_counted(self, penalty: Running) -> None:
        cid = await delivered_case(penalty)
        pin_clock(date(2026, 12, 20))
        async with client(penalty.url) as http:
            filed = {"source": "reconsideration", "filed_on": "2026-12-05", "reference": "沈政复〔2026〕88号"}
            ok(await http.post(f"{CASES}/{cid}/remedies", json=filed, headers=officer(**SJ_A)))
            ended = {"concluded_on": "2026-12-08", "upheld": True}
            ok(await http.post(f"{CASES}/{cid}/remedies/conclude", json=ended, headers=officer(**SJ_A)))
        # 12-02 … 12-11 = 10 days overdue; 12-05 … 12-08 (both ends) = 4 days of reconsideration excluded;
        # 6 days × 825.00 = 4,950.00
        r = await surcharge(penalty, cid, "2026-12-11")
        assert (r["days_overdue"], r["days_excluded"], r["days_counted"]) == (10, 4, 6)
        assert r["amount_fen"] == 4_950 * YUAN
        assert [(x["filed_on"], x["concluded_on"], x["days_excluded"]) for x in r["pauses"]] == [
            ("2026-12-05", "2026-12-08", 4)
        ]

    async def test_not_yet_delivered_means_no_surcharge(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            decided = await to_decided(http)
        r = await surcharge(penalty, str(decided["id"]), "2027-06-01")
        assert (r["payment_due"], r["amount_fen"]) == (None, 0)
        assert "尚未送达" in r["explanation"]

    async def test_bad_day_is_a_problem(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            decided = await to_decided(http)
            r = await http.get(
                f"{CASES}/{decided['id']}/surcharge", params={"on": "2026-13-01"}, headers=officer(**SJ_A)
            )
        problem(r, 422, "VALIDATION_FAILED")
