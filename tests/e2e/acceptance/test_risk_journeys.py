"""What other systems and services tell the risk service, and what the supervisors then see (SPEC §5).

- Reconsideration outcomes (行政复议法 第六十三条 变更, 第六十四条 撤销, 第六十五条 确认违法, 第六十六条 责令履行,
  第六十七条 确认无效 are corrections; 第六十八条 维持 and 第六十九条 驳回 are not) reach the unit's quarter.
  Colours (docs/risk-model.md, version 2026.4 for 2026Q4): yellow at 3 corrections or 3 complaints.
- 12345 leads (seed 000 "12345热线线索每周移送"): a lead belongs to its ISO week (Beijing time) and is transferred
  by the first working day after the week's Sunday; the unit answers within 5 working days (涉企执法) or 10
  (others) of the transfer.
- Enterprise classes (docs/risk-model.md §5): a 一般-tier penalty 20 points (linear decay over 1,095 days), an
  active publication 15, a 12345 complaint naming it 3, a completed repair −10; A < 20 ≤ B < 40 ≤ C < 70 ≤ D.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from tests.e2e.acceptance.journeys import (
    CASES,
    COURT,
    HOTLINE,
    RECONSIDERATION,
    RISK,
    SUPERVISOR,
    Unit,
    credit_notice,
    decide,
    deliver,
    new_party,
    pin,
)
from tests.support.http import ok, problem
from tests.support.platform import Platform
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.slow


async def unit_row(http: httpx.AsyncClient, quarter: str, unit_code: str) -> dict[str, Any] | None:
    r = ok(await http.get(f"{RISK}/reports/{quarter}", headers=SUPERVISOR))
    rows = [u for u in r["units"] if u["unit_code"] == unit_code] if "units" in r else []
    if not rows:
        rows = [u for u in r.get("rows", r.get("entries", [])) if u.get("unit_code") == unit_code]
    return rows[0] if rows else None


def outcome(external_id: str, unit: str, result: str, on: str, **extra: Any) -> dict[str, Any]:
    body = {
        "external_id": external_id,
        "unit_code": unit,
        "domain": "食品安全",
        "outcome": result,
        "decided_on": on,
    }
    if result not in ("upheld", "dismissed"):
        body["illegality"] = "facts_unclear"
    return {**body, **extra}


async def test_three_corrections_of_five_outcomes_colour_the_unit_yellow(platform: Platform) -> None:
    """ST-210181 in 2026Q4: 撤销, 确认违法, 责令履行 (3 corrections), 维持 and 驳回 (none). No decisions, so no rate:
    judged on counts only, 3 corrections ≥ 3 → yellow."""
    unit = "ST-210181"
    pin(date(2026, 11, 23))
    async with client(platform.gateway.url) as http:
        sent = [
            outcome("沈复决〔2026〕201号", unit, "revoked", "2026-10-12"),
            outcome("沈复决〔2026〕202号", unit, "confirmed_illegal", "2026-10-19"),
            outcome("沈复决〔2026〕203号", unit, "ordered_to_perform", "2026-11-02"),
            outcome("沈复决〔2026〕204号", unit, "upheld", "2026-11-03"),
            outcome("沈复决〔2026〕205号", unit, "dismissed", "2026-11-04"),
        ]
        counted = []
        for body in sent:
            r = ok(await http.post(f"{RISK}/intake/reconsideration", json=body, headers=RECONSIDERATION), 201)
            counted.append(r["counts_as"])
        assert counted == ["reconsideration_correction"] * 3 + [None, None]
        row = await unit_row(http, "2026Q4", unit)
        assert row is not None
        f = row["figures"]
        assert (f["decisions"], f["reconsideration_corrections"], f["corrections"]) == (0, 3, 3)
        assert row["colour"] == "yellow"


async def test_a_penalty_decision_and_its_reconsideration_make_the_rate(platform: Platform) -> None:
    """SJ-210112 decides one case on Mon 2026-11-02 (penalty.decision.issued → risk); the reconsideration
    body revokes it on 11-20 and sends the outcome with the case id: 1 correction / 1 decision = 100.00 %.
    The officer also records the revocation on the case (penalty.decision.revoked): still 1 correction, the
    same act told twice."""
    unit = Unit("SJ", "210112")
    uscc, name = new_party()
    async with client(platform.gateway.url) as http:
        pin(date(2026, 11, 2))
        cid, _ = await decide(http, unit, uscc, name)
        await credit_notice(http, cid, uscc)
        await deliver(http, unit, cid)
        pin(date(2026, 11, 20))
        body = outcome(
            "沈复决〔2026〕301号",
            unit.code,
            "revoked",
            "2026-11-20",
            penalty_case_id=cid,
            penalty_decided_on="2026-11-02",
        )
        ok(await http.post(f"{RISK}/intake/reconsideration", json=body, headers=RECONSIDERATION), 201)
        revocation = {
            "source": "reconsideration",
            "reason": "主要事实不清",
            "source_document": "沈复决〔2026〕301号",
        }
        ok(await http.post(f"{CASES}/{cid}/revocation", json=revocation, headers=unit.headers))
        pin(date(2026, 11, 23))

        async def row() -> dict[str, Any] | None:
            r = await unit_row(http, "2026Q4", unit.code)
            return r if r and r["figures"]["decisions"] == 1 and r["figures"]["corrections"] >= 1 else None

        found = await wait_for(row, timeout=30)
        f = found["figures"]
        assert (f["decisions"], f["reconsideration_corrections"], f["corrections"]) == (1, 1, 1)
        assert f["correction_rate"] == "100.00%"


async def test_three_complaints_in_a_quarter_colour_the_unit_yellow(platform: Platform) -> None:
    unit = "CG-210113"
    pin(date(2026, 11, 23))
    async with client(platform.gateway.url) as http:
        for i, day in enumerate(("2026-10-09", "2026-10-20", "2026-11-05"), start=1):
            lead = {
                "external_id": f"12345-CG113-{i}",
                "unit_code": unit,
                "domain": "市容环境",
                "category": "执法态度",
                "text": "反映执法人员态度粗暴。",
                "received_at": f"{day}T09:00:00+08:00",
            }
            ok(await http.post(f"{RISK}/intake/complaints", json=lead, headers=HOTLINE), 201)
        row = await unit_row(http, "2026Q4", unit)
        assert row is not None
        assert row["figures"]["complaints"] == 3 and row["colour"] == "yellow"


async def test_a_lead_of_the_mid_autumn_week_is_transferred_on_monday(platform: Platform) -> None:
    """Received Wed 2026-09-23 (ISO week 2026-W39, 09-21 … 09-27): transfer due on the first working day after
    Sunday 09-27, Mon 09-28. Refused before the week ends (Fri 09-25). Transferred 09-28; 涉企执法: 5 working
    days, 09-29 1, 09-30 2, (国庆) 10-08 3, 10-09 4, Sat 10-10 (worked) 5 → answer by 2026-10-10."""
    pin(date(2026, 9, 23))
    async with client(platform.gateway.url) as http:
        lead = {
            "external_id": "12345-20260923-0001",
            "unit_code": "SJ-210113",
            "domain": "食品安全",
            "category": "涉企执法",
            "text": "反映执法人员检查时未出示执法证件。",
            "received_at": "2026-09-23T09:30:00+08:00",
        }
        created = ok(await http.post(f"{RISK}/intake/complaints", json=lead, headers=HOTLINE), 201)
        assert created["batch"] == "2026-W39"
        read = ok(await http.get(f"{RISK}/leads/{created['id']}", headers=SUPERVISOR))
        assert read["flags"]["due_on"] == "2026-09-28"
        pin(date(2026, 9, 25))
        r = await http.post(f"{RISK}/leads/transfers", json={"batch": "2026-W39"}, headers=SUPERVISOR)
        problem(r, 409, "LEAD_BATCH_NOT_ENDED")
        pin(date(2026, 9, 28))
        ok(await http.post(f"{RISK}/leads/transfers", json={"batch": "2026-W39"}, headers=SUPERVISOR))
        read = ok(await http.get(f"{RISK}/leads/{created['id']}", headers=SUPERVISOR))
        assert (read["status"], read["answer_due_on"]) == ("transferred", "2026-10-10")


async def test_a_lead_of_national_day_week_waits_for_the_holiday(platform: Platform) -> None:
    """Received Wed 2026-09-30 (2026-W40, 09-28 … 10-04): the first working day after Sunday 10-04 is Thu 10-08
    (10-05 – 10-07 国庆). Transferred 10-08; 执法态度: 10 working days, 10-09 1, Sat 10-10 2, 10-12 3, 10-13 4,
    10-14 5, 10-15 6, 10-16 7, 10-19 8, 10-20 9, 10-21 10 → answer by 2026-10-21."""
    pin(date(2026, 9, 30), hour=16)
    async with client(platform.gateway.url) as http:
        lead = {
            "external_id": "12345-20260930-0001",
            "unit_code": "SJ-210113",
            "domain": "食品安全",
            "category": "执法态度",
            "text": "反映执法人员态度生硬。",
            "received_at": "2026-09-30T15:00:00+08:00",
        }
        created = ok(await http.post(f"{RISK}/intake/complaints", json=lead, headers=HOTLINE), 201)
        assert created["batch"] == "2026-W40"
        read = ok(await http.get(f"{RISK}/leads/{created['id']}", headers=SUPERVISOR))
        assert read["flags"]["due_on"] == "2026-10-08"
        pin(date(2026, 10, 8))
        ok(await http.post(f"{RISK}/leads/transfers", json={"batch": "2026-W40"}, headers=SUPERVISOR))
        read = ok(await http.get(f"{RISK}/leads/{created['id']}", headers=SUPERVISOR))
        assert read["answer_due_on"] == "2026-10-21"


async def classified(http: httpx.AsyncClient, uscc: str, score: int) -> dict[str, Any]:
    async def ready() -> dict[str, Any] | None:
        r = await http.get(f"{RISK}/enterprises/{uscc}", headers=SUPERVISOR)
        return r.json() if r.status_code == 200 and r.json()["score"] == score else None

    try:
        return await wait_for(ready, timeout=30)  # type: ignore[no-any-return]
    except AssertionError:
        raise AssertionError(
            (await http.get(f"{RISK}/enterprises/{uscc}", headers=SUPERVISOR)).text
        ) from None


async def test_a_penalty_and_its_publication_move_the_enterprise_to_b(platform: Platform) -> None:
    """Decided Mon 2026-11-16 in the 一般 tier (20 points, age 0) and published (15): 35 → B. A 12345 complaint
    naming it: 38, still B. The decision confirmed void by a court the same day: the penalty and the
    publication no longer count: 3 → A."""
    unit = Unit("SJ", "210113")
    uscc, name = new_party()
    pin(date(2026, 11, 16))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(http, unit, uscc, name)
        await credit_notice(http, cid, uscc)
        await deliver(http, unit, cid)
        cls = await classified(http, uscc, 35)
        assert cls["risk_class"] == "B"
        lead = {
            "external_id": f"12345-class-{uscc}",
            "unit_code": unit.code,
            "domain": "食品安全",
            "uscc": uscc,
            "category": "涉企执法",
            "text": "反映企业销售过期食品。",
            "received_at": "2026-11-16T09:00:00+08:00",
        }
        ok(await http.post(f"{RISK}/intake/complaints", json=lead, headers=HOTLINE), 201)
        assert (await classified(http, uscc, 38))["risk_class"] == "B"
        void = {
            "source": "litigation",
            "finding": "confirmed_void",
            "reason": "作出决定的机关不具有行政主体资格",
            "source_document": "（2026）辽0102行初99号",
            "effective_on": "2026-11-16",
        }
        ok(await http.post(f"{CASES}/{cid}/confirmation", json=void, headers=unit.headers))
        assert (await classified(http, uscc, 3))["risk_class"] == "A"


async def test_a_late_delivery_is_an_overdue_procedure_of_the_unit(platform: Platform) -> None:
    """SJ-210114 decides on Mon 2026-11-02 and delivers only on Thu 11-12: seven working days (第六十一条, 第八十五条)
    end Wed 11-11 (11-03 1 … 11-11 7), so the delivery is late, and with it the publication made at delivery
    (seed 003: 7 working days, 11-11): two overdue procedures of the unit in 2026Q4. The party then pays late
    (received 11-12, fifteen days → 11-27, paid 11-30): 第六十七条第三款 puts that period on the party, so it is
    not the unit's procedure and the count stays 2."""
    unit = Unit("SJ", "210114")
    uscc, name = new_party()
    async with client(platform.gateway.url) as http:
        pin(date(2026, 11, 2))
        cid, _ = await decide(http, unit, uscc, name)
        await credit_notice(http, cid, uscc)
        pin(date(2026, 11, 12))
        delivered = await deliver(http, unit, cid)
        assert delivered["case"]["decision"]["payment_due"] == "2026-11-27"
        pin(date(2026, 11, 30))
        payment = {"fine_fen": 7_500_000, "surcharge_fen": 3 * 225_000}
        ok(await http.post(f"{CASES}/{cid}/payments", json=payment, headers=unit.headers))

        async def overdue() -> list[str] | None:
            path = f"{RISK}/units/{unit.code}/quarters/2026Q4"
            r = await http.get(path, params={"limit": "200"}, headers=SUPERVISOR)
            refs = sorted(x["ref"] for x in r.json()["overdue_procedures"]) if r.status_code == 200 else []
            return refs if len(refs) >= 2 else None

        await wait_for(overdue, timeout=30)
        await asyncio.sleep(2)  # penalty.deadline.missed (payment) is published after the other two
        assert await overdue() == [f"{cid}:delivery", f"{cid}:publication"]
        row = await unit_row(http, "2026Q4", unit.code)
        assert row is not None and row["figures"]["overdue_procedures"] == 2


