"""A calendar quarter, the period of the quarterly enforcement-risk report (沈司办〔2026〕16号 二(四)).

Written ``2026Q3``; :mod:`services.risk.domain.report` re-exports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.risk.errors import QuarterInFuture, QuarterInvalid

_QUARTER_RE = re.compile(r"^(\d{4})[Qq]([1-4])$")
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
MIN_YEAR = 1990
MAX_YEAR = 9998


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    """A calendar quarter, written ``2026Q3``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not (MIN_YEAR - 1 <= self.year <= MAX_YEAR + 1 and 1 <= self.number <= 4):
            raise QuarterInvalid(
                f"季度{self.year}Q{self.number}无效",
                detail_en=f"The quarter {self.year}Q{self.number} is not valid",
            )

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER_RE.match(text.strip())
        if match is None:
            raise QuarterInvalid(
                f"季度“{text}”格式应为“2026Q3”",
                detail_en=f"The quarter “{text}” should be written like “2026Q3”",
            )
        year = int(match.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise QuarterInvalid(
                f"季度年份{year}超出范围（{MIN_YEAR}—{MAX_YEAR}）",
                detail_en=f"The quarter's year {year} is outside {MIN_YEAR}–{MAX_YEAR}",
            )
        return cls(year, int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{_QUARTER_NAMES[self.number]}季度"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def is_closed(self, today: date) -> bool:
        """The quarter has ended (a report on it is final, not provisional)."""
        return today > self.last_day

    def ensure_started(self, today: date) -> Quarter:
        """Refuse a quarter that has not begun on ``today``; the current quarter is allowed (provisional)."""
        if self.first_day > today:
            raise QuarterInFuture(
                f"{self.label}尚未开始（今天是{today.isoformat()}），不能生成报告",
                detail_en=f"{self} has not started (today is {today.isoformat()}): there is no report yet",
                extra={"quarter": str(self), "today": today.isoformat()},
            )
        return self
