"""The catalogue's vocabulary: penalty kinds, bases, tiers, party types, protected interests, statuses.

Values are stable English identifiers (stored, exchanged in events); ``label`` is the Chinese term users see.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class PenaltyKind(StrEnum):
    """行政处罚法 第九条; 暂扣, 降低资质等级 and 吊销许可证件 are three kinds (第六十三条: a hearing for the last two)."""

    # SPEC §3.1 lists "暂扣/降低资质/吊销许可证件" as one kind; the law lists three, and the hearing of 第六十三条
    # separates them. The docstring is the OpenAPI document's description of the enum: kept short.

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
