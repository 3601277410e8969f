"""Assessment through the API: the lines of the issue's "Bad input" list about assessing against the
published benchmarks (a what-if assessment stores nothing)."""

from __future__ import annotations

from tests.penalty.helpers import (
    SJ_A,
    SJ_B,
    USCC_A,
)
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

CASES = "/api/v1/penalty/cases"
NOTICE = {"facts": ["当事人销售无标签的预包装食品30袋。"]}


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


class TestBadInput:
    """The lines of the issue's "Bad input" list about assessment."""

    async def test_unknown_benchmark_code(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(
                "/api/v1/penalty/benchmarks/SY-SJ-9999/assess",
                json={"violation_date": "2026-10-01", "party_type": "organisation"},
                headers=officer(**SJ_A),
            )
            problem(r, 404, "BENCHMARK_NOT_FOUND")
            bad_open = await http.post(
                CASES,
                json={
                    "party": {
                        "kind": "organisation",
                        "name": "x",
                        "uscc": USCC_A,
                        "address": "沈阳市铁西区沈辽路288号",
                        "legal_representative": "于某某",
                    },
                    "benchmark_code": "SY-SJ-9999",
                    "facts_brief": "x",
                    "officers": [SJ_B["cert_no"]],
                    "approved_by": "x",
                },
                headers=officer(**SJ_A),
            )
            problem(bad_open, 404, "BENCHMARK_NOT_FOUND")

    async def test_base_amount_negative(self, penalty: Running) -> None:
        body = {
            "violation_date": "2026-10-01",
            "party_type": "organisation",
            "base_amounts": {"goods_value": -1},
        }
        async with client(penalty.url) as http:
            problem(
                await http.post(
                    "/api/v1/penalty/benchmarks/SY-SJ-0004/assess", json=body, headers=officer(**SJ_A)
                ),
                400,
                "BASE_AMOUNT_NEGATIVE",
            )

    async def test_base_amount_missing_when_the_formula_needs_it(self, penalty: Running) -> None:
        # SY-SJ-0004's brackets are on the goods value and set no fallback
        body = {"violation_date": "2026-10-01", "party_type": "organisation"}
        async with client(penalty.url) as http:
            problem(
                await http.post(
                    "/api/v1/penalty/benchmarks/SY-SJ-0004/assess", json=body, headers=officer(**SJ_A)
                ),
                400,
                "BASE_AMOUNT_REQUIRED",
            )

    async def test_violation_date_in_the_future(self, penalty: Running) -> None:
        body = {
            "violation_date": "2026-11-17",
            "party_type": "organisation",
            "base_amounts": {"goods_value": 1},
        }
        async with client(penalty.url) as http:
            problem(
                await http.post(
                    "/api/v1/penalty/benchmarks/SY-SJ-0004/assess", json=body, headers=officer(**SJ_A)
                ),
                400,
                "VIOLATION_DATE_IN_FUTURE",
            )

    async def test_violation_after_the_decision_date(self, penalty: Running) -> None:
        body = {
            "violation_date": "2026-11-10",
            "decision_date": "2026-11-09",
            "party_type": "organisation",
            "base_amounts": {"goods_value": 1},
        }
        async with client(penalty.url) as http:
            problem(
                await http.post(
                    "/api/v1/penalty/benchmarks/SY-SJ-0004/assess", json=body, headers=officer(**SJ_A)
                ),
                400,
                "VIOLATION_AFTER_DECISION",
            )
