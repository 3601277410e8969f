"""初次违法 / 再次违法 from the record (domain.history), with dates worked by hand."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from services.penalty.domain import discretion as d
from services.penalty.domain import history as h
from services.penalty.domain.catalogue import PartyType
from tests.penalty.domain.test_discretion import SAMPLE

V11 = SAMPLE.versions("SY-SJ-0011")[-1]  # heavier tier: "一年内因同一违法行为受过行政处罚"
ACT = date(2026, 10, 27)
FACTS = d.Facts(violation_date=ACT, decision_date=date(2026, 11, 16), party_type=PartyType.ORGANISATION)


def prior(day: date, code: str = "SY-SJ-0011") -> h.PriorDecision:
    return h.PriorDecision(uuid.uuid4(), f"沈市监罚〔{day.year}〕1号", day, code)


def test_period_stated_by_the_benchmark() -> None:
    months, source = h.period_of(V11, default_months=24)
    assert months == 12 and "一年内因同一违法行为" in source and "SY-SJ-0011" in source


def test_period_default_when_the_benchmark_states_none() -> None:
    bare = replace(V11, tiers=(), escalations=(), first_violation_conditions="")
    assert h.period_of(bare, default_months=24) == (24, "本辖区配置的期限（24个月）")


def test_months_before_clamps_to_month_end() -> None:
    assert h.months_before(date(2026, 10, 27), 12) == date(2025, 10, 27)
    assert h.months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)  # no 29 February in 2023
    assert h.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


def test_months_before_the_first_day_of_the_calendar_is_that_day() -> None:
    # a violation on 0001-01-01 (a request may name any day): 12 months before it is year 0, which no
    # calendar holds; the look-back then covers the whole record, from 0001-01-01 (was ValueError → 500)
    assert h.months_before(date(1, 1, 1), 12) == date(1, 1, 1)
    assert h.months_before(date(1, 6, 15), 12) == date(1, 1, 1)
    # 0001-06-15 minus 5 months is 0001-01-15: still inside the calendar
    assert h.months_before(date(1, 6, 15), 5) == date(1, 1, 15)


def test_window_edges() -> None:
    # window 2025-10-27 … 2026-10-27, both ends included; another item's decision never counts
    inside = [prior(date(2025, 10, 27)), prior(date(2026, 10, 27))]
    outside = [prior(date(2025, 10, 26)), prior(date(2026, 10, 28)), prior(date(2026, 5, 1), "SY-SJ-0010")]
    r = h.derive(version=V11, act_date=ACT, identified=True, decisions=inside + outside, default_months=12)
    assert [x.decided_on for x in r.relied_on] == [date(2025, 10, 27), date(2026, 10, 27)]
    assert (r.derived_first_offence, r.derived_repeated) == (False, True)
    none = h.derive(version=V11, act_date=ACT, identified=True, decisions=outside, default_months=12)
    assert (none.derived_first_offence, none.derived_repeated) == (True, False)


def test_apply_overrides_what_was_typed() -> None:
    typed = replace(FACTS, first_offence=True)
    r = h.derive(
        version=V11, act_date=ACT, identified=True, decisions=[prior(date(2026, 3, 2))], default_months=12
    )
    applied = h.apply(typed, r)
    assert not applied.first_offence and d.Aggravation.REPEATED in applied.aggravations
    clean = h.derive(version=V11, act_date=ACT, identified=True, decisions=[], default_months=12)
    typed_repeat = replace(FACTS, aggravations=frozenset({d.Aggravation.REPEATED, d.Aggravation.OBSTRUCTION}))
    applied = h.apply(typed_repeat, clean)
    assert applied.first_offence and applied.aggravations == frozenset({d.Aggravation.OBSTRUCTION})


def test_contest_decides_and_implies_the_other_fact() -> None:
    contest = h.Contest(h.ContestedFact.FIRST_OFFENCE, True, "前案已撤销")
    r = h.derive(
        version=V11,
        act_date=ACT,
        identified=True,
        decisions=[prior(date(2026, 3, 2))],
        default_months=12,
        contests=[contest],
    )
    assert r.contests == (contest,)
    assert r.value(h.ContestedFact.FIRST_OFFENCE) and not r.value(h.ContestedFact.REPEATED)
    # a "contest" agreeing with the record is no contest
    same = h.derive(
        version=V11, act_date=ACT, identified=True, decisions=[], default_months=12, contests=[contest]
    )
    assert same.contests == ()


def test_step_names_the_decisions() -> None:
    p = prior(date(2026, 3, 2))
    r = h.derive(version=V11, act_date=ACT, identified=True, decisions=[p], default_months=12)
    step = h.step(r, V11)
    assert step.rule == "record"
    assert p.decision_no in step.text and "2026-03-02" in step.text and str(p.case_id) in step.text
    named = replace(p, case_no="沈市监立〔2026〕3号")
    r = h.derive(version=V11, act_date=ACT, identified=True, decisions=[named], default_months=12)
    assert "案号沈市监立〔2026〕3号" in h.step(r, V11).text
    assert "2025-10-27至2026-10-27" in step.text


def test_a_no_penalty_decision_bars_first_offence_but_is_no_repeat() -> None:
    waived = replace(prior(date(2026, 5, 1)), penalised=False)  # 首违不罚 granted on 2026-05-01
    r = h.derive(version=V11, act_date=ACT, identified=True, decisions=[waived], default_months=12)
    assert (r.derived_first_offence, r.derived_repeated) == (False, False)
    assert "不予行政处罚决定" in h.step(r, V11).text and "再次违法" not in h.step(r, V11).text
