"""A benchmark version compiled for the engine: what every evaluation of it derives from the version alone
(citations, labels, the sentences that depend only on the version, the tier shares, the kinds the
provision allows), made once per version object instead of once per assessment.

The catalogue snapshot a service holds is long-lived, so the cache is small and warm; it holds the version
object itself so that its ``id`` cannot be reused while cached (as ``wording.citations`` does).
"""

from __future__ import annotations

from typing import Any

from services.common.dates import cn_date
from services.penalty.domain.catalogue import (
    FIRST_VIOLATION_BARRED,
    BenchmarkVersion,
    FixedRange,
    PenaltyKind,
    ProtectedInterest,
    Tier,
)
from services.penalty.domain.discretion.fines import fixed_range
from services.penalty.domain.discretion.result import Citation, FenRange, Step
from services.penalty.domain.discretion.wording import citations

_LONG_LIMITATION = frozenset({ProtectedInterest.LIFE_HEALTH, ProtectedInterest.FINANCIAL_SECURITY})


class Compiled:
    """The version-only parts of an evaluation (see the module docstring); read-only once built."""

    __slots__ = (
        "version",
        "bench",
        "punishing",
        "label",
        "document",
        "long_interests",
        "triggers",
        "kinds",
        "kinds_sorted",
        "shares",
        "tier_notes",
        "first_violation_barred",
        "coercive_step",
        "bench_only",
        "plain_basis",
        "amounts",
        "kind_wordings",
    )

    def __init__(self, v: BenchmarkVersion) -> None:
        self.version = v
        self.bench, self.punishing = citations(v)
        self.label = v.label()
        # 裁量基准X第N版（文件，自日期施行）, as the version step names a version.
        self.document = f"{self.label}（{v.approving_document}，自{cn_date(v.effective_from)}施行）"
        # 行政处罚法 第三十六条: the interests that make the limitation five years ("" where none).
        self.long_interests = "、".join(i.label for i in sorted(v.interests & _LONG_LIMITATION))
        self.triggers = frozenset(e.trigger for e in v.escalations)
        self.kinds: dict[PenaltyKind, bool] = {k.kind: k.mandatory for k in v.kinds}
        # the kinds in the order proposals list them (severity, then name), when no escalation adds one
        self.kinds_sorted = tuple(sorted(self.kinds, key=lambda k: (k.severity, k.value)))
        shares = {t.tier: t.share_bp for t in v.tiers if t.share_bp is not None}
        self.shares: tuple[int, int] | None = (
            (shares[Tier.LIGHTER][1], shares[Tier.HEAVIER][0]) if shares else None
        )
        self.tier_notes: dict[Tier, str] = {}
        for tier in Tier:
            rule = next((t for t in v.tiers if t.tier is tier), None)
            self.tier_notes[tier] = (
                f"；基准所列{tier.label}情形：{rule.conditions}" if rule and rule.conditions else ""
            )
        barred = v.interests & FIRST_VIOLATION_BARRED
        self.first_violation_barred = (
            f"本事项涉及{'、'.join(i.label for i in sorted(barred))}，不适用首违不罚"
            if barred
            else "本事项未列入首违不罚清单"
        )
        entry = v.lists.no_coercive_measures
        self.coercive_step = (
            Step(
                "coercive_measures",
                f"本事项列入不予实施行政强制措施清单（{entry.conditions}）。",
                (self.bench,),
            )
            if entry is not None
            else None
        )
        self.bench_only: tuple[Citation, ...] = (self.bench,)
        # 处罚依据 with a fixed range (or no fine) and no heavier consequence applied: the statutory range and
        # the basis step are the version's alone.
        self.plain_basis: tuple[FenRange | None, Step] | None = None
        fine_rule = v.fine.rule if v.fine is not None else None
        if fine_rule is None or isinstance(fine_rule, FixedRange):
            legal, fine_text = fixed_range(fine_rule) if fine_rule is not None else (None, "")
            basis = f"本案适用{self.label}（{v.violation_name}）" + (f"，{fine_text}" if fine_text else "")
            self.plain_basis = (legal, Step("basis", basis + "。", self.punishing))
        # What the amount and kinds steps worked out for this version (evaluation.amount, evaluation.kinds),
        # keyed by what else they depend on; bounded (cleared when full).
        self.amounts: dict[tuple[Any, ...], Any] = {}
        self.kind_wordings: dict[frozenset[PenaltyKind], Any] = {}


_COMPILED: dict[int, Compiled] = {}
_COMPILED_MAX = 4096


def compiled(v: BenchmarkVersion) -> Compiled:
    """The compiled form of ``v`` (made on first use, then reused while the same object is passed)."""
    entry = _COMPILED.get(id(v))
    if entry is not None and entry.version is v:
        return entry
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    entry = _COMPILED[id(v)] = Compiled(v)
    return entry
