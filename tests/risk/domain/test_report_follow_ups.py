"""The overdue 责令改正 follow-ups indicator (issue #14 item 6) in the versioned thresholds: in force from
version 2027.1 (yellow 2, red 5), absent from 2026.1, so a quarter under 2026.1 is judged as before."""

from __future__ import annotations

import json
from datetime import date

from services.risk.domain import report
from services.risk.domain.report import Colour, Figures, Quarter, UnitDomainCounts
from tests.risk.domain.test_report import SAMPLE

CONFIGS = report.load_config(json.loads(SAMPLE.read_text(encoding="utf-8")))


def colour_of(quarter: Quarter, overdue: int) -> tuple[Colour, list[str]]:
    rows = [UnitDomainCounts("SJ-210102", "行政检查", Figures(decisions=5, overdue_follow_ups=overdue))]
    rep = report.build_quarterly_report(
        quarter,
        rows,
        config=CONFIGS.for_quarter(quarter),
        today=quarter.last_day + (date(2000, 1, 2) - date(2000, 1, 1)),
    )
    unit = rep.units[0]
    return unit.colour, [r.rule for r in unit.reasons]


class TestVersions:
    def test_2027_1_adds_the_indicator_and_2026q4_stays_as_it_was(self) -> None:
        assert (
            CONFIGS.for_quarter(Quarter(2026, 4)).version == "2026.5"
        )  # the reviews' version, no follow-ups
        assert "overdue_follow_ups" not in CONFIGS.for_quarter(Quarter(2026, 4)).report.indicators
        new = CONFIGS.for_quarter(Quarter(2027, 1))
        assert new.version == "2027.1"
        assert new.report.indicators["overdue_follow_ups"] == report.IndicatorThreshold(yellow=2, red=5)

    def test_thresholds_under_2027_1(self) -> None:
        q = Quarter(2027, 1)
        assert colour_of(q, 1) == (Colour.NONE, [])  # 1 < yellow 2
        assert colour_of(q, 2) == (Colour.YELLOW, ["OVERDUE_FOLLOW_UPS_YELLOW"])  # 2 >= yellow 2
        assert colour_of(q, 5) == (Colour.RED, ["OVERDUE_FOLLOW_UPS_RED"])  # 5 >= red 5

    def test_the_same_figures_in_a_2026q4_quarter_colour_nothing(self) -> None:
        assert colour_of(Quarter(2026, 4), 9) == (Colour.NONE, [])

    def test_the_reason_reads_in_chinese(self) -> None:
        q = Quarter(2027, 1)
        rows = [UnitDomainCounts("SJ-210102", "行政检查", Figures(decisions=5, overdue_follow_ups=2))]
        rep = report.build_quarterly_report(q, rows, config=CONFIGS.for_quarter(q), today=date(2027, 4, 10))
        assert rep.units[0].reasons[0].text == "本季度责令改正逾期未复查2件，达到黄色预警阈值2件"
