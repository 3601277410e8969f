"""The assessment engine: from the facts of a case and a benchmark item's versions to a reasoned proposal.

``assess(facts, versions, config=..., today=...)`` is a pure, deterministic function. It applies, in order:

1. version selection, 从旧兼从轻 (行政处罚法 第三十七条);
2. limitation (第三十六条);
3. minors and capacity (第三十条, 第三十一条), no fault (第三十三条第二款);
4. mandatory no penalty (第三十三条第一款 first sentence, and the item's 不予处罚清单);
5. items whose provision only orders correction unless the party refuses;
6. 首违不罚 (第三十三条第一款 second sentence), where the item allows it;
7. the statutory fine range (formula, brackets, base fallback, escalations for 情节严重 / 拒不改正);
8. the tier (减轻 / 从轻 / 一般 / 从重) from the circumstances (第三十二条, 第三十条 and aggravating ones),
   its part of the range, a suggested amount and the kinds proposed;
9. procedure: simple procedure (第五十一条), hearing (第六十三条), legal review (第五十八条), collective
   discussion (第五十七条第二款), economic impact assessment (jurisdiction rule).

Every rule applied leaves an :class:`Step` with a Chinese sentence and its citations, ready to print as 说理.

Definitions this module commits to (documented here because the law leaves them to the implementer):

* **Lighter** (for 从旧兼从轻): both versions are evaluated on the same facts and compared by
  :meth:`Evaluation.severity_key` — first the outcome (no penalty < 首违不罚 may apply < penalty), then the
  heaviest kind proposed (警告 < 通报批评 < 罚款/没收 < 暂扣 < 限制生产经营/降低资质 < 责令停产停业/限制从业
  < 吊销 < 责令关闭 < 拘留), then the suggested fine, then the tier range's upper and lower bounds. The newer
  version applies only if it is strictly lighter; on a tie the version in force at the violation applies.
* **Tier ranges** partition the statutory range [L, H] in integer fen without overlap: 从轻 [L, b1),
  一般 [b1, b2), 从重 [b2, H], with b = L + ⌊(H − L) × share⌋ (printed “X元以上不满Y元”). A range narrower
  than one yuan is not split (every tier is the whole range).
* **减轻**: below the legal minimum, [⌈L × floor⌉, L) in fen (floor from :class:`TierSplit`, default 0);
  where there is no legal minimum (处X元以下), a lighter kind (警告/通报批评) if the item allows one,
  otherwise the 从轻 tier.
* **Suggested amount**: the midpoint of the tier range rounded half up to whole yuan; if that falls outside
  the tier range, the nearest whole-yuan amount inside it; if the range holds no whole yuan, the midpoint
  rounded down to the fen. Multiples are exact: the legal minimum is rounded up and the maximum down to the
  fen, so the range never leaves the law's.
* **Limitation** counts by 民法典 第二百零一条、第二百零二条: the period starts the day after the violation
  (or its end) and its last day is the same calendar day two or five years later (the month's last day if
  there is none). Art. 36 asks whether the violation was *discovered* (发现) within the period, so the
  discovery date is compared, not the decision date; without a discovery date the decision date is used
  (which can only err in the party's favour) and the explanation says so.
* **Tier from circumstances**: a circumstance the law makes mandatory (第三十二条, 第三十条 for 14–18) gives
  从轻, or 减轻 with a second mitigating circumstance (or the item's 减轻处罚清单) and nothing aggravating;
  aggravating circumstances cannot override it. Circumstances that only permit mitigation (第三十一条 limited
  capacity, the 从轻/减轻 lists) give 从轻 (or 减轻 for the list) and offset aggravation to 一般. Otherwise an
  aggravating circumstance gives 从重. Serious harm counts as aggravating; so do 情节严重 and 拒不改正 where the
  punishing provision sets no heavier consequence of its own (where it does, that consequence applies instead).
* **Age** follows the reading of 周岁 used in criminal law: a person has completed fourteen years from the
  day after the fourteenth birthday.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from services.common.errors import BadRequest
from services.common.money import format_yuan
from services.penalty.domain.catalogue import (
    BP,
    BaseKind,
    BenchmarkVersion,
    Bracket,
    EscalationTrigger,
    FineFormula,
    FixedRange,
    Multiple,
    PartyType,
    PenaltyKind,
    ProtectedInterest,
    Status,
    Tier,
    TierSplit,
)
from services.penalty.domain.errors import (
    BaseAmountNegative,
    BaseAmountRequired,
    BenchmarkVersionsMixed,
    DatesInconsistent,
    NoBenchmarkVersion,
    NoVersionInForce,
    PartyTypeNotApplicable,
    PersonFactsInvalid,
    ViolationAfterDecision,
    ViolationDateInFuture,
)
from services.penalty.domain.errors import (
    FactsInvalid as FactsInvalid,
)

LAW = "中华人民共和国行政处罚法"

# ---------------------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------------------


class Harm(StrEnum):
    NONE = "none"
    MINOR = "minor"
    ORDINARY = "ordinary"
    SERIOUS = "serious"

    @property
    def label(self) -> str:
        return {
            "none": "未造成危害后果",
            "minor": "危害后果轻微",
            "ordinary": "造成一般危害后果",
            "serious": "造成严重危害后果",
        }[self.value]


HARM_ORDER: tuple[Harm, ...] = (Harm.NONE, Harm.MINOR, Harm.ORDINARY, Harm.SERIOUS)


class Correction(StrEnum):
    IN_TIME = "in_time"
    AFTER_ORDER = "after_order"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {"in_time": "及时改正", "after_order": "经责令后改正", "refused": "拒不改正或者逾期未改正"}[
            self.value
        ]


CORRECTION_ORDER: tuple[Correction, ...] = (Correction.IN_TIME, Correction.AFTER_ORDER, Correction.REFUSED)


class Capacity(StrEnum):
    """第三十一条: FULL (including an intermittent patient when lucid), LIMITED (尚未完全丧失辨认或者控制
    能力: 可以从轻或者减轻), NONE (不能辨认或者不能控制: 不予处罚)."""

    FULL = "full"
    LIMITED = "limited"
    NONE = "none"


class Mitigation(StrEnum):
    """行政处罚法 第三十二条 (应当从轻或者减轻)."""

    ELIMINATED_HARM = "eliminated_harm"  # （一）主动消除或者减轻违法行为危害后果
    COERCED = "coerced"  # （二）受他人胁迫或者诱骗实施违法行为
    CONFESSED_UNKNOWN = "confessed_unknown"  # （三）主动供述行政机关尚未掌握的违法行为
    MERITORIOUS = "meritorious"  # （四）配合行政机关查处违法行为有立功表现
    OTHER_STATUTORY = "other_statutory"  # （五）法律、法规、规章规定其他应当从轻或者减轻

    @property
    def label(self) -> str:
        return _MITIGATION_LABELS[self][0]

    @property
    def item(self) -> str:
        return _MITIGATION_LABELS[self][1]


_MITIGATION_LABELS: dict[Mitigation, tuple[str, str]] = {
    Mitigation.ELIMINATED_HARM: ("主动消除或者减轻违法行为危害后果", "第（一）项"),
    Mitigation.COERCED: ("受他人胁迫或者诱骗实施违法行为", "第（二）项"),
    Mitigation.CONFESSED_UNKNOWN: ("主动供述行政机关尚未掌握的违法行为", "第（三）项"),
    Mitigation.MERITORIOUS: ("配合行政机关查处违法行为有立功表现", "第（四）项"),
    Mitigation.OTHER_STATUTORY: ("法律、法规、规章规定其他应当从轻或者减轻行政处罚的情形", "第（五）项"),
}


class Aggravation(StrEnum):
    REPEATED = "repeated"
    OBSTRUCTION = "obstruction"
    SERIOUS_CONSEQUENCES = "serious_consequences"
    VULNERABLE_VICTIMS = "vulnerable_victims"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "repeated": "多次违法或者屡查屡犯",
            "obstruction": "拒绝、阻碍或者以暴力威胁执法人员依法执行职务",
            "serious_consequences": "造成严重危害后果",
            "vulnerable_victims": "侵害未成年人、老年人、残疾人等群体权益",
            "other": "裁量基准规定的其他从重情形",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of a case as the engine needs them. Money in fen; dates are calendar dates.

    ``statutory_serious`` says the item's 情节严重 conditions are met (the escalation's conditions text
    says what counts); ``minor_violation`` is 违法行为轻微 (第三十三条第一款). The ``meets_*_list`` flags
    say the item's 四张清单 conditions are met; they are ignored (with a note) where the item is not listed.
    """

    violation_date: date
    decision_date: date
    party_type: PartyType
    harm: Harm = Harm.ORDINARY
    correction: Correction = Correction.AFTER_ORDER
    first_offence: bool = False
    minor_violation: bool = False
    no_fault_proven: bool = False
    continuing_until: date | None = None
    discovered_on: date | None = None
    base_amounts: Mapping[BaseKind, int] = field(default_factory=dict)
    obviously_low_bases: frozenset[BaseKind] = frozenset()
    illegal_property_value_fen: int | None = None
    enterprise: bool = False
    birth_date: date | None = None
    age_years: int | None = None
    capacity: Capacity = Capacity.FULL
    mitigations: frozenset[Mitigation] = frozenset()
    aggravations: frozenset[Aggravation] = frozenset()
    statutory_serious: bool = False
    meets_no_penalty_list: bool = False
    meets_lighter_list: bool = False
    meets_mitigated_list: bool = False
    major_public_interest: bool = False
    complex_case: bool = False

    @property
    def act_date(self) -> date:
        """The date the violation ended (its date, or the end of a continuing violation)."""
        return self.continuing_until or self.violation_date


