"""Quarterly report: a fixture city of six units worked by hand, boundaries, trends and the quarter type."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from services.common.errors import DomainError
from services.risk.domain import report
from services.risk.domain.report import Colour, Figures, Quarter, UnitDomainCounts

# The default configuration shipped with the service (packaged: the image has no data/ directory).
SAMPLE = Path(__file__).resolve().parents[3] / "services" / "risk" / "risk_config.json"
DATA_COPY = Path(__file__).resolve().parents[3] / "data" / "sample" / "risk_config.json"

THRESHOLDS = report.ReportThresholds(
    min_decisions=20,
    red_rate_multiple_pct=200,
    red_min_corrections=3,
    yellow_rate_multiple_pct=100,
    yellow_min_corrections=1,
    red_corrections=6,
    yellow_corrections=3,
    red_complaints=8,
    yellow_complaints=3,
    indicators={
        "refused_entries": report.IndicatorThreshold(yellow=3, red=10),
        "overdue_procedures": report.IndicatorThreshold(yellow=3, red=10),
    },
    trend_min_decisions=10,
    trend_min_complaints=2,
    lamp_min_losses=1,
)


def make_config(thresholds: report.ReportThresholds = THRESHOLDS) -> report.RiskConfig:
    sample = report.load_config(json.loads(SAMPLE.read_text(encoding="utf-8"))).versions[0]
    return sample.model_copy(update={"version": "test-1", "report": thresholds})


CONFIG = make_config()
Q = Quarter(2026, 2)
TODAY = date(2026, 7, 10)  # 2026Q2 has ended: the report is final


def row(unit: str, domain: str = "market", **counts: int) -> UnitDomainCounts:
    return UnitDomainCounts(unit, domain, Figures(**counts))


def build(current: list[UnitDomainCounts], **kw: object) -> report.QuarterlyReport:
    return report.build_quarterly_report(Q, current, config=CONFIG, today=TODAY, **kw)  # type: ignore[arg-type]


def unit(rep: report.QuarterlyReport, code: str) -> report.Assessment:
    return next(a for a in rep.units if a.unit_code == code)


# The fixture city. U1 works in two domains; the others only in "market".
#   unit  decisions  recon.corr  lit.losses  corrections  complaints
#   U1m      150         0           1            1
#   U1t       50         0           1            1
#   U2        50         3           0            3
#   U3        30         2           1            3
#   U4        10         2           1            3
#   U5         0         0           1            1
#   U6         0         0           0            0            8
CITY = [
    row("U1", "market", decisions=150, litigation_losses=1),
    row("U1", "transport", decisions=50, litigation_losses=1),
    row("U2", decisions=50, reconsideration_corrections=3),
    row("U3", decisions=30, reconsideration_corrections=2, litigation_losses=1),
    row("U4", decisions=10, reconsideration_corrections=2, litigation_losses=1),
    row("U5", litigation_losses=1),
    row("U6", complaints=8),
]


class TestFixtureCity:
    def test_city_rate_and_average_losses(self) -> None:
        rep = build(CITY)
        decisions = 150 + 50 + 50 + 30 + 10 + 0 + 0  # 290
        corrections = 1 + 1 + 3 + 3 + 3 + 1 + 0  # 12
        assert rep.city.totals.decisions == decisions == 290
        assert rep.city.totals.corrections == corrections == 12
        assert rep.city.rate == Fraction(12, 290)
        assert rep.city.rate_text == "4.14%"  # 12 / 290 = 0.041379... -> 4.14%
        # Active units: U1..U5 decided or lost; U6 did neither and is left out of the average.
        losses = 2 + 0 + 1 + 1 + 1  # U1 lost 2 (one per domain)
        assert rep.city.active_units == 5
        assert rep.city.average_losses == Fraction(losses, 5) == 1
        assert rep.provisional is False
        assert rep.config_version == "test-1"

    def test_unit_colours(self) -> None:
        rep = build(CITY)
        # 2 x city rate = 2 * 12/290 = 24/290 = 8.276%.
        # U1: 2/200 = 1%     < 4.14%, 2 corrections < 3 -> none
        # U2: 3/50 = 6%      > 4.14%, < 8.276%     -> yellow (rate); 3 corrections also hit yellow_corrections=3
        # U3: 3/30 = 10%     >= 8.276%, 3 >= 3     -> red (rate)
        # U4: 10 decisions < 20: rate not judged; 3 corrections >= 3 -> yellow (absolute count)
        # U5: no decisions, 1 correction           -> none
        # U6: 8 complaints >= 8                    -> red (complaints)
        expected = {
            "U1": Colour.NONE,
            "U2": Colour.YELLOW,
            "U3": Colour.RED,
            "U4": Colour.YELLOW,
            "U5": Colour.NONE,
            "U6": Colour.RED,
        }
        assert {a.unit_code: a.colour for a in rep.units} == expected
        assert [r.rule for r in unit(rep, "U3").reasons] == ["RATE_RED", "CORRECTIONS_YELLOW"]
        assert [r.rule for r in unit(rep, "U4").reasons] == ["CORRECTIONS_YELLOW"]
        assert [r.rule for r in unit(rep, "U6").reasons] == ["COMPLAINTS_RED"]
        assert unit(rep, "U5").rate is None
        assert unit(rep, "U1").reasons == ()

    def test_lamp_for_losses_above_the_average(self) -> None:
        rep = build(CITY)
        # Average 5 / 5 = 1.00; only U1 (2 losses) is strictly above; U3, U4, U5 with exactly 1 are not.
        assert {a.unit_code for a in rep.units if a.lamp} == {"U1"}
        lamp = unit(rep, "U1").lamp_reason
        assert lamp is not None
        assert (
            lamp.text
            == "本季度行政诉讼败诉2件，超过全市平均值1.00件（全市败诉5件／纳入统计单位5个），亮灯警示"
        )

    def test_reasons_state_the_numbers(self) -> None:
        rep = build(CITY)
        red = unit(rep, "U3").reasons[0]
        # 10% / (12/290) = 29 / 12 = 2.4167 -> 2.42倍
        assert red.text == (
            "纠错率10.00%（复议纠错2件、诉讼败诉1件，共3件／处罚决定30件），为全市纠错率4.14%的2.42倍，"
            "达到红色预警线（全市纠错率的2倍，处罚决定不少于20件且纠错不少于3件）"
        )
        assert red.figures["rate"] == "10.00%"
        assert red.figures["city_rate"] == "4.14%"
        yellow = unit(rep, "U2").reasons[0]
        # 6% / (12/290) = 0.06 * 290 / 12 = 1.45 -> 1.45倍
        assert yellow.rule == "RATE_YELLOW"
        assert "纠错率6.00%" in yellow.text and "高于全市纠错率4.14%（1.45倍）" in yellow.text
        assert unit(rep, "U6").reasons[0].text == "本季度12345投诉8件，达到红色预警阈值8件"

    def test_domains_judge_rate_only(self) -> None:
        rep = build(CITY)
        domains = {a.domain: a for a in rep.domains}
        # market: decisions 150+50+30+10 = 240, corrections 1+3+3+3+1 = 11 -> 4.58% > 4.14% -> yellow
        #   (11 corrections would be red as a unit; domains do not use absolute counts)
        # transport: 1/50 = 2.00% < 4.14% -> none
        assert domains["market"].figures.decisions == 240
        assert domains["market"].figures.corrections == 11
        assert domains["market"].colour is Colour.YELLOW
        assert [r.rule for r in domains["market"].reasons] == ["RATE_YELLOW"]
        assert domains["transport"].colour is Colour.NONE
        assert all(not a.lamp for a in rep.domains)

    def test_cells(self) -> None:
        rep = build(CITY)
        cells = {(a.unit_code, a.domain): a for a in rep.cells}
        # U1 market 1/150 = 0.67%, U1 transport 1/50 = 2.00%: both below 4.14%.
        assert cells[("U1", "market")].colour is Colour.NONE
        assert cells[("U1", "transport")].colour is Colour.NONE
        assert cells[("U3", "market")].colour is Colour.RED
        assert len(rep.cells) == 7

    def test_warnings_list_coloured_or_lit_units_most_severe_first(self) -> None:
        rep = build(CITY)
        assert [a.unit_code for a in rep.warnings()] == ["U3", "U6", "U2", "U4", "U1"]


class TestRateBoundaries:
    def test_exactly_twice_the_city_rate_is_red(self) -> None:
        # A: 4/60, B: 4/20 = 20%. City: 8/80 = 10%. B is exactly 2x and has exactly 20 decisions.
        rep = build(
            [
                row("A", decisions=60, reconsideration_corrections=4),
                row("B", decisions=20, litigation_losses=4),
            ]
        )
        assert rep.city.rate == Fraction(1, 10)
        b = unit(rep, "B")
        assert b.colour is Colour.RED
        assert b.reasons[0].rule == "RATE_RED"
        assert "为全市纠错率10.00%的2.00倍" in b.reasons[0].text

    def test_just_below_twice_is_yellow(self) -> None:
        # A: 5/60, B: 4/20 = 20%. City 9/80 = 11.25%, 2x = 22.5% > 20% -> yellow, not red.
        rep = build(
            [
                row("A", decisions=60, reconsideration_corrections=5),
                row("B", decisions=20, litigation_losses=4),
            ]
        )
        assert unit(rep, "B").reasons[0].rule == "RATE_YELLOW"

    def test_exactly_the_city_rate_is_not_yellow(self) -> None:
        # Both 2/50 = 4% = the city rate 4/100: "above the city rate" is strict.
        rep = build(
            [
                row("A", decisions=50, reconsideration_corrections=2),
                row("B", decisions=50, litigation_losses=2),
            ]
        )
        assert unit(rep, "A").colour is Colour.NONE
        assert unit(rep, "B").colour is Colour.NONE

    def test_minimum_decisions(self) -> None:
        # 19 decisions: the rate (2/19 = 10.5% vs city 6/100 = 6%) is not judged, 2 corrections < 3 -> none.
        rep = build(
            [
                row("A", decisions=81, reconsideration_corrections=4),
                row("B", decisions=19, reconsideration_corrections=2),
            ]
        )
        assert unit(rep, "B").colour is Colour.NONE
        # 20 decisions: 2/20 = 10% > city 6/100 = 6% -> yellow; 2x = 12% not reached.
        rep = build(
            [
                row("A", decisions=80, reconsideration_corrections=4),
                row("B", decisions=20, reconsideration_corrections=2),
            ]
        )
        assert unit(rep, "B").colour is Colour.YELLOW

    def test_red_needs_three_corrections(self) -> None:
        # B: 2/40 = 5%; city 3/440 = 0.68%: 7.3x the city rate but only 2 corrections -> yellow.
        rep = build(
            [
                row("A", decisions=400, reconsideration_corrections=1),
                row("B", decisions=40, reconsideration_corrections=2),
            ]
        )
        assert unit(rep, "B").colour is Colour.YELLOW
        # B: 3/40 = 7.5%; city 4/440 = 0.91%: 8.25x and 3 corrections -> red.
        rep = build(
            [
                row("A", decisions=400, reconsideration_corrections=1),
                row("B", decisions=40, reconsideration_corrections=3),
            ]
        )
        assert unit(rep, "B").colour is Colour.RED

    def test_no_decisions_anywhere(self) -> None:
        rep = build([row("A", litigation_losses=1), row("B", complaints=1)])
        assert rep.city.rate is None
        assert rep.city.rate_text == "不适用（全市无处罚决定）"
        # A is active (it lost a suit), B is not: average 1/1 = 1, A's 1 is not above it.
        assert rep.city.active_units == 1
        assert not unit(rep, "A").lamp
        assert unit(rep, "A").colour is Colour.NONE

    def test_empty_city(self) -> None:
        rep = build([])
        assert rep.units == () and rep.city.average_losses is None and rep.city.rate is None

    def test_indicator_thresholds(self) -> None:
        rep = build([row("A", decisions=5, refused_entries=3, overdue_procedures=10)])
        a = unit(rep, "A")
        assert a.colour is Colour.RED
        assert [r.rule for r in a.reasons] == ["OVERDUE_PROCEDURES_RED", "REFUSED_ENTRIES_YELLOW"]
        assert a.reasons[1].text == "本季度扫码入企被拒3次，达到黄色预警阈值3次"


class TestTrend:
    def test_rate_rising_two_quarters_is_blue(self) -> None:
        # X: 1/40 = 2.5% (Q4) -> 1/30 = 3.33% (Q1) -> 2/40 = 5% (Q2).
        # City now: (2 + 5) / (40 + 60) = 7%; X's 5% is below it and 2 corrections < 3 -> only the trend.
        current = [
            row("X", decisions=40, reconsideration_corrections=2),
            row("Y", decisions=60, reconsideration_corrections=5),
        ]
        rep = build(
            current,
            previous=[row("X", decisions=30, litigation_losses=1)],
            before_previous=[row("X", decisions=40, reconsideration_corrections=1)],
        )
        x = unit(rep, "X")
        assert x.colour is Colour.BLUE
        assert x.reasons[0].text == (
            "纠错率连续两个季度上升：2025Q4 2.50%（1/40）→ 2026Q1 3.33%（1/30）→ 2026Q2 5.00%（2/40）"
        )
        assert unit(rep, "Y").colour is Colour.YELLOW  # 5/60 = 8.33% > 7%

    def test_flat_quarter_breaks_the_trend(self) -> None:
        current = [
            row("X", decisions=40, reconsideration_corrections=2),
            row("Y", decisions=60, reconsideration_corrections=5),
        ]
        rep = build(
            current,
            previous=[row("X", decisions=40, reconsideration_corrections=1)],
            before_previous=[
                row("X", decisions=40, reconsideration_corrections=1)
            ],  # 2.5% -> 2.5%: not rising
        )
        assert unit(rep, "X").colour is Colour.NONE

    def test_trend_needs_decisions_in_every_quarter(self) -> None:
        current = [
            row("X", decisions=40, reconsideration_corrections=2),
            row("Y", decisions=60, reconsideration_corrections=5),
        ]
        rep = build(
            current,
            previous=[row("X", decisions=30, litigation_losses=1)],
            before_previous=[row("X", decisions=9)],  # 9 < trend_min_decisions 10
        )
        assert unit(rep, "X").colour is Colour.NONE

    def test_trend_needs_both_previous_quarters(self) -> None:
        current = [
            row("X", decisions=40, reconsideration_corrections=2),
            row("Y", decisions=60, reconsideration_corrections=5),
        ]
        rep = build(current, previous=[row("X", decisions=30, litigation_losses=1)])
        assert unit(rep, "X").colour is Colour.NONE

    def test_complaints_rising_is_blue(self) -> None:
        rep = build([row("X", complaints=2)], previous=[row("X", complaints=1)], before_previous=[row("X")])
        x = unit(rep, "X")
        assert x.colour is Colour.BLUE
        assert x.reasons[0].text == "12345投诉量连续两个季度上升：2025Q4 0件 → 2026Q1 1件 → 2026Q2 2件"

    def test_complaints_rising_from_a_quarter_without_any_record(self) -> None:
        # X had no record at all in 2025Q4 (no complaint, no decision: no row), 1 complaint in 2026Q1 and 2 in
        # 2026Q2: 0 -> 1 -> 2 rose twice and ends at 2 -> blue. Y's rows make 2025Q4 a quarter with data.
        rep = build(
            [row("X", complaints=2)],
            previous=[row("X", complaints=1)],
            before_previous=[row("Y", decisions=5)],
        )
        x = unit(rep, "X")
        assert x.colour is Colour.BLUE
        assert x.reasons[0].text == "12345投诉量连续两个季度上升：2025Q4 0件 → 2026Q1 1件 → 2026Q2 2件"

    def test_a_quarter_without_records_never_makes_a_rate_rise(self) -> None:
        # 0 decisions in 2025Q4 (no row): below trend_min_decisions, so no rate trend whatever follows
        current = [
            row("X", decisions=40, reconsideration_corrections=2),
            row("Y", decisions=60, reconsideration_corrections=5),
        ]
        rep = build(current, previous=[row("X", decisions=40, reconsideration_corrections=1)])
        assert unit(rep, "X").colour is Colour.NONE

    def test_yellow_outranks_blue_and_keeps_both_reasons(self) -> None:
        rep = build(
            [row("X", complaints=3)],
            previous=[row("X", complaints=2)],
            before_previous=[row("X", complaints=1)],
        )
        x = unit(rep, "X")
        assert x.colour is Colour.YELLOW
        assert [r.rule for r in x.reasons] == ["COMPLAINTS_YELLOW", "COMPLAINTS_RISING"]


class TestInputs:
    def test_duplicate_rows_are_refused(self) -> None:
        with pytest.raises(DomainError) as err:
            build([row("A", decisions=1), row("A", decisions=2)])
        assert err.value.code == "RISK_FIGURES_DUPLICATE"

    def test_negative_counts_are_refused(self) -> None:
        with pytest.raises(DomainError) as err:
            Figures(decisions=-1)
        assert err.value.code == "RISK_FIGURES_INVALID"

    def test_future_quarter_is_refused(self) -> None:
        with pytest.raises(DomainError) as err:
            report.build_quarterly_report(Quarter(2026, 3), [], config=CONFIG, today=date(2026, 6, 30))
        assert err.value.code == "RISK_QUARTER_IN_FUTURE"

    def test_current_quarter_is_provisional(self) -> None:
        rep = report.build_quarterly_report(Quarter(2026, 3), [], config=CONFIG, today=date(2026, 7, 1))
        assert rep.provisional is True


class TestQuarter:
    def test_parse_and_days(self) -> None:
        q = Quarter.parse("2026Q3")
        assert (q.year, q.number) == (2026, 3)
        assert q.first_day == date(2026, 7, 1)
        assert q.last_day == date(2026, 9, 30)
        assert str(q) == "2026Q3"
        assert q.label == "2026年第三季度"
        assert Quarter.parse("2024q1").last_day == date(2024, 3, 31)
        assert Quarter.parse("2026Q4").last_day == date(2026, 12, 31)

    def test_previous_and_next(self) -> None:
        assert Quarter(2026, 1).previous() == Quarter(2025, 4)
        assert Quarter(2026, 3).previous() == Quarter(2026, 2)
        assert Quarter(2025, 4).next() == Quarter(2026, 1)

    def test_containing(self) -> None:
        assert Quarter.containing(date(2026, 3, 31)) == Quarter(2026, 1)
        assert Quarter.containing(date(2026, 4, 1)) == Quarter(2026, 2)

    @pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026-Q3", "26Q1", "", "Q3 2026", "1989Q4"])
    def test_invalid(self, text: str) -> None:
        with pytest.raises(DomainError) as err:
            Quarter.parse(text)
        assert err.value.code == "RISK_QUARTER_INVALID"

    def test_future_relative_to_today(self) -> None:
        q = Quarter(2026, 3)
        assert q.ensure_started(date(2026, 7, 1)) is q  # first day of the quarter: started
        with pytest.raises(DomainError) as err:
            q.ensure_started(date(2026, 6, 30))
        assert err.value.code == "RISK_QUARTER_IN_FUTURE"
        assert q.is_closed(date(2026, 10, 1)) and not q.is_closed(date(2026, 9, 30))


class TestFormatting:
    def test_percent_rounds_half_up(self) -> None:
        assert report.percent(Fraction(1, 8)) == "12.50%"
        assert report.percent(Fraction(1, 20_000)) == "0.01%"  # 0.005% -> 0.01%
        assert report.percent(Fraction(1, 30_000)) == "0.00%"  # 0.00333% -> 0.00%
        assert report.percent(Fraction(2, 3)) == "66.67%"
        assert report.decimal2(Fraction(5, 6)) == "0.83"


class TestConfig:
    def test_sample_config_loads_with_documented_defaults(self) -> None:
        configs = report.load_config(json.loads(SAMPLE.read_text(encoding="utf-8")))
        cfg = configs.for_quarter(Quarter(2026, 2))
        assert cfg.version == "2026.1"
        t = cfg.report
        assert (t.min_decisions, t.red_rate_multiple_pct, t.red_min_corrections) == (20, 200, 3)
        assert (t.yellow_rate_multiple_pct, t.red_corrections, t.yellow_corrections) == (100, 6, 3)
        assert (t.red_complaints, t.yellow_complaints, t.trend_min_decisions) == (8, 3, 10)

    def test_version_in_effect(self) -> None:
        doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
        second = json.loads(json.dumps(doc["versions"][0]))
        second["version"] = "2026.2"
        second["effective_from"] = "2026-07-01"
        second["report"]["min_decisions"] = 30
        doc["versions"].append(second)
        configs = report.load_config(doc)
        assert configs.for_quarter(Quarter(2026, 2)).version == "2026.1"
        assert configs.for_quarter(Quarter(2026, 3)).version == "2026.2"
        with pytest.raises(DomainError) as err:
            configs.in_effect(date(2025, 12, 31))
        assert err.value.code == "RISK_CONFIG_NOT_IN_EFFECT"

    def test_invalid_config(self) -> None:
        doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
        doc["versions"][0]["report"]["yellow_rate_multiple_pct"] = 300  # above red's 200
        with pytest.raises(DomainError) as err:
            report.load_config(doc)
        assert err.value.code == "RISK_CONFIG_INVALID"


def first_version_only() -> dict[str, Any]:
    """The packaged configuration with its first version only."""
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["versions"] = doc["versions"][:1]
    return doc


class TestConfigMessages:
    """RISK_CONFIG_INVALID says per field what is wrong in Chinese, as every request's 422 does
    (services.common.messages), and in English in its detail (issue #12, item 9)."""

    def _errors(self, doc: dict[str, list[object]]) -> tuple[DomainError, dict[str, str]]:
        doc["versions"] = doc["versions"][:1]  # one version, as the file had before 2026.4 was added
        with pytest.raises(DomainError) as err:
            report.load_config(doc)
        return err.value, {e["field"]: e["message"] for e in err.value.errors}

    def test_a_bound_is_named_in_chinese(self) -> None:
        doc = first_version_only()
        doc["versions"][0]["report"]["min_decisions"] = 0  # the field says ge=1
        error, messages = self._errors(doc)
        # pydantic also reports the tuple of versions as short of its one valid item
        assert messages == {"versions.0.report.min_decisions": "应不小于 1", "versions": "至少 1 项"}
        assert error.detail == "风险预警配置校验失败"
        assert error.detail_en == "The risk configuration does not validate"

    def test_a_rule_across_fields_is_explained_in_chinese(self) -> None:
        doc = first_version_only()
        doc["versions"][0]["report"]["yellow_rate_multiple_pct"] = 300  # above red's 200
        _, messages = self._errors(doc)
        assert messages == {
            "versions.0.report": "黄色倍数 yellow_rate_multiple_pct 不得大于红色倍数 red_rate_multiple_pct",
            "versions": "至少 1 项",
        }

    def test_an_unknown_field(self) -> None:
        doc = first_version_only()
        doc["versions"][0]["report"]["red_colour"] = 1
        _, messages = self._errors(doc)
        assert messages == {"versions.0.report.red_colour": "不允许的字段", "versions": "至少 1 项"}


def test_the_data_copy_of_the_config_is_the_shipped_one() -> None:
    """data/sample/risk_config.json predates the packaged file; while both exist they must not drift."""
    if DATA_COPY.exists():
        assert json.loads(DATA_COPY.read_text(encoding="utf-8")) == json.loads(
            SAMPLE.read_text(encoding="utf-8")
        )
