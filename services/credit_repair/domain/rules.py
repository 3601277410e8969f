"""Versioned credit-repair rule sets: classes, publication periods, early-end bars, review deadlines.

Every figure the credit service applies lives here as configuration, versioned with effective dates, so a
record is judged by the rule set in force and a region can load its own. The default Shenyang rule set
(data/sample/credit_rules.json) follows, as far as the official texts could be checked:

- 国务院办公厅《关于进一步完善信用修复制度的实施方案》(国办发〔2025〕22号, 2025-06-22), 二:
  失信信息分为"轻微、一般、严重"三类; 轻微 may go unpublished and, if a department deems publication
  necessary, is published for at most 3 months; 一般 3 months to 1 year; 严重 1 year to 3 years; the
  detailed class standards are set by each sector's department.
- 国家发展改革委《信用修复管理办法》(国家发展改革委令2025年第36号, in force 2026-04-01, repealing
  《失信行为纠正后的信用信息修复管理办法(试行)》, 令2023年第58号): the same three classes and periods;
  轻微 is in principle not published; periods count from the date of the judicial or administrative
  document; after the minimum period the subject may apply, after the maximum period publication stops
  automatically; conditions: minimum period reached, failing corrected and obligations fully performed,
  public credit commitment, other conditions of laws, administrative regulations and departmental rules.
- 国家市场监督管理总局《市场监督管理行政处罚信息公示规定》(总局令第45号, in force 2021-09-01):
  art. 2 only general-procedure decisions are published on 国家企业信用信息公示系统 and a warning alone is
  not; art. 13 通报批评 or 较低数额罚款 (the amount set at provincial level) stop after 3 months, other
  penalties after 3 years, restrictions of operations or employment longer than 3 years for their actual
  length; art. 14 the conditions for ending early, and the penalties that can never end early.

What could not be read in the official wording here (the texts were available only as excerpts and news
summaries) stays configuration and is marked "reported" in the sample data: the kind-to-class mapping of
the final NDRC text, the complete list of SAMR art. 14's never-early penalties, the review deadlines and any
bar on repeat violators.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.common import messages
from services.common.fields import Day, StrictBool, StrictInt
from services.common.money import Fen
from services.credit_repair.errors import (
    RuleSetInvalid,
    RuleSetNotInForce,
    RuleSetOverlap,
    UnknownPenaltyKind,
)


class CreditClass(StrEnum):
    """The three classes of 国办发〔2025〕22号 二 and 《信用修复管理办法》, in increasing severity."""

    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]

    @property
    def rank(self) -> int:
        return _CLASS_RANKS[self]


_CLASS_LABELS = {CreditClass.MINOR: "轻微", CreditClass.GENERAL: "一般", CreditClass.SERIOUS: "严重"}
_CLASS_RANKS = {CreditClass.MINOR: 0, CreditClass.GENERAL: 1, CreditClass.SERIOUS: 2}


class PenaltyKind(StrEnum):
    """The kinds of administrative penalty, # 行政处罚法 第九条."""

    WARNING = "warning"  # 警告
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATE_ILLEGAL_GAINS = "confiscate_illegal_gains"  # 没收违法所得
    CONFISCATE_ILLEGAL_PROPERTY = "confiscate_illegal_property"  # 没收非法财物
    SUSPEND_LICENCE = "suspend_licence"  # 暂扣许可证件
    DOWNGRADE_QUALIFICATION = "downgrade_qualification"  # 降低资质等级
    REVOKE_LICENCE = "revoke_licence"  # 吊销许可证件
    RESTRICT_OPERATIONS = "restrict_operations"  # 限制开展生产经营活动
    SUSPEND_PRODUCTION = "suspend_production"  # 责令停产停业
    ORDER_CLOSURE = "order_closure"  # 责令关闭
    EMPLOYMENT_BAN = "employment_ban"  # 限制从业
    DETENTION = "detention"  # 行政拘留
    OTHER = "other"  # 法律、行政法规规定的其他行政处罚

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    PenaltyKind.WARNING: "警告",
    PenaltyKind.CIRCULATED_CRITICISM: "通报批评",
    PenaltyKind.FINE: "罚款",
    PenaltyKind.CONFISCATE_ILLEGAL_GAINS: "没收违法所得",
    PenaltyKind.CONFISCATE_ILLEGAL_PROPERTY: "没收非法财物",
    PenaltyKind.SUSPEND_LICENCE: "暂扣许可证件",
    PenaltyKind.DOWNGRADE_QUALIFICATION: "降低资质等级",
    PenaltyKind.REVOKE_LICENCE: "吊销许可证件",
    PenaltyKind.RESTRICT_OPERATIONS: "限制开展生产经营活动",
    PenaltyKind.SUSPEND_PRODUCTION: "责令停产停业",
    PenaltyKind.ORDER_CLOSURE: "责令关闭",
    PenaltyKind.EMPLOYMENT_BAN: "限制从业",
    PenaltyKind.DETENTION: "行政拘留",
    PenaltyKind.OTHER: "其他行政处罚",
}


