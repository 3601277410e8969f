"""Parsing (JSON-shaped mapping -> model) and export (model -> mapping) of one benchmark version.

Strict: unknown keys and wrong types are errors with a path (``SY-SJ-0001第1版.fine.k_min``). Enumerations
accept the English value or the Chinese label (officials write CSV in Chinese).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from services.penalty.domain.catalogue.model import (
    BenchmarkVersion,
    Bracket,
    Escalation,
    FineFormula,
    FixedRange,
    KindRule,
    ListEntry,
    Lists,
    Multiple,
    Provision,
    TierRule,
)
from services.penalty.domain.catalogue.vocabulary import (
    BaseKind,
    EscalationTrigger,
    PartyType,
    PenaltyKind,
    ProtectedInterest,
    Status,
    Tier,
)
from services.penalty.domain.errors import CatalogueFormatInvalid

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


def _escalations_from(r: _Reader, where: str) -> tuple[Escalation, ...]:
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
    return tuple(escalations)


def _tiers_from(r: _Reader, where: str) -> tuple[TierRule, ...]:
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
    return tuple(tiers)


def _lists_from(r: _Reader, where: str) -> Lists:
    lists_raw = r.obj("lists")
    if lists_raw is None:
        return Lists()
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
    return lists


def version_from_dict(data: Mapping[str, Any]) -> BenchmarkVersion:
    """Build (but do not cross-validate) a version from its JSON-shaped mapping."""
    code = data.get("code") if isinstance(data, Mapping) else None
    where = f"{code or '?'}"
    r = _Reader(data, where)
    where = f"{r.text('code')}第{r.obj('version')}版"
    r.where = where
    escalations = _escalations_from(r, where)
    tiers = _tiers_from(r, where)
    lists = _lists_from(r, where)
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
        escalations=escalations,
        tiers=tiers,
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
