"""How the engine writes: amounts in yuan, citations of 行政处罚法 and of benchmark versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from services.common.dates import add_years, cn_date
from services.common.money import format_yuan
from services.penalty.domain.catalogue import BenchmarkVersion
from services.penalty.domain.discretion.result import Citation

LAW = "中华人民共和国行政处罚法"


# Amounts recur (the catalogue's ranges and the tier bounds cut from them); formatting with thousands
# separators costs more than a dictionary look-up, so the texts are kept (bounded, cleared when full).
_YUAN: dict[int, str] = {}
_YUAN_MAX = 65536


def yuan(fen: int) -> str:
    text = _YUAN.get(fen)
    if text is None:
        if len(_YUAN) >= _YUAN_MAX:
            _YUAN.clear()
        text = _YUAN[fen] = f"{format_yuan(fen)}元"
    return text


# Dates recur too (violation and decision days, the limitation's last day): their “YYYY年M月D日” and the
# limitation's end are kept the same way.
_CN_DATES: dict[date, str] = {}
_YEARS_LATER: dict[tuple[date, int], date] = {}
_DATES_MAX = 65536


def cn(day: date) -> str:
    """``cn_date(day)``, remembered."""
    text = _CN_DATES.get(day)
    if text is None:
        if len(_CN_DATES) >= _DATES_MAX:
            _CN_DATES.clear()
        text = _CN_DATES[day] = cn_date(day)
    return text


def years_later(day: date, years: int) -> date:
    """``add_years(day, years)``, remembered."""
    key = (day, years)
    later = _YEARS_LATER.get(key)
    if later is None:
        if len(_YEARS_LATER) >= _DATES_MAX:
            _YEARS_LATER.clear()
        later = _YEARS_LATER[key] = add_years(day, years)
    return later


_ARTICLES = (
    "第二十八条第二款", "第三十条", "第三十一条", "第三十二条第（一）项", "第三十二条第（二）项",
    "第三十二条第（三）项", "第三十二条第（四）项", "第三十二条第（五）项", "第三十三条第一款",
    "第三十三条第二款", "第三十三条第三款", "第三十六条", "第三十七条", "第五十一条", "第五十四条",
    "第五十七条第二款", "第五十八条", "第六十三条", "第六十四条",
)  # fmt: skip
_LAW_CITATIONS: Mapping[str, Citation] = MappingProxyType(
    {a: Citation(law=LAW, article=a) for a in _ARTICLES}
)


def law(article: str) -> Citation:
    """A citation of an article of 行政处罚法 (the frequent ones are made once)."""
    return _LAW_CITATIONS.get(article) or Citation(law=LAW, article=article)


def bench(v: BenchmarkVersion) -> Citation:
    """The citation of a benchmark version."""
    return citations(v)[0]


def punishing(v: BenchmarkVersion) -> tuple[Citation, ...]:
    """The punishing provisions of a version, then the version itself."""
    return citations(v)[1]


# Every evaluation cites its version and its punishing provisions; building those frozen dataclasses cost
# more than the rest of a short evaluation, so they are made once per version object (held here, so its
# id cannot be reused while cached; the catalogue snapshot is long-lived, so the cache is small and warm).
_CITATIONS: dict[int, tuple[BenchmarkVersion, Citation, tuple[Citation, ...]]] = {}
_CITATIONS_MAX = 4096


def citations(v: BenchmarkVersion) -> tuple[Citation, tuple[Citation, ...]]:
    """(the version's citation, the punishing provisions' citations followed by the version's)."""
    entry = _CITATIONS.get(id(v))
    if entry is not None and entry[0] is v:
        return entry[1], entry[2]
    own = Citation(benchmark_code=v.code, benchmark_version=v.version)
    cites = tuple(Citation(law=p.law, article=p.article + p.clause) for p in v.punishing) + (own,)
    if len(_CITATIONS) >= _CITATIONS_MAX:
        _CITATIONS.clear()
    _CITATIONS[id(v)] = (v, own, cites)
    return own, cites
