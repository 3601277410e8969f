"""Fine ranges in fen: tier ranges cut from a statutory range, their wording, the suggested amount."""

from __future__ import annotations

from services.penalty.domain.catalogue import BP
from services.penalty.domain.discretion.result import FenRange
from services.penalty.domain.discretion.wording import yuan


def ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def split_range(
    low: int, high: int, lighter_upper_bp: int, heavier_lower_bp: int
) -> tuple[FenRange, FenRange, FenRange]:
    """从轻, 一般, 从重 as disjoint integer ranges covering [low, high] in order (see the package docstring)."""
    width = high - low
    if width < 100:
        whole = FenRange(low, high)
        return whole, whole, whole
    b1 = low + width * lighter_upper_bp // BP
    b2 = low + width * heavier_lower_bp // BP
    return FenRange(low, b1 - 1), FenRange(b1, b2 - 1), FenRange(b2, high)


def range_text(r: FenRange, *, closed: bool) -> str:
    """“X元以上不满Y元” for a tier that stops short of the next one, “X元以上Y元以下” for a closed range."""
    if closed:
        if r.low == r.high:
            return yuan(r.low)
        return f"{yuan(r.low)}以上{yuan(r.high)}以下" if r.low else f"{yuan(r.high)}以下"
    return f"{yuan(r.low)}以上不满{yuan(r.high + 1)}" if r.low else f"不满{yuan(r.high + 1)}"


def suggest_amount(r: FenRange) -> int:
    """Midpoint rounded half up to whole yuan, kept inside the range (see the package docstring)."""
    yuan = (r.low + r.high + 100) // 200  # ⌊(low + high) / 2 / 100 + 1/2⌋
    amount = yuan * 100
    if amount < r.low:
        amount = ceil_div(r.low, 100) * 100
    elif amount > r.high:
        amount = r.high // 100 * 100
    if amount in r:
        return amount
    return (r.low + r.high) // 2
