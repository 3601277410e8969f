"""The discretion benchmark catalogue (行政裁量权基准) as data: versioned items, parsing, validation, export.

A benchmark item is identified by a code such as ``SY-SJ-0123``; each change produces a new
:class:`BenchmarkVersion` (versions are never edited in place). A version carries the provisions violated
and punishing, the penalty kinds, the fine formula, the statutory escalations (情节严重, 拒不改正), the tier
conditions, the 四张清单 memberships and the effective dates.

Money is integer fen throughout, in the model and in the files. Multiples (倍数) are exact fractions
written as decimal strings (``"0.5"`` for 百分之五十). Files: JSON (a catalogue with metadata) and CSV (one
row per version, nested fields as JSON in their column). Both round-trip exactly.

Everything here is pure: parsing takes text and returns frozen objects; nothing reads files or the clock.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from services.common.errors import BadRequest

# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


class BenchmarkInvalid(BadRequest):
    """A benchmark version breaks a catalogue rule; subclasses carry the specific stable code."""

    code = "BENCHMARK_INVALID"
    title = "裁量基准数据不符合规则"
    title_en = "The benchmark data breaks a catalogue rule"


class CatalogueFormatInvalid(BenchmarkInvalid):
    code = "CATALOGUE_FORMAT_INVALID"
    title = "裁量基准文件格式错误"
    title_en = "The benchmark file is malformed"


class BenchmarkCodeInvalid(BenchmarkInvalid):
    code = "BENCHMARK_CODE_INVALID"
    title = "裁量基准编码格式错误"
    title_en = "Malformed benchmark code"


class FineRangeInvalid(BenchmarkInvalid):
    code = "FINE_RANGE_INVALID"
    title = "罚款幅度无效"
    title_en = "Invalid fine range"


class MultipleRangeInvalid(BenchmarkInvalid):
    code = "MULTIPLE_RANGE_INVALID"
    title = "罚款倍数无效"
    title_en = "Invalid fine multiples"


class BracketsInvalid(BenchmarkInvalid):
    code = "BRACKETS_INVALID"
    title = "罚款分段无效"
    title_en = "Invalid fine brackets"


class EscalationInvalid(BenchmarkInvalid):
    code = "ESCALATION_INVALID"
    title = "加重情形的罚款幅度无效"
    title_en = "Invalid escalation"


class PenaltyKindsInvalid(BenchmarkInvalid):
    code = "PENALTY_KINDS_INVALID"
    title = "处罚种类设置无效"
    title_en = "Invalid penalty kinds"


class TierSharesInvalid(BenchmarkInvalid):
    code = "TIER_SHARES_INVALID"
    title = "裁量档次划分比例无效"
    title_en = "Invalid tier shares"


class FirstViolationNotAllowed(BenchmarkInvalid):
    code = "FIRST_VIOLATION_NOT_ALLOWED"
    title = "该事项不得适用首违不罚"
    title_en = "First-violation waiver not allowed for this item"


class ProtectedInterestMissing(BenchmarkInvalid):
    code = "PROTECTED_INTEREST_MISSING"
    title = "事项领域应当标注的保护法益缺失"
    title_en = "The domain requires a protected-interest flag"


class EffectiveDatesInvalid(BenchmarkInvalid):
    code = "EFFECTIVE_DATES_INVALID"
    title = "裁量基准施行日期无效"
    title_en = "Invalid effective dates"


class VersionOverlap(BenchmarkInvalid):
    code = "VERSION_OVERLAP"
    title = "同一基准的不同版本施行期间重叠"
    title_en = "Versions of one benchmark overlap in time"


class VersionDuplicate(BenchmarkInvalid):
    code = "VERSION_DUPLICATE"
    title = "同一基准的版本号重复"
    title_en = "Duplicate version number"


class PartyTypesInvalid(BenchmarkInvalid):
    code = "PARTY_TYPES_INVALID"
    title = "适用对象无效"
    title_en = "Invalid party types"


class ProvisionMissing(BenchmarkInvalid):
    code = "PROVISION_MISSING"
    title = "缺少违法依据或处罚依据"
    title_en = "Missing provision"


class TierSplitInvalid(BadRequest):
    code = "TIER_SPLIT_INVALID"
    title = "裁量档次划分配置无效"
    title_en = "Invalid tier split configuration"


# ---------------------------------------------------------------------------------------------------------
# Enumerations (values are stable English identifiers; ``label`` is the Chinese term users see)
# ---------------------------------------------------------------------------------------------------------


class PenaltyKind(StrEnum):
    """行政处罚法 第九条. SPEC §3.1 lists "暂扣/降低资质/吊销许可证件" as one kind; the law lists three, and
    第六十三条 offers a hearing for 降低资质等级 and 吊销许可证件 but not for 暂扣, so they stay separate."""

    WARNING = "warning"
    CIRCULATED_CRITICISM = "circulated_criticism"
    FINE = "fine"
    CONFISCATE_GAINS = "confiscate_illegal_gains"
    CONFISCATE_PROPERTY = "confiscate_illegal_property"
    SUSPEND_LICENCE = "suspend_licence"
    DOWNGRADE_QUALIFICATION = "downgrade_qualification"
    REVOKE_LICENCE = "revoke_licence"
    RESTRICT_BUSINESS = "restrict_business"
    SUSPEND_BUSINESS = "suspend_business"
    ORDER_CLOSURE = "order_closure"
    RESTRICT_EMPLOYMENT = "restrict_employment"
    DETENTION = "administrative_detention"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def severity(self) -> int:
        """A rank used only to compare outcomes (从旧兼从轻, monotonicity); not a legal ordering."""
        return _KIND_SEVERITY[self]


_KIND_LABELS: dict[PenaltyKind, str] = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.CIRCULATED_CRITICISM: "通报批评",
    PenaltyKind.FINE: "罚款",
    PenaltyKind.CONFISCATE_GAINS: "没收违法所得",
    PenaltyKind.CONFISCATE_PROPERTY: "没收非法财物",
    PenaltyKind.SUSPEND_LICENCE: "暂扣许可证件",
    PenaltyKind.DOWNGRADE_QUALIFICATION: "降低资质等级",
    PenaltyKind.REVOKE_LICENCE: "吊销许可证件",
    PenaltyKind.RESTRICT_BUSINESS: "限制开展生产经营活动",
    PenaltyKind.SUSPEND_BUSINESS: "责令停产停业",
    PenaltyKind.ORDER_CLOSURE: "责令关闭",
    PenaltyKind.RESTRICT_EMPLOYMENT: "限制从业",
    PenaltyKind.DETENTION: "行政拘留",
    PenaltyKind.OTHER: "其他行政处罚",
}

_KIND_SEVERITY: dict[PenaltyKind, int] = {
    PenaltyKind.WARNING: 1,
    PenaltyKind.CIRCULATED_CRITICISM: 2,
    PenaltyKind.FINE: 3,
    PenaltyKind.CONFISCATE_GAINS: 3,
    PenaltyKind.CONFISCATE_PROPERTY: 3,
    PenaltyKind.OTHER: 3,
    PenaltyKind.SUSPEND_LICENCE: 4,
    PenaltyKind.RESTRICT_BUSINESS: 5,
    PenaltyKind.DOWNGRADE_QUALIFICATION: 5,
    PenaltyKind.SUSPEND_BUSINESS: 6,
    PenaltyKind.RESTRICT_EMPLOYMENT: 6,
    PenaltyKind.REVOKE_LICENCE: 7,
    PenaltyKind.ORDER_CLOSURE: 8,
    PenaltyKind.DETENTION: 9,
}


class BaseKind(StrEnum):
    """The amount a multiple is taken of."""

    ILLEGAL_GAINS = "illegal_gains"
    GOODS_VALUE = "goods_value"
    ADVERTISING_FEES = "advertising_fees"
    ILLEGAL_TURNOVER = "illegal_turnover"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _BASE_LABELS[self]


_BASE_LABELS: dict[BaseKind, str] = {
    BaseKind.ILLEGAL_GAINS: "违法所得",
    BaseKind.GOODS_VALUE: "货值金额",
    BaseKind.ADVERTISING_FEES: "广告费用",
    BaseKind.ILLEGAL_TURNOVER: "违法经营额",
    BaseKind.OTHER: "计算基数",
}


class Tier(StrEnum):
    """裁量档次, lightest first."""

    NO_PENALTY = "no_penalty"
    MITIGATED = "mitigated"
    LIGHTER = "lighter"
    ORDINARY = "ordinary"
    HEAVIER = "heavier"

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_LABELS: dict[Tier, str] = {
    Tier.NO_PENALTY: "不予处罚",
    Tier.MITIGATED: "减轻处罚",
    Tier.LIGHTER: "从轻处罚",
    Tier.ORDINARY: "一般处罚",
    Tier.HEAVIER: "从重处罚",
}
_TIER_RANK: dict[Tier, int] = {t: i for i, t in enumerate(Tier)}


class PartyType(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"

    @property
    def label(self) -> str:
        return "公民" if self is PartyType.INDIVIDUAL else "法人或者其他组织"


class ProtectedInterest(StrEnum):
    """Interests that change the rules: art. 36's five-year limitation (life/health, financial security) and
    the Liaoning bar on 首违不罚 in life/health, public safety and ecology (辽政办发〔2023〕18号)."""

    LIFE_HEALTH = "life_health"
    FINANCIAL_SECURITY = "financial_security"
    PUBLIC_SAFETY = "public_safety"
    ECOLOGY = "ecology"

    @property
    def label(self) -> str:
        return _INTEREST_LABELS[self]


_INTEREST_LABELS: dict[ProtectedInterest, str] = {
    ProtectedInterest.LIFE_HEALTH: "生命健康",
    ProtectedInterest.FINANCIAL_SECURITY: "金融安全",
    ProtectedInterest.PUBLIC_SAFETY: "公共安全",
    ProtectedInterest.ECOLOGY: "生态环境",
}

#: 首违不罚 never applies where one of these is involved (辽政办发〔2023〕18号: 不涉及生命健康、公共安全、生态环保).
FIRST_VIOLATION_BARRED: frozenset[ProtectedInterest] = frozenset(
    {ProtectedInterest.LIFE_HEALTH, ProtectedInterest.PUBLIC_SAFETY, ProtectedInterest.ECOLOGY}
)

#: Domains whose items must carry a protected interest, so the 首违不罚 bar cannot be bypassed by
#: forgetting a flag. Jurisdictions can pass their own map to :func:`validate_version`.
DOMAIN_INTERESTS: Mapping[str, frozenset[ProtectedInterest]] = {
    "食品安全": frozenset({ProtectedInterest.LIFE_HEALTH}),
    "药品": frozenset({ProtectedInterest.LIFE_HEALTH}),
    "化妆品": frozenset({ProtectedInterest.LIFE_HEALTH}),
    "医疗器械": frozenset({ProtectedInterest.LIFE_HEALTH}),
    "消防": frozenset({ProtectedInterest.PUBLIC_SAFETY}),
    "安全生产": frozenset({ProtectedInterest.PUBLIC_SAFETY}),
    "特种设备": frozenset({ProtectedInterest.PUBLIC_SAFETY}),
    "大气污染": frozenset({ProtectedInterest.ECOLOGY}),
    "水污染": frozenset({ProtectedInterest.ECOLOGY}),
    "固体废物": frozenset({ProtectedInterest.ECOLOGY}),
    "生态环境": frozenset({ProtectedInterest.ECOLOGY}),
}


class Status(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class EscalationTrigger(StrEnum):
    """The statutory conditions that move an item to a heavier statutory consequence."""

    SERIOUS = "serious"  # 情节严重 (the item's conditions text says what counts)
    NOT_CORRECTED = "not_corrected"  # 拒不改正 / 逾期未改正

    @property
    def label(self) -> str:
        return "情节严重" if self is EscalationTrigger.SERIOUS else "拒不改正或者逾期未改正"


E = TypeVar("E", bound=StrEnum)


def _enum(cls: type[E], value: Any, where: str) -> E:
    """Accept the English value or the Chinese label (officials write CSV in Chinese)."""
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            for member in cls:
                if getattr(member, "label", None) == value:
                    return member
    raise CatalogueFormatInvalid(f"{where}：无法识别的取值 {value!r}", extra={"field": where})


# ---------------------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------------------

BP = 10_000  # basis points: 10 000 = 100 %


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


_CODE_RE = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}-\d{4}$")


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


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


def _check_range(r: FixedRange, where: str) -> None:
    if r.min_fen < 0 or r.max_fen <= 0:
        raise FineRangeInvalid(f"{where}：罚款数额必须为非负整数（分），且上限大于零")
    if r.min_fen > r.max_fen:
        raise FineRangeInvalid(f"{where}：罚款下限{r.min_fen}分高于上限{r.max_fen}分")


def _check_multiple(m: Multiple, where: str) -> None:
    if m.k_min < 0 or m.k_max <= 0:
        raise MultipleRangeInvalid(f"{where}：倍数必须为非负数，且上限大于零")
    if m.k_min > m.k_max:
        raise MultipleRangeInvalid(f"{where}：倍数下限{m.k_min}高于上限{m.k_max}")
    if m.floor_fen is not None and m.floor_fen < 0:
        raise MultipleRangeInvalid(f"{where}：最低罚款数额不得为负")
    if m.cap_fen is not None and m.cap_fen <= 0:
        raise MultipleRangeInvalid(f"{where}：最高罚款数额必须大于零")
    if m.floor_fen is not None and m.cap_fen is not None and m.floor_fen > m.cap_fen:
        raise MultipleRangeInvalid(f"{where}：最低罚款数额高于最高罚款数额")


def _check_formula(f: FineFormula, where: str) -> None:
    rule = f.rule
    if isinstance(rule, FixedRange):
        _check_range(rule, where)
        if f.base is not None or f.fallback is not None:
            raise FineRangeInvalid(f"{where}：固定幅度不应设置计算基数或兜底幅度")
        return
    if f.base is None:
        raise MultipleRangeInvalid(f"{where}：倍数或分段罚款必须指明计算基数")
    if f.fallback is not None:
        _check_range(f.fallback, f"{where}（基数无法计算时）")
    if isinstance(rule, Multiple):
        _check_multiple(rule, where)
        return
    if not rule:
        raise BracketsInvalid(f"{where}：分段不得为空")
    if rule[0].from_fen != 0 or not rule[0].from_inclusive:
        raise BracketsInvalid(f"{where}：第一段必须从0（含）开始")
    previous = -1
    for i, bracket in enumerate(rule):
        if bracket.from_fen <= previous:
            raise BracketsInvalid(f"{where}：分段起点必须严格递增（第{i + 1}段）")
        previous = bracket.from_fen
        if isinstance(bracket.rule, FixedRange):
            _check_range(bracket.rule, f"{where}第{i + 1}段")
        else:
            _check_multiple(bracket.rule, f"{where}第{i + 1}段")


def _dominates(heavy: FineFormula, light: FineFormula) -> bool:
    """Whether an escalation's formula is at least as heavy as the base one, where comparable."""
    h, lt = heavy.rule, light.rule
    if isinstance(h, FixedRange) and isinstance(lt, FixedRange):
        return h.min_fen >= lt.min_fen and h.max_fen >= lt.max_fen
    if isinstance(h, Multiple) and isinstance(lt, Multiple):
        ok = h.k_min >= lt.k_min and h.k_max >= lt.k_max
        if heavy.fallback and light.fallback:
            ok = ok and heavy.fallback.min_fen >= light.fallback.min_fen
            ok = ok and heavy.fallback.max_fen >= light.fallback.max_fen
        return ok
    return True  # different shapes: not comparable in general; reviewed by hand


