"""案卷评查 results as an input of the quarterly report (config version 2026.5; services/risk/domain/review_report.py)."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from services.common.errors import DomainError
from services.risk.domain import report, review_report
from services.risk.domain.report import Colour, Figures, Quarter, UnitDomainCounts

SAMPLE = Path(__file__).resolve().parents[3] / "services" / "risk" / "risk_config.json"
CONFIGS = report.load_config(json.loads(SAMPLE.read_text(encoding="utf-8")))

# Campaign 甲 (pass mark 60): U1 files 95 and 55, U2 70; campaign 乙 (pass mark 80): U1 75.
CAMPAIGNS = [("甲", 60, [("U1", 95), ("U1", 55), ("U2", 70)]), ("乙", 80, [("U1", 75)])]


def test_figures_per_unit_worked_by_hand() -> None:
    figures = review_report.review_figures(CAMPAIGNS)
    u1, u2 = figures["U1"], figures["U2"]
    # U1: 3 files, 95 + 55 + 75 = 225 points, mean 75; failed: 55 < 60 in 甲, 75 < 80 in 乙 → 2
    assert (u1.files, u1.points, u1.mean, u1.failed, u1.campaigns) == (3, 225, Fraction(75), 2, ("甲", "乙"))
    assert (u2.files, u2.points, u2.failed) == (1, 70, 0)


def test_the_versions_in_effect() -> None:
    assert CONFIGS.for_quarter(Quarter(2026, 3)).reviews is None  # 2026.1: reviews were no input
    t = CONFIGS.for_quarter(Quarter(2026, 4)).reviews
    assert CONFIGS.for_quarter(Quarter(2026, 4)).version == "2026.5" and t is not None
    assert (
        t.min_files,
        t.red_mean_below,
        t.yellow_mean_below,
        t.red_failed_files,
        t.yellow_failed_files,
    ) == (
        3,
        60,
        80,
        3,
        1,
    )


def _report(quarter: Quarter, today: date) -> report.QuarterlyReport:
    counts = [
        UnitDomainCounts("U1", "食品安全", Figures(decisions=5)),
        UnitDomainCounts("U2", "食品安全", Figures(decisions=5)),
    ]
    config = CONFIGS.for_quarter(quarter)
    rep = report.build_quarterly_report(quarter, counts, config=config, today=today)
    return review_report.apply_reviews(rep, review_report.review_figures(CAMPAIGNS), config)


def test_a_unit_reviewed_below_the_line_turns_yellow_from_2026_q4() -> None:
    rep = _report(Quarter(2026, 4), date(2026, 12, 1))
    u1, u2 = rep.units
    # U1: mean 75.00 < 80 (yellow line) with 3 ≥ 3 files; 2 failed files ≥ 1 (yellow), < 3 (red)
    assert u1.colour is Colour.YELLOW
    assert [r.rule for r in u1.reasons] == ["REVIEW_MEAN_YELLOW", "REVIEW_FAILED_YELLOW"]
    assert u1.reasons[0].text == "本季度案卷评查《甲》、《乙》评查案卷3件，平均75.00分，低于黄色预警线80分"
    assert u1.reasons[1].text == "本季度案卷评查不合格案卷2件，达到黄色预警阈值1件"
    # U2: one file (70) is fewer than 3: its mean is not judged; no failed file
    assert (u2.colour, u2.reasons) == (Colour.NONE, ())


def test_a_report_under_2026_1_is_what_it_was() -> None:
    rep = _report(Quarter(2026, 3), date(2026, 11, 23))
    assert all(a.colour is Colour.NONE and not a.reasons for a in rep.units)
    assert rep.config_version == "2026.1"


def test_red_under_the_red_lines() -> None:
    t = CONFIGS.for_quarter(Quarter(2026, 4)).reviews
    assert t is not None
    # mean (50 + 55 + 58) / 3 = 163 / 3 = 54.33 < 60; 3 failed files ≥ 3
    f = review_report.review_figures([("丙", 60, [("U", 50), ("U", 55), ("U", 58)])])["U"]
    assert [(r.rule, r.colour) for r in review_report.review_reasons(f, t)] == [
        ("REVIEW_MEAN_RED", Colour.RED),
        ("REVIEW_FAILED_RED", Colour.RED),
    ]


def test_the_lines_are_ordered() -> None:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["versions"][-1]["reviews"]["red_mean_below"] = 90  # above yellow's 80
    with pytest.raises(DomainError) as err:
        report.load_config(doc)
    assert err.value.code == "RISK_CONFIG_INVALID"


def test_a_unit_known_by_its_reviewed_files_only_is_coloured() -> None:
    """U3 decided nothing in 2026Q4; its three Q3 files reviewed in a Q4 campaign: 50 + 60 + 61 = 171 / 3 = 57.00,
    below the red line 60 → red, with 1 failed file (50) → also REVIEW_FAILED_YELLOW. U4's one file of 90 adds no
    reason, so U4 stays out of the report as before."""
    quarter = Quarter(2026, 4)
    config = CONFIGS.for_quarter(quarter)
    counts = [UnitDomainCounts("U1", "食品安全", Figures(decisions=5))]
    rep = report.build_quarterly_report(quarter, counts, config=config, today=date(2026, 12, 1))
    reviewed = review_report.review_figures([("丙", 60, [("U3", 50), ("U3", 60), ("U3", 61), ("U4", 90)])])
    units = review_report.apply_reviews(rep, reviewed, config).units
    assert [a.unit_code for a in units] == ["U1", "U3"]
    u3 = units[1]
    assert (u3.colour, [r.rule for r in u3.reasons]) == (
        Colour.RED,
        ["REVIEW_MEAN_RED", "REVIEW_FAILED_YELLOW"],
    )
    assert u3.figures == Figures() and u3.reasons[0].figures["mean"] == "57.00"
