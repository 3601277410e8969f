"""The quarterly enforcement-risk report: 红黄蓝 colours and 亮灯 lights (沈司办〔2026〕16号 二(四)).

The seed asks for a quarterly joint analysis of reconsideration corrections and litigation losses, "red,
yellow, blue" warnings for high-risk units and domains, and a warning light (亮灯) for every unit whose
litigation losses exceed the city average. No national standard defines the colours, so the thresholds
are configuration (versioned, with effective dates) and every colour carries its reasons with the numbers.
docs/risk-model.md explains each default.

Everything here is a pure function of counts: the service aggregates its projections into
``UnitDomainCounts`` rows (one per enforcement unit and domain) for the quarter and the two before it.

Definitions (all exact integer / Fraction arithmetic, percentages rounded half up to 0.01 for display only):

* corrections = reconsideration corrections (行政复议法 第六十三条至第六十七条) + litigation losses;
* correction rate = corrections / decisions, undefined when a subject made no decision in the quarter;
* city rate = all corrections in the city / all decisions in the city (undefined with no decisions);
* city average of losses = all litigation losses / number of "active" units, a unit being active when it
  made at least one decision or lost at least one suit in the quarter; a unit is lit when its losses are
  strictly greater than that average (败诉量超全市平均值).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.common.messages import validation_message
from services.risk.domain import classes, leads, rectification
from services.risk.domain.quarter import MAX_YEAR, MIN_YEAR, Quarter
from services.risk.errors import (
    FiguresInvalid,
    QuarterInFuture,
    QuarterInvalid,
    RiskConfigInvalid,
    RiskConfigNotInEffect,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "FiguresInvalid",
    "Quarter",
    "QuarterInFuture",
    "QuarterInvalid",
    "RiskConfigInvalid",
    "RiskConfigNotInEffect",
]

# --------------------------------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Figures:
    """The counts of one subject (a unit, a domain, or one unit in one domain) in one quarter."""

    decisions: int = 0
    reconsideration_corrections: int = 0
    litigation_losses: int = 0
    complaints: int = 0
    refused_entries: int = 0
    low_ratings: int = 0
    benchmark_deviations: int = 0
    overdue_procedures: int = 0
    # supervision matters overdue or answered late (issue #14; domain/matters.py), dated their first late day
    overdue_matters: int = 0
    # 责令改正 unchecked after the deadline (issue #14 item 6; inspection.correction.follow_up_overdue): 以罚代管
    overdue_follow_ups: int = 0

    def __post_init__(self) -> None:
        # the field names once (``fields()`` per instance was most of a province report's time: 4,700 figures
        # read and 12,500 sums for the three quarters of 784 units)
        for name in _FIGURE_NAMES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FiguresInvalid(
                    f"统计数{name}={value!r}无效，应为非负整数",
                    detail_en=f"The count {name}={value!r} is invalid: it must be a non-negative integer",
                    extra={"field": name},
                )

    @property
    def corrections(self) -> int:
        return self.reconsideration_corrections + self.litigation_losses

    @property
    def rate(self) -> Fraction | None:
        """Correction rate, or None when there were no decisions (a rate over zero decisions is undefined)."""
        return Fraction(self.corrections, self.decisions) if self.decisions else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(*[getattr(self, name) + getattr(other, name) for name in _FIGURE_NAMES])


_FIGURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))
ZERO = Figures()

# Ratings at or below this many stars count as poor (docs/risk-model.md §2).
LOW_RATING_MAX_STARS = 2
# Domain of a process indicator whose event names no domain (扫码入企 refusals, ratings, visits).
INSPECTION_DOMAIN = "行政检查"
# Domain of a decision or signal whose domain is not known.
UNKNOWN_DOMAIN = "未分领域"

# The process indicators, each with its Chinese name and counting word, in report order.
INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("refused_entries", "扫码入企被拒", "次"),
    ("low_ratings", "企业评价两星及以下", "次"),
    ("benchmark_deviations", "偏离裁量基准", "件"),
    ("overdue_procedures", "程序超期", "件"),
    ("overdue_matters", "监督事项逾期未答复或逾期答复", "件"),
    ("overdue_follow_ups", "责令改正逾期未复查", "件"),
)


@dataclass(frozen=True, slots=True)
class UnitDomainCounts:
    unit_code: str
    domain: str
    figures: Figures


# --------------------------------------------------------------------------------------------------- config


class IndicatorThreshold(BaseModel):
    """Absolute counts per quarter at which a process indicator turns a subject yellow or red (None: never)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    yellow: int | None = Field(default=None, ge=1)
    red: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> IndicatorThreshold:
        if self.yellow is not None and self.red is not None and self.yellow > self.red:
            raise ValueError("黄色阈值 yellow 不得大于红色阈值 red")
        return self