def validate_version(
    v: BenchmarkVersion, *, domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS
) -> None:
    """Raise the first rule a single version breaks."""
    where = f"{v.code}第{v.version}版"
    if not _CODE_RE.match(v.code):
        raise BenchmarkCodeInvalid(f"裁量基准编码 {v.code!r} 格式应为 SY-SJ-0123")
    if v.version < 1:
        raise CatalogueFormatInvalid(f"{where}：版本号必须为正整数")
    if v.effective_to is not None and v.effective_to < v.effective_from:
        raise EffectiveDatesInvalid(f"{where}：失效日期{v.effective_to}早于施行日期{v.effective_from}")
    if not v.violated or not v.punishing:
        raise ProvisionMissing(f"{where}：必须列明违法依据和处罚依据")
    if not v.party_types:
        raise PartyTypesInvalid(f"{where}：至少适用于一类当事人")
    base_kinds = [k.kind for k in v.kinds]
    if len(set(base_kinds)) != len(base_kinds):
        raise PenaltyKindsInvalid(f"{where}：处罚种类重复")
    if v.fine is not None:
        _check_formula(v.fine, f"{where}罚款")
        if PenaltyKind.FINE not in base_kinds:
            raise PenaltyKindsInvalid(f"{where}：设有罚款幅度但处罚种类未列罚款")
    elif PenaltyKind.FINE in base_kinds:
        raise PenaltyKindsInvalid(f"{where}：处罚种类列有罚款但未设罚款幅度")
    has_kind = bool(base_kinds)
    for esc in v.escalations:
        ewhere = f"{where}（{esc.trigger.label}）"
        if esc.fine is not None:
            _check_formula(esc.fine, ewhere)
            if PenaltyKind.FINE not in base_kinds and PenaltyKind.FINE not in {k.kind for k in esc.add_kinds}:
                raise PenaltyKindsInvalid(f"{ewhere}：设有罚款幅度但处罚种类未列罚款")
            if v.fine is not None and not _dominates(esc.fine, v.fine):
                raise EscalationInvalid(f"{ewhere}：加重情形的罚款幅度不得轻于基本幅度")
        has_kind = has_kind or bool(esc.add_kinds)
    if not has_kind:
        raise PenaltyKindsInvalid(f"{where}：未设任何处罚种类")
    shares = {t.tier: t.share_bp for t in v.tiers if t.share_bp is not None}
    if shares:
        expected = (Tier.LIGHTER, Tier.ORDINARY, Tier.HEAVIER)
        if set(shares) != set(expected):
            raise TierSharesInvalid(f"{where}：自定义比例须同时给出从轻、一般、从重三档")
        bounds = [shares[t] for t in expected]
        flat = [b for pair in bounds if pair is not None for b in pair]
        if flat[0] != 0 or flat[-1] != BP or flat[1] != flat[2] or flat[3] != flat[4]:
            raise TierSharesInvalid(f"{where}：三档比例须自0起连续至10000（基点）且互不重叠")
        if not (flat[1] >= 100 and flat[1] + 100 <= flat[3] and flat[3] <= BP - 100):
            raise TierSharesInvalid(f"{where}：每一档至少占1%")
    required = domain_interests.get(v.domain, frozenset())
    missing = required - v.interests
    if missing:
        labels = "、".join(i.label for i in sorted(missing))
        raise ProtectedInterestMissing(f"{where}：{v.domain}领域事项应标注涉及{labels}")
    if v.first_violation_allowed:
        barred = v.interests & FIRST_VIOLATION_BARRED
        if barred:
            labels = "、".join(i.label for i in sorted(barred))
            # 辽政办发〔2023〕18号：首违不罚 only outside 生命健康、公共安全、生态环保
            raise FirstViolationNotAllowed(f"{where}：涉及{labels}的事项不得列入首违不罚")


