"""Examiner's cases: who may NOT do what (SPEC §1.5: a foreign object is 404, a role an endpoint does not
serve is 403, both as problem details) and bad input (SPEC §1.6: a clear 4xx problem, never a 500)."""

from __future__ import annotations

import httpx

from tests.penalty.acceptance.support import CASES, ENTERPRISES, XF_A, decided_general, yuan
from tests.penalty.helpers import CG_A, SJ_A, USCC_B, party
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok, problem
from tests.support.personas import admin, enterprise, integration, officer, supervisor
from tests.support.stack import Running, client

FACTS = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}}
OWNER = ENTERPRISES[0]
ASSESS = "/api/v1/penalty/benchmarks/SY-SJ-0004/assess"


async def a_decided_case(http: httpx.AsyncClient) -> str:
    return await decided_general(
        http, facts=FACTS, fine_fen=yuan("27500"), the_party=party(OWNER, "沈阳甲商贸有限公司")
    )


class TestForeignObjects:
    async def test_who_sees_a_case(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            # the party itself, the department's officer and a city supervisor see it
            ok(await http.get(f"{CASES}/{cid}", headers=enterprise(OWNER)))
            ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            ok(await http.get(f"{CASES}/{cid}", headers=supervisor("city")))
            # another enterprise, another department, another district's supervisor: 404 like a missing case
            problem(await http.get(f"{CASES}/{cid}", headers=enterprise(USCC_B)), 404, "CASE_NOT_FOUND")
            problem(await http.get(f"{CASES}/{cid}", headers=officer(**CG_A)), 404, "CASE_NOT_FOUND")
            problem(await http.get(f"{CASES}/{cid}", headers=supervisor("210103")), 404, "CASE_NOT_FOUND")

    async def test_another_enterprise_cannot_state_its_case_or_read_the_surcharge(
        self, penalty: Running
    ) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            r = await http.post(
                f"{CASES}/{cid}/statements", json={"content": "我方无异议。"}, headers=enterprise(USCC_B)
            )
            assert r.status_code == 404, r.text
            r = await http.get(f"{CASES}/{cid}/surcharge", headers=enterprise(USCC_B))
            assert r.status_code == 404, r.text

    async def test_another_department_cannot_act_on_the_case(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            body = {"method": "direct", "recipient": "当事人"}
            problem(
                await http.post(f"{CASES}/{cid}/delivery", json=body, headers=officer(**XF_A)),
                404,
                "CASE_NOT_FOUND",
            )


class TestRoles:
    async def test_the_party_may_not_decide_or_revoke(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            body = {"source": "self_correction", "reason": "企业自行撤销", "source_document": "无"}
            r = await http.post(f"{CASES}/{cid}/revocation", json=body, headers=enterprise(OWNER))
            problem(r, 403, "ROLE_FORBIDDEN")
            r = await http.post(f"{CASES}/{cid}/payments", json={"fine_fen": 1}, headers=enterprise(OWNER))
            problem(r, 403, "ROLE_FORBIDDEN")

    async def test_a_supervisor_reads_but_does_not_open_cases(self, penalty: Running) -> None:
        body = {
            "party": party(ENTERPRISES[9], "沈阳癸商贸有限公司"),
            "benchmark_code": "SY-SJ-0004",
            "facts_brief": "x",
            "officers": ["辽A-7000002"],
            "approved_by": "x",
        }
        async with client(penalty.url) as http:
            problem(await http.post(CASES, json=body, headers=supervisor("city")), 403, "ROLE_FORBIDDEN")
            problem(await http.post(CASES, json=body, headers=admin()), 403, "ROLE_FORBIDDEN")

    async def test_integration_clients_do_only_their_scope(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            r = await http.post(
                ASSESS, json=FACTS | {"party_type": "organisation"}, headers=integration("payment")
            )
            assert r.status_code == 403, r.text
            paid = {"paid_on": "2026-11-16", "fine_fen": yuan("100")}
            r = await http.post(f"{CASES}/{cid}/payments", json=paid, headers=integration("12345"))
            problem(r, 403, "CLIENT_SCOPE_FORBIDDEN")

    async def test_no_token_is_401(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(ASSESS, json=FACTS | {"party_type": "organisation"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")


class TestBadInput:
    async def test_malformed_and_wrongly_typed_bodies(self, penalty: Running) -> None:
        headers = officer(**SJ_A)
        bad = [
            ("{not json", {**headers, "content-type": "application/json"}),
        ]
        async with client(penalty.url) as http:
            for raw, h in bad:
                r = await http.post(ASSESS, content=raw, headers=h)
                assert 400 <= r.status_code < 500, r.text
                assert r.headers["content-type"].startswith("application/problem+json")
            wrong = [
                {
                    "violation_date": "2026-02-30",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": 1},
                },
                {"violation_date": "2026-11-01", "party_type": "company", "base_amounts": {"goods_value": 1}},
                {
                    "violation_date": "2026-11-01",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": "1"},
                },
                {
                    "violation_date": "2026-11-01",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": 1.5},
                },
                {
                    "violation_date": "2026-11-01",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": True},
                },
                {
                    "violation_date": 20261101,
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": 1},
                },
                {
                    "violation_date": "2026-11-01",
                    "party_type": "organisation",
                    "harm": "huge",
                    "base_amounts": {},
                },
                {"violation_date": "2026-11-01", "party_type": "individual", "age_years": -1},
                {"violation_date": "2026-11-01", "party_type": "organisation", "first_offence": "true"},
                {
                    "violation_date": "0001-01-01",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": 1},
                },
            ]
            for body in wrong:
                r = await http.post(ASSESS, json=body, headers=headers)
                assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
                assert r.headers["content-type"].startswith("application/problem+json"), body

    async def test_amounts_beyond_any_fine_are_refused_not_crashed(self, penalty: Running) -> None:
        # 10^20 fen does not fit a 64-bit integer; 10^17 fen × 10 (SY-SJ-0004's multiple) would overflow it
        async with client(penalty.url) as http:
            for amount in (10**20, 10**17, 2**63 - 1):
                body = {
                    "violation_date": "2026-11-01",
                    "party_type": "organisation",
                    "base_amounts": {"goods_value": amount},
                }
                r = await http.post(ASSESS, json=body, headers=officer(**SJ_A))
                assert r.status_code != 500 and r.status_code < 500, (amount, r.text)

    async def test_dates_out_of_order_are_problems(self, penalty: Running) -> None:
        cases = [
            ({"continuing_until": "2026-10-01"}, "FACT_DATES_INCONSISTENT"),  # ends before it began
            ({"discovered_on": "2026-10-01"}, "FACT_DATES_INCONSISTENT"),  # discovered before it happened
            ({"violation_date": "2026-11-17"}, "VIOLATION_DATE_IN_FUTURE"),  # tomorrow
        ]
        async with client(penalty.url) as http:
            for extra, code in cases:
                body = {**FACTS, "party_type": "organisation", **extra}
                problem(await http.post(ASSESS, json=body, headers=officer(**SJ_A)), 400, code)

    async def test_a_wrong_uscc_check_digit_is_422(self, penalty: Running) -> None:
        body = {
            "party": party("91210100MA0ACC001Y", "沈阳错码有限公司"),  # the check digit is X
            "benchmark_code": "SY-SJ-0004",
            "facts_brief": "x",
            "officers": ["辽A-7000002"],
            "approved_by": "x",
        }
        async with client(penalty.url) as http:
            problem(await http.post(CASES, json=body, headers=officer(**SJ_A)), 422, "VALIDATION_FAILED")

    async def test_a_negative_or_zero_fine_in_a_decision_is_refused(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            cid = await a_decided_case(http)
            for fen in (-1, 0):
                r = await http.post(
                    f"{CASES}/{cid}/payments",
                    json={"paid_on": "2026-11-16", "fine_fen": fen},
                    headers=officer(**SJ_A),
                )
                assert 400 <= r.status_code < 500, r.text

    async def test_impossible_step_dates_are_refused(self, penalty: Running) -> None:
        # decided Mon 2026-11-16 (today): a delivery dated before the decision or after today, and a payment
        # dated before the decision, are impossible
        delivery = {"method": "direct", "recipient": "当事人"}
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts=FACTS,
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[8], "沈阳日期8号有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            for day in ("2026-11-13", "2026-11-17"):
                r = await http.post(
                    f"{CASES}/{cid}/delivery", json={**delivery, "delivered_on": day}, headers=officer(**SJ_A)
                )
                problem(r, 400, "PROCEDURE_INVALID_DATE")
            ok(await http.post(f"{CASES}/{cid}/delivery", json=delivery, headers=officer(**SJ_A)))
            paid = {"paid_on": "2026-11-01", "fine_fen": yuan("27500")}
            r = await http.post(f"{CASES}/{cid}/payments", json=paid, headers=officer(**SJ_A))
            problem(r, 400, "PROCEDURE_INVALID_DATE")
