"""Cases through the API: filing and reading them, and the lines of the issue's "Bad input" list about
them (a retried filing, another department's or enterprise's case, malformed input)."""

from __future__ import annotations

import uuid

from tests.penalty.helpers import (
    CG_A,
    SJ_A,
    SJ_B,
    USCC_A,
    USCC_B,
    to_assessed,
    to_decided,
    to_notified,
)
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
NOTICE = {"facts": ["当事人销售无标签的预包装食品30袋。"]}


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


class TestBadInput:
    """The lines of the issue's "Bad input" list about filing and reading cases."""

    async def test_idempotency_key_reuse(self, penalty: Running) -> None:
        body = {
            "party": {
                "kind": "organisation",
                "name": "沈阳聚丰印刷包装有限公司",
                "uscc": "91210105MAEGA39K0F",
                "address": "沈阳市大东区某路1号",
                "legal_representative": "孙某某",
            },
            "benchmark_code": "SY-SJ-0004",
            "facts_brief": "重试的立案请求。",
            "officers": [SJ_B["cert_no"]],
            "approved_by": "分管副局长",
        }
        key = {"Idempotency-Key": f"open-{uuid.uuid4()}"}
        async with client(penalty.url) as http:
            first = ok(await http.post(CASES, json=body, headers={**officer(**SJ_A), **key}), 201)
            again = await http.post(CASES, json=body, headers={**officer(**SJ_A), **key})
            other = await http.post(
                CASES, json={**body, "facts_brief": "另一个请求。"}, headers={**officer(**SJ_A), **key}
            )
            listing = ok(
                await http.get(CASES, params={"limit": 200}, headers=enterprise("91210105MAEGA39K0F"))
            )
        assert again.status_code == 201 and again.json()["id"] == first["id"]
        assert again.headers.get("idempotent-replayed") == "true"
        problem(other, 422, "IDEMPOTENCY_KEY_MISMATCH")
        assert [c["id"] for c in listing["items"]] == [first["id"]]

    async def test_officer_of_another_department(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified(http)
            read = await http.get(f"{CASES}/{cid}", headers=officer(**CG_A))
            write = await http.post(
                f"{CASES}/{cid}/waiver", json={"statement": True}, headers=officer(**CG_A)
            )
            listing = ok(await http.get(CASES, params={"limit": 200}, headers=officer(**CG_A)))
            other_item = await http.post(
                CASES,
                json={
                    "party": {
                        "kind": "organisation",
                        "name": "x",
                        "uscc": USCC_A,
                        "address": "沈阳市铁西区沈辽路288号",
                        "legal_representative": "于某某",
                    },
                    "benchmark_code": "SY-SJ-0004",
                    "facts_brief": "x",
                    "officers": ["辽A-7100002"],
                    "approved_by": "x",
                },
                headers=officer(**CG_A),
            )
        problem(read, 404, "CASE_NOT_FOUND")
        problem(write, 404, "CASE_NOT_FOUND")
        assert cid not in {c["id"] for c in listing["items"]}
        problem(other_item, 409, "BENCHMARK_OTHER_DEPARTMENT")

    async def test_enterprise_reading_another_enterprises_case(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            decided = await to_decided(http)
            cid = decided["id"]
            document = decided["documents"][-1]
            own = await http.get(f"{CASES}/{cid}", headers=enterprise(USCC_A))
            other = await http.get(f"{CASES}/{cid}", headers=enterprise(USCC_B))
            other_view = await http.get(f"{CASES}/{cid}/decision", headers=enterprise(USCC_B))
            other_doc = await http.get(document["pdf_url"], headers=enterprise(USCC_B))
            other_statement = await http.post(
                f"{CASES}/{cid}/statements", json={"content": "x"}, headers=enterprise(USCC_B)
            )
        assert own.status_code == 200
        assert own.json()["procedure_record"] is None  # internal deliberation is not shown to the party
        problem(other, 404, "CASE_NOT_FOUND")
        problem(other_view, 404, "CASE_NOT_FOUND")
        problem(other_doc, 404, "DOCUMENT_NOT_FOUND")
        problem(other_statement, 404, "CASE_NOT_FOUND")

    async def test_malformed_input_is_never_a_500(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await to_assessed(http)
            for r in (
                await http.post(
                    CASES,
                    content=b"{not json",
                    headers={**officer(**SJ_A), "content-type": "application/json"},
                ),
                await http.post(
                    CASES,
                    json={"party": {"kind": "organisation", "name": "x", "uscc": "91210100MACQTKPQ70"}},
                    headers=officer(**SJ_A),
                ),
                await http.post(
                    CASES,
                    json={"party": {"kind": "individual", "name": "x", "id_number": "210105198408191571"}},
                    headers=officer(**SJ_A),
                ),
                await http.post(
                    f"{CASES}/{cid}/notice",
                    json={**NOTICE, "proposed": {"kinds": ["flogging"], "fine_fen": 1}},
                    headers=officer(**SJ_A),
                ),
                await http.post(
                    f"{CASES}/{cid}/notice",
                    json={**NOTICE, "proposed": {"kinds": ["fine"], "fine_fen": -5}},
                    headers=officer(**SJ_A),
                ),
                await http.post(
                    f"{CASES}/{cid}/assessment",
                    json={"violation_date": "2026-02-30"},
                    headers=officer(**SJ_A),
                ),
                await http.get(f"{CASES}/not-a-uuid", headers=officer(**SJ_A)),
                await http.get(CASES, params={"cursor": "%%%"}, headers=officer(**SJ_A)),
            ):
                assert 400 <= r.status_code < 500, r.text
            uscc = await http.post(
                CASES,
                json={"party": {"kind": "organisation", "name": "x", "uscc": "91210100MACQTKPQ70"}},
                headers=officer(**SJ_A),
            )
        assert "统一社会信用代码" in uscc.text


class TestPartyForTheDecision:
    """行政处罚法 第五十九条第一款第一项: the 决定书 carries the party's name (名称) and address; an
    organisation's legal representative is printed with them. Refused where the party is recorded."""

    async def test_a_case_without_the_partys_address_or_legal_representative_is_refused(
        self, penalty: Running
    ) -> None:
        base = {
            "benchmark_code": "SY-SJ-0004",
            "facts_brief": "现场检查发现当事人销售无标签的预包装食品。",
            "officers": [SJ_B["cert_no"]],
            "approved_by": "分管副局长",
        }
        org = {"kind": "organisation", "name": "沈阳东陵客运有限公司", "uscc": USCC_A}
        async with client(penalty.url) as http:
            no_address = await http.post(
                CASES,
                json={**base, "party": {**org, "legal_representative": "于某"}},
                headers=officer(**SJ_A),
            )
            blank_address = await http.post(
                CASES,
                json={**base, "party": {**org, "legal_representative": "于某", "address": "  "}},
                headers=officer(**SJ_A),
            )
            no_representative = await http.post(
                CASES,
                json={**base, "party": {**org, "address": "沈阳市铁西区沈辽路288号"}},
                headers=officer(**SJ_A),
            )
            person = await http.post(
                CASES,
                json={
                    **base,
                    "party": {"kind": "individual", "name": "王某某", "id_number": "21010519840819157X"},
                },
                headers=officer(**SJ_A),
            )
        for r in (no_address, person):
            body = problem(r, 422, "VALIDATION_FAILED")
            assert body["errors"][0]["loc"][-1] == "address", r.text
        assert "第五十九条" in problem(blank_address, 422, "VALIDATION_FAILED")["detail"]
        assert "法定代表人" in problem(no_representative, 422, "VALIDATION_FAILED")["detail"]


class TestConfiscatedItems:
    async def test_confiscation_without_its_list_and_a_list_without_confiscation_are_refused(
        self, penalty: Running
    ) -> None:
        async with client(penalty.url) as http:
            cid = await to_notified(http)
            ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=officer(**SJ_A)))
            penalty_kinds = {"kinds": ["fine", "confiscate_illegal_property"], "fine_fen": 27_500_00}
            missing = await http.post(
                f"{CASES}/{cid}/decision", json={"penalty": penalty_kinds}, headers=officer(**SJ_A)
            )
            stray = await http.post(
                f"{CASES}/{cid}/decision",
                json={
                    "penalty": fine(27_500_00),
                    "confiscated_items": [{"name": "电子秤", "quantity": "1台", "value_fen": 125_050}],
                },
                headers=officer(**SJ_A),
            )
        assert "名称、数量和价值" in problem(missing, 422, "VALIDATION_FAILED")["detail"]
        assert "没收财物清单" in problem(stray, 422, "VALIDATION_FAILED")["detail"]
