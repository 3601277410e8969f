"""A fine nobody pays, to the court: 行政强制法 through the gateway.

- 行政处罚法 第七十二条第一款: in default from the day after the last day to pay (fifteen days, 第六十七条第三款).
- 行政强制法 第五十四条: before applying to the court the agency serves a 催告书 (第三十五条, delivered directly:
  第三十八条); the application may be filed once 十日 have passed since its delivery with the duty unperformed —
  第六十九条: periods of ten days or less are working days.
- 第五十三条: an agency without coercive power may apply within three months from the end of the periods for
  reconsideration (行政复议法 第二十条: 60 days) and litigation (行政诉讼法 第四十六条: six months), never before.
- Period arithmetic (民事诉讼法 第八十五条, 行政复议法 第八十八条): the first day is not counted; a period ending on a
  holiday ends on the next working day.

The 2026 arrangement: 中秋 09-25 – 09-27 off, Sun 09-20 worked; 国庆 10-01 – 10-07 off, Sat 10-10 worked.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from tests.e2e.acceptance.journeys import (
    ADMIN,
    CASES,
    YUAN,
    Unit,
    credit_notice,
    dates,
    decide,
    deliver,
    enterprise_headers,
    new_party,
    pin,
)
from tests.support.http import ok, problem
from tests.support.platform import Platform
from tests.support.stack import client

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210111")
DIRECT = {"method": "direct", "recipient": "当事人法定代表人"}


async def received(http: httpx.AsyncClient, day: date) -> tuple[str, str]:
    uscc, name = new_party()
    pin(day)
    cid, _ = await decide(http, UNIT, uscc, name)
    await credit_notice(http, cid, uscc)
    await deliver(http, UNIT, cid)
    return cid, uscc


async def remind(http: httpx.AsyncClient, cid: str, day: date) -> dict[str, object]:
    pin(day)
    ok(await http.post(f"{CASES}/{cid}/enforcement/reminder", json={}, headers=UNIT.headers), 201)
    path = f"{CASES}/{cid}/enforcement/reminder/delivery"
    return ok(await http.post(path, json=DIRECT, headers=UNIT.headers))  # type: ignore[no-any-return]


async def apply(http: httpx.AsyncClient, cid: str, day: date) -> httpx.Response:
    pin(day)
    return await http.post(f"{CASES}/{cid}/enforcement/court-application", json={}, headers=UNIT.headers)


async def test_the_periods_of_a_decision_received_in_march(platform: Platform) -> None:
    """Received Mon 2026-03-16. Pay by 03-31 (15 days, a Tuesday). Reconsideration: 60 days → 05-15 (Fri).
    Litigation: six months → 09-16 (Wed). Window: 09-17 … three months from 09-16, 12-16."""
    async with client(platform.gateway.url) as http:
        cid, uscc = await received(http, date(2026, 3, 16))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=enterprise_headers(uscc)))
        d = dates(view)
        assert d["payment_due"] == "2026-03-31"
        assert (d["reconsideration_ends"], d["litigation_ends"]) == ("2026-05-15", "2026-09-16")
        assert (d["window_opens"], d["window_closes"]) == ("2026-09-17", "2026-12-16")


async def test_no_reminder_before_default(platform: Platform) -> None:
    """Due 03-31: on 03-31 the party is not in default (paying on the last day is on time); on 04-01 it is."""
    async with client(platform.gateway.url) as http:
        cid, _ = await received(http, date(2026, 3, 16))
        pin(date(2026, 3, 31))
        r = await http.post(f"{CASES}/{cid}/enforcement/reminder", json={}, headers=UNIT.headers)
        problem(r, 409, "ENFORCEMENT_NOT_DUE")
        view = await remind(http, cid, date(2026, 4, 1))
        assert view["stage"] == "reminded"


async def test_the_court_application_waits_for_the_window(platform: Platform) -> None:
    """催告书 delivered 04-01; its ten working days end in April, but the window opens 09-17: refused on
    09-16, filed on 09-17."""
    async with client(platform.gateway.url) as http:
        cid, _ = await received(http, date(2026, 3, 16))
        view = await remind(http, cid, date(2026, 4, 1))
        assert view["application_from"] == "2026-09-17"
        body = problem(await apply(http, cid, date(2026, 9, 16)), 409, "ENFORCEMENT_NOT_DUE")
        assert "2026-09-17" in body["detail"] or "2026年9月17日" in body["detail"]
        view = ok(await apply(http, cid, date(2026, 9, 17)), 201)
        assert view["stage"] == "applied"


async def test_ten_working_days_after_a_late_reminder_across_two_holidays(platform: Platform) -> None:
    """催告书 delivered Thu 2026-09-17, the first day of the window. Ten working days: 09-18 1, Sun 09-20
    (worked) 2, 09-21 3, 09-22 4, 09-23 5, 09-24 6, (中秋) 09-28 7, 09-29 8, 09-30 9, (国庆) 10-08 10 → the
    application may be filed from Fri 10-09; refused on 10-08."""
    async with client(platform.gateway.url) as http:
        cid, _ = await received(http, date(2026, 3, 16))
        view = await remind(http, cid, date(2026, 9, 17))
        assert view["application_from"] == "2026-10-09"
        problem(await apply(http, cid, date(2026, 10, 8)), 409, "ENFORCEMENT_NOT_DUE")
        assert ok(await apply(http, cid, date(2026, 10, 9)), 201)["stage"] == "applied"


async def test_the_window_closes_three_months_after_the_periods(platform: Platform) -> None:
    """Window 09-17 … 12-16 (above): filed on its last day 12-16; another case refused on 12-17."""
    async with client(platform.gateway.url) as http:
        last, _ = await received(http, date(2026, 3, 16))
        late, _ = await received(http, date(2026, 3, 16))
        await remind(http, last, date(2026, 4, 1))
        await remind(http, late, date(2026, 4, 1))
        assert ok(await apply(http, last, date(2026, 12, 16)), 201)["stage"] == "applied"
        problem(await apply(http, late, date(2026, 12, 17)), 409, "ENFORCEMENT_WINDOW_CLOSED")


async def test_a_reconsideration_period_ending_on_national_day(platform: Platform) -> None:
    """Received Mon 2026-08-03: 60 days end Fri 10-02, 国庆 → the first working day after, Thu 10-08."""
    async with client(platform.gateway.url) as http:
        cid, uscc = await received(http, date(2026, 8, 3))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=enterprise_headers(uscc)))
        assert dates(view)["reconsideration_ends"] == "2026-10-08"


async def test_a_litigation_period_ending_on_a_sunday(platform: Platform) -> None:
    """Received Fri 2026-03-13: six months end Sun 09-13 → Mon 09-14 (民事诉讼法 第八十五条, which 行政诉讼法
    第一百零一条 applies to its periods); the window opens Tue 09-15."""
    async with client(platform.gateway.url) as http:
        cid, uscc = await received(http, date(2026, 3, 13))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=enterprise_headers(uscc)))
        d = dates(view)
        assert d["reconsideration_ends"] == "2026-05-12"
        assert (d["litigation_ends"], d["window_opens"]) == ("2026-09-14", "2026-09-15")


async def test_an_open_suit_suspends_the_way_to_court(platform: Platform) -> None:
    """A suit recorded 04-02 and still open: no window (第五十三条: only when no remedy was brought)."""
    async with client(platform.gateway.url) as http:
        cid, _ = await received(http, date(2026, 3, 16))
        await remind(http, cid, date(2026, 4, 1))
        pin(date(2026, 4, 2))
        suit = {"source": "litigation", "filed_on": "2026-04-02", "reference": "（2026）辽0102行初12号"}
        view = ok(await http.post(f"{CASES}/{cid}/remedies", json=suit, headers=UNIT.headers))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=UNIT.headers))
        assert view["stage"] == "suspended"
        problem(await apply(http, cid, date(2026, 9, 17)), 409, "ENFORCEMENT_NOT_DUE")


async def test_periods_lengthened_by_a_suit_still_end_on_a_working_day(platform: Platform) -> None:
    """Received Mon 2026-03-02 (reconsideration 60 days → 05-01; litigation six months → 09-02). A suit 04-01 …
    05-30 (concluded, both ends counted: 30 + 30 = 60 days) lengthens both periods by 60 days (第七十三条第三款):
    05-01 + 60 = Tue 06-30 (05-01, 劳动节, is no longer the last day, so nothing moves); 09-02 + 60 = Sun 11-01
    → Mon 11-02 (the lengthened period's last day on a rest day moves, 民事诉讼法 第八十五条, as for the
    unlengthened periods above). The window opens Tue 11-03, the day after the party's last day to sue."""
    async with client(platform.gateway.url) as http:
        cid, _ = await received(http, date(2026, 3, 2))
        pin(date(2026, 4, 1))
        suit = {"source": "litigation", "filed_on": "2026-04-01", "reference": "（2026）辽0102行初9号"}
        ok(await http.post(f"{CASES}/{cid}/remedies", json=suit, headers=UNIT.headers))
        pin(date(2026, 5, 30))
        ended = {"concluded_on": "2026-05-30", "upheld": True}
        ok(await http.post(f"{CASES}/{cid}/remedies/conclude", json=ended, headers=UNIT.headers))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=UNIT.headers))
        d = dates(view)
        assert (d["reconsideration_ends"], d["litigation_ends"]) == ("2026-06-30", "2026-11-02")
        assert d["window_opens"] == "2026-11-03"