# ---------------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------------

_HEAVIER_KINDS_ITEM3 = frozenset({PenaltyKind.DOWNGRADE_QUALIFICATION, PenaltyKind.REVOKE_LICENCE})
_HEAVIER_KINDS_ITEM4 = frozenset(
    {PenaltyKind.SUSPEND_BUSINESS, PenaltyKind.ORDER_CLOSURE, PenaltyKind.RESTRICT_EMPLOYMENT}
)


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

# ---------------------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    LIMITATION_EXPIRED = "limitation_expired"  # 第三十六条: 不再给予行政处罚
    NO_PENALTY = "no_penalty"  # 不予行政处罚 (第三十条, 第三十一条, 第三十三条)
    CORRECTION_ONLY = "correction_only"  # the provision only orders correction in this situation
    FIRST_VIOLATION_WAIVER = "first_violation_waiver"  # 首违不罚: 可以不予行政处罚
    PENALTY = "penalty"

    @property
    def rank(self) -> int:
        return _OUTCOME_RANK[self]


_OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.LIMITATION_EXPIRED: 0,
    Outcome.NO_PENALTY: 0,
    Outcome.CORRECTION_ONLY: 0,
    Outcome.FIRST_VIOLATION_WAIVER: 1,
    Outcome.PENALTY: 2,
}


@dataclass(frozen=True, slots=True)
class FenRange:
    low: int
    high: int

    def __contains__(self, amount: object) -> bool:
        return isinstance(amount, int) and self.low <= amount <= self.high


@dataclass(frozen=True, slots=True)
class Citation:
    """A law article, a benchmark version, or both."""

    law: str = ""
    article: str = ""
    benchmark_code: str = ""
    benchmark_version: int | None = None

    def render(self) -> str:
        parts = []
        if self.law:
            parts.append(f"《{self.law}》{self.article}")
        if self.benchmark_code:
            parts.append(f"裁量基准{self.benchmark_code}第{self.benchmark_version}版")
        return "、".join(parts)


@dataclass(frozen=True, slots=True)
class Step:
    """One rule applied: a stable key, a Chinese sentence for 说理, and its citations."""

    rule: str
    text: str
    citations: tuple[Citation, ...] = ()

    def render(self) -> str:
        cites = "；".join(c.render() for c in self.citations)
        return f"{self.text}（依据：{cites}）" if cites else self.text


@dataclass(frozen=True, slots=True)
class Limitation:
    years: int
    starts_on: date  # the violation date or the end of a continuing violation
    last_day: date
    measured_on: date  # the discovery date, or the decision date when none was given
    expired: bool


