"""Pure glue between the discretion engine and the procedure: the engine's ``Assessment`` as the procedure's
``AssessedPenalty``, the procedure flags of an actual proposal, and the key of the facts that drive a tier.

The engine decides its procedure flags (hearing, legal review, collective discussion) on the *suggested*
fine. An officer may propose another amount within the tier, which can cross a threshold the suggestion did
not (a fine of 10 万元 or more for an organisation needs a hearing whatever was suggested): the notice is
checked against the flags of the amount actually proposed (:func:`flags_for`), and they are added to the
assessment before the notice is recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p

#: The short tier names of the procedure and of the event contracts (行政处罚法 uses 从轻/减轻 as verbs).
TIER_NAMES: dict[cat.Tier, str] = {
    cat.Tier.NO_PENALTY: "不予处罚",
    cat.Tier.MITIGATED: "减轻",
    cat.Tier.LIGHTER: "从轻",
    cat.Tier.ORDINARY: "一般",
    cat.Tier.HEAVIER: "从重",
}

PARTY_TYPES: dict[p.PartyKind, cat.PartyType] = {
    p.PartyKind.INDIVIDUAL: cat.PartyType.INDIVIDUAL,
    p.PartyKind.ORGANISATION: cat.PartyType.ORGANISATION,
}


def procedure_kind(kind: cat.PenaltyKind) -> p.PenaltyKind:
    """The catalogue's and the procedure's kinds share their stable values."""
    return p.PenaltyKind(kind.value)


def catalogue_kind(kind: p.PenaltyKind) -> cat.PenaltyKind:
    return cat.PenaltyKind(kind.value)


def to_assessed(assessment: d.Assessment, *, illegal_gains_fen: int = 0) -> p.AssessedPenalty:
    """The procedure's view of an assessment.

    Outcomes without a penalty (limitation run, 不予处罚, correction only) allow no kind: only a 不予行政处罚
    decision can follow. 首违不罚 keeps the penalty the engine computed as the alternative: the body may
    still penalise (第三十三条第一款 says 可以不予行政处罚). A penalty on facts with illegal gains must confiscate
    them (第二十八条第二款, whatever kinds the benchmark lists): the gains are kept and the kind allowed.
    """
    proposal = assessment.penalty
    if proposal is None or assessment.outcome not in (d.Outcome.PENALTY, d.Outcome.FIRST_VIOLATION_WAIVER):
        return p.AssessedPenalty(
            benchmark_code=assessment.code,
            benchmark_version=assessment.version,
            tier=TIER_NAMES[cat.Tier.NO_PENALTY],
            allowed_kinds=frozenset(),
            min_fen=None,
            max_fen=None,
            hearing_required=assessment.hearing_required,
            legal_review_required=assessment.legal_review_required,
            collective_discussion_required=assessment.collective_discussion_required,
            simple_procedure_allowed=False,
        )
    tier_range = proposal.tier_range
    gains = max(illegal_gains_fen, 0)
    allowed = frozenset(procedure_kind(k) for k in proposal.allowed_kinds)
    return p.AssessedPenalty(
        benchmark_code=assessment.code,
        benchmark_version=assessment.version,
        tier=TIER_NAMES[proposal.tier],
        allowed_kinds=allowed | {p.PenaltyKind.CONFISCATE_GAINS} if gains else allowed,
        min_fen=tier_range.low if tier_range else None,
        max_fen=tier_range.high if tier_range else None,
        hearing_required=assessment.hearing_required,
        legal_review_required=assessment.legal_review_required,
        collective_discussion_required=assessment.collective_discussion_required,
        simple_procedure_allowed=assessment.simple_procedure_allowed,
        illegal_gains_fen=gains,
    )


@dataclass(frozen=True, slots=True)
class ProposalFlags:
    hearing_reasons: tuple[str, ...]
    legal_review: bool
    collective_discussion: bool


def flags_for(
    party: p.PartyKind,
    penalty: p.Penalty,
    *,
    config: d.AssessmentConfig = d.DEFAULT_CONFIG,
    illegal_gains_fen: int = 0,
    illegal_property_fen: int = 0,
) -> ProposalFlags:
    """The procedure flags the law attaches to this particular proposal (第五十七条, 第五十八条, 第六十三条)."""
    party_type = PARTY_TYPES[party]
    kinds = [catalogue_kind(k) for k in penalty.kinds]
    fine = penalty.fine_fen if p.PenaltyKind.FINE in penalty.kinds else None
    gains = penalty.confiscation_fen or illegal_gains_fen
    hearing = d.hearing_reasons(
        party_type,
        kinds,
        fine,
        confiscated_gains_fen=gains,
        confiscated_property_fen=illegal_property_fen,
        config=config,
    )
    kind_set = set(kinds)
    individual = party_type is cat.PartyType.INDIVIDUAL
    review_threshold = (
        config.legal_review_fine_individual_fen if individual else config.legal_review_fine_organisation_fen
    )
    review = bool(kind_set & config.legal_review_kinds) or (fine is not None and fine >= review_threshold)
    review = review or (bool(hearing) and config.legal_review_when_hearing)
    collective_threshold = (
        config.collective_fine_individual_fen if individual else config.collective_fine_organisation_fen
    )
    collective = bool(kind_set & config.collective_kinds) or (
        fine is not None and fine >= collective_threshold
    )
    return ProposalFlags(hearing, review, collective)


def with_flags(assessed: p.AssessedPenalty, flags: ProposalFlags) -> p.AssessedPenalty:
    """The assessment with the proposal's flags added (never removed)."""
    return replace(
        assessed,
        hearing_required=assessed.hearing_required or bool(flags.hearing_reasons),
        legal_review_required=assessed.legal_review_required or flags.legal_review,
        collective_discussion_required=assessed.collective_discussion_required or flags.collective_discussion,
    )


def _age_band(facts: d.Facts) -> str:
    if facts.party_type is not cat.PartyType.INDIVIDUAL:
        return "org"
    age = (
        d.completed_years(facts.birth_date, facts.act_date)
        if facts.birth_date is not None
        else facts.age_years
    )
    if age is None or age >= 18:
        return "adult"
    return "under14" if age < 14 else "14to18"


def facts_key(facts: d.Facts) -> str:
    """A short stable key of the facts that decide the tier (not the amounts, which decide the range).

    Two decisions of one benchmark item with the same key and different tiers are flagged by the consistency
    report as 同案不同罚 (SPEC §3.4 (c)).
    """
    driving = {
        "party": facts.party_type.value,
        "age": _age_band(facts),
        "capacity": facts.capacity.value,
        "harm": facts.harm.value,
        "correction": facts.correction.value,
        "first": facts.first_offence,
        "minor": facts.minor_violation,
        "no_fault": facts.no_fault_proven,
        "mit": sorted(m.value for m in facts.mitigations),
        "agg": sorted(a.value for a in facts.aggravations),
        "serious": facts.statutory_serious,
        "lists": [facts.meets_no_penalty_list, facts.meets_lighter_list, facts.meets_mitigated_list],
    }
    text = json.dumps(driving, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def explanation_lines(assessment: d.Assessment) -> tuple[str, ...]:
    """The engine's steps as 说理 sentences with their citations, one per line."""
    return tuple(step.render() for step in assessment.steps)
