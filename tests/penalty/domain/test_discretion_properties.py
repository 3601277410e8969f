"""Properties of the assessment engine, checked with hypothesis over the sample catalogue.

The partial order on facts ("lighter than") used below: two fact patterns agree on everything that is not a
circumstance (dates, party, base amounts, age, capacity, enterprise), and the lighter one has
* harm no worse (none < minor < ordinary < serious) and correction no worse (in time < after order < refused),
* first offence, 违法行为轻微, no fault proven and each 清单 flag at least as often (True is lighter),
* 情节严重 no more often, a superset of art. 32 circumstances and a subset of aggravating ones.
The result order is :meth:`Assessment.severity_key` (outcome, heaviest kind, suggested fine, tier bounds).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.common.errors import DomainError
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain.catalogue import BaseKind, Tier
from services.penalty.domain.discretion import Aggravation, Mitigation

SAMPLE = cat.parse_json(
    (Path(__file__).resolve().parents[3] / "data/sample/benchmarks.json").read_text("utf-8")
)
CODES = sorted(SAMPLE.items)

#: True about one time in five: the rare facts (no fault, 清单 flags ...) would otherwise end most cases early
RARELY = st.integers(0, 4).map(lambda n: n == 0)

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------------------
# Range splitting and the suggested amount
# ---------------------------------------------------------------------------------------------------------


@st.composite
def splits(draw: st.DrawFn) -> tuple[int, int]:
    p1 = draw(st.integers(100, 9_800))
    p2 = draw(st.integers(p1 + 100, 9_900))
    return p1, p2


@given(low=st.integers(0, 10**10), width=st.integers(100, 10**10), split=splits())
def test_tiers_never_overlap_and_cover_the_range_in_order(
    low: int, width: int, split: tuple[int, int]
) -> None:
    high = low + width
    lighter, ordinary, heavier = d.split_range(low, high, *split)
    assert lighter.low == low and heavier.high == high
    assert lighter.high + 1 == ordinary.low and ordinary.high + 1 == heavier.low
    for r in (lighter, ordinary, heavier):
        assert r.low <= r.high


@given(low=st.integers(0, 10**10), width=st.integers(0, 99))
def test_a_range_narrower_than_one_yuan_is_not_split(low: int, width: int) -> None:
    tiers = d.split_range(low, low + width, 3_000, 7_000)
    assert tiers == (d.FenRange(low, low + width),) * 3


@given(low=st.integers(0, 10**10), width=st.integers(0, 10**10))
def test_suggested_amount_is_inside_and_whole_yuan_when_possible(low: int, width: int) -> None:
    r = d.FenRange(low, low + width)
    amount = d.suggest_amount(r)
    assert amount in r
    first_yuan = -(-low // 100) * 100
    if first_yuan <= r.high:
        assert amount % 100 == 0


# ---------------------------------------------------------------------------------------------------------
# Facts over the sample catalogue
# ---------------------------------------------------------------------------------------------------------


@st.composite
def heavy_facts(draw: st.DrawFn) -> tuple[str, d.Facts]:
    code = draw(st.sampled_from(CODES))
    item = SAMPLE.items[code]
    party = draw(st.sampled_from(sorted(item.versions[0].party_types)))
    violation = date(2023, 6, 1) + timedelta(days=draw(st.integers(0, 1_100)))
    decision = violation + timedelta(days=draw(st.integers(0, 900)))
    discovered = draw(
        st.none() | st.integers(0, (decision - violation).days).map(lambda n: violation + timedelta(n))
    )
    amounts = {}
    for base in (BaseKind.GOODS_VALUE, BaseKind.ADVERTISING_FEES, BaseKind.ILLEGAL_GAINS):
        value = draw(st.none() | st.integers(0, 5_000_000 * 100))
        if value is not None:
            amounts[base] = value
    person = party is cat.PartyType.INDIVIDUAL
    facts = d.Facts(
        violation_date=violation,
        decision_date=decision,
        discovered_on=discovered,
        party_type=party,
        harm=draw(st.sampled_from(d.HARM_ORDER)),
        correction=draw(st.sampled_from(d.CORRECTION_ORDER)),
        first_offence=draw(RARELY),
        minor_violation=draw(RARELY),
        no_fault_proven=draw(RARELY),
        base_amounts=amounts,
        obviously_low_bases=frozenset(draw(st.sets(st.sampled_from([BaseKind.ADVERTISING_FEES])))),
        illegal_property_value_fen=draw(st.none() | st.integers(0, 10**9)),
        enterprise=draw(st.booleans()) and not person,
        age_years=draw(st.none() | st.integers(10, 80)) if person else None,
        capacity=draw(st.sampled_from([d.Capacity.FULL] * 3 + list(d.Capacity)))
        if person
        else d.Capacity.FULL,
        mitigations=frozenset(draw(st.sets(st.sampled_from(list(Mitigation)), max_size=2))),
        aggravations=frozenset(draw(st.sets(st.sampled_from(list(Aggravation)), max_size=2))),
        statutory_serious=draw(RARELY),
        meets_no_penalty_list=draw(RARELY),
        meets_lighter_list=draw(RARELY),
        meets_mitigated_list=draw(RARELY),
        major_public_interest=draw(RARELY),
        complex_case=draw(RARELY),
    )
    return code, facts


@st.composite
def lighter_pair(draw: st.DrawFn) -> tuple[str, d.Facts, d.Facts]:
    code, heavy = draw(heavy_facts())
    harm = d.HARM_ORDER[draw(st.integers(0, d.HARM_ORDER.index(heavy.harm)))]
    correction = d.CORRECTION_ORDER[draw(st.integers(0, d.CORRECTION_ORDER.index(heavy.correction)))]

    def at_least(flag: bool) -> bool:
        return flag or draw(RARELY)

    def at_most(flag: bool) -> bool:
        return flag and draw(st.booleans())

    light = replace(
        heavy,
        harm=harm,
        correction=correction,
        first_offence=at_least(heavy.first_offence),
        minor_violation=at_least(heavy.minor_violation),
        no_fault_proven=at_least(heavy.no_fault_proven),
        meets_no_penalty_list=at_least(heavy.meets_no_penalty_list),
        meets_lighter_list=at_least(heavy.meets_lighter_list),
        meets_mitigated_list=at_least(heavy.meets_mitigated_list),
        statutory_serious=at_most(heavy.statutory_serious),
        mitigations=heavy.mitigations
        | frozenset(draw(st.sets(st.sampled_from(list(Mitigation)), max_size=2))),
        aggravations=frozenset(a for a in heavy.aggravations if draw(st.booleans())),
    )
    return code, light, heavy


def penalty_facts() -> st.SearchStrategy[tuple[str, d.Facts]]:
    """Facts that usually lead to a penalty (the no-penalty rules are tested by hand), for range properties."""
    return heavy_facts().map(
        lambda case: (
            case[0],
            replace(
                case[1],
                no_fault_proven=False,
                minor_violation=False,
                meets_no_penalty_list=False,
                capacity=d.Capacity.FULL,
                age_years=None,
                correction=d.Correction.REFUSED if case[1].statutory_serious else case[1].correction,
            ),
        )
    )


def assess(code: str, facts: d.Facts) -> d.Assessment | None:
    try:
        return d.assess(facts, SAMPLE.versions(code), today=facts.decision_date)
    except (d.NoVersionInForce, d.BaseAmountRequired):
        return None


@PROPERTY_SETTINGS
@given(case=penalty_facts())
def test_suggested_fine_is_inside_the_tier_range_and_the_law(case: tuple[str, d.Facts]) -> None:
    code, facts = case
    a = assess(code, facts)
    assume(a is not None and a.penalty is not None)
    assert a is not None and a.penalty is not None
    p = a.penalty
    if p.suggested_fine_fen is None:
        return
    assert p.tier_range is not None and p.legal_range is not None
    assert p.suggested_fine_fen in p.tier_range
    if p.tier is Tier.MITIGATED and p.legal_range.low > 0:
        assert p.tier_range.high < p.legal_range.low  # 减轻: below the legal minimum
    else:
        assert p.legal_range.low <= p.tier_range.low <= p.tier_range.high <= p.legal_range.high


@PROPERTY_SETTINGS
@given(case=lighter_pair())
def test_lighter_facts_never_give_a_heavier_result(case: tuple[str, d.Facts, d.Facts]) -> None:
    code, light, heavy = case
    a_heavy = assess(code, heavy)
    assume(a_heavy is not None)
    a_light = assess(code, light)
    assert a_light is not None and a_heavy is not None
    assert a_light.severity_key() <= a_heavy.severity_key(), (a_light.explanation(), a_heavy.explanation())


@PROPERTY_SETTINGS
@given(case=heavy_facts())
def test_every_outcome_is_explained_and_only_domain_errors_escape(case: tuple[str, d.Facts]) -> None:
    code, facts = case
    try:
        a = d.assess(facts, SAMPLE.versions(code), today=facts.decision_date)
    except DomainError:
        return
    assert a.steps[0].rule == "version" and a.steps[1].rule == "limitation"
    assert all(step.text and step.citations for step in a.steps)
    if a.outcome in (d.Outcome.PENALTY, d.Outcome.FIRST_VIOLATION_WAIVER):
        assert a.penalty is not None and a.penalty.kinds
    else:
        assert a.penalty is None and not a.simple_procedure_allowed and not a.hearing_required