# Other names the penalty service or older laws use for the same kinds (e.g. 吊销营业执照 is a 吊销许可证件
# under 行政处罚法 第九条(三)).
_KIND_ALIASES = {
    "吊销营业执照": PenaltyKind.REVOKE_LICENCE,
    "吊销许可证": PenaltyKind.REVOKE_LICENCE,
    "吊销执照": PenaltyKind.REVOKE_LICENCE,
    "暂扣许可证": PenaltyKind.SUSPEND_LICENCE,
    "暂扣执照": PenaltyKind.SUSPEND_LICENCE,
    "责令停业整顿": PenaltyKind.SUSPEND_PRODUCTION,
    "责令停产": PenaltyKind.SUSPEND_PRODUCTION,
    "责令停业": PenaltyKind.SUSPEND_PRODUCTION,
    "没收非法所得": PenaltyKind.CONFISCATE_ILLEGAL_GAINS,
    # The penalty service's identifiers (services/penalty/domain/procedure.py PenaltyKind) where they differ.
    "restrict_business": PenaltyKind.RESTRICT_OPERATIONS,
    "suspend_business": PenaltyKind.SUSPEND_PRODUCTION,
    "restrict_employment": PenaltyKind.EMPLOYMENT_BAN,
    "administrative_detention": PenaltyKind.DETENTION,
}


def parse_penalty_kind(text: str) -> PenaltyKind:
    """A penalty kind from its code ("revoke_licence") or its Chinese name ("吊销许可证件")."""
    value = text.strip()
    try:
        return PenaltyKind(value)
    except ValueError:
        pass
    for kind, label in _KIND_LABELS.items():
        if label == value:
            return kind
    if value in _KIND_ALIASES:
        return _KIND_ALIASES[value]
    raise UnknownPenaltyKind(
        f"无法识别的行政处罚种类“{text}”",
        detail_en=f"Unknown kind of administrative penalty: {text!r}",
        extra={"value": text},
    )


# The department domain that SAMR Order 45 binds; rule sets key platforms and the early-end bar by domain.
MARKET_REGULATION = "market_regulation"


def department_root(code: str) -> str:
    """SJ-210102 (an enforcement body) -> SJ (its department)."""
    return code.split("-", 1)[0]


class ProcedureKind(StrEnum):
    SIMPLE = "simple"  # 简易程序 (当场处罚), 行政处罚法 第五十一条
    GENERAL = "general"  # 普通程序, 行政处罚法 第五十四条起


class PartyKind(StrEnum):
    """Who was penalised; the fine thresholds differ (行政处罚法 第五十一条 distinguishes 公民 and 法人或者其他组织)."""

    ORGANISATION = "organisation"  # 法人或者其他组织
    INDIVIDUAL = "individual"  # 自然人
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户

    @property
    def label(self) -> str:
        return {
            PartyKind.ORGANISATION: "法人或者其他组织",
            PartyKind.INDIVIDUAL: "自然人",
            PartyKind.INDIVIDUAL_BUSINESS: "个体工商户",
        }[self]


