"""案卷评查 results as an input of the quarterly report (from config version 2026.5, ``reviews`` thresholds).

辽政办发〔2023〕18号 (seed 004) 二(四)16 强化行政执法监督结果运用: the files a unit had reviewed in campaigns
completed in the quarter add reasons to its colour — a mean below the red or yellow line (once enough files were
reviewed), files below their campaign's pass mark (不合格). The report's other rules are untouched
(services/risk/domain/report.py); a version without ``reviews`` ignores them, so its quarters reproduce.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from services.risk.domain.report import (
    ZERO,
    Assessment,
    Colour,
    Level,
    QuarterlyReport,
    Reason,
    ReviewThresholds,
    RiskConfig,
    _count_reasons,
    decimal2,
)


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    """A unit's files reviewed in the 案卷评查 campaigns completed in a quarter."""

    files: int
    points: int  # the sum of the files' totals
    failed: int  # files below their campaign's pass mark
    campaigns: tuple[str, ...]

    @property
    def mean(self) -> Fraction | None:
        return Fraction(self.points, self.files) if self.files else None


def review_figures(
    campaigns: Iterable[tuple[str, int, Sequence[tuple[str, int]]]],
) -> dict[str, ReviewFigures]:
    """Per unit, from ``(title, pass mark, [(unit, total) of each reviewed file])`` per completed campaign."""
    out: dict[str, ReviewFigures] = {}
    for title, pass_mark, files in campaigns:
        for unit, total in files:
            f = out.get(unit, ReviewFigures(0, 0, 0, ()))
            titles = f.campaigns if title in f.campaigns else (*f.campaigns, title)
            out[unit] = ReviewFigures(f.files + 1, f.points + total, f.failed + (total < pass_mark), titles)
    return out


def review_reasons(f: ReviewFigures, t: ReviewThresholds) -> list[Reason]:
    """辽政办发〔2023〕18号 二(四)16 强化行政执法监督结果运用: a unit's 案卷评查 result counts in its colour."""
    reasons: list[Reason] = []
    mean = f.mean
    which = "、".join(f"《{c}》" for c in f.campaigns)
    if mean is not None and f.files >= t.min_files:
        base: dict[str, int | str] = {"files": f.files, "mean": decimal2(mean)}
        clause = f"本季度案卷评查{which}评查案卷{f.files}件，平均{decimal2(mean)}分"
        if mean < t.red_mean_below:
            reasons.append(
                Reason(
                    "REVIEW_MEAN_RED",
                    Colour.RED,
                    f"{clause}，低于红色预警线{t.red_mean_below}分",
                    {**base, "threshold": t.red_mean_below},
                )
            )
        elif mean < t.yellow_mean_below:
            reasons.append(
                Reason(
                    "REVIEW_MEAN_YELLOW",
                    Colour.YELLOW,
                    f"{clause}，低于黄色预警线{t.yellow_mean_below}分",
                    {**base, "threshold": t.yellow_mean_below},
                )
            )
    reasons += _count_reasons(
        f.failed, t.red_failed_files, t.yellow_failed_files, "REVIEW_FAILED", "案卷评查不合格案卷", "件"
    )
    return reasons


def with_reviews(a: Assessment, f: ReviewFigures | None, t: ReviewThresholds) -> Assessment:
    """A unit's assessment with the reasons its review results add (its colour the most severe)."""
    if f is None:
        return a
    extra = review_reasons(f, t)
    if not extra:
        return a
    reasons = sorted((*a.reasons, *extra), key=lambda r: -r.colour.severity)
    return dataclasses.replace(a, reasons=tuple(reasons), colour=reasons[0].colour)


def apply_reviews(
    rep: QuarterlyReport, reviews: Mapping[str, ReviewFigures], config: RiskConfig
) -> QuarterlyReport:
    """The report with each unit's review reasons, when the report's config version takes reviews as input."""
    if config.reviews is None or not reviews:
        return rep
    t = config.reviews
    units = [with_reviews(a, reviews.get(a.unit_code or ""), t) for a in rep.units]
    # docs/api/supervision.md §4: "the files of campaigns completed in the quarter colour their unit" (辽政办发
    # 〔2023〕18号 二(四)16), also a unit with no other record in the quarter: the files reviewed are usually the
    # previous quarter's decisions, so such a unit is assessed on its review results alone (zero figures).
    listed = {a.unit_code for a in rep.units}
    for code in sorted(set(reviews) - listed):
        alone = Assessment(Level.UNIT, code, None, ZERO, Colour.NONE, ())
        assessed = with_reviews(alone, reviews[code], t)
        if assessed.reasons:
            units.append(assessed)
    units.sort(key=lambda a: a.unit_code or "")
    return dataclasses.replace(rep, units=tuple(units))