def validate_versions(
    versions: Iterable[BenchmarkVersion],
    *,
    domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS,
) -> dict[str, BenchmarkItem]:
    """Validate every version and the rules across versions of one code; return items by code."""
    by_code: dict[str, list[BenchmarkVersion]] = {}
    for v in versions:
        validate_version(v, domain_interests=domain_interests)
        by_code.setdefault(v.code, []).append(v)
    items: dict[str, BenchmarkItem] = {}
    for code, group in by_code.items():
        group.sort(key=lambda x: x.version)
        numbers = [g.version for g in group]
        if len(set(numbers)) != len(numbers):
            raise VersionDuplicate(f"{code}：版本号重复")
        in_force = [g for g in group if g.status is not Status.DRAFT]
        in_force.sort(key=lambda x: x.effective_from)
        for a, b in zip(in_force, in_force[1:], strict=False):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise VersionOverlap(
                    f"{code}：第{a.version}版与第{b.version}版的施行期间重叠"
                    f"（第{b.version}版自{b.effective_from}施行，第{a.version}版须在此前失效）"
                )
            if a.version > b.version:
                raise VersionOverlap(f"{code}：后施行的版本号应当更大（第{a.version}版、第{b.version}版）")
        items[code] = BenchmarkItem(code=code, versions=tuple(group))
    return items


