"""Money is an integer number of fen (分); yuan appear only when rendering documents."""

from __future__ import annotations

FEN_PER_YUAN = 100


def yuan_to_fen(yuan: int) -> int:
    """Whole yuan to fen (benchmarks are written in whole yuan)."""
    return yuan * FEN_PER_YUAN


def format_yuan(fen: int) -> str:
    """Render fen as yuan with two decimals and thousands separators: 1234567 -> '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"
