"""The assessment's read model is built without validation (views.assessment_read, ``model_construct``): it
must still be exactly what validation would make of it, field for field and byte for byte in JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.penalty import schemas as s
from services.penalty import views
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


@pytest.mark.parametrize(("code", "facts"), CASES)
def test_the_constructed_view_is_the_validated_one(code: str, facts: dict[str, Any]) -> None:
    facts = {"violation_date": date(2025, 6, 1), "decision_date": date(2025, 9, 1), **facts}
    facts.setdefault("party_type", PartyType.ORGANISATION)
    a = d.assess(d.Facts(**facts), SAMPLE.versions(code), today=facts["decision_date"])
    read = views.assessment_read(a)
    validated = s.AssessmentRead.model_validate(read.model_dump())
    assert read.model_dump_json(by_alias=True) == validated.model_dump_json(by_alias=True)
    assert read.model_dump() == validated.model_dump()
    assert read.steps and all(type(x.text) is str for x in read.steps)
