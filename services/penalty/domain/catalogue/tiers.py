"""Tier splitting (裁量档次划分): how a statutory fine range is cut into 从轻, 一般 and 从重 (SPEC §3.1).

No national percentage exists; the split is jurisdiction configuration (:class:`TierSplit`) that an item may
override with its own shares (``TierRule.share_bp``, checked by :func:`check_tier_shares`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.penalty.domain.catalogue.vocabulary import Tier
from services.penalty.domain.errors import TierSharesInvalid, TierSplitInvalid

BP = 10_000  # basis points: 10 000 = 100 %


@dataclass(frozen=True, slots=True)
class TierSplit:
    """Jurisdiction configuration: how a statutory range is split into tiers, in basis points.

    Defaults (no national percentage exists; these are local rules found in practice): a range min–max →
    从轻 lower 30 %, 一般 30–70 %, 从重 upper 30 %; a maximum only (处X元以下) → 从轻 0–20 % of the
    maximum, 一般 20–60 %, 从重 60–100 %; 减轻 → below the legal minimum down to ``mitigated_floor_bp`` of
    that minimum (default 0), or a lighter kind.
    """

    range_lighter_upper_bp: int = 3_000
    range_heavier_lower_bp: int = 7_000
    max_only_lighter_upper_bp: int = 2_000
    max_only_heavier_lower_bp: int = 6_000
    mitigated_floor_bp: int = 0

    def __post_init__(self) -> None:
        for lo, hi, what in (
            (self.range_lighter_upper_bp, self.range_heavier_lower_bp, "range"),
            (self.max_only_lighter_upper_bp, self.max_only_heavier_lower_bp, "max_only"),
        ):
            # every tier at least 1 % wide, so a range of at least one yuan always has three non-empty tiers
            if not (lo >= 100 and lo + 100 <= hi and hi <= BP - 100):
                raise TierSplitInvalid(f"档次划分比例无效（{what}）：从轻上限{lo}、从重下限{hi}（基点）")
        if not 0 <= self.mitigated_floor_bp < BP:
            raise TierSplitInvalid(f"减轻处罚下限比例无效：{self.mitigated_floor_bp}（基点）")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TierSplit:
        allowed = set(cls.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise TierSplitInvalid(f"档次划分配置含未知字段：{sorted(unknown)}")
        values: dict[str, int] = {}
        for key, value in data.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise TierSplitInvalid(f"档次划分配置字段 {key} 应为整数（基点）")
            values[key] = value
        return cls(**values)

    def to_mapping(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def check_tier_shares(shares: Mapping[Tier, tuple[int, int]], where: str) -> None:
    """An item's own shares: all three tiers, contiguous from 0 to 10 000 basis points, each at least 1 %."""
    expected = (Tier.LIGHTER, Tier.ORDINARY, Tier.HEAVIER)
    if set(shares) != set(expected):
        raise TierSharesInvalid(f"{where}：自定义比例须同时给出从轻、一般、从重三档")
    bounds = [shares[t] for t in expected]
    flat = [b for pair in bounds if pair is not None for b in pair]
    if flat[0] != 0 or flat[-1] != BP or flat[1] != flat[2] or flat[3] != flat[4]:
        raise TierSharesInvalid(f"{where}：三档比例须自0起连续至10000（基点）且互不重叠")
    if not (flat[1] >= 100 and flat[1] + 100 <= flat[3] and flat[3] <= BP - 100):
        raise TierSharesInvalid(f"{where}：每一档至少占1%")
