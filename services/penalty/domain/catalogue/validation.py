"""Catalogue validation: the rules a single version must keep, and the rules across versions of one code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from services.penalty.domain.catalogue.model import (
    BenchmarkItem,
    BenchmarkVersion,
    FineFormula,
    FixedRange,
    Multiple,
)
from services.penalty.domain.catalogue.tiers import check_tier_shares
from services.penalty.domain.catalogue.vocabulary import (
    DOMAIN_INTERESTS,
    FIRST_VIOLATION_BARRED,
    PenaltyKind,
    ProtectedInterest,
    Status,
)
from services.penalty.domain.errors import (
    BenchmarkCodeInvalid,
    BracketsInvalid,
    CatalogueFormatInvalid,
    EffectiveDatesInvalid,
    EscalationInvalid,
    FineRangeInvalid,
    FirstViolationNotAllowed,
    MultipleRangeInvalid,
    PartyTypesInvalid,
    PenaltyKindsInvalid,
    ProtectedInterestMissing,
    ProvisionMissing,
    VersionDuplicate,
    VersionOverlap,
)

_CODE_RE = re.compile(r"^[A-Z]{2,4}-[A-Z]{2,4}-\d{4}$")


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
        check_tier_shares(shares, where)
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