class ReportThresholds(BaseModel):
    """Colour and light thresholds of the quarterly report (one version)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_decisions: int = Field(ge=1, description="decisions needed before the correction rate is judged")
    red_rate_multiple_pct: int = Field(ge=100, description="red: rate >= this % of the city rate")
    red_min_corrections: int = Field(ge=1, description="...and at least this many corrections")
    yellow_rate_multiple_pct: int = Field(ge=1, description="yellow: rate > this % of the city rate")
    yellow_min_corrections: int = Field(ge=1)
    red_corrections: int | None = Field(default=None, ge=1, description="red: corrections >= N, any volume")
    yellow_corrections: int | None = Field(default=None, ge=1)
    red_complaints: int | None = Field(default=None, ge=1)
    yellow_complaints: int | None = Field(default=None, ge=1)
    indicators: dict[str, IndicatorThreshold] = Field(default_factory=dict)
    trend_min_decisions: int = Field(ge=1, description="blue trend: decisions needed in each of 3 quarters")
    trend_min_complaints: int | None = Field(
        default=None, ge=1, description="blue: complaints rising, ending >= N"
    )
    lamp_min_losses: int = Field(ge=1, description="a lit unit lost at least this many suits")
    # issue #17: a court-application window missed (penalty.enforcement.window_missed, 行政强制法 第五十三条) counts
    # as this many overdue procedures (程序超期); absent in a version: 1, so older versions report as before
    enforcement_window_weight: int = Field(
        default=1, ge=1, le=10, description="overdue procedures one missed enforcement window counts for"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReportThresholds:
        if self.yellow_rate_multiple_pct > self.red_rate_multiple_pct:
            raise ValueError("黄色倍数 yellow_rate_multiple_pct 不得大于红色倍数 red_rate_multiple_pct")
        for low, high in (
            (self.yellow_corrections, self.red_corrections),
            (self.yellow_complaints, self.red_complaints),
        ):
            if low is not None and high is not None and low > high:
                raise ValueError("黄色阈值不得大于对应的红色阈值（yellow_corrections、yellow_complaints）")
        unknown = set(self.indicators) - {name for name, _, _ in INDICATORS}
        if unknown:
            raise ValueError(f"未知的过程指标：{'、'.join(sorted(unknown))}")
        return self


class ReviewThresholds(BaseModel):
    """How the 案卷评查 results of a quarter colour a unit (one version): the mean score of its files reviewed
    in campaigns completed in the quarter, and its files below their campaign's pass mark (不合格)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_files: int = Field(ge=1, description="files reviewed before the unit's mean is judged")
    red_mean_below: int = Field(ge=1, le=100, description="red: mean score below this")
    yellow_mean_below: int = Field(ge=1, le=100, description="yellow: mean score below this")
    red_failed_files: int | None = Field(default=None, ge=1, description="red: failed files >= N")
    yellow_failed_files: int | None = Field(default=None, ge=1, description="yellow: failed files >= N")

    @model_validator(mode="after")
    def _ordered(self) -> ReviewThresholds:
        if self.red_mean_below > self.yellow_mean_below:
            raise ValueError("红色分数线 red_mean_below 不得高于黄色分数线 yellow_mean_below")
        if (
            self.red_failed_files is not None
            and self.yellow_failed_files is not None
            and self.yellow_failed_files > self.red_failed_files
        ):
            raise ValueError("黄色阈值 yellow_failed_files 不得大于红色阈值 red_failed_files")
        return self