# --- the rule set ---------------------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FineThreshold(_Frozen):
    """The 较低数额罚款 bound for one kind of party: fines up to it are 轻微 under general procedure.

    ``inclusive`` says whether a fine of exactly ``amount_fen`` is still 轻微. Seed 000 speaks of "企业 5 万元
    以下罚款"; in Chinese legislative drafting 以下 includes the number itself (全国人大常委会法工委
    《立法技术规范(试行)(一)》: 以上、以下、以内 含本数), so the Shenyang default is inclusive. Provincial
    SAMR standards that spell it out (贵州 2023, 福建 闽市监规〔2024〕3号: "五万元(不含本数)以下") are
    exclusive; a region following them sets ``inclusive: false``.
    """

    party: PartyKind
    amount_fen: Fen = Field(gt=0)
    inclusive: StrictBool = True
    source: str = ""

    def covers(self, fine_fen: int) -> bool:
        return fine_fen <= self.amount_fen if self.inclusive else fine_fen < self.amount_fen


class SeriousFineThreshold(_Frozen):
    """Optional 巨额罚款 bound (NDRC summaries place very large fines in 严重); none is configured by default."""

    party: PartyKind
    amount_fen: Fen = Field(gt=0)
    source: str = ""


class ClassRules(_Frozen):
    """Which decisions fall in which class."""

    minor_fine_thresholds: tuple[FineThreshold, ...]
    serious_fine_thresholds: tuple[SeriousFineThreshold, ...] = ()
    # Decisions made under the simple procedure are 轻微 whatever their content (国办发〔2025〕22号 and
    # 《信用修复管理办法》 list 以简易程序作出的行政处罚 among 轻微; SAMR Order 45 art. 2 publishes only
    # general-procedure decisions).
    simple_procedure_class: CreditClass = CreditClass.MINOR
    kind_classes: Mapping[PenaltyKind, CreditClass]
    # A kind missing from kind_classes (e.g. 其他行政处罚) falls here.
    unmapped_kind_class: CreditClass = CreditClass.GENERAL
    # A department may mark a decision serious (e.g. 严重失信主体名单 grounds); it then is 严重.
    department_serious_class: CreditClass = CreditClass.SERIOUS

    @model_validator(mode="after")
    def _check(self) -> ClassRules:
        parties = [t.party for t in self.minor_fine_thresholds]
        if len(parties) != len(set(parties)):
            raise ValueError("minor_fine_thresholds: one threshold per party kind")
        missing = set(PartyKind) - set(parties)
        if missing:
            raise ValueError(f"minor_fine_thresholds: no threshold for {sorted(missing)}")
        serious_parties = [t.party for t in self.serious_fine_thresholds]
        if len(serious_parties) != len(set(serious_parties)):
            raise ValueError("serious_fine_thresholds: one threshold per party kind")
        minor_by_party = {t.party: t.amount_fen for t in self.minor_fine_thresholds}
        for t in self.serious_fine_thresholds:
            if t.amount_fen <= minor_by_party[t.party]:
                raise ValueError(f"serious fine threshold for {t.party} must exceed the minor one")
        if PenaltyKind.FINE in self.kind_classes:
            raise ValueError("kind_classes: fines are classed by amount, not by kind")
        return self

    def minor_threshold(self, party: PartyKind) -> FineThreshold:
        for t in self.minor_fine_thresholds:
            if t.party == party:
                return t
        raise KeyError(party)  # unreachable after validation

    def serious_threshold(self, party: PartyKind) -> SeriousFineThreshold | None:
        for t in self.serious_fine_thresholds:
            if t.party == party:
                return t
        return None

    def class_of_kind(self, kind: PenaltyKind) -> CreditClass:
        return self.kind_classes.get(kind, self.unmapped_kind_class)


