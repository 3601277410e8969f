"""Jurisdiction configuration of the assessment engine (:class:`AssessmentConfig`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.common.errors import BadRequest
from services.penalty.domain.catalogue import PartyType, PenaltyKind, TierSplit


@dataclass(frozen=True, slots=True)
class AssessmentConfig:
    """Jurisdiction configuration. Statutory figures are defaults that a law may override (第五十一条
    “法律另有规定的，从其规定”); the others have no national figure and are local choices, documented here.

    * ``simple_limit_*``: 第五十一条 — 公民 200 元以下, 法人或者其他组织 3,000 元以下 (inclusive).
    * ``hearing_fine_*``: 较大数额 (第六十三条第一款第（一）（二）项) is set locally. Defaults 1 万元 for a
      person and 10 万元 for an organisation, the figures of the SAMR hearing rules (市场监督管理行政处罚
      听证办法 第五条, not verified against the text here); a province's own figure replaces them.
    * ``hearing_other_heavier_kinds``: 第六十三条第一款第（五）项 “其他较重的行政处罚”. Defaults 暂扣许可证件
      and 限制开展生产经营活动 (grouped with the listed kinds in 第九条); offering a hearing that was not
      required costs little, omitting one that was can void the decision (第三十八条第二款).
    * ``legal_review_*``: 第五十八条第一款第（四）项 leaves the list to laws and local directories; defaults
      review heavy kinds and fines at the hearing threshold, and every case where a hearing must be offered.
    * ``collective_*``: 第五十七条第二款 “情节复杂或者重大违法行为”; defaults treat 情节严重 escalations,
      heavy kinds and fines of 5 万元 (person) / 50 万元 (organisation) or more as 重大.
    * ``eia_*``: economic impact assessment for enterprise cases (seed 000, 沈阳市涉企行政执法案件经济影响
      评估实施办法, figures not public here): 责令停产停业, 吊销, 责令关闭, or a fine of 50 万元 or more.
    """

    tier_split: TierSplit = field(default_factory=TierSplit)
    simple_limit_individual_fen: int = 20_000  # 200 元
    simple_limit_organisation_fen: int = 300_000  # 3,000 元
    hearing_fine_individual_fen: int = 1_000_000  # 1 万元
    hearing_fine_organisation_fen: int = 10_000_000  # 10 万元
    hearing_other_heavier_kinds: frozenset[PenaltyKind] = frozenset(
        {PenaltyKind.SUSPEND_LICENCE, PenaltyKind.RESTRICT_BUSINESS}
    )
    legal_review_when_hearing: bool = True
    legal_review_kinds: frozenset[PenaltyKind] = frozenset(
        {
            PenaltyKind.DOWNGRADE_QUALIFICATION,
            PenaltyKind.REVOKE_LICENCE,
            PenaltyKind.SUSPEND_BUSINESS,
            PenaltyKind.ORDER_CLOSURE,
            PenaltyKind.RESTRICT_EMPLOYMENT,
        }
    )
    legal_review_fine_individual_fen: int = 1_000_000
    legal_review_fine_organisation_fen: int = 10_000_000
    collective_on_serious: bool = True
    collective_kinds: frozenset[PenaltyKind] = frozenset(
        {
            PenaltyKind.REVOKE_LICENCE,
            PenaltyKind.SUSPEND_BUSINESS,
            PenaltyKind.ORDER_CLOSURE,
            PenaltyKind.RESTRICT_EMPLOYMENT,
        }
    )
    collective_fine_individual_fen: int = 5_000_000  # 5 万元
    collective_fine_organisation_fen: int = 50_000_000  # 50 万元
    eia_kinds: frozenset[PenaltyKind] = frozenset(
        {PenaltyKind.SUSPEND_BUSINESS, PenaltyKind.REVOKE_LICENCE, PenaltyKind.ORDER_CLOSURE}
    )
    eia_fine_fen: int = 50_000_000  # 50 万元
    # 初次违法 / 再次违法 look-back when the benchmark states none (domain.history): 12 months, the sample
    # catalogue's heavier-tier wording "一年内因同一违法行为受过行政处罚" (the seeds set no period).
    repeat_period_months: int = 12

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AssessmentConfig:
        """Build from a jurisdiction configuration mapping (unknown keys are errors)."""
        names = set(cls.__dataclass_fields__)
        unknown = set(data) - names
        if unknown:
            raise BadRequest(f"裁量配置含未知字段：{sorted(unknown)}", code="ASSESSMENT_CONFIG_INVALID")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "tier_split":
                values[key] = TierSplit.from_mapping(value)
            elif key.endswith("_kinds"):
                try:
                    values[key] = frozenset(PenaltyKind(v) for v in value)
                except (TypeError, ValueError) as exc:
                    raise BadRequest(
                        f"裁量配置 {key} 含无法识别的处罚种类", code="ASSESSMENT_CONFIG_INVALID"
                    ) from exc
            elif key.endswith("_months"):
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120:
                    raise BadRequest(
                        f"裁量配置 {key} 应为1至120的整数（月）", code="ASSESSMENT_CONFIG_INVALID"
                    )
                values[key] = value
            elif key.endswith("_fen"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise BadRequest(f"裁量配置 {key} 应为非负整数（分）", code="ASSESSMENT_CONFIG_INVALID")
                values[key] = value
            else:
                if not isinstance(value, bool):
                    raise BadRequest(f"裁量配置 {key} 应为布尔值", code="ASSESSMENT_CONFIG_INVALID")
                values[key] = value
        return cls(**values)

    def simple_limit_fen(self, party: PartyType) -> int:
        return (
            self.simple_limit_individual_fen
            if party is PartyType.INDIVIDUAL
            else self.simple_limit_organisation_fen
        )

    def hearing_threshold_fen(self, party: PartyType) -> int:
        return (
            self.hearing_fine_individual_fen
            if party is PartyType.INDIVIDUAL
            else self.hearing_fine_organisation_fen
        )


DEFAULT_CONFIG = AssessmentConfig()