class RiskConfig(BaseModel):
    """One version of every risk threshold, in effect from ``effective_from``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z._-]+$")
    effective_from: date
    description: str = ""
    report: ReportThresholds
    classes: classes.ClassConfig
    rectification: rectification.RectificationConfig
    leads: leads.LeadConfig
    reviews: ReviewThresholds | None = None  # 案卷评查 as an input (from 2026.5); None: not an input


class RiskConfigSet(BaseModel):
    """All versions; the one in effect on a day is the latest whose ``effective_from`` is on or before it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_: str = Field(alias="schema", pattern=r"^zhifa\.risk\.config/1$")
    versions: tuple[RiskConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RiskConfigSet:
        names = [v.version for v in self.versions]
        starts = [v.effective_from for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("版本号 version 不得重复")
        if len(set(starts)) != len(starts):
            raise ValueError("两个版本不得在同一天生效（effective_from 重复）")
        return self

    def in_effect(self, on: date) -> RiskConfig:
        candidates = [v for v in self.versions if v.effective_from <= on]
        if not candidates:
            raise RiskConfigNotInEffect(
                f"{on.isoformat()}没有生效的风险预警配置",
                detail_en=f"No risk configuration is in effect on {on.isoformat()}",
            )
        return max(candidates, key=lambda v: v.effective_from)

    def for_quarter(self, quarter: Quarter) -> RiskConfig:
        """The version in effect on the quarter's last day (a change applies to the whole quarter it starts in)."""
        return self.in_effect(quarter.last_day)


def load_config(document: Mapping[str, Any]) -> RiskConfigSet:
    """Validate a parsed risk_config.json; errors become RISK_CONFIG_INVALID with the field paths and a
    Chinese message per field (services.common.messages, as for every request)."""
    try:
        return RiskConfigSet.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": validation_message(e)}
            for e in exc.errors()
        ]
        raise RiskConfigInvalid(
            "风险预警配置校验失败", detail_en="The risk configuration does not validate", errors=errors
        ) from None


# --------------------------------------------------------------------------------------------------- results


class Colour(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"red": "红色预警", "yellow": "黄色预警", "blue": "蓝色预警", "none": "无预警"}[self.value]

    @property
    def severity(self) -> int:
        return {"red": 3, "yellow": 2, "blue": 1, "none": 0}[self.value]


class Level(StrEnum):
    UNIT = "unit"
    DOMAIN = "domain"
    CELL = "cell"


@dataclass(frozen=True, slots=True)
class Reason:
    """One triggered rule: a stable code, the colour it calls for, a Chinese sentence and its figures."""

    rule: str
    colour: Colour
    text: str
    figures: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assessment:
    level: Level
    unit_code: str | None
    domain: str | None
    figures: Figures
    colour: Colour
    reasons: tuple[Reason, ...]
    lamp: bool = False
    lamp_reason: Reason | None = None

    @property
    def rate(self) -> Fraction | None:
        return self.figures.rate


@dataclass(frozen=True, slots=True)
class CityFigures:
    totals: Figures
    rate: Fraction | None
    active_units: int
    average_losses: Fraction | None

    @property
    def rate_text(self) -> str:
        return percent(self.rate) if self.rate is not None else "不适用（全市无处罚决定）"


@dataclass(frozen=True, slots=True)
class QuarterlyReport:
    quarter: Quarter
    config_version: str
    provisional: bool
    city: CityFigures
    units: tuple[Assessment, ...]
    domains: tuple[Assessment, ...]
    cells: tuple[Assessment, ...]

    def warnings(self) -> tuple[Assessment, ...]:
        """Units that get a warning (risk.warning.issued): coloured or lit, most severe first."""
        warned = [a for a in self.units if a.colour is not Colour.NONE or a.lamp]
        return tuple(sorted(warned, key=lambda a: (-a.colour.severity, not a.lamp, a.unit_code or "")))


# --------------------------------------------------------------------------------------------------- formatting


def _round_half_up(value: Fraction, scale: int) -> int:
    """round(value * scale), halves away from zero (values here are never negative)."""
    scaled = value * scale
    return (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)


def percent(value: Fraction) -> str:
    """A rate as a percentage with two decimals, rounded half up: Fraction(1, 8) -> '12.50%'."""
    hundredths = _round_half_up(value, 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def decimal2(value: Fraction) -> str:
    """A number with two decimals, rounded half up: Fraction(7, 3) -> '2.33'."""
    hundredths = _round_half_up(value, 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _multiple(pct: int) -> str:
    return decimal2(Fraction(pct, 100)).rstrip("0").rstrip(".")


def _rate_clause(f: Figures) -> str:
    assert f.rate is not None
    return (
        f"纠错率{percent(f.rate)}（复议纠错{f.reconsideration_corrections}件、诉讼败诉{f.litigation_losses}件，"
        f"共{f.corrections}件／处罚决定{f.decisions}件）"
    )


# --------------------------------------------------------------------------------------------------- rules


def _rate_reasons(f: Figures, city_rate: Fraction | None, t: ReportThresholds) -> list[Reason]:
    reasons: list[Reason] = []
    rate = f.rate
    if rate is None or city_rate is None or f.decisions < t.min_decisions:
        return reasons
    base: dict[str, int | str] = {
        "decisions": f.decisions,
        "corrections": f.corrections,
        "rate": percent(rate),
        "city_rate": percent(city_rate),
    }
    # rate >= m% * city  <=>  corrections * 100 * D >= m * C * decisions, done exactly with Fractions.
    red_line = city_rate * Fraction(t.red_rate_multiple_pct, 100)
    yellow_line = city_rate * Fraction(t.yellow_rate_multiple_pct, 100)
    ratio = decimal2(rate / city_rate) + "倍" if city_rate else "—"
    if rate >= red_line and f.corrections >= t.red_min_corrections:
        reasons.append(
            Reason(
                "RATE_RED",
                Colour.RED,
                f"{_rate_clause(f)}，为全市纠错率{percent(city_rate)}的{ratio}，"
                f"达到红色预警线（全市纠错率的{_multiple(t.red_rate_multiple_pct)}倍，"
                f"处罚决定不少于{t.min_decisions}件且纠错不少于{t.red_min_corrections}件）",
                {**base, "threshold_pct": t.red_rate_multiple_pct},
            )
        )
    elif rate > yellow_line and f.corrections >= t.yellow_min_corrections:
        reasons.append(
            Reason(
                "RATE_YELLOW",
                Colour.YELLOW,
                f"{_rate_clause(f)}，高于全市纠错率{percent(city_rate)}"
                + (
                    f"的{_multiple(t.yellow_rate_multiple_pct)}倍"
                    if t.yellow_rate_multiple_pct != 100
                    else ""
                )
                + f"（{ratio}），达到黄色预警线",
                {**base, "threshold_pct": t.yellow_rate_multiple_pct},
            )
        )
    return reasons


def _count_reasons(
    value: int,
    red: int | None,
    yellow: int | None,
    rule: str,
    what: str,
    unit: str,
) -> list[Reason]:
    if red is not None and value >= red:
        return [
            Reason(
                f"{rule}_RED",
                Colour.RED,
                f"本季度{what}{value}{unit}，达到红色预警阈值{red}{unit}",
                {rule.lower(): value, "threshold": red},
            )
        ]
    if yellow is not None and value >= yellow:
        return [
            Reason(
                f"{rule}_YELLOW",
                Colour.YELLOW,
                f"本季度{what}{value}{unit}，达到黄色预警阈值{yellow}{unit}",
                {rule.lower(): value, "threshold": yellow},
            )
        ]
    return []


def _trend_reasons(
    quarter: Quarter,
    now: Figures,
    prev: Figures | None,
    prev2: Figures | None,
    t: ReportThresholds,
) -> list[Reason]:
    reasons: list[Reason] = []
    if prev is None or prev2 is None:
        return reasons
    q1, q2 = quarter.previous(), quarter.previous().previous()
    series = (prev2, prev, now)
    if all(f.decisions >= t.trend_min_decisions for f in series):
        r2, r1, r0 = (f.rate for f in series)
        assert r2 is not None and r1 is not None and r0 is not None
        if r2 < r1 < r0:
            reasons.append(
                Reason(
                    "RATE_RISING",
                    Colour.BLUE,
                    f"纠错率连续两个季度上升：{q2} {percent(r2)}（{prev2.corrections}/{prev2.decisions}）→ "
                    f"{q1} {percent(r1)}（{prev.corrections}/{prev.decisions}）→ "
                    f"{quarter} {percent(r0)}（{now.corrections}/{now.decisions}）",
                    {"rate_q2": percent(r2), "rate_q1": percent(r1), "rate": percent(r0)},
                )
            )
    if (
        t.trend_min_complaints is not None
        and prev2.complaints < prev.complaints < now.complaints
        and now.complaints >= t.trend_min_complaints
    ):
        reasons.append(
            Reason(
                "COMPLAINTS_RISING",
                Colour.BLUE,
                f"12345投诉量连续两个季度上升：{q2} {prev2.complaints}件 → {q1} {prev.complaints}件 → "
                f"{quarter} {now.complaints}件",
                {
                    "complaints_q2": prev2.complaints,
                    "complaints_q1": prev.complaints,
                    "complaints": now.complaints,
                },
            )
        )
    return reasons


def assess(
    quarter: Quarter,
    figures: Figures,
    *,
    previous: Figures | None,
    before_previous: Figures | None,
    city_rate: Fraction | None,
    thresholds: ReportThresholds,
    absolute: bool = True,
) -> tuple[Colour, tuple[Reason, ...]]:
    """The colour of one subject and every rule it triggered (most severe first).

    ``absolute=False`` (used for whole domains) judges only the correction rate and its trend: a domain
    sums many units, so per-unit count thresholds would turn every large domain red.
    """
    t = thresholds
    reasons = _rate_reasons(figures, city_rate, t)
    if not absolute:
        trend = _trend_reasons(quarter, figures, previous, before_previous, t)
        reasons += [r for r in trend if r.rule == "RATE_RISING"]
        reasons.sort(key=lambda r: -r.colour.severity)
        return (reasons[0].colour if reasons else Colour.NONE), tuple(reasons)
    reasons += _count_reasons(
        figures.corrections,
        t.red_corrections,
        t.yellow_corrections,
        "CORRECTIONS",
        "复议纠错与诉讼败诉共",
        "件",
    )
    reasons += _count_reasons(
        figures.complaints, t.red_complaints, t.yellow_complaints, "COMPLAINTS", "12345投诉", "件"
    )
    for name, label, unit in INDICATORS:
        limit = t.indicators.get(name)
        if limit is not None:
            reasons += _count_reasons(
                getattr(figures, name), limit.red, limit.yellow, name.upper(), label, unit
            )
    reasons += _trend_reasons(quarter, figures, previous, before_previous, t)
    reasons.sort(key=lambda r: -r.colour.severity)
    colour = reasons[0].colour if reasons else Colour.NONE
    return colour, tuple(reasons)


def _lamp(unit: Figures, city: CityFigures, t: ReportThresholds) -> Reason | None:
    average = city.average_losses
    if average is None or unit.litigation_losses < t.lamp_min_losses or unit.litigation_losses <= average:
        return None
    return Reason(
        "LAMP",
        Colour.NONE,
        f"本季度行政诉讼败诉{unit.litigation_losses}件，超过全市平均值{decimal2(average)}件"
        f"（全市败诉{city.totals.litigation_losses}件／纳入统计单位{city.active_units}个），亮灯警示",
        {
            "litigation_losses": unit.litigation_losses,
            "city_losses": city.totals.litigation_losses,
            "active_units": city.active_units,
            "city_average": decimal2(average),
        },
    )


# --------------------------------------------------------------------------------------------------- report


def _index(rows: Iterable[UnitDomainCounts], what: str) -> dict[tuple[str, str], Figures]:
    out: dict[tuple[str, str], Figures] = {}
    for row in rows:
        key = (row.unit_code, row.domain)
        if key in out:
            raise FiguresInvalid(
                f"{what}统计数据中单位{row.unit_code}、领域{row.domain}重复出现",
                detail_en=f"The figures of {what} list unit {row.unit_code}, domain {row.domain} twice",
                code="RISK_FIGURES_DUPLICATE",
                extra={"unit_code": row.unit_code, "domain": row.domain},
            )
        out[key] = row.figures
    return out


def _total(figures: Iterable[Figures]) -> Figures:
    """The sum of ``figures``, added as integers and made a ``Figures`` once (not one per step)."""
    counts = [0] * len(_FIGURE_NAMES)
    for f in figures:
        for i, name in enumerate(_FIGURE_NAMES):
            counts[i] += getattr(f, name)
    return Figures(*counts)


def _roll_up(cells: Mapping[tuple[str, str], Figures], pick: int) -> dict[str, Figures]:
    groups: dict[str, list[Figures]] = {}
    for key, figures in cells.items():
        groups.setdefault(key[pick], []).append(figures)
    return {name: _total(members) for name, members in groups.items()}


def city_figures(cells: Mapping[tuple[str, str], Figures]) -> CityFigures:
    totals = _total(cells.values())
    units = _roll_up(cells, 0)
    active = [f for f in units.values() if f.decisions > 0 or f.litigation_losses > 0]
    average = Fraction(sum(f.litigation_losses for f in active), len(active)) if active else None
    return CityFigures(totals=totals, rate=totals.rate, active_units=len(active), average_losses=average)


@dataclass(frozen=True, slots=True)
class _Judge:
    """Assesses subjects of one level against the city's figures of the quarter."""

    quarter: Quarter
    city: CityFigures
    t: ReportThresholds

    def __call__(
        self,
        level: Level,
        now: Mapping[Any, Figures],
        prev: Mapping[Any, Figures],
        prev2: Mapping[Any, Figures],
    ) -> list[Assessment]:
        out = []
        for key in sorted(now):
            figures = now[key]
            # A quarter without any record of the subject is a quarter in which nothing was counted: zero of
            # every figure, not "unknown". Complaints of 0 -> 1 -> 2 "rose in each of the last two quarters"
            # (docs/risk-model.md §2, 蓝); the rate's trend still needs its decisions in every quarter, so a
            # zero quarter never makes a rate rise.
            colour, reasons = assess(
                self.quarter,
                figures,
                previous=prev.get(key, ZERO),
                before_previous=prev2.get(key, ZERO),
                city_rate=self.city.rate,
                thresholds=self.t,
                absolute=level is not Level.DOMAIN,
            )
            unit_code = key if level is Level.UNIT else key[0] if level is Level.CELL else None
            domain = key if level is Level.DOMAIN else key[1] if level is Level.CELL else None
            lamp_reason = _lamp(figures, self.city, self.t) if level is Level.UNIT else None
            out.append(
                Assessment(
                    level=level,
                    unit_code=unit_code,
                    domain=domain,
                    figures=figures,
                    colour=colour,
                    reasons=reasons,
                    lamp=lamp_reason is not None,
                    lamp_reason=lamp_reason,
                )
            )
        return out


def build_quarterly_report(
    quarter: Quarter,
    current: Sequence[UnitDomainCounts],
    *,
    previous: Sequence[UnitDomainCounts] = (),
    before_previous: Sequence[UnitDomainCounts] = (),
    config: RiskConfig,
    today: date,
) -> QuarterlyReport:
    """Colour every unit, domain and unit-in-domain of ``quarter`` and light units above the city average."""
    quarter.ensure_started(today)
    t = config.report
    now_cells = _index(current, str(quarter))
    prev_cells = _index(previous, str(quarter.previous()))
    prev2_cells = _index(before_previous, str(quarter.previous().previous()))
    city = city_figures(now_cells)

    judge = _Judge(quarter, city, t)
    units = judge(Level.UNIT, _roll_up(now_cells, 0), _roll_up(prev_cells, 0), _roll_up(prev2_cells, 0))
    domains = judge(Level.DOMAIN, _roll_up(now_cells, 1), _roll_up(prev_cells, 1), _roll_up(prev2_cells, 1))
    cells = judge(Level.CELL, now_cells, prev_cells, prev2_cells)
    return QuarterlyReport(
        quarter=quarter,
        config_version=config.version,
        provisional=not quarter.is_closed(today),
        city=city,
        units=tuple(units),
        domains=tuple(domains),
        cells=tuple(cells),
    )


def build_unit_report(
    quarter: Quarter,
    current: Sequence[UnitDomainCounts],
    *,
    unit_code: str,
    previous: Sequence[UnitDomainCounts] = (),
    before_previous: Sequence[UnitDomainCounts] = (),
    config: RiskConfig,
    today: date,
) -> QuarterlyReport:
    """One unit's part of ``build_quarterly_report``: its assessment and its cells (no domains), judged against
    the city's figures of ``current`` (every unit's rows), the same as the whole report gives them. Of the
    quarters before, only the unit's rows are read (the trends are the unit's own). The drill-down's report: a
    province's 784 units need not all be judged to show one."""
    quarter.ensure_started(today)
    now_cells = _index(current, str(quarter))
    city = city_figures(now_cells)

    def mine(rows: Iterable[UnitDomainCounts], what: str) -> dict[tuple[str, str], Figures]:
        return _index((r for r in rows if r.unit_code == unit_code), what)

    cells_now = {key: f for key, f in now_cells.items() if key[0] == unit_code}
    cells_prev = mine(previous, str(quarter.previous()))
    cells_prev2 = mine(before_previous, str(quarter.previous().previous()))
    judge = _Judge(quarter, city, config.report)
    units = judge(Level.UNIT, _roll_up(cells_now, 0), _roll_up(cells_prev, 0), _roll_up(cells_prev2, 0))
    return QuarterlyReport(
        quarter=quarter,
        config_version=config.version,
        provisional=not quarter.is_closed(today),
        city=city,
        units=tuple(units),
        domains=(),
        cells=tuple(judge(Level.CELL, cells_now, cells_prev, cells_prev2)),
    )
