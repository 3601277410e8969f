"""Calendar arithmetic shared by every service.

Periods counted in months or years end on the corresponding day of the last month; when that month has
no such day, on its last day (民法典 第二百零二条: "按照年、月计算期间的，到期月的对应日为期间的最后一日；
没有对应日的，月末日为期间的最后一日").
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the end of a shorter month.

    Periods run forward only: a negative count is a caller's mistake and raises ``ValueError``.
    """
    if months < 0:
        raise ValueError("months must be >= 0")
    years, month_index = divmod(day.month - 1 + months, 12)
    year = day.year + years
    month = month_index + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later, or the last day of that month (29 February → 28 February)."""
    return add_months(day, 12 * years)


def cn_date(day: date) -> str:
    """2026-08-31 → '2026年8月31日', the form official documents use."""
    return f"{day.year}年{day.month}月{day.day}日"