def litigation(
    external_id: str, unit: str, result: str, on: str, loss_type: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "unit_code": unit,
        "domain": "城市管理",
        "result": result,
        "decided_on": on,
    }
    if loss_type:
        body["loss_type"] = loss_type
    return body


async def test_litigation_losses_count_and_light_the_unit(platform: Platform) -> None:
    """CG-210124 in 2026Q4: lost twice (撤销, 确认无效), won once, one suit withdrawn: 2 losses, 2 corrections.
    SJ-210124 decides one case on 11-02 and loses nothing. Active units (decided or lost) are at least these
    two and no other unit of this platform loses a suit in 2026Q4, so the city average is 2 / (≥ 2) ≤ 1.00 < 2:
    lit (亮灯, strictly above the average). Won and withdrawn suits do not count."""
    court = COURT
    unit = "CG-210124"
    decider = Unit("SJ", "210124")
    async with client(platform.gateway.url) as http:
        uscc, name = new_party()
        pin(date(2026, 11, 2))
        await decide(http, decider, uscc, name)
        pin(date(2026, 11, 23))

        async def active() -> dict[str, Any] | None:
            return await unit_row(http, "2026Q4", decider.code)

        await wait_for(active, timeout=30)
        sent = [
            litigation("（2026）辽0124行初1号", unit, "lost", "2026-10-15", "revoked"),
            litigation("（2026）辽0124行初2号", unit, "lost", "2026-10-22", "confirmed_invalid"),
            litigation("（2026）辽0124行初3号", unit, "won", "2026-11-05"),
            litigation("（2026）辽0124行初4号", unit, "withdrawn", "2026-11-06"),
        ]
        for body in sent:
            ok(await http.post(f"{RISK}/intake/litigation", json=body, headers=court), 201)
        row = await unit_row(http, "2026Q4", unit)
        assert row is not None
        f = row["figures"]
        assert (f["litigation_losses"], f["corrections"]) == (2, 2)
        assert row["lamp"] is True


async def test_the_same_outcome_sent_twice_counts_once(platform: Platform) -> None:
    """Intake is idempotent on the external id: 沈复决〔2026〕401号 sent twice is one correction; sent again with
    another outcome it is refused (INTAKE_EXTERNAL_ID_CONFLICT)."""
    unit = "ST-210124"
    pin(date(2026, 11, 23))
    async with client(platform.gateway.url) as http:
        body = outcome("沈复决〔2026〕401号", unit, "changed", "2026-10-30")
        first = ok(await http.post(f"{RISK}/intake/reconsideration", json=body, headers=RECONSIDERATION), 201)
        again = await http.post(f"{RISK}/intake/reconsideration", json=body, headers=RECONSIDERATION)
        assert again.status_code == 201 and again.json() == first
        other = {**body, "outcome": "upheld"}
        other.pop("illegality")
        problem(
            await http.post(f"{RISK}/intake/reconsideration", json=other, headers=RECONSIDERATION),
            409,
            "INTAKE_EXTERNAL_ID_CONFLICT",
        )
        row = await unit_row(http, "2026Q4", unit)
        assert row is not None and row["figures"]["reconsideration_corrections"] == 1
