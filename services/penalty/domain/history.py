"""初次违法 and 再次违法 from the record: the party's own decisions for the same catalogue item, not what the
officer types.

行政处罚法 第三十三条第一款: "初次违法且危害后果轻微并及时改正的，可以不予行政处罚" (首违不罚). Whether a
violation is the party's first, and whether it is a repeat (an aggravating circumstance of the benchmark:
"一年内因同一违法行为受过行政处罚"), is a fact of the enforcement body's own record. The rule here:

* the record is the party's decisions (not revoked, not void) for the same catalogue item (benchmark code), identified
  by 统一社会信用代码 or 身份证件号码: penalty decisions and 不予行政处罚 decisions (a 首违不罚 granted once is
  not granted again within the period);
* the look-back period is the one the benchmark states ("一年内因同一违法行为…", "两年内…" in its
  first-violation, heavier-tier or escalation conditions), else the jurisdiction's ``repeat_period_months``
  (default 12: the sample catalogue's own heavier-tier wording "一年内因同一违法行为受过行政处罚"; the policy
  seeds 000–004 set no period);
* decisions dated within [violation date − period, violation date] are relied on: none → 初次违法; any →
  not 初次违法; a penalty decision among them → 再次违法 (受过行政处罚, 从重: ``Aggravation.REPEATED``);
* the officer may contest a derived fact only with a written reason; the contest decides the assessment
  and is flagged to supervisors (consistency report).
"""

from __future__ import annotations

import calendar
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from services.penalty.domain.catalogue import BenchmarkVersion
from services.penalty.domain.discretion import Aggravation, Facts
from services.penalty.domain.discretion.result import Step
from services.penalty.domain.discretion.wording import bench, law

_NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "十二": 12,
    "十八": 18,
    "二十四": 24,
}
_PERIOD = re.compile(r"([一二两三四五六]|十二|十八|二十四|\d+)(年|个月)内(?:因同一违法行为|多次违法)")


class ContestedFact(StrEnum):
    FIRST_OFFENCE = "first_offence"  # 初次违法 (第三十三条第一款)
    REPEATED = "repeated"  # 再次违法 (从重)

    @property
    def label(self) -> str:
        return "初次违法" if self is ContestedFact.FIRST_OFFENCE else "再次违法（多次违法或者屡查屡犯）"


@dataclass(frozen=True, slots=True)
class PriorDecision:
    case_id: uuid.UUID
    decision_no: str
    decided_on: date
    benchmark_code: str
    case_no: str = ""  # the 立案 number, printed in the trail (the id is in the API's ``record``)
    penalised: bool = True  # a penalty decision; False: 不予行政处罚 (e.g. 首违不罚 granted before)