# ---------------------------------------------------------------------------------------------------------
# Parsing (dict -> model) and export (model -> dict)
# ---------------------------------------------------------------------------------------------------------


class _Reader:
    """Strict access to a mapping: unknown keys and wrong types are errors with a path."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise CatalogueFormatInvalid(f"{where}：应为对象")
        self.data = data
        self.where = where
        self.seen: set[str] = set()

    def _get(self, key: str, required: bool) -> Any:
        self.seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise CatalogueFormatInvalid(f"{self.where}.{key}：缺少必填字段", extra={"field": key})
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise CatalogueFormatInvalid(f"{self.where}.{key}：应为字符串")
        return value

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise CatalogueFormatInvalid(f"{self.where}.{key}：应为整数（金额以分计）")
        return value

    def req_integer(self, key: str) -> int:
        value = self.integer(key, True)
        assert value is not None
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise CatalogueFormatInvalid(f"{self.where}.{key}：应为布尔值")
        return value

    def day(self, key: str, required: bool = True) -> date | None:
        value = self.text(key, required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise CatalogueFormatInvalid(f"{self.where}.{key}：日期应为 YYYY-MM-DD") from exc

    def fraction(self, key: str) -> Fraction:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise CatalogueFormatInvalid(f'{self.where}.{key}：倍数应写为十进制字符串，如 "0.5"')
        try:
            return Fraction(str(value))
        except (ValueError, ZeroDivisionError) as exc:
            raise CatalogueFormatInvalid(f"{self.where}.{key}：无法解析的倍数 {value!r}") from exc

    def array(self, key: str, required: bool = False) -> list[Any]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise CatalogueFormatInvalid(f"{self.where}.{key}：应为数组")
        return value

    def obj(self, key: str) -> Any:
        return self._get(key, False)

    def done(self) -> None:
        unknown = set(self.data) - self.seen
        if unknown:
            raise CatalogueFormatInvalid(f"{self.where}：未知字段 {sorted(unknown)}")


def _provision_from(data: Any, where: str) -> Provision:
    r = _Reader(data, where)
    p = Provision(
        law=r.text("law"),
        article=r.text("article"),
        clause=r.text("clause", False),
        excerpt=r.text("excerpt", False),
    )
    r.done()
    if not re.fullmatch(r"第[一二三四五六七八九十百零]+条(之[一二三四五六七八九十]+)?", p.article):
        raise CatalogueFormatInvalid(f"{where}.article：条文序号应写作“第X条”，如“第一百二十四条”")
    return p


def _provision_to(p: Provision) -> dict[str, Any]:
    out: dict[str, Any] = {"law": p.law, "article": p.article}
    if p.clause:
        out["clause"] = p.clause
    if p.excerpt:
        out["excerpt"] = p.excerpt
    return out


def _rule_from(r: _Reader, where: str) -> FixedRange | Multiple:
    shape = r.text("shape")
    if shape == "range":
        return FixedRange(min_fen=r.req_integer("min_fen"), max_fen=r.req_integer("max_fen"))
    if shape == "max_only":
        return FixedRange(min_fen=0, max_fen=r.req_integer("max_fen"))
    if shape == "multiple":
        return Multiple(
            k_min=r.fraction("k_min"),
            k_max=r.fraction("k_max"),
            floor_fen=r.integer("floor_fen", False),
            cap_fen=r.integer("cap_fen", False),
        )
    raise CatalogueFormatInvalid(f"{where}.shape：应为 range、max_only、multiple 或 brackets")


def _fraction_str(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    # exact decimal where one exists (the law speaks in 百分之N and 倍)
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    places = max(twos, fives)
    scaled = x * 10**places
    assert scaled.denominator == 1
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _rule_to(rule: FixedRange | Multiple) -> dict[str, Any]:
    if isinstance(rule, FixedRange):
        if rule.max_only:
            return {"shape": "max_only", "max_fen": rule.max_fen}
        return {"shape": "range", "min_fen": rule.min_fen, "max_fen": rule.max_fen}
    out: dict[str, Any] = {
        "shape": "multiple",
        "k_min": _fraction_str(rule.k_min),
        "k_max": _fraction_str(rule.k_max),
    }
    if rule.floor_fen is not None:
        out["floor_fen"] = rule.floor_fen
    if rule.cap_fen is not None:
        out["cap_fen"] = rule.cap_fen
    return out


def _formula_from(data: Any, where: str) -> FineFormula:
    r = _Reader(data, where)
    shape = r.text("shape")
    base_raw = r.obj("base")
    base = _enum(BaseKind, base_raw, f"{where}.base") if base_raw is not None else None
    fallback_raw = r.obj("fallback")
    fallback = None
    if fallback_raw is not None:
        fr = _Reader(fallback_raw, f"{where}.fallback")
        fb = _rule_from(fr, f"{where}.fallback")
        fr.done()
        if not isinstance(fb, FixedRange):
            raise CatalogueFormatInvalid(f"{where}.fallback：兜底幅度应为固定幅度")
        fallback = fb
    when_low = r.flag("fallback_when_obviously_low")
    note = r.text("fallback_note", False)
    rule: FixedRange | Multiple | tuple[Bracket, ...]
    if shape == "brackets":
        brackets = []
        for i, raw in enumerate(r.array("brackets", True)):
            br = _Reader(raw, f"{where}.brackets[{i}]")
            from_fen = br.req_integer("from_fen")
            inclusive = br.flag("from_inclusive", True)
            brackets.append(
                Bracket(from_fen=from_fen, from_inclusive=inclusive, rule=_rule_from(br, br.where))
            )
            br.done()
        rule = tuple(brackets)
    else:
        r.seen.add("shape")
        rule = _rule_from(r, where)
    r.done()
    return FineFormula(
        rule=rule, base=base, fallback=fallback, fallback_when_obviously_low=when_low, fallback_note=note
    )


def _formula_to(f: FineFormula) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(f.rule, tuple):
        out = {"shape": "brackets", "brackets": []}
        for b in f.rule:
            entry: dict[str, Any] = {"from_fen": b.from_fen}
            if not b.from_inclusive:
                entry["from_inclusive"] = False
            entry.update(_rule_to(b.rule))
            out["brackets"].append(entry)
    else:
        out = _rule_to(f.rule)
    if f.base is not None:
        out["base"] = f.base.value
    if f.fallback is not None:
        out["fallback"] = _rule_to(f.fallback)
    if f.fallback_when_obviously_low:
        out["fallback_when_obviously_low"] = True
    if f.fallback_note:
        out["fallback_note"] = f.fallback_note
    return out


def _kinds_from(data: list[Any], where: str) -> tuple[KindRule, ...]:
    out = []
    for i, raw in enumerate(data):
        if isinstance(raw, str):
            out.append(KindRule(kind=_enum(PenaltyKind, raw, f"{where}[{i}]")))
            continue
        r = _Reader(raw, f"{where}[{i}]")
        out.append(
            KindRule(kind=_enum(PenaltyKind, r.text("kind"), r.where), mandatory=r.flag("mandatory", True))
        )
        r.done()
    return tuple(out)


def _kinds_to(kinds: Sequence[KindRule]) -> list[Any]:
    return [k.kind.value if k.mandatory else {"kind": k.kind.value, "mandatory": False} for k in kinds]


def _entry_from(data: Any, where: str) -> ListEntry | None:
    if data is None:
        return None
    r = _Reader(data, where)
    entry = ListEntry(conditions=r.text("conditions"))
    r.done()
    return entry


def version_from_dict(data: Mapping[str, Any]) -> BenchmarkVersion:
    """Build (but do not cross-validate) a version from its JSON-shaped mapping."""
    code = data.get("code") if isinstance(data, Mapping) else None
    where = f"{code or '?'}"
    r = _Reader(data, where)
    where = f"{r.text('code')}第{r.obj('version')}版"
    r.where = where
    escalations = []
    for i, raw in enumerate(r.array("escalations")):
        er = _Reader(raw, f"{where}.escalations[{i}]")
        fine_raw = er.obj("fine")
        prov_raw = er.obj("provision")
        escalations.append(
            Escalation(
                trigger=_enum(EscalationTrigger, er.text("trigger"), er.where),
                conditions=er.text("conditions"),
                fine=_formula_from(fine_raw, f"{er.where}.fine") if fine_raw is not None else None,
                add_kinds=_kinds_from(er.array("add_kinds"), f"{er.where}.add_kinds"),
                provision=_provision_from(prov_raw, f"{er.where}.provision")
                if prov_raw is not None
                else None,
            )
        )
        er.done()
    tiers = []
    for i, raw in enumerate(r.array("tiers")):
        tr = _Reader(raw, f"{where}.tiers[{i}]")
        share_raw = tr.obj("share_bp")
        share: tuple[int, int] | None = None
        if share_raw is not None:
            if (
                not isinstance(share_raw, list)
                or len(share_raw) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in share_raw)
            ):
                raise CatalogueFormatInvalid(f"{tr.where}.share_bp：应为两个整数（基点）")
            share = (share_raw[0], share_raw[1])
        tiers.append(
            TierRule(
                tier=_enum(Tier, tr.text("tier"), tr.where), conditions=tr.text("conditions"), share_bp=share
            )
        )
        tr.done()
    lists_raw = r.obj("lists")
    lists = Lists()
    if lists_raw is not None:
        lr = _Reader(lists_raw, f"{where}.lists")
        lists = Lists(
            no_penalty=_entry_from(lr.obj("no_penalty"), f"{where}.lists.no_penalty"),
            lighter=_entry_from(lr.obj("lighter"), f"{where}.lists.lighter"),
            mitigated=_entry_from(lr.obj("mitigated"), f"{where}.lists.mitigated"),
            no_coercive_measures=_entry_from(
                lr.obj("no_coercive_measures"), f"{where}.lists.no_coercive_measures"
            ),
        )
        lr.done()
    fine_raw = r.obj("fine")
    party_raw = r.array("party_types")
    effective_from = r.day("effective_from")
    assert effective_from is not None
    version = r.integer("version")
    assert version is not None
    v = BenchmarkVersion(
        code=r.text("code"),
        version=version,
        status=_enum(Status, r.text("status"), f"{where}.status"),
        effective_from=effective_from,
        effective_to=r.day("effective_to", False),
        approving_document=r.text("approving_document"),
        department_code=r.text("department_code"),
        department_name=r.text("department_name"),
        domain=r.text("domain"),
        violation_name=r.text("violation_name"),
        violated=tuple(_provision_from(p, f"{where}.violated") for p in r.array("violated", True)),
        punishing=tuple(_provision_from(p, f"{where}.punishing") for p in r.array("punishing", True)),
        kinds=_kinds_from(r.array("kinds"), f"{where}.kinds"),
        fine=_formula_from(fine_raw, f"{where}.fine") if fine_raw is not None else None,
        escalations=tuple(escalations),
        tiers=tuple(tiers),
        lists=lists,
        first_violation_allowed=r.flag("first_violation_allowed"),
        first_violation_conditions=r.text("first_violation_conditions", False),
        interests=frozenset(_enum(ProtectedInterest, x, f"{where}.interests") for x in r.array("interests")),
        party_types=(
            frozenset(_enum(PartyType, x, f"{where}.party_types") for x in party_raw)
            if party_raw
            else frozenset(PartyType)
        ),
        fault_exemption_excluded=r.flag("fault_exemption_excluded"),
        notes=r.text("notes", False),
    )
    r.done()
    return v


def version_to_dict(v: BenchmarkVersion) -> dict[str, Any]:
    """The JSON shape of a version (the inverse of :func:`version_from_dict`)."""
    out: dict[str, Any] = {
        "code": v.code,
        "version": v.version,
        "status": v.status.value,
        "effective_from": v.effective_from.isoformat(),
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
        "approving_document": v.approving_document,
        "department_code": v.department_code,
        "department_name": v.department_name,
        "domain": v.domain,
        "violation_name": v.violation_name,
        "party_types": sorted(p.value for p in v.party_types),
        "interests": sorted(i.value for i in v.interests),
        "violated": [_provision_to(p) for p in v.violated],
        "punishing": [_provision_to(p) for p in v.punishing],
        "kinds": _kinds_to(v.kinds),
        "fine": _formula_to(v.fine) if v.fine else None,
        "escalations": [],
        "tiers": [],
        "lists": {},
        "first_violation_allowed": v.first_violation_allowed,
    }
    for esc in v.escalations:
        e: dict[str, Any] = {"trigger": esc.trigger.value, "conditions": esc.conditions}
        if esc.fine is not None:
            e["fine"] = _formula_to(esc.fine)
        if esc.add_kinds:
            e["add_kinds"] = _kinds_to(esc.add_kinds)
        if esc.provision is not None:
            e["provision"] = _provision_to(esc.provision)
        out["escalations"].append(e)
    for t in v.tiers:
        td: dict[str, Any] = {"tier": t.tier.value, "conditions": t.conditions}
        if t.share_bp is not None:
            td["share_bp"] = list(t.share_bp)
        out["tiers"].append(td)
    for name in ("no_penalty", "lighter", "mitigated", "no_coercive_measures"):
        entry = getattr(v.lists, name)
        if entry is not None:
            out["lists"][name] = {"conditions": entry.conditions}
    if v.first_violation_conditions:
        out["first_violation_conditions"] = v.first_violation_conditions
    if v.fault_exemption_excluded:
        out["fault_exemption_excluded"] = True
    if v.notes:
        out["notes"] = v.notes
    return out


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------

FORMAT = "zhifa.benchmarks/1"


def parse_json(
    text: str, *, domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS
) -> Catalogue:
    """Parse and validate a JSON catalogue (``{"format": ..., <metadata>, "versions": [...]}``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueFormatInvalid(f"JSON 解析失败：第{exc.lineno}行第{exc.colno}列 {exc.msg}") from exc
    if not isinstance(data, dict):
        raise CatalogueFormatInvalid("裁量基准文件应为 JSON 对象")
    if data.get("format") != FORMAT:
        raise CatalogueFormatInvalid(f"裁量基准文件格式标识应为 {FORMAT!r}")
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list):
        raise CatalogueFormatInvalid("裁量基准文件缺少 versions 数组")
    versions = [version_from_dict(v) for v in raw_versions]
    items = validate_versions(versions, domain_interests=domain_interests)
    metadata = {k: v for k, v in data.items() if k not in ("versions",)}
    if isinstance(metadata.get("tier_split"), Mapping):
        TierSplit.from_mapping(metadata["tier_split"])  # validate now, not at first use
    return Catalogue(metadata=metadata, items=items)


