"""The catalogue model: a benchmark item's versions and everything a version carries (frozen dataclasses).

Money is integer fen; multiples (倍数) are exact fractions. Versions are never edited in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from services.penalty.domain.catalogue.tiers import TierSplit
from services.penalty.domain.catalogue.vocabulary import (
    BaseKind,
    EscalationTrigger,
    PartyType,
    PenaltyKind,
    ProtectedInterest,
    Status,
    Tier,
)


@dataclass(frozen=True, slots=True)
class Provision:
    """A cited provision: the law's full title, the article (``第一百二十四条``) and optionally the
    paragraph/item (``第一款第（一）项``), with an excerpt of its text."""

    law: str
    article: str
    clause: str = ""
    excerpt: str = ""

    def cite(self) -> str:
        return f"《{self.law}》{self.article}{self.clause}"


@dataclass(frozen=True, slots=True)
class FixedRange:
    """处X元以上Y元以下罚款; ``min_fen == 0`` is 处Y元以下罚款 (max-only)."""

    min_fen: int
    max_fen: int

    @property
    def max_only(self) -> bool:
        return self.min_fen == 0


@dataclass(frozen=True, slots=True)
class Multiple:
    """处{base} k_min 倍以上 k_max 倍以下罚款, optionally bounded by absolute amounts."""

    k_min: Fraction
    k_max: Fraction
    floor_fen: int | None = None
    cap_fen: int | None = None


@dataclass(frozen=True, slots=True)
class Bracket:
    """From ``from_fen`` (inclusive or not) up to the next bracket's start, this rule applies."""

    from_fen: int
    from_inclusive: bool
    rule: FixedRange | Multiple


@dataclass(frozen=True, slots=True)
class FineFormula:
    """How the statutory fine range is computed.

    ``rule`` is a fixed range, a multiple of ``base``, or brackets on ``base``. ``fallback`` is the range
    the law sets when the base cannot be calculated (无法计算), and also when it is obviously too low
    (明显偏低) if ``fallback_when_obviously_low``.
    """

    rule: FixedRange | Multiple | tuple[Bracket, ...]
    base: BaseKind | None = None
    fallback: FixedRange | None = None
    fallback_when_obviously_low: bool = False
    fallback_note: str = ""

    @property
    def needs_base(self) -> bool:
        return not isinstance(self.rule, FixedRange)


@dataclass(frozen=True, slots=True)
class KindRule:
    """A penalty kind and whether the law makes it mandatory (并处/应当) or optional (可以)."""

    kind: PenaltyKind
    mandatory: bool = True


@dataclass(frozen=True, slots=True)
class Escalation:
    """A statutory heavier consequence (情节严重的… / 拒不改正的…): replaces the fine formula if it has
    one, and adds kinds."""

    trigger: EscalationTrigger
    conditions: str
    fine: FineFormula | None = None
    add_kinds: tuple[KindRule, ...] = ()
    provision: Provision | None = None


@dataclass(frozen=True, slots=True)
class TierRule:
    """A tier's conditions text and, optionally, its share of the range in basis points (overrides the
    jurisdiction's :class:`TierSplit` for this item)."""

    tier: Tier
    conditions: str
    share_bp: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    """Membership in one of the 四张清单, with the conditions the list states."""

    conditions: str


@dataclass(frozen=True, slots=True)
class Lists:
    no_penalty: ListEntry | None = None  # 不予处罚清单
    lighter: ListEntry | None = None  # 从轻处罚清单
    mitigated: ListEntry | None = None  # 减轻处罚清单
    no_coercive_measures: ListEntry | None = None  # 不予实施行政强制措施清单


@dataclass(frozen=True, slots=True)
class BenchmarkVersion:
    """One version of one benchmark item. Versions are immutable; a change is a new version."""

    code: str
    version: int
    status: Status
    effective_from: date
    effective_to: date | None
    approving_document: str
    department_code: str
    department_name: str
    domain: str
    violation_name: str
    violated: tuple[Provision, ...]
    punishing: tuple[Provision, ...]
    kinds: tuple[KindRule, ...]
    fine: FineFormula | None = None
    escalations: tuple[Escalation, ...] = ()
    tiers: tuple[TierRule, ...] = ()
    lists: Lists = field(default_factory=Lists)
    first_violation_allowed: bool = False
    first_violation_conditions: str = ""
    interests: frozenset[ProtectedInterest] = frozenset()
    party_types: frozenset[PartyType] = frozenset({PartyType.INDIVIDUAL, PartyType.ORGANISATION})
    fault_exemption_excluded: bool = False  # 第三十三条第二款 “法律、行政法规另有规定的，从其规定”
    notes: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def label(self) -> str:
        return f"裁量基准{self.code}第{self.version}版"

    def kind_set(self) -> frozenset[PenaltyKind]:
        kinds = {k.kind for k in self.kinds}
        for esc in self.escalations:
            kinds.update(k.kind for k in esc.add_kinds)
        return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class BenchmarkItem:
    """All versions of one code, ordered by version number."""

    code: str
    versions: tuple[BenchmarkVersion, ...]

    def in_force_on(self, day: date, *, published_only: bool = True) -> BenchmarkVersion | None:
        for v in self.versions:
            if published_only and v.status is not Status.PUBLISHED:
                continue
            if v.in_force_on(day):
                return v
        return None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A loaded catalogue: metadata plus every version, grouped by code."""

    metadata: Mapping[str, Any]
    items: Mapping[str, BenchmarkItem]

    def versions(self, code: str) -> tuple[BenchmarkVersion, ...]:
        item = self.items.get(code)
        return item.versions if item else ()

    def all_versions(self) -> tuple[BenchmarkVersion, ...]:
        return tuple(v for code in sorted(self.items) for v in self.items[code].versions)

    def tier_split(self) -> TierSplit:
        raw = self.metadata.get("tier_split")
        return TierSplit.from_mapping(raw) if isinstance(raw, Mapping) else TierSplit()