@dataclass(frozen=True, slots=True)
class PenaltyProposal:
    tier: Tier
    legal_range: FenRange | None  # the statutory range after formula, brackets, fallback and escalation
    tier_range: FenRange | None
    suggested_fine_fen: int | None
    fine_optional: bool  # the law says 可以并处 罚款
    kinds: tuple[PenaltyKind, ...]  # proposed
    allowed_kinds: tuple[PenaltyKind, ...]
    escalations: tuple[EscalationTrigger, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    code: str
    version: int
    outcome: Outcome
    limitation: Limitation
    penalty: PenaltyProposal | None  # present for PENALTY, and for FIRST_VIOLATION_WAIVER as the alternative
    first_violation_eligible: bool
    education_required: bool  # 第三十三条第三款
    guardian_order: str  # 第三十条、第三十一条: 责令监护人…
    coercive_measures_excluded: bool  # the item is on the 不予实施行政强制措施清单
    simple_procedure_allowed: bool
    hearing_required: bool
    hearing_reasons: tuple[str, ...]
    legal_review_required: bool
    legal_review_reasons: tuple[str, ...]
    collective_discussion_required: bool
    collective_discussion_reasons: tuple[str, ...]
    economic_impact_assessment_required: bool
    economic_impact_reasons: tuple[str, ...]
    steps: tuple[Step, ...]

    def severity_key(self) -> tuple[int, int, int, int, int]:
        return _severity(self.outcome, self.penalty)

    def explanation(self) -> str:
        """The steps numbered, one per line, for the notice and the decision."""
        return "\n".join(f"{i}. {s.render()}" for i, s in enumerate(self.steps, start=1))


def _severity(outcome: Outcome, p: PenaltyProposal | None) -> tuple[int, int, int, int, int]:
    if p is None or outcome.rank == 0:
        return (outcome.rank, 0, 0, 0, 0)
    kind_rank = max((k.severity for k in p.kinds), default=0)
    fine = p.suggested_fine_fen or 0
    high = p.tier_range.high if p.tier_range else 0
    low = p.tier_range.low if p.tier_range else 0
    return (outcome.rank, kind_rank, fine, high, low)


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _d(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _y(fen: int) -> str:
    return f"{format_yuan(fen)}元"


_ARTICLES = (
    "第二十八条第二款", "第三十条", "第三十一条", "第三十二条第（一）项", "第三十二条第（二）项",
    "第三十二条第（三）项", "第三十二条第（四）项", "第三十二条第（五）项", "第三十三条第一款",
    "第三十三条第二款", "第三十三条第三款", "第三十六条", "第三十七条", "第五十一条", "第五十四条",
    "第五十七条第二款", "第五十八条", "第六十三条", "第六十四条",
)  # fmt: skip
_LAW_CITATIONS: Mapping[str, Citation] = MappingProxyType(
    {a: Citation(law=LAW, article=a) for a in _ARTICLES}
)


def _law(article: str) -> Citation:
    return _LAW_CITATIONS.get(article) or Citation(law=LAW, article=article)


def _bench(v: BenchmarkVersion) -> Citation:
    return Citation(benchmark_code=v.code, benchmark_version=v.version)


def _punishing(v: BenchmarkVersion) -> tuple[Citation, ...]:
    cites = [Citation(law=p.law, article=p.article + p.clause) for p in v.punishing]
    cites.append(_bench(v))
    return tuple(cites)


def add_years(start: date, years: int) -> date:
    """The same calendar day ``years`` later, or the last day of that month (民法典 第二百零二条)."""
    year = start.year + years
    last = calendar.monthrange(year, start.month)[1]
    return date(year, start.month, min(start.day, last))


def completed_years(birth: date, on: date) -> int:
    """Completed years of age, reckoned from the day after each birthday."""
    return on.year - birth.year - ((on.month, on.day) <= (birth.month, birth.day))


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def split_range(
    low: int, high: int, lighter_upper_bp: int, heavier_lower_bp: int
) -> tuple[FenRange, FenRange, FenRange]:
    """从轻, 一般, 从重 as disjoint integer ranges covering [low, high] in order (see the module docstring)."""
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
            return _y(r.low)
        return f"{_y(r.low)}以上{_y(r.high)}以下" if r.low else f"{_y(r.high)}以下"
    return f"{_y(r.low)}以上不满{_y(r.high + 1)}" if r.low else f"不满{_y(r.high + 1)}"


def suggest_amount(r: FenRange) -> int:
    """Midpoint rounded half up to whole yuan, kept inside the range (see the module docstring)."""
    yuan = (r.low + r.high + 100) // 200  # ⌊(low + high) / 2 / 100 + 1/2⌋
    amount = yuan * 100
    if amount < r.low:
        amount = _ceil_div(r.low, 100) * 100
    elif amount > r.high:
        amount = r.high // 100 * 100
    if amount in r:
        return amount
    return (r.low + r.high) // 2


def simple_procedure_allowed(
    party: PartyType,
    kinds: Iterable[PenaltyKind],
    fine_fen: int | None,
    *,
    config: AssessmentConfig = DEFAULT_CONFIG,
) -> bool:
    """第五十一条: only 警告 and/or a fine of at most 200 元 (公民) / 3,000 元 (法人或者其他组织)."""
    kind_set = set(kinds)
    if not kind_set or not kind_set <= {PenaltyKind.WARNING, PenaltyKind.FINE}:
        return False
    if PenaltyKind.FINE in kind_set:
        return fine_fen is not None and 0 <= fine_fen <= config.simple_limit_fen(party)
    return True


def hearing_reasons(
    party: PartyType,
    kinds: Iterable[PenaltyKind],
    fine_fen: int | None,
    *,
    confiscated_gains_fen: int = 0,
    confiscated_property_fen: int = 0,
    config: AssessmentConfig = DEFAULT_CONFIG,
) -> tuple[str, ...]:
    """第六十三条: why a hearing must be offered for this proposed decision (empty if it need not be).

    Exposed so the procedure can re-check the amount actually proposed in the notice."""
    kind_set = set(kinds)
    threshold = config.hearing_threshold_fen(party)
    reasons = []
    if PenaltyKind.FINE in kind_set and fine_fen is not None and fine_fen >= threshold:
        reasons.append(f"拟罚款{_y(fine_fen)}，达到较大数额标准{_y(threshold)}（第六十三条第一款第（一）项）")
    if PenaltyKind.CONFISCATE_GAINS in kind_set and confiscated_gains_fen >= threshold:
        reasons.append(
            f"拟没收违法所得{_y(confiscated_gains_fen)}，达到较大数额标准（第六十三条第一款第（二）项）"
        )
    if PenaltyKind.CONFISCATE_PROPERTY in kind_set and confiscated_property_fen >= threshold:
        reasons.append(
            f"拟没收非法财物价值{_y(confiscated_property_fen)}，达到较大价值标准（第六十三条第一款第（二）项）"
        )
    for k in sorted(kind_set & _HEAVIER_KINDS_ITEM3):
        reasons.append(f"拟{k.label}（第六十三条第一款第（三）项）")
    for k in sorted(kind_set & _HEAVIER_KINDS_ITEM4):
        reasons.append(f"拟{k.label}（第六十三条第一款第（四）项）")
    for k in sorted(kind_set & config.hearing_other_heavier_kinds):
        reasons.append(f"拟{k.label}，属其他较重的行政处罚（第六十三条第一款第（五）项）")
    return tuple(reasons)


# ---------------------------------------------------------------------------------------------------------
# Validation of facts
# ---------------------------------------------------------------------------------------------------------


def _validate_facts(f: Facts, today: date) -> None:
    if f.violation_date > today:
        raise ViolationDateInFuture(f"违法行为发生日期{_d(f.violation_date)}晚于当前日期{_d(today)}")
    if f.violation_date > f.decision_date:
        raise ViolationAfterDecision(
            f"违法行为发生日期{_d(f.violation_date)}晚于决定日期{_d(f.decision_date)}"
        )
    if f.continuing_until is not None and not (f.violation_date <= f.continuing_until <= f.decision_date):
        raise DatesInconsistent("违法行为终了日期应在发生日期与决定日期之间")
    if f.continuing_until is not None and f.continuing_until > today:
        raise DatesInconsistent("违法行为终了日期晚于当前日期；仍在持续的违法行为以当前日期为终了日期")
    if f.discovered_on is not None and not (f.violation_date <= f.discovered_on <= f.decision_date):
        raise DatesInconsistent("发现日期应在违法行为发生日期与决定日期之间")
    for base, amount in f.base_amounts.items():
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise BaseAmountNegative(f"{base.label}应为非负整数（分），收到{amount!r}")
    if f.illegal_property_value_fen is not None and f.illegal_property_value_fen < 0:
        raise BaseAmountNegative("非法财物价值不得为负")
    if f.party_type is PartyType.ORGANISATION and (
        f.birth_date is not None or f.age_years is not None or f.capacity is not Capacity.FULL
    ):
        raise PersonFactsInvalid("年龄和责任能力只适用于公民")
    if f.birth_date is not None and f.birth_date >= f.act_date:
        raise PersonFactsInvalid("出生日期应早于违法行为发生日期")
    if f.age_years is not None and not 0 <= f.age_years <= 150:
        raise PersonFactsInvalid(f"年龄{f.age_years}无效")


# ---------------------------------------------------------------------------------------------------------
# Evaluation of one version
# ---------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Eval:
    version: BenchmarkVersion
    outcome: Outcome
    limitation: Limitation
    steps: list[Step]
    penalty: PenaltyProposal | None = None
    first_violation_eligible: bool = False
    education_required: bool = False
    guardian_order: str = ""

    def severity_key(self) -> tuple[int, int, int, int, int]:
        return _severity(self.outcome, self.penalty)


def _limitation(v: BenchmarkVersion, f: Facts) -> tuple[Limitation, Step]:
    start = f.act_date
    long_period = bool(
        v.interests & {ProtectedInterest.LIFE_HEALTH, ProtectedInterest.FINANCIAL_SECURITY}
    ) and (f.harm is not Harm.NONE)
    years = 5 if long_period else 2
    last = add_years(start, years)
    measured = f.discovered_on or f.decision_date
    expired = measured > last
    lim = Limitation(years=years, starts_on=start, last_day=last, measured_on=measured, expired=expired)
    begin = (
        f"违法行为有连续或者继续状态，自行为终了之日{_d(start)}起计算"
        if f.continuing_until is not None
        else f"自违法行为发生之日{_d(start)}起计算"
    )
    if long_period:
        interests = "、".join(
            i.label
            for i in sorted(
                v.interests & {ProtectedInterest.LIFE_HEALTH, ProtectedInterest.FINANCIAL_SECURITY}
            )
        )
        why = f"本事项涉及公民{interests}且有危害后果，追责期限为五年"
    else:
        why = "追责期限为二年"
    seen = (
        f"违法行为于{_d(measured)}被发现"
        if f.discovered_on
        else f"未载明发现日期，按决定日期{_d(measured)}计"
    )
    verdict = "已超过期限，依法不再给予行政处罚" if expired else "未超过期限"
    text = f"{why}，{begin}，期限至{_d(last)}届满；{seen}，{verdict}。"
    return lim, Step("limitation", text, (_law("第三十六条"),))


def _fine_range(formula: FineFormula, f: Facts, v: BenchmarkVersion) -> tuple[FenRange, str]:
    rule = formula.rule
    if isinstance(rule, FixedRange):
        if rule.max_only:
            return FenRange(0, rule.max_fen), f"处{_y(rule.max_fen)}以下罚款"
        return FenRange(rule.min_fen, rule.max_fen), f"处{_y(rule.min_fen)}以上{_y(rule.max_fen)}以下罚款"
    base = formula.base
    assert base is not None
    amount = f.base_amounts.get(base)
    low_flag = base in f.obviously_low_bases and formula.fallback_when_obviously_low
    if amount is None or low_flag:
        if formula.fallback is None:
            raise BaseAmountRequired(
                f"{v.label()}按{base.label}计算罚款，且未规定{base.label}无法计算时的处罚幅度，请提供{base.label}"
            )
        fb = formula.fallback
        cause = "无法计算" if amount is None else "明显偏低"
        note = f"（{formula.fallback_note}）" if formula.fallback_note else ""
        if fb.max_only:
            return FenRange(0, fb.max_fen), f"{base.label}{cause}，处{_y(fb.max_fen)}以下罚款{note}"
        return FenRange(
            fb.min_fen, fb.max_fen
        ), f"{base.label}{cause}，处{_y(fb.min_fen)}以上{_y(fb.max_fen)}以下罚款{note}"
    prefix = f"{base.label}为{_y(amount)}"
    chosen: FixedRange | Multiple
    if isinstance(rule, tuple):
        index = 0
        for i, b in enumerate(rule):
            if i and (amount > b.from_fen or (amount == b.from_fen and b.from_inclusive)):
                index = i
        chosen = rule[index].rule
        prefix += f"，属{base.label}{_bracket_label(rule, index)}的情形"
    else:
        chosen = rule
    if isinstance(chosen, FixedRange):
        if chosen.max_only:
            return FenRange(0, chosen.max_fen), f"{prefix}，处{_y(chosen.max_fen)}以下罚款"
        return FenRange(
            chosen.min_fen, chosen.max_fen
        ), f"{prefix}，处{_y(chosen.min_fen)}以上{_y(chosen.max_fen)}以下罚款"
    low = _ceil_div(amount * chosen.k_min.numerator, chosen.k_min.denominator)
    high = amount * chosen.k_max.numerator // chosen.k_max.denominator
    times = (
        f"{_times(chosen.k_min)}以上{_times(chosen.k_max)}以下"
        if chosen.k_min
        else f"{_times(chosen.k_max)}以下"
    )
    text = f"{prefix}，处{base.label}{times}的罚款，即{_y(low)}至{_y(high)}"
    if chosen.floor_fen is not None and low < chosen.floor_fen:
        low = chosen.floor_fen
        text += f"，且不低于{_y(low)}"
    if chosen.cap_fen is not None and high > chosen.cap_fen:
        high = chosen.cap_fen
        text += f"，且不超过{_y(high)}"
    low = min(low, high)
    return FenRange(low, high), text


def _times(k: Fraction) -> str:
    if k.denominator == 1:
        return f"{k.numerator}倍"
    percent = k * 100
    shown = str(percent.numerator) if percent.denominator == 1 else f"{float(percent):g}"
    return f"{shown}%"


def _bracket_label(brackets: tuple[Bracket, ...], i: int) -> str:
    """“不足1万元”, “1万元以上”, “超过2万元” ... as the law words the brackets."""
    b = brackets[i]
    upper = ""
    if i + 1 < len(brackets):
        nxt = brackets[i + 1]
        upper = f"不足{_y(nxt.from_fen)}" if nxt.from_inclusive else f"{_y(nxt.from_fen)}以下（含本数）"
    if i == 0:
        return upper
    lower = f"{_y(b.from_fen)}以上" if b.from_inclusive else f"超过{_y(b.from_fen)}"
    return f"{lower}、{upper}" if upper else lower


def _evaluate(v: BenchmarkVersion, f: Facts, config: AssessmentConfig) -> _Eval:
    steps: list[Step] = []
    bench = _bench(v)
    punishing = _punishing(v)
    lim, lim_step = _limitation(v, f)
    steps.append(lim_step)
    ev = _Eval(version=v, outcome=Outcome.PENALTY, limitation=lim, steps=steps)
    if lim.expired:
        ev.outcome = Outcome.LIMITATION_EXPIRED
        return ev

    mandatory_mit: list[str] = []  # 应当从轻或者减轻
    optional_mit: list[str] = []  # 可以从轻或者减轻 / 清单
    mit_cites: list[Citation] = []

    # 第三十条 minors, 第三十一条 capacity
    if f.party_type is PartyType.INDIVIDUAL:
        age = completed_years(f.birth_date, f.act_date) if f.birth_date is not None else f.age_years
        if age is not None and age < 14:
            ev.outcome = Outcome.NO_PENALTY
            ev.education_required = True
            ev.guardian_order = "责令监护人加以管教"
            steps.append(
                Step(
                    "minor",
                    f"当事人实施违法行为时不满十四周岁（{age}周岁），不予行政处罚，责令监护人加以管教。",
                    (_law("第三十条"),),
                )
            )
            return ev
        if age is not None and age < 18:
            mandatory_mit.append(f"当事人已满十四周岁不满十八周岁（{age}周岁），应当从轻或者减轻行政处罚")
            mit_cites.append(_law("第三十条"))
        if f.capacity is Capacity.NONE:
            ev.outcome = Outcome.NO_PENALTY
            ev.education_required = True
            ev.guardian_order = "责令监护人严加看管和治疗"
            steps.append(
                Step(
                    "capacity",
                    "当事人在不能辨认或者不能控制自己行为时实施违法行为，不予行政处罚，责令其监护人严加看管和治疗。",
                    (_law("第三十一条"),),
                )
            )
            return ev
        if f.capacity is Capacity.LIMITED:
            optional_mit.append("当事人尚未完全丧失辨认或者控制自己行为能力，可以从轻或者减轻行政处罚")
            mit_cites.append(_law("第三十一条"))

    # 第三十三条第二款 no fault
    if f.no_fault_proven:
        if v.fault_exemption_excluded:
            steps.append(
                Step(
                    "no_fault",
                    "当事人提出无主观过错的证据，但本事项的处罚依据另有规定，不适用无过错不罚。",
                    (_law("第三十三条第二款"), bench),
                )
            )
        else:
            ev.outcome = Outcome.NO_PENALTY
            ev.education_required = True
            steps.append(
                Step(
                    "no_fault",
                    "当事人有证据足以证明没有主观过错，不予行政处罚，并对当事人进行教育。",
                    (_law("第三十三条第二款"), _law("第三十三条第三款")),
                )
            )
            return ev

    # 第三十三条第一款 first sentence, and the 不予处罚清单
    if f.minor_violation and f.correction is Correction.IN_TIME and f.harm is Harm.NONE:
        ev.outcome = Outcome.NO_PENALTY
        ev.education_required = True
        steps.append(
            Step(
                "no_penalty",
                "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚，并对当事人进行教育。",
                (_law("第三十三条第一款"), _law("第三十三条第三款")),
            )
        )
        return ev
    if f.meets_no_penalty_list:
        if v.lists.no_penalty is not None:
            ev.outcome = Outcome.NO_PENALTY
            ev.education_required = True
            steps.append(
                Step(
                    "no_penalty",
                    f"符合不予处罚清单所列情形（{v.lists.no_penalty.conditions}），不予行政处罚，并对当事人进行教育。",
                    (_law("第三十三条第一款"), _law("第三十三条第三款"), bench),
                )
            )
            return ev
        steps.append(Step("no_penalty", "本事项未列入不予处罚清单，清单情形不予适用。", (bench,)))

    # escalations (拒不改正 / 情节严重) decide the operative formula and kinds
    applied = []
    for esc in v.escalations:
        if (esc.trigger is EscalationTrigger.NOT_CORRECTED and f.correction is Correction.REFUSED) or (
            esc.trigger is EscalationTrigger.SERIOUS and f.statutory_serious
        ):
            applied.append(esc)
    allowed: dict[PenaltyKind, bool] = {}
    for k in v.kinds:
        allowed[k.kind] = k.mandatory
    formula = v.fine
    for esc in applied:
        if esc.fine is not None:
            formula = esc.fine
        for k in esc.add_kinds:
            allowed[k.kind] = allowed.get(k.kind, False) or k.mandatory

    if not allowed:
        ev.outcome = Outcome.CORRECTION_ONLY
        steps.append(
            Step(
                "correction_only",
                "依照处罚依据，对本违法行为责令改正；当事人未拒不改正，依法不给予行政处罚。",
                punishing,
            )
        )
        return ev

    # 首违不罚 (第三十三条第一款 second sentence): 可以不予行政处罚
    if f.first_offence and f.harm in (Harm.NONE, Harm.MINOR) and f.correction is Correction.IN_TIME:
        if v.first_violation_allowed:
            ev.first_violation_eligible = True
            ev.education_required = True
            conditions = f"（{v.first_violation_conditions}）" if v.first_violation_conditions else ""
            steps.append(
                Step(
                    "first_violation",
                    f"当事人初次违法且{f.harm.label}并及时改正，本事项列入首违不罚清单{conditions}，"
                    "可以不予行政处罚，并对当事人进行教育；决定给予处罚的，按以下裁量处理。",
                    (_law("第三十三条第一款"), _law("第三十三条第三款"), bench),
                )
            )
        else:
            barred = v.interests & {
                ProtectedInterest.LIFE_HEALTH,
                ProtectedInterest.PUBLIC_SAFETY,
                ProtectedInterest.ECOLOGY,
            }
            why = (
                f"本事项涉及{'、'.join(i.label for i in sorted(barred))}，不适用首违不罚"
                if barred
                else "本事项未列入首违不罚清单"
            )
            steps.append(
                Step("first_violation", f"当事人初次违法且{f.harm.label}并及时改正，但{why}。", (bench,))
            )

    # the statutory range
    legal: FenRange | None = None
    fine_text = ""
    if formula is not None:
        legal, fine_text = _fine_range(formula, f, v)
    escalated_fine = next((e for e in reversed(applied) if e.fine is not None), None)
    basis = f"本案适用{v.label()}（{v.violation_name}）"
    if fine_text and escalated_fine is None:
        basis += f"，{fine_text}"
    steps.append(Step("basis", basis + "。", punishing))
    for esc in applied:
        esc_cites = (
            (Citation(law=esc.provision.law, article=esc.provision.article + esc.provision.clause),)
            if esc.provision
            else ()
        )
        text = f"当事人{esc.trigger.label}（{esc.conditions}）"
        if esc is escalated_fine and fine_text:
            text += f"，依法{fine_text}"
        required = [k.kind.label for k in esc.add_kinds if k.mandatory and k.kind is not PenaltyKind.FINE]
        optional = [k.kind.label for k in esc.add_kinds if not k.mandatory]
        if required:
            text += f"，并应当{'、'.join(required)}"
        if optional:
            text += f"，可以{'、'.join(optional)}"
        steps.append(Step("escalation", text + "。", esc_cites + punishing))

    # circumstances → tier
    for m in sorted(f.mitigations):
        mandatory_mit.append(f"当事人{m.label}")
        mit_cites.append(_law(f"第三十二条{m.item}"))
    if f.meets_lighter_list:
        if v.lists.lighter is not None:
            optional_mit.append(f"符合从轻处罚清单所列情形（{v.lists.lighter.conditions}）")
        else:
            steps.append(Step("circumstances", "本事项未列入从轻处罚清单，清单情形不予适用。", (bench,)))
    mitigated_list = False
    if f.meets_mitigated_list:
        if v.lists.mitigated is not None:
            mitigated_list = True
            optional_mit.append(f"符合减轻处罚清单所列情形（{v.lists.mitigated.conditions}）")
        else:
            steps.append(Step("circumstances", "本事项未列入减轻处罚清单，清单情形不予适用。", (bench,)))
    aggravations = [a.label for a in sorted(f.aggravations)]
    if f.harm is Harm.SERIOUS and Aggravation.SERIOUS_CONSEQUENCES not in f.aggravations:
        aggravations.append(Aggravation.SERIOUS_CONSEQUENCES.label)
    # 情节严重 / 拒不改正 where the law attaches no heavier consequence of its own: a 从重 circumstance
    triggers = {e.trigger for e in v.escalations}
    if f.statutory_serious and EscalationTrigger.SERIOUS not in triggers:
        aggravations.append("情节严重（处罚依据未另设加重处罚，作为从重情节）")
    if f.correction is Correction.REFUSED and EscalationTrigger.NOT_CORRECTED not in triggers:
        aggravations.append("拒不改正违法行为（处罚依据未另设加重处罚，作为从重情节）")

    if mandatory_mit:
        if not aggravations and (len(mandatory_mit) + len(optional_mit) >= 2 or mitigated_list):
            tier = Tier.MITIGATED
        else:
            tier = Tier.LIGHTER
    elif optional_mit:
        if aggravations:
            tier = Tier.ORDINARY
        elif mitigated_list:
            tier = Tier.MITIGATED
        else:
            tier = Tier.LIGHTER
    else:
        tier = Tier.HEAVIER if aggravations else Tier.ORDINARY

    parts = []
    if mandatory_mit or optional_mit:
        parts.append("从轻、减轻情节：" + "；".join(mandatory_mit + optional_mit))
    if aggravations:
        parts.append("从重情节：" + "；".join(aggravations))
    if not parts:
        parts.append("无法定从轻、减轻或者从重情节")
    if mandatory_mit and aggravations:
        parts.append("依法应当从轻或者减轻的情节不因从重情节而不予适用，综合认定从轻处罚")
    elif optional_mit and aggravations and not mandatory_mit:
        parts.append("从轻情节与从重情节相抵，按一般处罚")
    tier_rule = next((t for t in v.tiers if t.tier is tier), None)
    tier_note = (
        f"；基准所列{tier.label}情形：{tier_rule.conditions}" if tier_rule and tier_rule.conditions else ""
    )
    steps.append(
        Step(
            "tier",
            "；".join(parts) + f"。认定为{tier.label}档次{tier_note}。",
            tuple(dict.fromkeys(mit_cites)) + (bench,),
        )
    )

    # tier range, suggested amount, kinds
    fine_optional = not allowed.get(PenaltyKind.FINE, True)
    tier_range: FenRange | None = None
    suggested: int | None = None
    proposed: set[PenaltyKind] = {k for k, mandatory in allowed.items() if mandatory}
    proposed.discard(PenaltyKind.FINE)
    proposed.discard(PenaltyKind.CONFISCATE_GAINS)
    proposed.discard(PenaltyKind.CONFISCATE_PROPERTY)
    lighter_kind = next(
        (k for k in (PenaltyKind.WARNING, PenaltyKind.CIRCULATED_CRITICISM) if k in allowed), None
    )
    if legal is not None and legal.high > 0:
        split = config.tier_split
        shares = {t.tier: t.share_bp for t in v.tiers if t.share_bp is not None}
        if shares:
            p1, p2 = shares[Tier.LIGHTER][1], shares[Tier.HEAVIER][0]
            source = f"{v.label()}自定的档次比例"
        elif legal.low == 0:
            p1, p2 = split.max_only_lighter_upper_bp, split.max_only_heavier_lower_bp
            source = "本辖区裁量档次划分（仅规定罚款上限）"
        else:
            p1, p2 = split.range_lighter_upper_bp, split.range_heavier_lower_bp
            source = "本辖区裁量档次划分"
        lighter, ordinary, heavier = split_range(legal.low, legal.high, p1, p2)
        by_tier = {Tier.LIGHTER: lighter, Tier.ORDINARY: ordinary, Tier.HEAVIER: heavier}
        if tier is Tier.MITIGATED:
            if legal.low > 0:
                floor = min(_ceil_div(legal.low * split.mitigated_floor_bp, BP), legal.low - 1)
                tier_range = FenRange(floor, legal.low - 1)
                amount_text = f"减轻处罚，在法定最低罚款数额{_y(legal.low)}以下确定罚款，幅度为{range_text(tier_range, closed=False)}"
            elif lighter_kind is not None:
                amount_text = (
                    f"法定罚款未设下限，减轻处罚适用较轻的处罚种类（{lighter_kind.label}），不予罚款"
                )
                proposed.add(lighter_kind)
            else:
                tier_range = lighter
                amount_text = f"法定罚款未设下限且无较轻的处罚种类，减轻处罚按从轻档次确定罚款，幅度为{range_text(lighter, closed=lighter == heavier)}"
        else:
            tier_range = by_tier[tier]
            closed = tier is Tier.HEAVIER or lighter == heavier
            amount_text = f"按{source}，{tier.label}档次的罚款幅度为{range_text(tier_range, closed=closed)}"
        if tier_range is not None:
            suggested = suggest_amount(tier_range)
            proposed.add(PenaltyKind.FINE)
            amount_text += f"，建议罚款{_y(suggested)}（取档次幅度中值并取整到元）"
            if fine_optional:
                amount_text += "；处罚依据规定“可以”并处罚款，是否罚款由执法机关裁量"
        steps.append(Step("amount", amount_text + "。", (bench,)))
    elif formula is not None and legal is not None:
        steps.append(Step("amount", "依计算基数，罚款数额为零，不予罚款。", (bench,)))
    gains = f.base_amounts.get(BaseKind.ILLEGAL_GAINS, 0)
    if gains > 0 and (PenaltyKind.CONFISCATE_GAINS in allowed):
        proposed.add(PenaltyKind.CONFISCATE_GAINS)  # 第二十八条第二款: 有违法所得，应当予以没收
    if allowed.get(PenaltyKind.CONFISCATE_PROPERTY) and (
        f.illegal_property_value_fen is None or f.illegal_property_value_fen > 0
    ):
        proposed.add(PenaltyKind.CONFISCATE_PROPERTY)
    if not proposed:
        least = min(allowed, key=lambda k: (k.severity, k.value))
        proposed.add(least)
    kinds = tuple(sorted(proposed, key=lambda k: (k.severity, k.value)))
    allowed_kinds = tuple(sorted(allowed, key=lambda k: (k.severity, k.value)))
    kind_text = "拟给予" + "、".join(k.label for k in kinds)
    if PenaltyKind.CONFISCATE_GAINS in proposed:
        kind_text += f"（违法所得{_y(gains)}应当予以没收）"
    optional_rest = [
        k
        for k in allowed_kinds
        if k not in proposed and k not in (PenaltyKind.CONFISCATE_GAINS, PenaltyKind.CONFISCATE_PROPERTY)
    ]
    if PenaltyKind.CONFISCATE_GAINS in allowed and PenaltyKind.CONFISCATE_GAINS not in proposed:
        kind_text += "；未认定违法所得，查明有违法所得的，应当予以没收"
    if PenaltyKind.CONFISCATE_PROPERTY in allowed and PenaltyKind.CONFISCATE_PROPERTY not in proposed:
        kind_text += "；查获非法财物的，依法没收"
    if optional_rest:
        kind_text += "；依法可以并处或者选择的还有" + "、".join(k.label for k in optional_rest)
    kind_cites: tuple[Citation, ...] = punishing
    if PenaltyKind.CONFISCATE_GAINS in proposed:
        kind_cites = (_law("第二十八条第二款"), *kind_cites)
    steps.append(Step("kinds", kind_text + "。", kind_cites))

    ev.penalty = PenaltyProposal(
        tier=tier,
        legal_range=legal,
        tier_range=tier_range,
        suggested_fine_fen=suggested,
        fine_optional=fine_optional,
        kinds=kinds,
        allowed_kinds=allowed_kinds,
        escalations=tuple(e.trigger for e in applied),
    )
    ev.outcome = Outcome.FIRST_VIOLATION_WAIVER if ev.first_violation_eligible else Outcome.PENALTY
    return ev


# ---------------------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------------------


def assess(
    facts: Facts,
    versions: Sequence[BenchmarkVersion],
    *,
    today: date,
    config: AssessmentConfig = DEFAULT_CONFIG,
    include_unpublished: bool = False,
) -> Assessment:
    """Assess one case against the versions of one benchmark item (see the module docstring)."""
    if not versions:
        raise NoBenchmarkVersion("未找到该裁量基准")
    code = versions[0].code
    if any(v.code != code for v in versions):
        raise BenchmarkVersionsMixed(f"传入的版本属于多个裁量基准事项：{sorted({v.code for v in versions})}")
    _validate_facts(facts, today)

    usable = [v for v in versions if include_unpublished or v.status is Status.PUBLISHED]
    act = facts.act_date
    at_act = _in_force(usable, act)
    at_decision = _in_force(usable, facts.decision_date)
    if at_act is None and at_decision is None:
        raise NoVersionInForce(
            f"裁量基准{code}在{_d(act)}和{_d(facts.decision_date)}均无已公布施行的版本",
        )
    for candidate in (at_act, at_decision):
        if candidate is not None and facts.party_type not in candidate.party_types:
            raise PartyTypeNotApplicable(
                f"{candidate.label()}适用于{'、'.join(p.label for p in sorted(candidate.party_types))}，"
                f"不适用于{facts.party_type.label}"
            )

    article37 = (_law("第三十七条"),)
    when = "违法行为终了时" if facts.continuing_until is not None else "违法行为发生时"
    if at_act is not None and (at_decision is None or at_decision is at_act):
        chosen = _evaluate(at_act, facts, config)
        version_text = f"{when}（{_d(act)}）施行{_doc(at_act)}，作出决定时未作修改，适用该版本。"
        if at_decision is None:
            version_text = f"{when}（{_d(act)}）施行{_doc(at_act)}；作出决定时无施行中的新版本，适用该版本。"
    elif at_act is None:
        assert at_decision is not None
        chosen = _evaluate(at_decision, facts, config)
        version_text = (
            f"{when}（{_d(act)}）本事项尚无已公布的裁量基准，参照作出决定时施行的{_doc(at_decision)}。"
        )
    else:
        assert at_decision is not None
        old = _evaluate(at_act, facts, config)
        new = _evaluate(at_decision, facts, config)
        if new.severity_key() < old.severity_key():
            chosen = new
            version_text = (
                f"{when}（{_d(act)}）施行{_doc(at_act)}，作出决定时施行{_doc(at_decision)}；"
                f"按新版本处理较轻，依照从旧兼从轻原则适用第{at_decision.version}版。"
            )
        else:
            chosen = old
            version_text = (
                f"{when}（{_d(act)}）施行{_doc(at_act)}，作出决定时施行{_doc(at_decision)}；"
                f"新版本处理不轻于旧版本，依照从旧兼从轻原则适用第{at_act.version}版。"
            )
    steps = [Step("version", version_text, article37 + (_bench(chosen.version),)), *chosen.steps]
    return _finish(chosen, facts, config, steps)


def _doc(v: BenchmarkVersion) -> str:
    return f"{v.label()}（{v.approving_document}，自{_d(v.effective_from)}施行）"


def _in_force(versions: Iterable[BenchmarkVersion], day: date) -> BenchmarkVersion | None:
    found = None
    for v in versions:
        if v.in_force_on(day) and (found is None or v.version > found.version):
            found = v
    return found


def _finish(ev: _Eval, f: Facts, config: AssessmentConfig, steps: list[Step]) -> Assessment:
    v = ev.version
    p = ev.penalty
    simple = False
    hearing: tuple[str, ...] = ()
    review: list[str] = []
    collective: list[str] = []
    eia: list[str] = []
    if p is not None:
        fine = p.suggested_fine_fen if PenaltyKind.FINE in p.kinds else None
        simple = simple_procedure_allowed(f.party_type, p.kinds, fine, config=config)
        limit = config.simple_limit_fen(f.party_type)
        if simple:
            steps.append(
                Step(
                    "simple_procedure",
                    f"拟给予{'、'.join(k.label for k in p.kinds)}"
                    + (f"，对{f.party_type.label}罚款不超过{_y(limit)}" if fine is not None else "")
                    + "，违法事实确凿并有法定依据的，可以适用简易程序当场作出决定。",
                    (_law("第五十一条"),),
                )
            )
        else:
            steps.append(
                Step(
                    "simple_procedure",
                    "不符合当场处罚的条件，适用普通程序。",
                    (_law("第五十一条"), _law("第五十四条")),
                )
            )
        gains = f.base_amounts.get(BaseKind.ILLEGAL_GAINS, 0)
        hearing = hearing_reasons(
            f.party_type,
            p.kinds,
            fine,
            confiscated_gains_fen=gains,
            confiscated_property_fen=f.illegal_property_value_fen or 0,
            config=config,
        )
        if hearing:
            steps.append(
                Step(
                    "hearing",
                    "应当告知当事人有要求听证的权利：" + "；".join(hearing) + "。",
                    (_law("第六十三条"), _law("第六十四条")),
                )
            )
        kinds = set(p.kinds)
        if f.major_public_interest:
            review.append("涉及重大公共利益（第五十八条第一款第（一）项）")
        if hearing and config.legal_review_when_hearing:
            review.append("直接关系当事人重大权益，依法应当告知听证（第五十八条第一款第（二）项）")
        if f.complex_case:
            review.append("案件情况疑难复杂、涉及多个法律关系（第五十八条第一款第（三）项）")
        heavy = sorted(kinds & config.legal_review_kinds)
        if heavy:
            review.append(
                f"拟{'、'.join(k.label for k in heavy)}，属本辖区重大执法决定法制审核范围（第五十八条第一款第（四）项）"
            )
        review_threshold = (
            config.legal_review_fine_individual_fen
            if f.party_type is PartyType.INDIVIDUAL
            else config.legal_review_fine_organisation_fen
        )
        if fine is not None and fine >= review_threshold:
            review.append(
                f"拟罚款{_y(fine)}，达到本辖区法制审核数额标准{_y(review_threshold)}（第五十八条第一款第（四）项）"
            )
        if review:
            steps.append(
                Step(
                    "legal_review",
                    "作出决定前应当进行法制审核：" + "；".join(review) + "。",
                    (_law("第五十八条"),),
                )
            )
        if f.complex_case:
            collective.append("情节复杂")
        if config.collective_on_serious and EscalationTrigger.SERIOUS in p.escalations:
            collective.append("情节严重，属重大违法行为")
        heavy = sorted(kinds & config.collective_kinds)
        if heavy:
            collective.append(f"拟{'、'.join(k.label for k in heavy)}，属重大违法行为")
        collective_threshold = (
            config.collective_fine_individual_fen
            if f.party_type is PartyType.INDIVIDUAL
            else config.collective_fine_organisation_fen
        )
        if fine is not None and fine >= collective_threshold:
            collective.append(f"拟罚款{_y(fine)}，达到本辖区重大违法行为数额标准{_y(collective_threshold)}")
        if collective:
            steps.append(
                Step(
                    "collective_discussion",
                    "应当由行政机关负责人集体讨论决定：" + "；".join(collective) + "。",
                    (_law("第五十七条第二款"),),
                )
            )
        if f.enterprise:
            heavy = sorted(kinds & config.eia_kinds)
            if heavy:
                eia.append(f"拟对企业{'、'.join(k.label for k in heavy)}")
            if fine is not None and fine >= config.eia_fine_fen:
                eia.append(f"拟对企业罚款{_y(fine)}，达到{_y(config.eia_fine_fen)}")
            if eia:
                steps.append(
                    Step(
                        "economic_impact",
                        "应当开展涉企行政执法案件经济影响评估：" + "；".join(eia) + "。",
                        (_bench(v),),
                    )
                )
    if v.lists.no_coercive_measures is not None:
        steps.append(
            Step(
                "coercive_measures",
                f"本事项列入不予实施行政强制措施清单（{v.lists.no_coercive_measures.conditions}）。",
                (_bench(v),),
            )
        )
    return Assessment(
        code=v.code,
        version=v.version,
        outcome=ev.outcome,
        limitation=ev.limitation,
        penalty=p,
        first_violation_eligible=ev.first_violation_eligible,
        education_required=ev.education_required,
        guardian_order=ev.guardian_order,
        coercive_measures_excluded=v.lists.no_coercive_measures is not None,
        simple_procedure_allowed=simple,
        hearing_required=bool(hearing),
        hearing_reasons=hearing,
        legal_review_required=bool(review),
        legal_review_reasons=tuple(review),
        collective_discussion_required=bool(collective),
        collective_discussion_reasons=tuple(collective),
        economic_impact_assessment_required=bool(eia),
        economic_impact_reasons=tuple(eia),
        steps=tuple(steps),
    )