def to_json(catalogue: Catalogue) -> str:
    """Export a catalogue as JSON (stable key order, UTF-8 text, two-space indent)."""
    data = dict(catalogue.metadata)
    data["format"] = FORMAT
    data["versions"] = [version_to_dict(v) for v in catalogue.all_versions()]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS: tuple[str, ...] = (
    "code",
    "version",
    "status",
    "effective_from",
    "effective_to",
    "approving_document",
    "department_code",
    "department_name",
    "domain",
    "violation_name",
    "party_types",
    "interests",
    "first_violation_allowed",
    "first_violation_conditions",
    "fault_exemption_excluded",
    "violated",
    "punishing",
    "kinds",
    "fine",
    "escalations",
    "tiers",
    "lists",
    "notes",
)
_CSV_JSON_COLUMNS = frozenset({"violated", "punishing", "kinds", "fine", "escalations", "tiers", "lists"})
_CSV_LIST_COLUMNS = frozenset({"party_types", "interests"})
_CSV_BOOL_COLUMNS = frozenset({"first_violation_allowed", "fault_exemption_excluded"})


def to_csv(versions: Iterable[BenchmarkVersion]) -> str:
    """One row per version; lists as ``a|b``, booleans as ``true``/``false``, nested fields as JSON."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for v in versions:
        d = version_to_dict(v)
        row: dict[str, str] = {}
        for col in CSV_COLUMNS:
            value = d.get(col)
            if col in _CSV_JSON_COLUMNS:
                row[col] = (
                    "" if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                )
            elif col in _CSV_LIST_COLUMNS:
                row[col] = "|".join(value or [])
            elif col in _CSV_BOOL_COLUMNS:
                row[col] = "true" if value else "false"
            else:
                row[col] = "" if value is None else str(value)
        writer.writerow(row)
    return buffer.getvalue()


def parse_csv(
    text: str, *, domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS
) -> dict[str, BenchmarkItem]:
    """Parse and validate a CSV export (see :func:`to_csv`); returns items by code."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise CatalogueFormatInvalid(f"CSV 表头不符：缺少 {missing}，多出 {unknown}")
    versions = []
    for line, row in enumerate(reader, start=2):
        d: dict[str, Any] = {}
        for col in CSV_COLUMNS:
            cell = (row.get(col) or "").strip()
            if col in _CSV_JSON_COLUMNS:
                if not cell:
                    d[col] = None
                    continue
                try:
                    d[col] = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 {col} 列不是合法的 JSON") from exc
            elif col in _CSV_LIST_COLUMNS:
                d[col] = [x for x in cell.split("|") if x]
            elif col in _CSV_BOOL_COLUMNS:
                if cell.lower() not in ("true", "false", ""):
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 {col} 列应为 true 或 false")
                d[col] = cell.lower() == "true"
            elif col == "version":
                if not (cell.isascii() and cell.isdigit()):  # "²".isdigit() is true, int("²") fails
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 version 列应为正整数")
                d[col] = int(cell)
            else:
                d[col] = cell or None
        if d.get("lists") is None:
            d["lists"] = {}
        for col in ("kinds", "escalations", "tiers"):
            if d.get(col) is None:
                d[col] = []
        versions.append(version_from_dict(d))
    return validate_versions(versions, domain_interests=domain_interests)
