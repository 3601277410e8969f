"""What the engine answers: the outcome, the limitation, the penalty proposal, the procedure flags and the
explanation trail (:class:`Step`, each with its :class:`Citation`)."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from services.penalty.domain.catalogue import EscalationTrigger, PenaltyKind, Tier

_T = TypeVar("_T")


def _slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass an ``__init__`` that fills the slots through their descriptors.

    A frozen dataclass's generated ``__init__`` goes through ``object.__setattr__`` for every field (it must
    bypass its own ``__setattr__``, which refuses); the engine makes a dozen of these objects per assessment
    and that lookup was a tenth of its time. The slot descriptors' ``__set__`` bypass it just the same,
    without the lookup. Signature, defaults, equality, hashing and immutability are the dataclass's own."""
    params, body = [], []
    namespace: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


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


@_slot_init
@dataclass(frozen=True, slots=True)
class FenRange:
    low: int
    high: int

    def __contains__(self, amount: object) -> bool:
        return isinstance(amount, int) and self.low <= amount <= self.high


@_slot_init
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


@_slot_init
@dataclass(frozen=True, slots=True)
class Step:
    """One rule applied: a stable key, a Chinese sentence for 说理, and its citations."""

    rule: str
    text: str
    citations: tuple[Citation, ...] = ()

    def render(self) -> str:
        cites = "；".join(c.render() for c in self.citations)
        return f"{self.text}（依据：{cites}）" if cites else self.text


@_slot_init
@dataclass(frozen=True, slots=True)
class Limitation:
    years: int
    starts_on: date  # the violation date or the end of a continuing violation
    last_day: date
    measured_on: date  # the discovery date, else the decision date; never after the filing date
    expired: bool


@_slot_init
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


@_slot_init
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
        return severity(self.outcome, self.penalty)

    def explanation(self) -> str:
        """The steps numbered, one per line, for the notice and the decision."""
        return "\n".join(f"{i}. {s.render()}" for i, s in enumerate(self.steps, start=1))


def severity(outcome: Outcome, p: PenaltyProposal | None) -> tuple[int, int, int, int, int]:
    if p is None or outcome.rank == 0:
        return (outcome.rank, 0, 0, 0, 0)
    kind_rank = max((k.severity for k in p.kinds), default=0)
    fine = p.suggested_fine_fen or 0
    high = p.tier_range.high if p.tier_range else 0
    low = p.tier_range.low if p.tier_range else 0
    return (outcome.rank, kind_rank, fine, high, low)
