"""The statutory fine range of a case (the punishing provision's formula: a fixed range, a multiple of a
base amount, or brackets on it; the fallback where the base cannot be calculated or is obviously low)."""

from __future__ import annotations

from fractions import Fraction

from services.penalty.domain.catalogue import BenchmarkVersion, Bracket, FineFormula, FixedRange, Multiple
from services.penalty.domain.discretion.facts import Facts
from services.penalty.domain.discretion.ranges import ceil_div
from services.penalty.domain.discretion.result import FenRange
from services.penalty.domain.discretion.wording import yuan
from services.penalty.domain.errors import BaseAmountRequired


def fine_range(formula: FineFormula, f: Facts, v: BenchmarkVersion) -> tuple[FenRange, str]:
    """The statutory range [L, H] in fen for these facts, and its wording."""
    rule = formula.rule
    if isinstance(rule, FixedRange):
        return fixed_range(rule)
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
            return FenRange(0, fb.max_fen), f"{base.label}{cause}，处{yuan(fb.max_fen)}以下罚款{note}"
        return FenRange(
            fb.min_fen, fb.max_fen
        ), f"{base.label}{cause}，处{yuan(fb.min_fen)}以上{yuan(fb.max_fen)}以下罚款{note}"
    prefix = f"{base.label}为{yuan(amount)}"
    chosen: FixedRange | Multiple
    if isinstance(rule, tuple):
        index = 0
        for i, b in enumerate(rule):
            if i and (amount > b.from_fen or (amount == b.from_fen and b.from_inclusive)):
                index = i
        chosen = rule[index].rule
        prefix += f"，属{base.label}{bracket_label(rule, index)}的情形"
    else:
        chosen = rule
    if isinstance(chosen, FixedRange):
        if chosen.max_only:
            return FenRange(0, chosen.max_fen), f"{prefix}，处{yuan(chosen.max_fen)}以下罚款"
        return FenRange(
            chosen.min_fen, chosen.max_fen
        ), f"{prefix}，处{yuan(chosen.min_fen)}以上{yuan(chosen.max_fen)}以下罚款"
    low = ceil_div(amount * chosen.k_min.numerator, chosen.k_min.denominator)
    high = amount * chosen.k_max.numerator // chosen.k_max.denominator
    times = (
        f"{multiple_text(chosen.k_min)}以上{multiple_text(chosen.k_max)}以下"
        if chosen.k_min
        else f"{multiple_text(chosen.k_max)}以下"
    )
    text = f"{prefix}，处{base.label}{times}的罚款，即{yuan(low)}至{yuan(high)}"
    if chosen.floor_fen is not None and low < chosen.floor_fen:
        low = chosen.floor_fen
        text += f"，且不低于{yuan(low)}"
    if chosen.cap_fen is not None and high > chosen.cap_fen:
        high = chosen.cap_fen
        text += f"，且不超过{yuan(high)}"
    low = min(low, high)
    return FenRange(low, high), text


def fixed_range(rule: FixedRange) -> tuple[FenRange, str]:
    """A fixed range (处X元以上Y元以下罚款, 处Y元以下罚款) and its wording: it depends on the provision alone."""
    if rule.max_only:
        return FenRange(0, rule.max_fen), f"处{yuan(rule.max_fen)}以下罚款"
    return FenRange(rule.min_fen, rule.max_fen), f"处{yuan(rule.min_fen)}以上{yuan(rule.max_fen)}以下罚款"


def multiple_text(k: Fraction) -> str:
    if k.denominator == 1:
        return f"{k.numerator}倍"
    percent = k * 100
    shown = str(percent.numerator) if percent.denominator == 1 else f"{float(percent):g}"
    return f"{shown}%"


def bracket_label(brackets: tuple[Bracket, ...], i: int) -> str:
    """“不足1万元”, “1万元以上”, “超过2万元” ... as the law words the brackets."""
    b = brackets[i]
    upper = ""
    if i + 1 < len(brackets):
        nxt = brackets[i + 1]
        upper = f"不足{yuan(nxt.from_fen)}" if nxt.from_inclusive else f"{yuan(nxt.from_fen)}以下（含本数）"
    if i == 0:
        return upper
    lower = f"{yuan(b.from_fen)}以上" if b.from_inclusive else f"超过{yuan(b.from_fen)}"
    return f"{lower}、{upper}" if upper else lower
