"""One act, one fine (行政处罚法 第二十九条): the act cases refer to, the refusal of a second fine for it from
whichever case, and one act under several provisions assessed under the one with the higher fine."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.contracts.inspection import ViolationFound
from services.common.db import transaction
from services.penalty.domain import acts as da
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases import leads
from tests.penalty.helpers import (
    CG_A,
    CG_B,
    LEAD_PARTY,
    SJ_A,
    SJ_B,
    SUGGESTED_FEN,
    USCC_A,
    USCC_B,
    YUAN,
    facts,
    open_case,
    party,
    to_decided,
)
from tests.penalty.test_catalogue import new_item
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import Running, client

API = "/api/v1/penalty"
CASES = f"{API}/cases"
FINE = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}
WIDE = "SY-SJ-0950"  # a provision fining 10,000–100,000 元 (published by the fixture below)


async def _publish_wide(http: httpx.AsyncClient) -> None:
    """SY-SJ-0950: a copy of SY-SJ-0004 whose fine is a fixed range of 10,000–100,000 元."""
    item = new_item(WIDE, fine={"shape": "range", "min_fen": 10_000 * YUAN, "max_fen": 100_000 * YUAN})
    item["violation_name"] = "另一规定所禁止的同一行为"
    csv_text = cat.to_csv([cat.version_from_dict(item)])
    base = f"{API}/admin/benchmarks"
    ok(await http.post(f"{base}/import?format=csv", content=csv_text.encode(), headers=admin()))
    ok(await http.post(f"{base}/{WIDE}/versions/1/approve", headers=admin("admin-2")))
    ok(await http.post(f"{base}/{WIDE}/versions/1/publish", headers=admin("admin-2")))


@pytest.fixture(scope="module")
async def wide(penalty: Running) -> str:
    async with client(penalty.url) as http:
        await _publish_wide(http)
    return WIDE


async def _notified(http: httpx.AsyncClient, cid: str, fine_fen: int = SUGGESTED_FEN) -> None:
    who = officer(**SJ_A)
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=who))
    ok(await http.post(f"{CASES}/{cid}/assessment", json=facts(), headers=who))
    notice = {
        "facts": ["当事人销售无标签的预包装食品30袋。"],
        "proposed": {"kinds": ["fine"], "fine_fen": fine_fen},
    }
    ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=who))
    ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=who))


async def _act_of(http: httpx.AsyncClient, cid: str) -> dict[str, Any]:
    return ok(await http.get(f"{CASES}/{cid}/act", headers=officer(**SJ_A)))  # type: ignore[no-any-return]


class TestTheAct:
    async def test_a_direct_case_creates_its_act(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            case = await open_case(
                http,
                place="沈阳市铁西区某超市",
                act={"started_on": "2026-10-01", "ended_on": "2026-10-27"},
            )
            act = await _act_of(http, case["id"])
            same = ok(await http.get(f"{API}/acts/{act['id']}", headers=supervisor("210102")))
            foreign = await http.get(f"{API}/acts/{act['id']}", headers=officer(**CG_A))
        assert act["party_uscc"] == USCC_A and act["source"] == "direct"
        assert act["place"] == "沈阳市铁西区某超市"
        assert (act["started_on"], act["ended_on"]) == ("2026-10-01", "2026-10-27")
        assert act["facts_summary"] == "现场检查发现当事人销售无标签的预包装食品。"
        assert [c["case_id"] for c in same["cases"]] == [case["id"]] and same["fined"] is False
        problem(foreign, 404, "ACT_NOT_FOUND")

    async def test_a_span_ending_before_it_starts_is_refused(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(
                CASES,
                json={
                    "party": party(USCC_A, "x"),
                    "benchmark_code": "SY-SJ-0004",
                    "facts_brief": "x",
                    "officers": [SJ_B["cert_no"]],
                    "approved_by": "x",
                    "act": {"started_on": "2026-10-27", "ended_on": "2026-10-01"},
                },
                headers=officer(**SJ_A),
            )
            listed = ok(await http.get(CASES, headers=officer(**SJ_A)))
        problem(r, 400, "ACT_SPAN_INVALID")
        assert all(c["party_name"] != "x" for c in listed["items"])  # nothing half-written

    async def test_naming_an_act_of_another_party_or_department(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            first = await open_case(http)
            act_id = (await _act_of(http, first["id"]))["id"]
            other_party = await http.post(
                CASES,
                json={
                    "party": party(USCC_B, "沈阳东方化工产品经营有限公司"),
                    "benchmark_code": "SY-SJ-0004",
                    "facts_brief": "x",
                    "officers": [SJ_B["cert_no"]],
                    "approved_by": "x",
                    "act": {"id": act_id},
                },
                headers=officer(**SJ_A),
            )
            unknown = await http.post(
                CASES,
                json={
                    "party": party(USCC_A, "x"),
                    "benchmark_code": "SY-CG-0001",
                    "facts_brief": "x",
                    "officers": [CG_B["cert_no"]],
                    "approved_by": "x",
                    "act": {"id": act_id},  # an act of SJ: another department cannot see it
                },
                headers=officer(**CG_A),
            )
        problem(other_party, 400, "ACT_PARTY_MISMATCH")
        problem(unknown, 404, "ACT_NOT_FOUND")

    async def test_a_lead_carries_the_act_derived_from_its_visit_and_finding(self, penalty: Running) -> None:
        visit = uuid.uuid4()
        violation = ViolationFound(
            violation_id=uuid.uuid4(),
            visit_id=visit,
            enterprise_uscc=USCC_B,
            enterprise_name="沈阳东方化工产品经营有限公司",
            item_code="SJ-SP-004",
            item_name="预包装食品标签检查",
            legal_basis="《中华人民共和国食品安全法》第六十七条",
            description="货架上有无标签的预包装食品",
            evidence_hashes=[],
            officer_cert_nos=[SJ_A["cert_no"], SJ_B["cert_no"]],
            department_code="SJ",
            district_code="210102",
            found_at=clock.now(),
        )
        async with transaction(penalty.runtime.factory) as session:
            await leads.record_violation(session, violation)
        lead = uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:lead:{violation.violation_id}")
        # the contract carries no act id: the act is the visit's finding of this item for this enterprise
        expected = uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:act:inspection:{visit}:{USCC_B}:SJ-SP-004")
        async with client(penalty.url) as http:
            shown = ok(await http.get(f"{API}/leads/{lead}", headers=officer(**SJ_A)))
            case = ok(
                await http.post(
                    f"{API}/leads/{lead}/confirm",
                    json={"benchmark_code": "SY-SJ-0004", "approved_by": "分管副局长", **LEAD_PARTY},
                    headers=officer(**SJ_A),
                ),
                201,
            )
            act = await _act_of(http, case["id"])
            # a direct case on the same conduct names the inspection's act
            second = await open_case(http, uscc=USCC_B, act={"id": str(expected)})
            again = await _act_of(http, second["id"])
        assert shown["act_id"] == str(expected)  # the lead carries the act's identity
        assert act["id"] == str(expected) and act["visit_id"] == str(visit) and act["source"] == "inspection"
        assert act["facts_summary"] == "货架上有无标签的预包装食品"
        assert again["id"] == str(expected)
        assert [c["case_id"] for c in again["cases"]] == [case["id"], second["id"]]


class TestOneFine:
    async def test_a_second_case_on_the_same_act_cannot_fine_it(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            first = await to_decided(http)
            act_id = (await _act_of(http, first["id"]))["id"]
            second = await open_case(http, act={"id": act_id})
            await _notified(http, second["id"])
            r = await http.post(
                f"{CASES}/{second['id']}/decision", json={"penalty": FINE}, headers=officer(**SJ_A)
            )
            act = ok(await http.get(f"{API}/acts/{act_id}", headers=officer(**SJ_A)))
            still = ok(await http.get(f"{CASES}/{second['id']}", headers=officer(**SJ_A)))
        body = problem(r, 409, "ONE_ACT_ONE_FINE")
        assert "第二十九条" in body["detail"] and first["decision"]["number"] in body["detail"]
        assert body["prior_case_id"] == first["id"]
        # the first fine stands: 27,500 元 (tests.penalty.helpers: SUGGESTED_FEN)
        assert act["fined"] is True
        assert [c["standing_fine_fen"] for c in act["cases"]] == [27_500 * YUAN, None]
        assert still["state"] != "decided"  # no number was spent, nothing was decided

    async def test_a_revoked_fine_no_longer_stands(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            first = await to_decided(http)
            act_id = (await _act_of(http, first["id"]))["id"]
            second = await open_case(http, act={"id": act_id})
            await _notified(http, second["id"])
            revocation = {
                "source": "self_correction",
                "reason": "认定事实有误",
                "source_document": "纠错决定",
            }
            ok(await http.post(f"{CASES}/{first['id']}/revocation", json=revocation, headers=officer(**SJ_A)))
            decided = ok(
                await http.post(
                    f"{CASES}/{second['id']}/decision", json={"penalty": FINE}, headers=officer(**SJ_A)
                )
            )
        assert decided["state"] == "decided"

    async def test_a_fine_confirmed_void_no_longer_stands_one_confirmed_illegal_does(
        self, penalty: Running
    ) -> None:
        finding = {"source": "litigation", "reason": "违法", "source_document": "（2026）辽0102行初41号"}
        async with client(penalty.url) as http:
            # 确认违法 (行政诉讼法 第七十四条): the decision is not revoked, its fine stands on the act
            first = await to_decided(http)
            act_id = (await _act_of(http, first["id"]))["id"]
            second = await open_case(http, act={"id": act_id})
            await _notified(http, second["id"])
            illegal = {**finding, "finding": "confirmed_illegal"}
            ok(await http.post(f"{CASES}/{first['id']}/confirmation", json=illegal, headers=officer(**SJ_A)))
            r = await http.post(
                f"{CASES}/{second['id']}/decision", json={"penalty": FINE}, headers=officer(**SJ_A)
            )
            problem(r, 409, "ONE_ACT_ONE_FINE")
            # 确认无效 (第七十五条): no legal effect from the start, as if revoked
            void = {**finding, "finding": "confirmed_void"}
            ok(await http.post(f"{CASES}/{first['id']}/confirmation", json=void, headers=officer(**SJ_A)))
            act = ok(await http.get(f"{API}/acts/{act_id}", headers=officer(**SJ_A)))
            assert [c["standing_fine_fen"] for c in act["cases"]] == [None, None]
            decided = ok(
                await http.post(
                    f"{CASES}/{second['id']}/decision", json={"penalty": FINE}, headers=officer(**SJ_A)
                )
            )
        assert decided["state"] == "decided"

    def test_only_a_fine_counts(self) -> None:
        prior = [da.PriorFine(uuid.uuid4(), "沈市监罚〔2026〕1号", clock.today(), 100)]
        da.refuse_second_fine(fines=False, act_id=uuid.uuid4(), prior=prior)  # 没收, 警告 …: not refused
        da.refuse_second_fine(fines=True, act_id=uuid.uuid4(), prior=[])
        with pytest.raises(da.OneActOneFine):
            da.refuse_second_fine(fines=True, act_id=uuid.uuid4(), prior=prior)


class TestSeveralProvisions:
    async def test_the_provision_with_the_higher_fine_governs(self, penalty: Running, wide: str) -> None:
        # SY-SJ-0004 at goods value 3,000 元 (< 10,000 元): 5,000–50,000 元 (食品安全法 第一百二十五条第一款);
        # SY-SJ-0950: 10,000–100,000 元. 第二十九条: the higher statutory maximum governs,
        #   100,000 元 > 50,000 元 → SY-SJ-0950.
        # 一般 tier of SY-SJ-0950 (30–70 % of the range):
        #   low  = 10,000 + 90,000 × 30 % = 37,000 元; next tier at 10,000 + 90,000 × 70 % = 73,000 元
        #   tier [37,000.00, 72,999.99]; suggested (37,000 + 72,999.99) / 2 = 54,999.995 → 55,000 元
        async with client(penalty.url) as http:
            case = await open_case(http)
            cid = case["id"]
            ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=officer(**SJ_A)))
            a = ok(
                await http.post(
                    f"{CASES}/{cid}/assessment",
                    json={**facts(), "provisions": [wide]},
                    headers=officer(**SJ_A),
                )
            )
            act = await _act_of(http, cid)
            # the case now stands under SY-SJ-0950: listing it again as a further provision is a mistake
            repeated = await http.post(
                f"{CASES}/{cid}/assessment",
                json={**facts(), "provisions": [wide]},
                headers=officer(**SJ_A),
            )
        assert a["benchmark_code"] == wide
        legal = a["penalty"]["legal_range"]
        assert (legal["low_fen"], legal["high_fen"]) == (10_000 * YUAN, 100_000 * YUAN)
        assert a["penalty"]["tier_range"]["low_fen"] == 37_000 * YUAN
        assert a["penalty"]["tier_range"]["high_fen"] == 73_000 * YUAN - 1
        assert a["penalty"]["suggested_fine_fen"] == 55_000 * YUAN
        first = a["steps"][0]
        assert first["rule"] == "one_act_several_provisions"
        assert "第二十九条" in first["text"] and "罚款数额高" in first["text"]
        assert "50,000.00元" in first["text"] and "100,000.00元" in first["text"]
        assert "其余规定（SY-SJ-0004）已作比较考虑" in first["text"]
        assert any(c["article"] == "第二十九条" for c in first["citations"])
        [provisions] = [c["provisions"] for c in act["cases"]]
        assert [(p["code"], p["governs"]) for p in provisions] == [("SY-SJ-0004", False), (wide, True)]
        assert [(p["legal_low_fen"], p["legal_high_fen"]) for p in provisions] == [
            (5_000 * YUAN, 50_000 * YUAN),
            (10_000 * YUAN, 100_000 * YUAN),
        ]
        problem(repeated, 400, "PROVISION_REPEATED")

    async def test_the_decision_gives_the_reasoning(self, penalty: Running, wide: str) -> None:
        async with client(penalty.url) as http:
            case = await open_case(http)
            cid = case["id"]
            who = officer(**SJ_A)
            ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=who))
            assessment = {**facts(), "provisions": [wide]}
            ok(await http.post(f"{CASES}/{cid}/assessment", json=assessment, headers=who))
            notice = {
                "facts": ["当事人销售无标签的预包装食品30袋。"],
                "proposed": {"kinds": ["fine"], "fine_fen": 55_000 * YUAN},
            }
            ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=who))
            ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=who))
            decided = ok(
                await http.post(
                    f"{CASES}/{cid}/decision",
                    json={"penalty": {"kinds": ["fine"], "fine_fen": 55_000 * YUAN}},
                    headers=who,
                )
            )
            [document] = [d for d in decided["documents"] if d["kind"] == "penalty_decision"]
            html = (await http.get(f"{API}/documents/{document['id']}.html", headers=who)).text
        assert "第二十九条" in html and "罚款数额高的裁量基准SY-SJ-0950处罚" in html

    async def test_one_act_under_two_provisions_is_fined_once(self, penalty: Running, wide: str) -> None:
        # the act fined under SY-SJ-0950 (the higher fine); a second case on it under SY-SJ-0004 is refused
        async with client(penalty.url) as http:
            first = await to_decided(http)
            act_id = (await _act_of(http, first["id"]))["id"]
            second = await open_case(http, code=wide, act={"id": act_id})
            await _notified(http, second["id"], fine_fen=55_000 * YUAN)
            r = await http.post(
                f"{CASES}/{second['id']}/decision",
                json={"penalty": {"kinds": ["fine"], "fine_fen": 55_000 * YUAN}},
                headers=officer(**SJ_A),
            )
        assert "第二十九条" in problem(r, 409, "ONE_ACT_ONE_FINE")["detail"]