async def test_a_deferral_moves_the_surcharge_and_the_window(platform: Platform) -> None:
    """Received Mon 2026-03-16 (pay by 03-31). The party applies on 03-20 for a deferral (第六十六条第二款),
    granted to Fri 10-30: the surcharge runs from 10-31 (on 11-02: 10-31, 11-01, 11-02 = 3 days × 2,250.00 =
    6,750.00 元), and the window opens the day after the latest of the periods (09-16) and the deferred day
    (10-30): 10-31 … three months from 10-30, 2027-01-30."""
    async with client(platform.gateway.url) as http:
        cid, uscc = await received(http, date(2026, 3, 16))
        pin(date(2026, 3, 20))
        applied = {"kind": "deferral", "reasons": "受市场影响资金周转困难", "evidence": ["2026年2月银行流水"]}
        path = f"{CASES}/{cid}/payment-plan/application"
        ok(await http.post(path, json=applied, headers=enterprise_headers(uscc)), 201)
        granted = {
            "approved": True,
            "approved_by": "王局长",
            "reasons": "当事人确有经济困难",
            "new_due": "2026-10-30",
        }
        ok(await http.post(f"{CASES}/{cid}/payment-plan/decision", json=granted, headers=UNIT.headers))
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=UNIT.headers))
        d = dates(view)
        assert (d["payment_due"], d["surcharge_from"]) == ("2026-10-30", "2026-10-31")
        assert (d["window_opens"], d["window_closes"]) == ("2026-10-31", "2027-01-30")
        s = ok(
            await http.get(
                f"{CASES}/{cid}/surcharge", params={"on": "2026-11-02"}, headers=enterprise_headers(uscc)
            )
        )
        assert (s["days_counted"], s["amount_fen"]) == (3, 3 * 225_000)


