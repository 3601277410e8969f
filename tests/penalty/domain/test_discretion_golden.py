"""Golden (characterisation) test of the assessment engine on the sample catalogue.

This is a REGRESSION GUARD, not a test of the legal rules: ``golden/assessment.jsonl.xz`` records what
``discretion.assess`` answered (outcome, limitation, tier and ranges, suggested fine, kinds, every procedure
flag with its reasons, and the whole explanation trail with its citations), and what ``bridge`` makes of it,
for every sample benchmark item under a fixed, broad set of facts, as the code stood before issue #12's
reshape. The test compares byte for byte; a difference means the refactoring changed behaviour. The legal
rules themselves are tested with hand-worked examples in test_discretion.py.

Regenerate only for an intended, reviewed change: ``ZHIFA_GOLDEN_REGENERATE=1 pytest <this file>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from services.common.errors import DomainError
from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p
from services.penalty.domain.catalogue import BaseKind, PartyType
from services.penalty.domain.discretion import Aggravation, Capacity, Correction, Harm, Mitigation
from tests.penalty.domain.golden_json import compare

SAMPLE = cat.parse_json(
    (Path(__file__).resolve().parents[3] / "data/sample/benchmarks.json").read_text("utf-8")
)
YUAN = 100


def bases(yuan: int) -> dict[BaseKind, int]:
    """Every base kind at one level (illegal gains a quarter of it), so any formula finds its base."""
    fen = yuan * YUAN
    return {
        BaseKind.GOODS_VALUE: fen,
        BaseKind.ADVERTISING_FEES: fen,
        BaseKind.ILLEGAL_TURNOVER: fen,
        BaseKind.OTHER: fen,
        BaseKind.ILLEGAL_GAINS: fen // 4,
    }


ALL_MITIGATIONS = frozenset(Mitigation)
ALL_AGGRAVATIONS = frozenset(Aggravation)

# name -> (Facts overrides, assess() keyword overrides). Defaults: violation 2025-06-01, decision 2025-09-01,
# ordinary harm, corrected after an order, bases at 50,000 元, decided "today" = the decision date.
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ordinary": ({}, {}),
    "small_bases": ({"base_amounts": bases(800)}, {}),
    "tiny_bases": ({"base_amounts": bases(30)}, {}),
    "big_bases_enterprise": ({"base_amounts": bases(3_000_000), "enterprise": True}, {}),
    "bracket_edge_10000": ({"base_amounts": bases(10_000)}, {}),
    "no_bases": ({"base_amounts": {}}, {}),
    "obviously_low": ({"base_amounts": bases(800), "obviously_low_bases": frozenset(BaseKind)}, {}),
    "zero_bases": ({"base_amounts": bases(0)}, {}),
    "harm_none": ({"harm": Harm.NONE}, {}),
    "harm_minor_in_time": ({"harm": Harm.MINOR, "correction": Correction.IN_TIME}, {}),
    "serious_harm": ({"harm": Harm.SERIOUS}, {}),
    "lighter_one_mitigation": ({"mitigations": frozenset({Mitigation.ELIMINATED_HARM})}, {}),
    "mitigated_two_mitigations": (
        {"mitigations": frozenset({Mitigation.COERCED, Mitigation.CONFESSED_UNKNOWN})},
        {},
    ),
    "all_circumstances": ({"mitigations": ALL_MITIGATIONS, "aggravations": ALL_AGGRAVATIONS}, {}),
    "heavier_repeated": ({"aggravations": frozenset({Aggravation.REPEATED})}, {}),
    "heavier_all": ({"aggravations": ALL_AGGRAVATIONS, "harm": Harm.SERIOUS}, {}),
    "statutory_serious": ({"statutory_serious": True}, {}),
    "refused": ({"correction": Correction.REFUSED}, {}),
    "serious_and_refused": (
        {"statutory_serious": True, "correction": Correction.REFUSED, "base_amounts": bases(400_000)},
        {},
    ),
    "lighter_list": ({"meets_lighter_list": True}, {}),
    "mitigated_list": ({"meets_mitigated_list": True}, {}),
    "mitigated_list_and_aggravation": (
        {"meets_mitigated_list": True, "aggravations": frozenset({Aggravation.OBSTRUCTION})},
        {},
    ),
    "lists_and_mitigation": (
        {
            "meets_lighter_list": True,
            "meets_mitigated_list": True,
            "mitigations": frozenset({Mitigation.MERITORIOUS}),
        },
        {},
    ),
    "no_penalty_minor": ({"minor_violation": True, "correction": Correction.IN_TIME, "harm": Harm.NONE}, {}),
    "minor_but_harm": ({"minor_violation": True, "correction": Correction.IN_TIME, "harm": Harm.MINOR}, {}),
    "no_penalty_list": ({"meets_no_penalty_list": True}, {}),
    "no_fault": ({"no_fault_proven": True}, {}),
    "first_offence": ({"first_offence": True, "harm": Harm.NONE, "correction": Correction.IN_TIME}, {}),
    "first_offence_minor_harm": (
        {
            "first_offence": True,
            "harm": Harm.MINOR,
            "correction": Correction.IN_TIME,
            "base_amounts": bases(800),
        },
        {},
    ),
    "first_offence_not_corrected_in_time": ({"first_offence": True, "harm": Harm.NONE}, {}),
    "limitation_run": ({"violation_date": date(2021, 3, 1)}, {}),
    "limitation_harm_none": ({"violation_date": date(2022, 1, 1), "harm": Harm.NONE}, {}),
    "limitation_last_day": ({"violation_date": date(2023, 8, 31), "discovered_on": date(2025, 8, 31)}, {}),
    "limitation_day_after": ({"violation_date": date(2023, 8, 30), "discovered_on": date(2025, 8, 31)}, {}),
    "limitation_discovered": ({"violation_date": date(2022, 3, 1), "discovered_on": date(2024, 2, 28)}, {}),
    "limitation_continuing": (
        {"violation_date": date(2021, 1, 1), "continuing_until": date(2024, 1, 15)},
        {},
    ),
    "leap_day_violation": ({"violation_date": date(2024, 2, 29), "decision_date": date(2026, 3, 2)}, {}),
    "two_versions": ({"decision_date": date(2026, 3, 2)}, {}),
    "two_versions_mitigated_list": (
        {"decision_date": date(2026, 3, 2), "meets_mitigated_list": True, "base_amounts": bases(20_000)},
        {},
    ),
    "two_versions_first_offence": (
        {
            "decision_date": date(2026, 3, 2),
            "first_offence": True,
            "harm": Harm.NONE,
            "correction": Correction.IN_TIME,
        },
        {},
    ),
    "two_versions_no_penalty_list": ({"decision_date": date(2026, 3, 2), "meets_no_penalty_list": True}, {}),
    "continuing_into_new_version": (
        {"continuing_until": date(2026, 1, 10), "decision_date": date(2026, 3, 2)},
        {},
    ),
    "only_version_at_decision": ({"violation_date": date(2023, 6, 1), "decision_date": date(2024, 3, 1)}, {}),
    "no_version_in_force": ({"violation_date": date(2023, 1, 1), "decision_date": date(2023, 6, 1)}, {}),
    "draft_included": (
        {"violation_date": date(2026, 7, 2), "decision_date": date(2026, 8, 3)},
        {"include_unpublished": True},
    ),
    "draft_excluded": ({"violation_date": date(2026, 7, 2), "decision_date": date(2026, 8, 3)}, {}),
    "complex_major": ({"complex_case": True, "major_public_interest": True}, {}),
    "illegal_property": ({"illegal_property_value_fen": 20_000_000}, {}),
    "illegal_property_zero": ({"illegal_property_value_fen": 0}, {}),
    "enterprise_ordinary": ({"enterprise": True}, {}),
    "error_future_violation": ({}, {"today": date(2025, 5, 1)}),
    "error_violation_after_decision": ({"violation_date": date(2025, 9, 2)}, {"today": date(2025, 9, 5)}),
    "error_discovered_before_violation": ({"discovered_on": date(2025, 5, 1)}, {}),
    "error_continuing_after_decision": ({"continuing_until": date(2025, 9, 2)}, {"today": date(2025, 9, 5)}),
    "error_negative_base": ({"base_amounts": {BaseKind.GOODS_VALUE: -1}}, {}),
    "error_negative_property": ({"illegal_property_value_fen": -1}, {}),
}

PERSON_SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "age_13": ({"age_years": 13}, {}),
    "age_16": ({"age_years": 16}, {}),
    "age_16_mitigation": ({"age_years": 16, "mitigations": frozenset({Mitigation.COERCED})}, {}),
    "age_16_aggravation": ({"age_years": 16, "aggravations": frozenset({Aggravation.REPEATED})}, {}),
    "age_16_mitigated_list": ({"age_years": 16, "meets_mitigated_list": True}, {}),
    "birthday_14th": ({"birth_date": date(2011, 6, 1)}, {}),  # 14th birthday on the violation date
    "day_after_14th": ({"birth_date": date(2011, 5, 31)}, {}),
    "age_18_birth": ({"birth_date": date(2007, 5, 31)}, {}),
    "adult_35": ({"age_years": 35}, {}),
    "capacity_none": ({"capacity": Capacity.NONE}, {}),
    "capacity_limited": ({"capacity": Capacity.LIMITED}, {}),
    "capacity_limited_aggravation": (
        {"capacity": Capacity.LIMITED, "aggravations": frozenset({Aggravation.REPEATED})},
        {},
    ),
    "error_birth_after_act": ({"birth_date": date(2025, 7, 1)}, {}),
    "error_age_out_of_range": ({"age_years": 151}, {}),
}

ORG_SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "error_org_with_age": ({"age_years": 30}, {}),
}

CUSTOM_CONFIG = d.AssessmentConfig(
    tier_split=cat.TierSplit(
        range_lighter_upper_bp=2_500,
        range_heavier_lower_bp=8_000,
        max_only_lighter_upper_bp=1_000,
        max_only_heavier_lower_bp=5_000,
        mitigated_floor_bp=5_000,
    ),
    simple_limit_individual_fen=5_000,
    simple_limit_organisation_fen=100_000,
    hearing_fine_individual_fen=300_000,
    hearing_fine_organisation_fen=2_000_000,
    hearing_other_heavier_kinds=frozenset(),
    legal_review_when_hearing=False,
    legal_review_fine_individual_fen=500_000,
    legal_review_fine_organisation_fen=5_000_000,
    collective_on_serious=False,
    collective_fine_individual_fen=1_000_000,
    collective_fine_organisation_fen=10_000_000,
    eia_kinds=frozenset({cat.PenaltyKind.SUSPEND_LICENCE}),
    eia_fine_fen=1_000_000,
)
CUSTOM_SCENARIOS = (
    "ordinary",
    "big_bases_enterprise",
    "small_bases",
    "mitigated_two_mitigations",
    "mitigated_list",
    "statutory_serious",
    "serious_and_refused",
    "age_16",
)


def _cases() -> Iterator[tuple[str, PartyType, str, str, d.Facts, dict[str, Any]]]:
    for code in sorted(SAMPLE.items):
        versions = SAMPLE.versions(code)
        parties = sorted(versions[0].party_types)
        for party in sorted(PartyType):
            own = PERSON_SCENARIOS if party is PartyType.INDIVIDUAL else ORG_SCENARIOS
            names = {**SCENARIOS, **own} if party in parties else {"ordinary": SCENARIOS["ordinary"]}
            for name, (facts_kw, assess_kw) in names.items():
                values: dict[str, Any] = {
                    "violation_date": date(2025, 6, 1),
                    "decision_date": date(2025, 9, 1),
                    "party_type": party,
                    "base_amounts": bases(50_000),
                }
                values.update(facts_kw)
                facts = d.Facts(**values)
                yield code, party, name, "default", facts, assess_kw
                if name in CUSTOM_SCENARIOS:
                    yield code, party, name, "custom", facts, assess_kw


def _proposal_flags(facts: d.Facts, assessment: d.Assessment, config: d.AssessmentConfig) -> Any:
    """bridge.flags_for on the suggested proposal and on ten times its fine (a threshold crossing)."""
    proposal = assessment.penalty
    if proposal is None:
        return None
    kinds = frozenset(bridge.procedure_kind(k) for k in proposal.kinds)
    party = next(k for k, v in bridge.PARTY_TYPES.items() if v is facts.party_type)
    fine = proposal.suggested_fine_fen if p.PenaltyKind.FINE in kinds else None
    out = []
    for factor in (1, 10):
        penalty = p.Penalty(kinds, fine_fen=(fine or 0) * factor)
        flags = bridge.flags_for(
            party,
            penalty,
            config=config,
            illegal_gains_fen=facts.base_amounts.get(BaseKind.ILLEGAL_GAINS, 0),
            illegal_property_fen=facts.illegal_property_value_fen or 0,
        )
        out.append(flags)
    return out


def _steps(assessment: d.Assessment) -> list[Any]:
    return [
        [s.rule, [[c.law, c.article, c.benchmark_code, c.benchmark_version] for c in s.citations]]
        for s in assessment.steps
    ]


def records() -> Iterator[dict[str, Any]]:
    for code, party, name, config_name, facts, assess_kw in _cases():
        config = CUSTOM_CONFIG if config_name == "custom" else d.DEFAULT_CONFIG
        kw = {"today": facts.decision_date, **assess_kw}
        record: dict[str, Any] = {"code": code, "party": party, "scenario": name, "config": config_name}
        try:
            a = d.assess(facts, SAMPLE.versions(code), config=config, **kw)
        except DomainError as exc:
            record["error"] = exc
            yield record
            continue
        record["result"] = replace(a, steps=())
        record["steps"] = _steps(a)
        record["explanation"] = a.explanation()
        record["severity"] = a.severity_key()
        record["assessed"] = bridge.to_assessed(a)
        record["flags"] = _proposal_flags(facts, a, config)
        record["facts_key"] = bridge.facts_key(facts)
        yield record


def test_assessments_match_the_golden_record() -> None:
    compare("assessment.jsonl.xz", records())


def test_engine_helpers_match_the_golden_record() -> None:
    """The public helpers the service and the procedure call directly, over a grid of inputs."""
    out: list[dict[str, Any]] = []
    for low, high in ((0, 99), (0, 100), (500_000, 5_000_000), (0, 20_000_000), (123_457, 9_876_543)):
        for p1, p2 in ((3_000, 7_000), (2_000, 6_000), (100, 9_900)):
            parts = d.split_range(low, high, p1, p2)
            out.append(
                {
                    "split": [low, high, p1, p2],
                    "ranges": parts,
                    "texts": [d.range_text(r, closed=c) for r in parts for c in (False, True)],
                    "suggested": [d.suggest_amount(r) for r in parts],
                }
            )
    for party in sorted(PartyType):
        for kinds in (
            (cat.PenaltyKind.WARNING,),
            (cat.PenaltyKind.FINE,),
            (cat.PenaltyKind.WARNING, cat.PenaltyKind.FINE),
            (cat.PenaltyKind.FINE, cat.PenaltyKind.CONFISCATE_GAINS, cat.PenaltyKind.CONFISCATE_PROPERTY),
            (cat.PenaltyKind.SUSPEND_LICENCE, cat.PenaltyKind.REVOKE_LICENCE, cat.PenaltyKind.ORDER_CLOSURE),
            (
                cat.PenaltyKind.RESTRICT_BUSINESS,
                cat.PenaltyKind.SUSPEND_BUSINESS,
                cat.PenaltyKind.RESTRICT_EMPLOYMENT,
            ),
            (cat.PenaltyKind.DOWNGRADE_QUALIFICATION, cat.PenaltyKind.DETENTION),
        ):
            for fine in (None, 0, 20_000, 20_001, 300_000, 300_001, 1_000_000, 10_000_000, 50_000_000):
                out.append(
                    {
                        "party": party,
                        "kinds": kinds,
                        "fine": fine,
                        "simple": d.simple_procedure_allowed(party, kinds, fine),
                        "hearing": d.hearing_reasons(
                            party,
                            kinds,
                            fine,
                            confiscated_gains_fen=fine or 0,
                            confiscated_property_fen=fine or 0,
                        ),
                    }
                )
    for birth, on in (
        (date(2011, 6, 1), date(2025, 6, 1)),
        (date(2011, 5, 31), date(2025, 6, 1)),
        (date(2008, 2, 29), date(2026, 2, 28)),
        (date(2008, 2, 29), date(2026, 3, 1)),
    ):
        out.append({"birth": birth, "on": on, "years": d.completed_years(birth, on)})
    facts = d.Facts(
        violation_date=date(2025, 6, 1), decision_date=date(2025, 9, 1), party_type=PartyType.ORGANISATION
    )
    for versions in ((), SAMPLE.versions("SY-SJ-0001") + SAMPLE.versions("SY-SJ-0002")):
        try:
            d.assess(facts, versions, today=date(2025, 9, 1))
        except DomainError as exc:
            out.append({"versions": [v.code for v in versions], "error": exc})
    for mapping in (
        {},
        {
            "tier_split": {"mitigated_floor_bp": 2_000},
            "hearing_fine_individual_fen": 1,
            "eia_kinds": ["fine"],
        },
        {"colour": 1},
        {"eia_kinds": ["flogging"]},
        {"eia_fine_fen": -1},
        {"eia_fine_fen": True},
        {"collective_on_serious": 1},
        {"tier_split": {"range_heavier_lower_bp": 9_950}},
    ):
        try:
            config: Any = d.AssessmentConfig.from_mapping(mapping)
        except DomainError as exc:
            config = exc
        out.append({"config": mapping, "result": config})
    compare("assessment_helpers.jsonl", out)
