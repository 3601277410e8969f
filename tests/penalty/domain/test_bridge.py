"""The glue between the engine and the procedure: assessments as AssessedPenalty, the flags of an actual
proposal, and the facts key of the consistency report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "benchmarks.json"
CATALOGUE = cat.parse_json(SAMPLE.read_text())
YUAN = 100
ORG = cat.PartyType.ORGANISATION


def assess(code: str, **facts: object) -> d.Assessment:
    values: dict[str, object] = {
        "violation_date": date(2026, 10, 1),
        "decision_date": date(2026, 11, 16),
        "party_type": ORG,
    }
    values.update(facts)
    return d.assess(d.Facts(**values), CATALOGUE.versions(code), today=date(2026, 11, 16))  # type: ignore[arg-type]


def test_a_penalty_becomes_the_tier_range_and_kinds() -> None:
    # SY-SJ-0004, goods value 3,000 元 (< 10,000): 5,000–50,000 元; 一般 30–70 %:
    # from 5,000 + 45,000 × 0.3 = 18,500 元 to just under 5,000 + 45,000 × 0.7 = 36,500 元
    assessed = bridge.to_assessed(assess("SY-SJ-0004", base_amounts={cat.BaseKind.GOODS_VALUE: 3_000 * YUAN}))
    assert assessed.tier == "一般"
    assert (assessed.min_fen, assessed.max_fen) == (18_500 * YUAN, 36_500 * YUAN - 1)
    assert p.PenaltyKind.FINE in assessed.allowed_kinds
    assert not assessed.hearing_required and not assessed.simple_procedure_allowed


def test_no_penalty_allows_no_kind() -> None:
    outcome = assess(
        "SY-SJ-0004",
        base_amounts={cat.BaseKind.GOODS_VALUE: 1},
        minor_violation=True,
        harm=d.Harm.NONE,
        correction=d.Correction.IN_TIME,
    )
    assert outcome.outcome is d.Outcome.NO_PENALTY
    assessed = bridge.to_assessed(outcome)
    assert assessed.tier == "不予处罚" and assessed.allowed_kinds == frozenset()


def test_flags_of_a_proposal_above_the_suggestion() -> None:
    # 较大数额 for an organisation defaults to 10 万元: 99,999.99 元 needs no hearing, 100,000 元 does
    below = bridge.flags_for(
        p.PartyKind.ORGANISATION, p.Penalty(frozenset({p.PenaltyKind.FINE}), 100_000 * YUAN - 1)
    )
    at = bridge.flags_for(
        p.PartyKind.ORGANISATION, p.Penalty(frozenset({p.PenaltyKind.FINE}), 100_000 * YUAN)
    )
    assert below.hearing_reasons == () and not below.legal_review
    assert len(at.hearing_reasons) == 1 and at.legal_review and not at.collective_discussion
    # a person: 1 万元
    person = bridge.flags_for(
        p.PartyKind.INDIVIDUAL, p.Penalty(frozenset({p.PenaltyKind.FINE}), 10_000 * YUAN)
    )
    assert person.hearing_reasons
    # 吊销许可证件: hearing (第六十三条第一款第（三）项), review and collective discussion whatever the amount
    revoke = bridge.flags_for(p.PartyKind.ORGANISATION, p.Penalty(frozenset({p.PenaltyKind.REVOKE_LICENCE})))
    assert revoke.hearing_reasons and revoke.legal_review and revoke.collective_discussion


def test_flags_are_only_ever_added() -> None:
    assessed = bridge.to_assessed(assess("SY-SJ-0004", base_amounts={cat.BaseKind.GOODS_VALUE: 3_000 * YUAN}))
    none = bridge.ProposalFlags((), False, False)
    assert bridge.with_flags(assessed, none) == assessed
    upgraded = bridge.with_flags(assessed, bridge.ProposalFlags(("x",), True, False))
    assert (
        upgraded.hearing_required
        and upgraded.legal_review_required
        and not upgraded.collective_discussion_required
    )


def test_facts_key_ignores_amounts_and_dates_but_not_circumstances() -> None:
    base = d.Facts(date(2026, 1, 1), date(2026, 2, 1), ORG, base_amounts={cat.BaseKind.GOODS_VALUE: 1})
    other_amount = d.Facts(
        date(2026, 3, 1), date(2026, 4, 1), ORG, base_amounts={cat.BaseKind.GOODS_VALUE: 9}
    )
    coerced = d.Facts(date(2026, 1, 1), date(2026, 2, 1), ORG, mitigations=frozenset({d.Mitigation.COERCED}))
    assert bridge.facts_key(base) == bridge.facts_key(other_amount)
    assert bridge.facts_key(base) != bridge.facts_key(coerced)
    assert len(bridge.facts_key(base)) == 16
