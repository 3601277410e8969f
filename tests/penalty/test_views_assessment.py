"""The assessment's view as plain data (views.assessment_data): the what-if route serialises it without the
models (views.assessment_json), so it must be byte for byte the JSON of the validated read model, which must
hold the same values field for field as models built one by one (the view before issue #16)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain.catalogue import BaseKind, PartyType

SAMPLE = cat.parse_json(
    (Path(__file__).resolve().parents[2] / "data/sample/benchmarks.json").read_text("utf-8")
)

CASES: list[tuple[str, dict[str, Any]]] = [
    ("SY-XF-0002", {}),  # a fine in the 一般 tier
    ("SY-XF-0002", {"statutory_serious": True, "complex_case": True, "enterprise": True}),
    ("SY-CG-0004", {"party_type": PartyType.INDIVIDUAL, "base_amounts": {BaseKind.ILLEGAL_GAINS: 123_456}}),
    ("SY-CG-0004", {"party_type": PartyType.INDIVIDUAL, "age_years": 13}),  # 第三十条: no penalty
    ("SY-XF-0002", {"violation_date": date(2022, 1, 3)}),  # 第三十六条: two years have run
    ("SY-SJ-0001", {"base_amounts": {BaseKind.GOODS_VALUE: 10_000 * 100}}),  # multiples, kinds, hearing
]


def _one_by_one(a: d.Assessment) -> s.AssessmentRead:
    """The read model as the view built it before (a model per range, kind, step and citation)."""

    def fen_range(r: d.FenRange | None) -> s.FenRangeRead | None:
        return (
            None
            if r is None
            else s.FenRangeRead(low_fen=r.low, high_fen=r.high, text=d.range_text(r, closed=True))
        )

    pp = a.penalty
    return s.AssessmentRead(
        benchmark_code=a.code,
        benchmark_version=a.version,
        outcome=a.outcome.value,
        outcome_label=views._OUTCOME_LABELS[a.outcome],
        limitation=s.LimitationRead(
            years=a.limitation.years,
            starts_on=a.limitation.starts_on,
            last_day=a.limitation.last_day,
            measured_on=a.limitation.measured_on,
            expired=a.limitation.expired,
        ),
        penalty=None
        if pp is None
        else s.ProposalRead(
            tier=bridge.TIER_NAMES[pp.tier],
            tier_key=pp.tier.value,
            legal_range=fen_range(pp.legal_range),
            tier_range=fen_range(pp.tier_range),
            suggested_fine_fen=pp.suggested_fine_fen,
            fine_optional=pp.fine_optional,
            kinds=[s.KindRead(kind=k.value, label=k.label) for k in pp.kinds],
            allowed_kinds=[s.KindRead(kind=k.value, label=k.label) for k in pp.allowed_kinds],
            escalations=[e.label for e in pp.escalations],
        ),
        first_violation_eligible=a.first_violation_eligible,
        education_required=a.education_required,
        guardian_order=a.guardian_order,
        coercive_measures_excluded=a.coercive_measures_excluded,
        simple_procedure_allowed=a.simple_procedure_allowed,
        hearing_required=a.hearing_required,
        hearing_reasons=list(a.hearing_reasons),
        legal_review_required=a.legal_review_required,
        legal_review_reasons=list(a.legal_review_reasons),
        collective_discussion_required=a.collective_discussion_required,
        collective_discussion_reasons=list(a.collective_discussion_reasons),
        economic_impact_assessment_required=a.economic_impact_assessment_required,
        economic_impact_reasons=list(a.economic_impact_reasons),
        steps=[
            s.StepRead(
                rule=st.rule,
                text=st.text,
                citations=[
                    s.CitationRead(
                        law=c.law,
                        article=c.article,
                        benchmark_code=c.benchmark_code,
                        benchmark_version=c.benchmark_version,
                        text=c.render(),
                    )
                    for c in st.citations
                ],
            )
            for st in a.steps
        ],
        explanation=a.explanation(),
    )


@pytest.mark.parametrize(("code", "facts"), CASES)
def test_the_json_is_the_read_models(code: str, facts: dict[str, Any]) -> None:
    facts = {"violation_date": date(2025, 6, 1), "decision_date": date(2025, 9, 1), **facts}
    facts.setdefault("party_type", PartyType.ORGANISATION)
    a = d.assess(d.Facts(**facts), SAMPLE.versions(code), today=facts["decision_date"])
    expected = _one_by_one(a)
    assert views.assessment_read(a) == expected
    assert views.assessment_json(a) == expected.model_dump_json(by_alias=True).encode()
