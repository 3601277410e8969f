"""Money is an integer number of fen (分); yuan appear only when rendering documents."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

FEN_PER_YUAN = 100
MAX_FEN = 10**13  # 1,000 亿元: above any fine a law sets; keeps amounts inside BIGINT with room to spare

# An amount in a request: a JSON integer of fen. ``true``, ``"100"`` and ``100.0`` are refused (422), never
# read as 1 or 100 fen (pydantic's lax mode would).
Fen = Annotated[int, Strict(), Field(ge=0, le=MAX_FEN, description="amount in fen (分), a JSON integer")]
# The same, where a sign is meaningful (a base amount that can be negative, e.g. 违法所得 after costs).
SignedFen = Annotated[
    int, Strict(), Field(ge=-MAX_FEN, le=MAX_FEN, description="amount in fen (分), a JSON integer")
]


def yuan_to_fen(yuan: int) -> int:
    """Whole yuan to fen (benchmarks are written in whole yuan)."""
    return yuan * FEN_PER_YUAN


def format_yuan(fen: int) -> str:
    """Render fen as yuan with two decimals and thousands separators: 1234567 -> '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"
