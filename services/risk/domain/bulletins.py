"""通报 (bulletins): a supervision result made known to the units concerned and, when public, to everyone.

沈法治发〔2021〕7号 (seed 001) 11. 建立通报制度: problems found in inspections, unannounced visits and follow-ups
are bulletined at once; problems found in everyday supervision and in individual cases regularly. 沈法治办发
〔2020〕7号 (seed 003): 各级行政执法部门建立健全投诉举报、情况通报等制度. A bulletin names its source — a unit's
quarterly colour (a published warning), a 案卷评查 campaign, or a supervision matter — and is numbered in the
bureau's series per year: ``沈司执监通〔2026〕3号``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

#: The bureau's series of supervision bulletins (沈阳市司法局 行政执法监督 通报).
NUMBER_PREFIX = "沈司执监通"
AGENCY = "沈阳市司法局"
SourceKind = Literal["quarter_colour", "review", "matter"]
SOURCE_LABELS: Mapping[str, str] = {
    "quarter_colour": "季度风险预警",
    "review": "案卷评查",
    "matter": "个案监督",
}


def number(year: int, seq: int) -> str:
    """``沈司执监通〔2026〕3号``: the ``seq``-th bulletin of ``year`` (from 1, no gaps)."""
    if seq < 1:
        raise ValueError("a bulletin's sequence number starts at 1")
    return f"{NUMBER_PREFIX}〔{year}〕{seq}号"