class MinorPublication(_Frozen):
    """轻微: not published by default; a region may publish for at most 3 months (国办发〔2025〕22号 二)."""

    published: StrictBool = False
    max_months: StrictInt = Field(default=3, gt=0, le=3)


class Period(_Frozen):
    min_months: StrictInt = Field(gt=0)
    max_months: StrictInt = Field(gt=0)

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.min_months > self.max_months:
            raise ValueError("min_months must not exceed max_months")
        return self


class Platforms(_Frozen):
    """Where published records appear. 信用中国 is the single window (国办发〔2025〕22号 一); market regulation
    publishes on 国家企业信用信息公示系统 (总局令第45号 第二条) and repairs there (国办发〔2025〕22号)."""

    default: tuple[str, ...] = ("信用中国",)
    by_domain: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)

    def for_domain(self, domain: str) -> tuple[str, ...]:
        return self.by_domain.get(domain, self.default)


class Publication(_Frozen):
    minor: MinorPublication = MinorPublication()
    general: Period
    serious: Period
    # 总局令第45号 第十三条第三款: restrictions of operations or employment longer than the maximum are
    # published for their actual length.
    restriction_extends_maximum: StrictBool = True
    platforms: Platforms = Platforms()

    @model_validator(mode="after")
    def _check(self) -> Publication:
        if (
            self.general.max_months > self.serious.max_months
            or self.general.min_months > self.serious.min_months
        ):
            raise ValueError("serious periods must not be shorter than general ones")
        return self


class EarlyEnd(_Frozen):
    """Penalties whose publication can never end early (总局令第45号 第十四条).

    ``domains`` limits the bar to the departments the rule binds (SAMR Order 45 binds 市场监督管理部门);
    ``None`` applies it to every department (SPEC.md §4's reading).
    """

    never_kinds: frozenset[PenaltyKind] = frozenset()
    domains: frozenset[str] | None = None

    def bars(self, kinds: Iterable[PenaltyKind], domain: str) -> frozenset[PenaltyKind]:
        if self.domains is not None and domain not in self.domains:
            return frozenset()
        return frozenset(kinds) & self.never_kinds


class Review(_Frozen):
    """Review deadlines in statutory working days (reported figures, see module docstring).

    Reported, not verified against the official wording: 国办发〔2025〕22号 (明确信用修复办理期限) as
    summarised by 经济日报 (2025-07-11) and 《信用修复管理办法》 as summarised by 移动支付网 (2025-12-01):
    the 信用中国 window answers within 10 working days; the department that made the finding decides within
    3 working days whether to accept, and gives its result within 7 working days of accepting, extendable
    by 10 for complex cases.
    """

    window_working_days: StrictInt = Field(default=10, ge=1)
    department_acceptance_working_days: StrictInt = Field(default=3, ge=1)
    department_decision_working_days: StrictInt = Field(default=7, ge=1)
    department_extension_working_days: StrictInt = Field(default=10, ge=0)
    verified: StrictBool = False


class RepeatViolationBar(_Frozen):
    """Refuse repair when the subject had ``min_decisions`` decisions for the same kind of violation within
    ``window_months`` before the application (counting the record's own decision)."""

    window_months: StrictInt = Field(gt=0)
    min_decisions: StrictInt = Field(ge=2)
    source: str = ""


class RuleSet(_Frozen):
    """One version of the credit-repair rules, in force from ``effective_from`` to ``effective_to`` (inclusive)."""

    id: str = Field(min_length=1)
    region: str = ""
    effective_from: Day
    effective_to: Day | None = None  # last day in force; None = open-ended
    approved_by: str = Field(min_length=1)  # the approving source, e.g. the official document
    sources: tuple[str, ...] = ()
    sample: StrictBool = False  # True for reconstructed or illustrative rule sets that are not official
    classification: ClassRules
    publication: Publication
    early_end: EarlyEnd = EarlyEnd()
    review: Review = Review()
    repeat_violation_bar: RepeatViolationBar | None = None
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> RuleSet:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def period(self, credit_class: CreditClass) -> Period | None:
        """Minimum and maximum publication period of a published class; None for 轻微."""
        if credit_class is CreditClass.GENERAL:
            return self.publication.general
        if credit_class is CreditClass.SERIOUS:
            return self.publication.serious
        return None


