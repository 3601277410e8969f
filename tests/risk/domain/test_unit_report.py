"""One unit's report (the drill-down's, ``build_unit_report``): the same assessment and cells as the whole
quarterly report gives that unit, on a generated city with trends, complaints, losses and indicators, and on
a fixture checked by hand."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from services.risk.domain import report
from services.risk.domain.report import Colour, Figures, Quarter, UnitDomainCounts
from services.risk.errors import QuarterInFuture
from tests.risk.domain.test_report import CONFIG, TODAY, Q, row

DOMAINS = ("market", "food", "air", "traffic")


def _city(rnd: random.Random, units: int) -> list[UnitDomainCounts]:
    rows = []
    for u in range(units):
        for domain in rnd.sample(DOMAINS, rnd.randrange(1, len(DOMAINS) + 1)):
            figures = Figures(
                decisions=rnd.choice([0, 5, 12, 25, 60, 150]),
                reconsideration_corrections=rnd.randrange(4),
                litigation_losses=rnd.randrange(3),
                complaints=rnd.randrange(10),
                refused_entries=rnd.randrange(12),
                overdue_procedures=rnd.randrange(12),
            )
            rows.append(UnitDomainCounts(f"U-{u:03d}", domain, figures))
    return rows


def test_every_unit_gets_what_the_whole_report_gives_it() -> None:
    rnd = random.Random(16)
    current, previous, before = _city(rnd, 40), _city(rnd, 40), _city(rnd, 35)
    whole = report.build_quarterly_report(
        Q, current, previous=previous, before_previous=before, config=CONFIG, today=TODAY
    )
    assert {a.colour for a in whole.units} >= {Colour.RED, Colour.YELLOW, Colour.NONE}, "a telling city"
    assert any(a.lamp for a in whole.units) and any(a.reasons and a.reasons[-1].rule.startswith("RATE_")
                                                    for a in whole.units)  # fmt: skip
    for code in sorted({r.unit_code for r in current + previous}) + ["U-999"]:
        mine = report.build_unit_report(
            Q, current, unit_code=code, previous=previous, before_previous=before, config=CONFIG, today=TODAY
        )
        assert mine.units == tuple(a for a in whole.units if a.unit_code == code), code
        assert mine.cells == tuple(a for a in whole.cells if a.unit_code == code), code
        assert mine.city == whole.city and mine.domains == ()
        assert (mine.quarter, mine.config_version, mine.provisional) == (
            whole.quarter,
            whole.config_version,
            whole.provisional,
        )


def test_a_unit_is_judged_against_the_whole_city() -> None:
    # City: 100 decisions and 4 corrections (4.00 %). A has 25 decisions and 3 corrections: 12.00 %, three
    # times the city's rate with at least 20 decisions and 3 corrections: red (THRESHOLDS: 2x and 3). Its
    # previous quarters are given only as other units' rows: no trend.
    current = [
        row("A", decisions=25, reconsideration_corrections=3),
        row("B", decisions=75, litigation_losses=1),
    ]
    previous = [row("B", decisions=80)]
    mine = report.build_unit_report(Q, current, unit_code="A", previous=previous, config=CONFIG, today=TODAY)
    (a,) = mine.units
    assert mine.city.rate == Fraction(4, 100)
    assert (a.colour, a.reasons[0].rule) == (Colour.RED, "RATE_RED")
    assert [c.domain for c in mine.cells] == ["market"]
    assert report.build_unit_report(Q, current, unit_code="C", config=CONFIG, today=TODAY).units == ()


def test_the_quarter_must_have_started() -> None:
    with pytest.raises(QuarterInFuture):
        report.build_unit_report(Quarter(2027, 1), [], unit_code="A", config=CONFIG, today=TODAY)
    assert (
        report.build_unit_report(Quarter(2026, 3), [], unit_code="A", config=CONFIG, today=TODAY).units == ()
    )
