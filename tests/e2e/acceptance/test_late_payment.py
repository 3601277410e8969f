"""A fine paid late, across penalty and credit repair.

行政处罚法 第六十七条第三款: the fine is paid within 十五日 of receiving the decision (calendar days: 第八十五条 makes
only 二日、三日、五日、七日 working days); a last day on a rest day moves to the next working day (民事诉讼法
第八十五条, applied by analogy). 第七十二条第一款第一项 and 行政强制法 第四十五条第二款: 3 % of the fine a day from
the day after, never more than the fine. 第七十三条第三款: the days of a reconsideration or suit are not counted.
SPEC §4: repair needs the penalty "fully performed including the fine" — the notice says 含加处的罚款.

The fine of every case here is 75,000.00 元: 3 % a day is 2,250.00 元.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.e2e.acceptance.journeys import (
    CASES,
    CREDIT,
    YUAN,
    Unit,
    credit_notice,
    credit_record,
    decide,
    deliver,
    enterprise_headers,
    new_party,
    pin,
)
from tests.support.http import ok, problem
from tests.support.platform import Platform
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210106")
DAY_FEN = 2_250 * YUAN


async def delivered(http: httpx.AsyncClient, day: date) -> tuple[str, str, dict[str, Any]]:
    uscc, name = new_party()
    pin(day)
    cid, _ = await decide(http, UNIT, uscc, name)
    n = await credit_notice(http, cid, uscc)
    out = await deliver(http, UNIT, cid)
    return cid, uscc, {"notice": n, "delivery": out}


async def surcharge(http: httpx.AsyncClient, cid: str, on: str, uscc: str) -> dict[str, Any]:
    path = f"{CASES}/{cid}/surcharge"
    return ok(await http.get(path, params={"on": on}, headers=enterprise_headers(uscc)))  # type: ignore[no-any-return]


async def test_the_surcharge_starts_the_day_after_the_fifteenth_day(platform: Platform) -> None:
    """Received Mon 2026-11-16: fifteen days end Tue 12-01 (a working day). On 12-01: nothing; 12-02: day 1,
    2,250.00 元; 12-11: 10 days, 22,500.00 元."""
    async with client(platform.gateway.url) as http:
        cid, uscc, out = await delivered(http, date(2026, 11, 16))
        assert out["delivery"]["case"]["decision"]["payment_due"] == "2026-12-01"
        first = await surcharge(http, cid, "2026-12-01", uscc)
        assert (first["days_counted"], first["amount_fen"]) == (0, 0)
        second = await surcharge(http, cid, "2026-12-02", uscc)
        assert (second["days_counted"], second["amount_fen"]) == (1, DAY_FEN)
        tenth = await surcharge(http, cid, "2026-12-11", uscc)
        assert (tenth["days_counted"], tenth["amount_fen"], tenth["capped"]) == (10, 10 * DAY_FEN, False)


async def test_the_surcharge_never_exceeds_the_fine(platform: Platform) -> None:
    """Due 2026-12-01. On 2027-01-03: 12-02 … 12-31 (30) + 01-01 … 01-03 (3) = 33 days, 74,250.00 元; on 01-04,
    34 days would be 76,500.00 > 75,000.00: capped at the fine, 75,000.00 元."""
    async with client(platform.gateway.url) as http:
        cid, uscc, _ = await delivered(http, date(2026, 11, 16))
        day33 = await surcharge(http, cid, "2027-01-03", uscc)
        assert (day33["days_counted"], day33["amount_fen"], day33["capped"]) == (33, 33 * DAY_FEN, False)
        day34 = await surcharge(http, cid, "2027-01-04", uscc)
        assert (day34["days_counted"], day34["amount_fen"], day34["capped"]) == (34, 75_000 * YUAN, True)


async def test_a_last_day_on_a_holiday_moves_to_the_next_working_day(platform: Platform) -> None:
    """Received Thu 2026-09-10: fifteen days end Fri 09-25, 中秋 (09-25 – 09-27 off) → Mon 09-28. On 09-28
    nothing is due; on 09-29, 1 day."""
    async with client(platform.gateway.url) as http:
        cid, uscc, out = await delivered(http, date(2026, 9, 10))
        assert out["delivery"]["case"]["decision"]["payment_due"] == "2026-09-28"
        assert (await surcharge(http, cid, "2026-09-28", uscc))["amount_fen"] == 0
        assert (await surcharge(http, cid, "2026-09-29", uscc))["amount_fen"] == DAY_FEN


async def test_reconsideration_days_are_not_counted(platform: Platform) -> None:
    """Due 2026-12-01; a reconsideration filed 12-05 and ended 12-08 (both days counted as paused: 4 days). On
    12-11: 10 days overdue − 4 = 6 days, 13,500.00 元."""
    async with client(platform.gateway.url) as http:
        cid, uscc, _ = await delivered(http, date(2026, 11, 16))
        pin(date(2026, 12, 5))
        filed = {"source": "reconsideration", "filed_on": "2026-12-05", "reference": "沈政复申〔2026〕88号"}
        ok(await http.post(f"{CASES}/{cid}/remedies", json=filed, headers=UNIT.headers))
        pin(date(2026, 12, 8))
        concluded = {"concluded_on": "2026-12-08", "upheld": True}
        ok(await http.post(f"{CASES}/{cid}/remedies/conclude", json=concluded, headers=UNIT.headers))
        pin(date(2026, 12, 11))
        s = await surcharge(http, cid, "2026-12-11", uscc)
        assert (s["days_overdue"], s["days_excluded"], s["days_counted"]) == (10, 4, 6)
        assert s["amount_fen"] == 6 * DAY_FEN


async def test_a_fine_paid_late_with_its_surcharge_is_fully_performed(platform: Platform) -> None:
    """Decided and received Mon 2026-06-01: due Tue 06-16. Paid on Fri 06-26: 06-17 … 06-26 = 10 days,
    22,500.00 元 of surcharge, collected with the fine. The decision is executed and fully performed; the
    repair applied for on Tue 09-01 (3 months after 06-01) is accepted (refused the day before, 08-31).

    Product reading kept (ambiguous): a fine paid late WITHOUT its surcharge is also "fully performed" for
    credit repair (penalty.fine.paid's ``fully_performed`` looks at the fine only), although the notice lists
    "逾期缴纳的，含加处的罚款". 第七十二条 says the agency 可以 (may) add the surcharge and 行政强制法 第四十二条
    lets it waive it: whether it was imposed is the agency's, not the platform's, finding."""
    async with client(platform.gateway.url) as http:
        cid, uscc, out = await delivered(http, date(2026, 6, 1))
        n = out["notice"]
        assert n["earliest_repair_date"] == "2026-09-01"
        pin(date(2026, 6, 26))
        s = await surcharge(http, cid, "2026-06-26", uscc)
        assert (s["days_counted"], s["amount_fen"]) == (10, 10 * DAY_FEN)
        payment = {"fine_fen": 75_000 * YUAN, "surcharge_fen": 10 * DAY_FEN, "receipt_ref": "R-0626"}
        case = ok(await http.post(f"{CASES}/{cid}/payments", json=payment, headers=UNIT.headers))
        assert case["state"] == "executed"

        async def performed() -> dict[str, Any] | None:
            record = await credit_record(http, n["record_id"], uscc)
            return record if record["fully_performed"] else None

        record = await wait_for(performed, timeout=30)
        assert record["fine_paid_fen"] == 75_000 * YUAN

        application = {
            "record_id": n["record_id"],
            "commitment_text": "本企业承诺已纠正违法行为并全部履行处罚决定，所提交材料真实有效。",
            "commitment_accepted": True,
            "violation_corrected": True,
            "evidence_refs": ["sha256:0a1b2c"],
        }
        pin(date(2026, 8, 31))
        early = await http.post(f"{CREDIT}/repairs", json=application, headers=enterprise_headers(uscc))
        assert "2026年9月1日" in problem(early, 409, "REPAIR_TOO_EARLY")["detail"]
        pin(date(2026, 9, 1))
        applied = ok(
            await http.post(f"{CREDIT}/repairs", json=application, headers=enterprise_headers(uscc)), 201
        )
        decided = ok(
            await http.post(
                f"{CREDIT}/repairs/{applied['id']}/decision",
                json={"outcome": "accepted", "reasons": ["已纠正违法行为并履行处罚决定"]},
                headers=UNIT.headers,
            )
        )
        assert decided["status"] == "repaired"
        record = await credit_record(http, n["record_id"], uscc)
        assert (record["publication"]["end_reason"], record["publication"]["ended_on"]) == (
            "repaired",
            "2026-09-01",
        )


async def test_a_partial_payment_with_its_surcharge_settles_the_days_before_it(platform: Platform) -> None:
    """Due 2026-12-01; on Fri 12-11 (10 days late) 25,000.00 元 of the fine is paid with 22,500.00 元 of
    surcharge — the figure GET /surcharge gives for 12-11 (10 × 3 % × 75,000.00) and the payment's lawful
    surcharge. 50,000.00 元 is still owed, 1,500.00 元 a day, from 12-12: on 12-21, 10 × 1,500.00 = 15,000.00 元
    (total surcharge 37,500.00 = 3 % a day of what was outstanding each day).

    Counting the remaining 50,000.00 from 12-02 again (20 × 1,500.00 = 30,000.00, a total of 52,500.00) would be
    more than even 3 % of the whole fine every day to 12-21 (20 × 2,250.00 = 45,000.00)."""
    async with client(platform.gateway.url) as http:
        cid, uscc, _ = await delivered(http, date(2026, 11, 16))
        pin(date(2026, 12, 11))
        due = await surcharge(http, cid, "2026-12-11", uscc)
        assert due["amount_fen"] == 10 * DAY_FEN
        payment = {"fine_fen": 25_000 * YUAN, "surcharge_fen": 10 * DAY_FEN, "receipt_ref": "R-1211"}
        ok(await http.post(f"{CASES}/{cid}/payments", json=payment, headers=UNIT.headers))
        s = await surcharge(http, cid, "2026-12-21", uscc)
        assert s["base_fen"] == 50_000 * YUAN
        assert s["amount_fen"] == 10 * 1_500 * YUAN
