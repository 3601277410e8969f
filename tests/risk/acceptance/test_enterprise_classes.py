"""Examiner's cases: enterprise classes A-D from their signals, worked by hand.

Sources: SPEC §5 (classes from penalties, active publications, repairs, complaints and inspection findings);
市场主体登记管理条例 第三十八条 and 优化营商环境条例 第五十三条 (credit-based classified supervision); the documented
model, version 2026.1 (docs/risk-model.md §5): penalty 从重 40 / 一般 20 / 从轻 12 points over 1,095 days,
decaying linearly as ``points × (1095 − age) // 1095``; an active publication 15; a violation 10 over 730 days
(linear, cap 40); a complaint 3 over 365 days (cap 15); A < 20 ≤ B < 40 ≤ C < 70 ≤ D. Today 2026-11-23.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.common.contracts.credit import PublicationEnded, PublicationStarted, RepairCompleted
from services.common.contracts.inspection import ViolationFound
from tests.risk.acceptance.cases import API, complaints, intake
from tests.risk.helpers import SUPERVISOR, TODAY, apply, make_uscc
from tests.support import personas
from tests.support.contracts import decision_issued, decision_revoked
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def penalty(risk: Running, uscc: str, tier: str, on: date) -> None:
    await apply(risk, decision_issued(party_uscc=uscc, tier=tier, decided_on=on, district_code="210102"))


async def violation(risk: Running, uscc: str, on: date) -> None:
    await apply(
        risk,
        ViolationFound(
            violation_id=uuid.uuid4(),
            visit_id=uuid.uuid4(),
            enterprise_uscc=uscc,
            enterprise_name="测试企业",
            item_code="SJ-SP-001",
            item_name="食品经营许可检查",
            legal_basis="《中华人民共和国食品安全法》第三十五条",
            description="未公示许可证",
            evidence_hashes=["ab" * 32],
            officer_cert_nos=["辽A-0012340", "辽A-0012341"],
            department_code="SJ",
            district_code="210102",
            found_at=datetime(on.year, on.month, on.day, 2, tzinfo=UTC),
        ),
    )


async def published(risk: Running, uscc: str, starts: date, ends: date) -> None:
    await apply(
        risk,
        PublicationStarted(
            publication_id=uuid.uuid4(),
            record_id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            party_uscc=uscc,
            department_code="SJ",
            credit_class="一般",
            starts_on=starts,
            earliest_repair_on=starts,
            ends_on=ends,
        ),
    )


async def klass(risk: Running, uscc: str) -> dict[str, Any]:
    async with client(risk.url, headers=SUPERVISOR) as http:
        return dict(ok(await http.get(f"{API}/enterprises/{uscc}")))


class TestPenalties:
    async def test_a_general_penalty_of_today_is_b(self, risk: Running) -> None:
        uscc = make_uscc(9101)
        await penalty(risk, uscc, "一般", TODAY)  # 20 × 1095 // 1095 = 20 -> B (20 ≤ B)
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (20, "B"), got

    async def test_a_general_penalty_of_yesterday_is_a(self, risk: Running) -> None:
        uscc = make_uscc(9102)
        await penalty(risk, uscc, "一般", date(2026, 11, 22))  # 20 × 1094 // 1095 = 19 -> A
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (19, "A"), got

    async def test_an_aggravated_penalty_of_today_is_c(self, risk: Running) -> None:
        uscc = make_uscc(9103)
        await penalty(risk, uscc, "从重", TODAY)  # 40 -> C (40 ≤ C)
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (40, "C"), got

    async def test_an_aggravated_penalty_a_year_old(self, risk: Running) -> None:
        uscc = make_uscc(9104)
        await penalty(risk, uscc, "从重", date(2025, 11, 23))  # age 365: 40 × 730 // 1095 = 26 -> B
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (26, "B"), got

    async def test_a_penalty_three_years_old_no_longer_counts(self, risk: Running) -> None:
        # 2023-11-24 -> 2026-11-23 is 1,095 days (2024 has 29 February): outside the window -> 0, A
        uscc = make_uscc(9105)
        await penalty(risk, uscc, "从重", date(2023, 11, 24))
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (0, "A"), got


class TestRevoked:
    @pytest.mark.parametrize(("n", "outcome"), [(9112, "revoked"), (9113, "confirmed_illegal")])
    async def test_a_withdrawn_decision_leaves_the_score(self, risk: Running, n: int, outcome: str) -> None:
        # 从重 today: 40 (C); revoked or confirmed illegal (行政处罚法 第四十八条第二款: withdrawn): 0 (A)
        uscc = make_uscc(n)
        d = decision_issued(party_uscc=uscc, tier="从重", decided_on=TODAY, district_code="210102")
        await apply(risk, d)
        assert (await klass(risk, uscc))["risk_class"] == "C"
        await apply(risk, decision_revoked(d, outcome=outcome, revoked_on=TODAY))
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (0, "A"), got


class TestSignalsTogether:
    async def test_d_from_penalties_publication_and_complaints(self, risk: Running) -> None:
        # 从重 today 40 + 一般 today 20 + one active publication 15 = 75 -> D (70 ≤ D)
        uscc = make_uscc(9106)
        await penalty(risk, uscc, "从重", TODAY)
        await penalty(risk, uscc, "一般", TODAY)
        await published(risk, uscc, date(2026, 11, 1), date(2027, 11, 1))
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (75, "D"), got

    async def test_complaints_are_capped_at_fifteen(self, risk: Running) -> None:
        # six complaints of this month: 6 × 3 = 18, capped at 15; with a 从轻 penalty today (12): 27 -> B
        uscc = make_uscc(9107)
        await penalty(risk, uscc, "从轻", TODAY)
        await intake(
            risk,
            "complaints",
            [
                c | {"uscc": uscc}
                for c in complaints(
                    "cap", "SJ-210102", [f"2026-11-{d:02d}T09:00:00+08:00" for d in range(10, 16)]
                )
            ],
        )
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (27, "B"), got

    async def test_violations_decay_and_cap(self, risk: Running) -> None:
        # five violations of today: 5 × 10 = 50, capped at 40 -> C; plus one of 2025-11-23 (age 365:
        # 10 × 365 // 730 = 5) still within the cap: 40 -> C
        uscc = make_uscc(9108)
        for _ in range(5):
            await violation(risk, uscc, TODAY)
        await violation(risk, uscc, date(2025, 11, 23))
        got = await klass(risk, uscc)
        assert (got["score"], got["risk_class"]) == (40, "C"), got


class TestRepair:
    async def test_a_repair_ends_the_publication_and_subtracts_ten(self, risk: Running) -> None:
        # 一般 today 20 + active publication 15 = 35 -> B. Repaired today: the publication ends (0) and the
        # completed repair subtracts 10: 20 - 10 = 10 -> A.
        uscc = make_uscc(9111)
        await penalty(risk, uscc, "一般", TODAY)
        pub_id, record_id, case_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await apply(
            risk,
            PublicationStarted(
                publication_id=pub_id,
                record_id=record_id,
                case_id=case_id,
                party_uscc=uscc,
                department_code="SJ",
                credit_class="一般",
                starts_on=date(2026, 8, 1),
                earliest_repair_on=date(2026, 11, 1),
                ends_on=date(2027, 8, 1),
            ),
        )
        before = await klass(risk, uscc)
        assert (before["score"], before["risk_class"]) == (35, "B"), before
        now = datetime(2026, 11, 23, 2, tzinfo=UTC)
        await apply(
            risk,
            PublicationEnded(
                publication_id=pub_id,
                record_id=record_id,
                case_id=case_id,
                party_uscc=uscc,
                department_code="SJ",
                reason="repaired",
                ended_at=now,
            ),
            RepairCompleted(
                repair_id=uuid.uuid4(), record_id=record_id, case_id=case_id, party_uscc=uscc, accepted_at=now
            ),
        )
        after = await klass(risk, uscc)
        assert (after["score"], after["risk_class"]) == (10, "A"), after


class TestAccess:
    async def test_an_enterprise_sees_only_its_own_class(self, risk: Running) -> None:
        mine, theirs = make_uscc(9109), make_uscc(9101)
        await penalty(risk, mine, "从轻", TODAY)
        async with client(risk.url, headers=personas.enterprise(mine)) as http:
            assert ok(await http.get(f"{API}/enterprises/{mine}"))["risk_class"] == "A"
            problem(await http.get(f"{API}/enterprises/{theirs}"), 404, "ENTERPRISE_NOT_FOUND")

    async def test_an_invalid_uscc(self, risk: Running) -> None:
        good = make_uscc(9110)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        async with client(risk.url, headers=SUPERVISOR) as http:
            problem(await http.get(f"{API}/enterprises/{bad}"), 422, "ENTERPRISE_USCC_INVALID")
