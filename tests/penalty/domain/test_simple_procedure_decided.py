"""行政处罚法 第五十一条 applies to the fine actually decided, not to the benchmark's suggested amount.

第五十一条: 违法事实确凿并有法定依据，对公民处以二百元以下、对法人或者其他组织处以三千元以下罚款或者警告的
行政处罚的，可以当场作出行政处罚决定. The thresholds are about the penalty imposed; the engine's suggestion (the
midpoint of the tier, for example) is only advice. The decided amount must still be inside the assessed tier
(行政处罚法 第三十四条), so the simple procedure cannot be used to leave the benchmark.
"""

from __future__ import annotations

import pytest

from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from tests.penalty.domain.test_procedure import FILED, ORG, PERSON, YUAN, assessed, decide_cmd, filed, run


def _simple_case(party: p.PartyRef, low_yuan: int, high_yuan: int) -> p.Case:
    # The engine suggested more than the threshold for this item, so it said "not on the spot"
    # (simple_procedure_allowed=False): the tier's lower end is below the threshold all the same.
    a = assessed(min_fen=low_yuan * YUAN, max_fen=high_yuan * YUAN, simple_procedure_allowed=False)
    return run(filed(p.ProcedureKind.SIMPLE, party), p.RecordAssessment(a), FILED).case


def _fine_fen(fen: int) -> p.Penalty:
    return p.Penalty(frozenset({K.FINE}), fine_fen=fen)


class TestPerson:
    # Tier 50–1,000 yuan; suggested midpoint (50 + 1,000) / 2 = 525 yuan > 200 yuan.
    def test_200_yuan_is_allowed(self) -> None:
        case = _simple_case(PERSON, 50, 1_000)
        # 200.00 yuan = 20,000 fen ≤ 200 × 100 = 20,000 fen, and 5,000 ≤ 20,000 ≤ 100,000 fen (in the tier).
        t = run(case, decide_cmd(_fine_fen(20_000)), FILED)
        assert t.case.state is p.CaseState.DECIDED
        assert t.case.procedure is p.ProcedureKind.SIMPLE

    def test_200_01_yuan_is_refused(self) -> None:
        case = _simple_case(PERSON, 50, 1_000)
        # 200.01 yuan = 20,001 fen > 20,000 fen: over the threshold although inside the tier.
        with pytest.raises(p.SimpleProcedureNotAllowed) as exc:
            run(case, decide_cmd(_fine_fen(20_001)), FILED)
        assert "200.01元" in exc.value.detail and "第五十一条" in exc.value.detail

    def test_a_warning_is_allowed(self) -> None:
        case = _simple_case(PERSON, 50, 1_000)
        warning = p.Penalty(frozenset({K.WARNING}))
        assert run(case, decide_cmd(warning), FILED).case.state is p.CaseState.DECIDED


class TestOrganisation:
    # Tier 1,000–10,000 yuan; suggested midpoint (1,000 + 10,000) / 2 = 5,500 yuan > 3,000 yuan.
    def test_3000_yuan_is_allowed(self) -> None:
        case = _simple_case(ORG, 1_000, 10_000)
        # 3,000.00 yuan = 300,000 fen ≤ 3,000 × 100 = 300,000 fen; 100,000 ≤ 300,000 ≤ 1,000,000 (tier).
        t = run(case, decide_cmd(_fine_fen(300_000)), FILED)
        assert t.case.state is p.CaseState.DECIDED

    def test_3000_01_yuan_is_refused(self) -> None:
        case = _simple_case(ORG, 1_000, 10_000)
        # 3,000.01 yuan = 300,001 fen > 300,000 fen.
        with pytest.raises(p.SimpleProcedureNotAllowed) as exc:
            run(case, decide_cmd(_fine_fen(300_001)), FILED)
        assert "3,000.01元" in exc.value.detail

    def test_below_the_tier_is_refused(self) -> None:
        # Tier 5,000–10,000 yuan: 3,000 yuan is under the threshold but below the tier (5,000 yuan).
        case = _simple_case(ORG, 5_000, 10_000)
        with pytest.raises(p.SimpleProcedureNotAllowed) as exc:
            run(case, decide_cmd(_fine_fen(300_000), outside_range_reason="当事人经济困难"), FILED)
        assert "幅度" in exc.value.detail


class TestEngineAdvice:
    """The engine's advice says the same: a tier reaching below the limit allows the simple procedure even
    when the suggestion is above it (the decided amount is checked at the decision)."""

    def test_suggestion_above_the_limit_tier_below_it(self) -> None:
        from datetime import date

        from services.penalty.domain import discretion as d
        from services.penalty.domain.catalogue import PartyType
        from tests.penalty.domain.test_discretion import SAMPLE

        # SY-CG-0002 (大气污染防治法 第一百一十八条第一款): 5,000–50,000 元. Two mitigations of 第三十二条 →
        # 减轻: below the statutory minimum, [0, 4,999.99] 元; suggested midpoint (0 + 4,999.99) / 2 → 2,500 元.
        facts = d.Facts(
            violation_date=date(2025, 6, 1),
            decision_date=date(2025, 9, 1),
            party_type=PartyType.INDIVIDUAL,
            mitigations=frozenset({d.Mitigation.COERCED, d.Mitigation.CONFESSED_UNKNOWN}),
        )
        a = d.assess(facts, SAMPLE.versions("SY-CG-0002"), today=date(2025, 9, 1))
        assert a.penalty is not None and a.penalty.suggested_fine_fen == 2_500 * YUAN
        assert a.penalty.tier_range is not None and a.penalty.tier_range.low == 0
        # 2,500 元 > 200 元, but 0 ≤ 200 元: a fine of at most 200 元 inside the tier may be decided on the spot
        assert a.simple_procedure_allowed
        (step,) = [s for s in a.steps if s.rule == "simple_procedure"]
        assert "建议罚款2,500.00元超过对公民当场处罚的限额200.00元" in step.text