@dataclass(frozen=True, slots=True)
class Contest:
    fact: ContestedFact
    value: bool
    reason: str


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What the record says, on which decisions, over which period, and what the officer contested."""

    benchmark_code: str
    period_months: int
    period_source: str
    window_start: date
    window_end: date
    identified: bool  # the party has a USCC or an ID number to look up
    relied_on: tuple[PriorDecision, ...]
    contests: tuple[Contest, ...] = ()

    @property
    def derived_first_offence(self) -> bool:
        """No decision finding the same violation in the period, 不予处罚 ones included: 首违不罚 once granted
        is not granted again for the same violation within the period."""
        return not self.relied_on

    @property
    def derived_repeated(self) -> bool:
        """A penalty decision in the period (受过行政处罚: the benchmarks' 从重 circumstance)."""
        return any(x.penalised for x in self.relied_on)

    def derived(self, fact: ContestedFact) -> bool:
        return self.derived_first_offence if fact is ContestedFact.FIRST_OFFENCE else self.derived_repeated

    def value(self, fact: ContestedFact) -> bool:
        """The fact the assessment uses: the officer's contest of it if any; else the contrary of a contest
        of the other fact (a first offence is no repeat and the reverse); else the record's."""
        other = next((c for c in self.contests if c.fact is not fact), None)
        for c in self.contests:
            if c.fact is fact:
                return c.value
        return (not other.value) if other is not None else self.derived(fact)


def months_before(day: date, months: int) -> date:
    """``day`` minus whole calendar months, clamped to the end of a shorter month; a period that would start
    before the calendar's first day (a violation dated in year 1) starts on that day (``date.min``)."""
    years, index = divmod(day.year * 12 + day.month - 1 - months, 12)
    if years < date.min.year:
        return date.min
    month = index + 1
    return date(years, month, min(day.day, calendar.monthrange(years, month)[1]))


def period_of(version: BenchmarkVersion, default_months: int) -> tuple[int, str]:
    """The look-back period the benchmark states (first-violation, heavier-tier, then escalation
    conditions), else the jurisdiction's default; with where it comes from, in words."""
    texts = [
        version.first_violation_conditions,
        *(t.conditions for t in version.tiers),
        *(e.conditions for e in version.escalations),
    ]
    for text in texts:
        m = _PERIOD.search(text or "")
        if m:
            n = int(m.group(1)) if m.group(1).isdigit() else _NUMERALS[m.group(1)]
            months = n * 12 if m.group(2) == "年" else n
            return months, f"{version.label()}载明“{m.group(0)}”"
    return default_months, f"本辖区配置的期限（{default_months}个月）"


def derive(
    *,
    version: BenchmarkVersion,
    act_date: date,
    identified: bool,
    decisions: Sequence[PriorDecision],
    default_months: int,
    contests: Sequence[Contest] = (),
) -> RecordFacts:
    """The record facts of a violation committed on ``act_date``; ``decisions`` are the party's penalty
    decisions for the item (any dates: those outside the period are not relied on)."""
    months, source = period_of(version, default_months)
    start = months_before(act_date, months)
    relied = tuple(
        sorted(
            (x for x in decisions if start <= x.decided_on <= act_date and x.benchmark_code == version.code),
            key=lambda x: (x.decided_on, x.decision_no),
        )
    )
    record = RecordFacts(version.code, months, source, start, act_date, identified, relied)
    # a contest that agrees with the record is no contest
    kept = tuple(c for c in contests if c.value != record.derived(c.fact))
    return replace(record, contests=kept)


def apply(facts: Facts, record: RecordFacts) -> Facts:
    """The facts with 初次违法 and 再次违法 as the record (or a reasoned contest) says, whatever was typed."""
    repeated = record.value(ContestedFact.REPEATED)
    aggravations = set(facts.aggravations) - {Aggravation.REPEATED}
    if repeated:
        aggravations.add(Aggravation.REPEATED)
    return replace(
        facts,
        first_offence=record.value(ContestedFact.FIRST_OFFENCE),
        aggravations=frozenset(aggravations),
    )


def step(record: RecordFacts, version: BenchmarkVersion) -> Step:
    """The explanation of the record facts, naming every decision relied on (first in the trail)."""
    span = f"{record.window_start.isoformat()}至{record.window_end.isoformat()}"
    period = f"期限{record.period_months}个月，依据{record.period_source}"
    if not record.identified:
        text = (
            "当事人未登记统一社会信用代码或者身份证件号码，无法核对本机关行政处罚记录，"
            f"按未查见同一违法行为的处罚记录处理（{span}；{period}）"
        )
    elif record.relied_on:
        listed = "；".join(
            f"{x.decision_no}（{x.decided_on.isoformat()}作出{'' if x.penalised else '不予行政处罚决定'}，"
            f"案号{x.case_no or x.case_id}）"
            for x in record.relied_on
        )
        verdict = "不属于初次违法，属再次违法" if record.derived_repeated else "不属于初次违法"
        what = "受过行政处罚" if record.derived_repeated else "已作出不予行政处罚决定"
        text = (
            f"经核查本机关行政处罚记录，当事人在{span}内因同一违法行为（{record.benchmark_code}）{what}："
            f"{listed}。{verdict}（{period}）"
        )
    else:
        text = (
            f"经核查本机关行政处罚记录，当事人在{span}内未因同一违法行为（{record.benchmark_code}）受过行政处罚，"
            f"属初次违法（{period}）"
        )
    for c in record.contests:
        text += (
            f"；执法人员对记录认定的“{c.fact.label}”提出异议，认定为“{'是' if c.value else '否'}”，"
            f"理由：{c.reason}（已提交监督人员复核）"
        )
    return Step("record", text + "。", (law("第三十三条第一款"), bench(version)))
