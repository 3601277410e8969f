"""初次违法 and 再次违法 from the record, not from the officer (行政处罚法 第三十三条第一款; domain.history).

Item SY-SJ-0011 (sample catalogue, 广告法): on the 首违不罚 list ("初次违法，危害后果轻微并及时改正"); its heavier
tier reads "一年内因同一违法行为受过行政处罚", so the look-back period is 12 months. The clock is pinned to
Mon 2026-11-16; every new violation below is of 2026-10-27, so the window is
2026-10-27 − 12 months = 2025-10-27 … 2026-10-27.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.penalty.helpers import SJ_A, TODAY, USCC_A, USCC_B, USCC_C, open_case, pin_clock
from tests.support.http import ok, problem
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, client

CODE = "SY-SJ-0011"
VIOLATION = "2026-10-27"
CASES = "/api/v1/penalty/cases"
# 首违不罚 conditions met but for the record: minor harm, corrected in time; the officer claims 初次违法.
CLAIM = {"violation_date": VIOLATION, "harm": "minor", "correction": "in_time", "first_offence": True}


async def _decided_on(http: httpx.AsyncClient, day: date, uscc: str) -> dict[str, Any]:
    """A penalty decision of the item for ``uscc`` issued on ``day`` (violation 10 days before)."""
    pin_clock(day)
    try:
        cid = (await open_case(http, code=CODE, uscc=uscc))["id"]
        who = officer(**SJ_A)
        ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=who))
        facts = {"violation_date": date.fromordinal(day.toordinal() - 10).isoformat()}
        a = ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=who))
        amount = {"kinds": ["fine"], "fine_fen": a["penalty"]["suggested_fine_fen"]}
        ok(await http.post(f"{CASES}/{cid}/notice", json={"facts": ["x"], "proposed": amount}, headers=who))
        ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=who))
        decided: dict[str, Any] = ok(
            await http.post(f"{CASES}/{cid}/decision", json={"penalty": amount}, headers=who)
        )
        return decided
    finally:
        pin_clock(TODAY)


async def _assess(http: httpx.AsyncClient, uscc: str, body: dict[str, Any]) -> tuple[str, httpx.Response]:
    cid = (await open_case(http, code=CODE, uscc=uscc))["id"]
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=officer(**SJ_A)))
    return cid, await http.post(f"{CASES}/{cid}/assessment", json=body, headers=officer(**SJ_A))


async def test_a_decision_within_the_period_bars_first_offence(penalty: Running) -> None:
    async with client(penalty.url) as http:
        # decided 2026-03-02: 2025-10-27 ≤ 2026-03-02 ≤ 2026-10-27, inside the window
        prior = await _decided_on(http, date(2026, 3, 2), USCC_C)
        _, r = await _assess(http, USCC_C, CLAIM)
        a = ok(r)
    assert not a["first_violation_eligible"]  # the claim of 初次违法 does not count
    record = a["record"]
    assert (record["first_offence"], record["repeated"]) == (False, True)
    assert (record["window_start"], record["window_end"], record["period_months"]) == (
        "2025-10-27",
        VIOLATION,
        12,
    )
    assert record["relied_on"] == [
        {"case_id": prior["id"], "decision_no": prior["decision"]["number"], "decided_on": "2026-03-02"}
    ]
    first = a["steps"][0]
    assert first["rule"] == "record"
    assert prior["decision"]["number"] in first["text"] and "2026-03-02" in first["text"]
    assert prior["case_no"] in first["text"] and "再次违法" in first["text"]
    assert a["penalty"]["tier_key"] == "heavier"  # 再次违法 is the benchmark's 从重 circumstance


async def test_a_decision_before_the_period_does_not(penalty: Running) -> None:
    async with client(penalty.url) as http:
        # decided 2025-06-02 < 2025-10-27: outside the window
        await _decided_on(http, date(2025, 6, 2), USCC_B)
        # the officer even types "not a first offence": the record decides
        _, r = await _assess(http, USCC_B, {**CLAIM, "first_offence": False})
        a = ok(r)
    assert a["first_violation_eligible"]
    assert a["record"]["relied_on"] == [] and a["record"]["first_offence"]
    assert "未因同一违法行为" in a["steps"][0]["text"]


async def test_a_contest_needs_a_reason_and_reaches_the_supervisor(penalty: Running) -> None:
    async with client(penalty.url) as http:
        # USCC_C has the 2026-03-02 decision of the first test (same module database)
        no_reason = {**CLAIM, "contests": [{"fact": "first_offence", "value": True, "reason": " "}]}
        _, r = await _assess(http, USCC_C, no_reason)
        problem(r, 422, "VALIDATION_FAILED")
        reason = "前案决定已被复议机关撤销，撤销决定书尚未录入系统（沈复〔2026〕9号）"
        contested = {**CLAIM, "contests": [{"fact": "first_offence", "value": True, "reason": reason}]}
        cid, r = await _assess(http, USCC_C, contested)
        a = ok(r)
        assert a["first_violation_eligible"]
        assert a["record"]["contests"] == [
            {"fact": "first_offence", "derived": False, "value": True, "reason": reason}
        ]
        assert reason in a["steps"][0]["text"]
        report = ok(await http.get("/api/v1/penalty/consistency", headers=supervisor()))
    (flag,) = [f for f in report["contested_facts"] if f["case_id"] == cid]
    assert (flag["fact"], flag["derived"], flag["claimed"], flag["reason"]) == (
        "first_offence",
        False,
        True,
        reason,
    )
    assert flag["relied_on"][0]["decided_on"] == "2026-03-02"
    assert report["contested_facts_total"] >= 1


async def test_first_violation_waiver_is_granted_once(penalty: Running) -> None:
    async with client(penalty.url) as http:
        # 2026-11-16: 首违不罚 granted (不予行政处罚决定) for a violation of 2026-11-06
        pin_clock(date(2026, 11, 16))
        first = {**CLAIM, "violation_date": "2026-11-06"}
        cid, r = await _assess(http, USCC_A, first)
        assert ok(r)["first_violation_eligible"]
        body = {"education": ["已对当事人进行广告法律法规宣传教育。"]}
        waived = ok(await http.post(f"{CASES}/{cid}/no-penalty-decision", json=body, headers=officer(**SJ_A)))
        # the same violation again, committed on the day of the waiver decision (2026-11-16)
        again = {**CLAIM, "violation_date": "2026-11-16"}
        _, r = await _assess(http, USCC_A, again)
        a = ok(r)
    # window 2025-11-16 … 2026-11-16 holds the 不予处罚 decision of 2026-11-16: not 初次违法, not 再次违法
    assert not a["first_violation_eligible"]
    assert (a["record"]["first_offence"], a["record"]["repeated"]) == (False, False)
    assert a["record"]["relied_on"][0]["decision_no"] == waived["decision"]["number"]
    assert "不予行政处罚决定" in a["steps"][0]["text"]


async def test_a_decision_confirmed_void_is_not_on_the_record(penalty: Running) -> None:
    uscc = "91210103MAM8FFGJ4R"  # data/sample/enterprises.json, no other case in this module
    async with client(penalty.url) as http:
        # decided 2026-03-02, inside the window (as the first test), then confirmed void by a court on
        # 2026-11-16 (行政诉讼法 第七十五条: no legal effect from the start), like a revoked one
        prior = await _decided_on(http, date(2026, 3, 2), uscc)
        void = {
            "source": "litigation",
            "finding": "confirmed_void",
            "reason": "没有法定依据",
            "source_document": "（2026）辽0102行初51号",
        }
        ok(await http.post(f"{CASES}/{prior['id']}/confirmation", json=void, headers=officer(**SJ_A)))
        _, r = await _assess(http, uscc, CLAIM)
        a = ok(r)
    assert a["record"]["relied_on"] == [] and a["record"]["first_offence"]
    assert a["first_violation_eligible"]