async def test_an_agency_with_its_own_power_waits_thirty_days_of_surcharge(platform: Platform) -> None:
    """消防 (XF) granted coercive power of its own. SY-XF-0002: 5,000–50,000 元, 一般 [18,500.00, 36,499.99],
    27,500.00 元 decided and received Mon 2026-03-16; pay by 03-31; surcharge from 04-01. 行政强制法 第四十六条:
    the surcharge must have run "超过三十日": day 30 is 04-30, so the 催告 from day 31, 05-01; refused on 04-30.
    Such an agency decides enforcement itself (第三十七条) and does not apply to the court."""
    unit = Unit("XF", "210102")
    uscc, name = new_party()
    async with client(platform.gateway.url) as http:
        grant = {"coercive_power": True, "basis": "《中华人民共和国消防法》第六十条（测试授权）"}
        ok(await http.put("/api/v1/penalty/admin/departments/XF/enforcement", json=grant, headers=ADMIN))
        pin(date(2026, 3, 16))
        cid, _ = await decide(http, unit, uscc, name, code="SY-XF-0002", fine_fen=27_500 * YUAN)
        await credit_notice(http, cid, uscc)
        await deliver(http, unit, cid)
        view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=unit.headers))
        d = dates(view)
        assert (d["payment_due"], d["surcharge_from"], d["reminder_from"]) == (
            "2026-03-31",
            "2026-04-01",
            "2026-05-01",
        )
        pin(date(2026, 4, 30))
        r = await http.post(f"{CASES}/{cid}/enforcement/reminder", json={}, headers=unit.headers)
        problem(r, 409, "ENFORCEMENT_NOT_DUE")
        pin(date(2026, 5, 6))
        ok(await http.post(f"{CASES}/{cid}/enforcement/reminder", json={}, headers=unit.headers), 201)
        path = f"{CASES}/{cid}/enforcement/reminder/delivery"
        ok(await http.post(path, json=DIRECT, headers=unit.headers))
        pin(date(2026, 9, 17))
        r = await http.post(f"{CASES}/{cid}/enforcement/court-application", json={}, headers=unit.headers)
        problem(r, 409, "ENFORCEMENT_STEP_INVALID")
