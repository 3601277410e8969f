"""On-the-spot collection of fines (当场收缴, 行政处罚法 第六十七条–第七十一条): when it is allowed (100.00 yuan
yes, 100.01 no unless hard to enforce or remote at the party's request), the receipt (第七十条), and the money's
way to the agency and the bank within two working days each (第七十一条, 第八十五条), overdue ones listed and
published once."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from services.common.db import transaction
from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import collection as dc
from services.penalty.use_cases import collections
from tests.penalty.helpers import CG_A, SJ_A, YUAN, pin_clock, to_decided
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.outbox import envelopes
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, client

API = "/api/v1/penalty"
CASES = f"{API}/cases"
XF = {"cert_no": "辽A-7200001", "dept": "XF", "district": "210100", "name": "周消防"}
XF2 = {"cert_no": "辽A-7200002", "dept": "XF", "district": "210100", "name": "吴消防"}
_receipts = iter(range(1, 10_000))
_people = iter(range(100, 999))


def ric(seq: int) -> str:
    """A valid 居民身份证号 (GB 11643: ISO 7064 MOD 11-2 check digit) for a new person: each case its own
    party, so no earlier decision makes the act a repeated one (从重)."""
    body = f"210105198408{seq % 28 + 1:02d}{seq:03d}"[:17]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def person() -> dict[str, str]:
    return {"kind": "individual", "name": "王某", "id_number": ric(next(_people)), "address": "沈阳市"}


def receipt() -> str:
    return f"辽财罚字No.{next(_receipts):08d}"


async def simple_decided(penalty: Running, http: httpx.AsyncClient, fine_fen: int) -> str:
    """SY-XF-0003 (消防法 第六十条第二款, 个人: 警告或者五百元以下罚款) under the simple procedure (第五十一条):
    一般 tier 20–60 % of 500 元 = [100.00, 299.99] 元, so 100.00 and 100.01 元 both lie in it; decided and
    handed over on the spot (第五十二条)."""
    body = {
        "party": person(),
        "benchmark_code": "SY-XF-0003",
        "procedure": "simple",
        "facts_brief": "在居民楼疏散通道堆放杂物。",
        "officers": [XF2["cert_no"]],
        "approved_by": "大队长",
        "place": "沈阳市和平区某小区3号楼",
    }
    cid = ok(await http.post(CASES, json=body, headers=officer(**XF)), 201)["id"]
    ok(
        await http.post(
            f"{CASES}/{cid}/assessment", json={"violation_date": "2026-11-16"}, headers=officer(**XF)
        )
    )
    decided = ok(
        await http.post(
            f"{CASES}/{cid}/decision",
            json={"penalty": {"kinds": ["fine"], "fine_fen": fine_fen}},
            headers=officer(**XF),
        )
    )
    await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
    delivery = {"method": "direct", "recipient": "王某"}
    ok(await http.post(f"{CASES}/{cid}/delivery", json=delivery, headers=officer(**XF)))
    return str(cid)


async def collect(http: httpx.AsyncClient, cid: str, who: dict[str, str] = XF, **body: Any) -> httpx.Response:
    return await http.post(
        f"{CASES}/{cid}/collections", json={"receipt_no": receipt(), **body}, headers=officer(**who)
    )


class TestWhenAllowed:
    async def test_100_yuan_under_the_simple_procedure(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await simple_decided(penalty, http, 100 * YUAN)  # 100.00 元 ≤ 100 元: 第六十八条第一项
            made = ok(await collect(http, cid, ground="small_fine"), 201)
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**XF)))
        assert made["amount_fen"] == 10_000 and made["ground"] == "small_fine"
        assert "第六十八条第一项" in made["basis"] and "100.00元" in made["basis"]
        assert case["state"] == "executed"  # the fine is paid: the decision is performed

    async def test_100_01_yuan_is_refused_unless_hard_to_enforce_or_remote(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await simple_decided(penalty, http, 100 * YUAN + 1)  # 100.01 元 > 100 元
            small = await collect(http, cid, ground="small_fine")
            hard_no_reason = await collect(http, cid, ground="hard_to_enforce")
            remote_not_asked = await collect(
                http, cid, ground="remote_area", area="poorly_connected", reason="最近的银行在60公里外"
            )
            hard = ok(
                await collect(http, cid, ground="hard_to_enforce", reason="当事人为流动摊贩，无固定住所"),
                201,
            )
            other = await simple_decided(penalty, http, 100 * YUAN + 1)
            remote = ok(
                await collect(
                    http,
                    other,
                    ground="remote_area",
                    area="poorly_connected",
                    party_requested=True,
                    reason="最近的银行在60公里外，当事人无电子支付手段",
                ),
                201,
            )
        body = problem(small, 409, "SPOT_COLLECTION_NOT_ALLOWED")
        assert "第六十八条第一项" in body["detail"] and "100.01元" in body["detail"]
        assert "第六十八条第二项" in problem(hard_no_reason, 409, "SPOT_COLLECTION_NOT_ALLOWED")["detail"]
        assert "第六十九条" in problem(remote_not_asked, 409, "SPOT_COLLECTION_NOT_ALLOWED")["detail"]
        assert hard["amount_fen"] == 10_001 and "第六十八条第二项" in hard["basis"]
        assert remote["amount_fen"] == 10_001 and "第六十九条" in remote["basis"]

    async def test_a_general_procedure_fine_only_in_a_remote_area(self, penalty: Running) -> None:
        # 第六十八条 needs a decision made on the spot (第五十一条); 第六十九条 also takes 第五十七条 decisions
        async with client(penalty.url) as http:
            decided = await to_decided(http)
            cid = decided["id"]
            await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
            delivery = {"method": "direct", "recipient": "法定代表人"}
            ok(await http.post(f"{CASES}/{cid}/delivery", json=delivery, headers=officer(**SJ_A)))
            hard = await collect(http, cid, who=SJ_A, ground="hard_to_enforce", reason="x")
            remote = ok(
                await collect(
                    http,
                    cid,
                    who=SJ_A,
                    ground="remote_area",
                    area="remote",
                    party_requested=True,
                    reason="边远山区，无银行网点",
                ),
                201,
            )
        assert "第五十一条" in problem(hard, 409, "SPOT_COLLECTION_NOT_ALLOWED")["detail"]
        assert remote["amount_fen"] == 27_500 * YUAN

    async def test_the_receipt_is_required_and_used_once(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await simple_decided(penalty, http, 100 * YUAN)
            blank = await http.post(
                f"{CASES}/{cid}/collections",
                json={"ground": "small_fine", "receipt_no": "  "},
                headers=officer(**XF),
            )
            first = ok(await collect(http, cid, ground="small_fine", amount_fen=20 * YUAN), 201)
            again = await http.post(
                f"{CASES}/{cid}/collections",
                json={"ground": "small_fine", "receipt_no": first["receipt_no"]},
                headers=officer(**XF),
            )
        assert "第七十条" in problem(blank, 400, "COLLECTION_RECEIPT_REQUIRED")["detail"]
        problem(again, 409, "COLLECTION_RECEIPT_TAKEN")

    async def test_no_collection_before_the_decision_is_handed_over(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            body = {
                "party": person(),
                "benchmark_code": "SY-XF-0003",
                "procedure": "simple",
                "facts_brief": "x",
                "officers": [XF2["cert_no"]],
                "approved_by": "x",
            }
            cid = ok(await http.post(CASES, json=body, headers=officer(**XF)), 201)["id"]
            r = await collect(http, cid, ground="small_fine")
        problem(r, 409, "SPOT_COLLECTION_NOT_ALLOWED")  # no fine decided


class TestTheMoneysWay:
    def test_two_working_days_each(self) -> None:
        cal = WorkingDayCalendar()
        # 第七十一条 + 第八十五条 ("二日" are working days), counted from the day after:
        # collected Mon 2026-11-16 → Tue 17 (1), Wed 18 (2): hand over by Wed 11-18
        assert dc.handover_due(date(2026, 11, 16), None, False, cal) == date(2026, 11, 18)
        # collected Fri 2026-11-20 → Sat, Sun skipped, Mon 23 (1), Tue 24 (2)
        assert dc.handover_due(date(2026, 11, 20), None, False, cal) == date(2026, 11, 24)
        # on water the period runs from landing: collected Mon 16, landed Thu 19 → Fri 20 (1), Mon 23 (2)
        assert dc.handover_due(date(2026, 11, 16), date(2026, 11, 19), True, cal) == date(2026, 11, 23)
        assert dc.handover_due(date(2026, 11, 16), None, True, cal) is None  # not landed yet
        # handed over Wed 11-18 → Thu 19 (1), Fri 20 (2): bank by Fri 11-20
        assert dc.banking_due(date(2026, 11, 18), cal) == date(2026, 11, 20)

    async def test_overdue_hand_over_listed_and_published_once(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await simple_decided(penalty, http, 100 * YUAN)
            made = ok(await collect(http, cid, ground="small_fine"), 201)
            assert made["handover_due_on"] == "2026-11-18" and made["overdue"] is None
            on_time = await simple_decided(penalty, http, 100 * YUAN)
            timely = ok(await collect(http, on_time, ground="small_fine"), 201)
            ok(
                await http.post(
                    f"{API}/collections/{timely['id']}/handover",
                    json={"received_by": "财务科李会计"},
                    headers=officer(**XF),
                )
            )
            ok(
                await http.post(
                    f"{API}/collections/{timely['id']}/banking",
                    json={"bank_receipt_no": "建行缴款书0000"},
                    headers=officer(**XF),
                )
            )
            pin_clock(date(2026, 11, 19))  # a day past Wed 11-18
            listed = ok(await http.get(f"{API}/collections/overdue", headers=officer(**XF)))
            by_supervisor = ok(await http.get(f"{API}/collections/overdue", headers=supervisor("210100")))
            by_other = ok(await http.get(f"{API}/collections/overdue", headers=officer(**CG_A)))
            async with transaction(penalty.runtime.factory) as session:
                first = await collections.report_overdue(session, date(2026, 11, 19))
            async with transaction(penalty.runtime.factory) as session:
                second = await collections.report_overdue(session, date(2026, 11, 19))
            late = ok(
                await http.post(
                    f"{API}/collections/{made['id']}/handover",
                    json={"received_by": "财务科李会计"},
                    headers=officer(**XF),
                )
            )
            banked = ok(
                await http.post(
                    f"{API}/collections/{made['id']}/banking",
                    json={"bank_receipt_no": "建行缴款书0001"},
                    headers=officer(**XF),
                )
            )
            twice = await http.post(
                f"{API}/collections/{made['id']}/banking",
                json={"bank_receipt_no": "建行缴款书0002"},
                headers=officer(**XF),
            )
        ids = [x["id"] for x in listed]
        assert made["id"] in ids and timely["id"] not in ids  # handed over and banked on Mon 11-16
        assert made["id"] in [x["id"] for x in by_supervisor] and by_other == []
        assert [x["overdue"] for x in listed if x["id"] == made["id"]] == ["handover"]
        assert first >= 1 and second == 0
        [event] = await envelopes(
            penalty.runtime.factory, "penalty.collection.overdue", collection_id=made["id"]
        )
        assert event["data"]["stage"] == "handover" and event["data"]["due_on"] == "2026-11-18"
        assert event["data"]["amount_fen"] == 10_000
        # handed over Thu 11-19 (late) → bank by 2 working days: Fri 20 (1), Mon 23 (2)
        assert late["late"] == ["handover"] and late["banking_due_on"] == "2026-11-23"
        assert banked["banked_on"] == "2026-11-19" and banked["overdue"] is None
        problem(twice, 409, "COLLECTION_STEP_INVALID")

    async def test_on_water_from_landing(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await simple_decided(penalty, http, 100 * YUAN)
            made = ok(await collect(http, cid, ground="small_fine", waterborne=True), 201)
            early = await http.post(
                f"{API}/collections/{made['id']}/handover", json={"received_by": "x"}, headers=officer(**XF)
            )
            pin_clock(date(2026, 11, 19))
            landed = ok(
                await http.post(
                    f"{API}/collections/{made['id']}/landing",
                    json={"landed_on": "2026-11-19"},
                    headers=officer(**XF),
                )
            )
        assert made["handover_due_on"] is None and made["waterborne"] is True
        problem(early, 409, "COLLECTION_STEP_INVALID")
        # landed Thu 11-19 → Fri 20 (1), Mon 23 (2)
        assert landed["handover_due_on"] == "2026-11-23"


@pytest.mark.parametrize(
    ("fine_fen", "allowed"),
    [(100 * YUAN, True), (100 * YUAN + 1, False), (1, True)],
)
def test_the_100_yuan_line(fine_fen: int, allowed: bool) -> None:
    # 第六十八条第一项 "一百元以下" includes 100.00 元 (10,000 分) and excludes 100.01 元 (10,001 分)
    if allowed:
        dc.check_allowed(
            ground=dc.Ground.SMALL_FINE,
            simple_procedure=True,
            fine_fen=fine_fen,
            reason="",
            area=None,
            party_requested=False,
        )
    else:
        with pytest.raises(dc.SpotCollectionNotAllowed):
            dc.check_allowed(
                ground=dc.Ground.SMALL_FINE,
                simple_procedure=True,
                fine_fen=fine_fen,
                reason="",
                area=None,
                party_requested=False,
            )