# --- parsing and selection ------------------------------------------------------------------------


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": ".".join(str(p) for p in err["loc"]),
            "msg": messages.validation_message(err),
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def parse_rule_set(data: Mapping[str, Any]) -> RuleSet:
    """One rule set from its JSON object; raises CREDIT_RULESET_INVALID."""
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RuleSetInvalid(
            f"信用修复规则集 {data.get('id', '(无编号)')} 配置无效，共 {exc.error_count()} 处错误",
            detail_en=(
                f"Credit-repair rule set {data.get('id', '(no id)')} is invalid: {exc.error_count()} error(s)"
            ),
            errors=_validation_errors(exc),
        ) from exc


def parse_rule_sets(document: Mapping[str, Any] | str | bytes) -> tuple[RuleSet, ...]:
    """All rule sets of a ``{"rule_sets": [...]}`` document (already-decoded or JSON text), validated and
    checked for overlap, ordered by ``effective_from``."""
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise RuleSetInvalid(
                f"信用修复规则文件不是有效的JSON：{exc}",
                detail_en=f"The credit-repair rule file is not valid JSON: {exc}",
            ) from exc
    if not isinstance(document, Mapping) or not isinstance(document.get("rule_sets"), list):
        raise RuleSetInvalid(
            "信用修复规则文件应为包含 rule_sets 数组的JSON对象",
            detail_en="The credit-repair rule file must be a JSON object with a rule_sets array",
        )
    sets = tuple(parse_rule_set(item) for item in document["rule_sets"])
    ids = [s.id for s in sets]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RuleSetInvalid(
            f"信用修复规则集编号重复：{'、'.join(dupes)}",
            detail_en=f"Credit-repair rule set ids repeated: {', '.join(dupes)}",
        )
    check_no_overlap(sets)
    return tuple(sorted(sets, key=lambda s: s.effective_from))


def _overlaps(a: RuleSet, b: RuleSet) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def check_no_overlap(rule_sets: Sequence[RuleSet]) -> None:
    """Raise CREDIT_RULESET_OVERLAP if two rule sets are in force on a common day."""
    ordered = sorted(rule_sets, key=lambda s: s.effective_from)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if _overlaps(a, b):
                raise RuleSetOverlap(
                    f"规则集 {a.id}（{a.effective_from}至{a.effective_to or '长期'}）与规则集 {b.id}"
                    f"（{b.effective_from}至{b.effective_to or '长期'}）生效期间重叠，同一日期只能适用一个规则集",
                    detail_en=f"Rule sets {a.id} and {b.id} overlap",
                    extra={"rule_sets": [a.id, b.id]},
                )


def rule_set_for(rule_sets: Sequence[RuleSet], on_date: date) -> RuleSet:
    """The rule set in force on ``on_date``; overlapping sets are refused rather than guessed between."""
    check_no_overlap(rule_sets)
    for rule_set in rule_sets:
        if rule_set.in_force_on(on_date):
            return rule_set
    raise RuleSetNotInForce(
        f"{on_date.isoformat()} 没有生效的信用修复规则集，请管理员配置该期间适用的规则",
        detail_en=f"No credit-repair rule set is in force on {on_date.isoformat()}",
        extra={"date": on_date.isoformat()},
    )


RuleSetStatus = Literal["in_force", "future", "expired"]


def status_on(rule_set: RuleSet, day: date) -> RuleSetStatus:
    """Whether a rule set is in force, not yet in force, or no longer in force on ``day``."""
    if day < rule_set.effective_from:
        return "future"
    if rule_set.in_force_on(day):
        return "in_force"
    return "expired"
