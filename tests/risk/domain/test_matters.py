"""The pure rules of supervision matters (services/risk/domain/matters.py) and their weight in the quarterly
report's versioned thresholds."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from services.common.errors import DomainError
from services.common.workdays import WorkingDayCalendar
from services.risk.domain import matters as m
from services.risk.domain import report
from services.risk.domain.report import Figures, Quarter, UnitDomainCounts
from services.risk.settings import DEFAULT_CONFIG_FILE

DUE = date(2026, 11, 30)
OPEN = m.Matter(status=m.MatterStatus.OPEN, due_on=DUE)


def test_the_deadline_counts_statutory_working_days() -> None:
    calendar = WorkingDayCalendar()
    # Wed 2026-09-30 + 3 working days. 国务院办公厅 2026 arrangement: 国庆节、中秋节 10月1日至7日放假调休,
    # 10月10日（周六）上班 → Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 (3, the make-up working day)
    assert m.due_on(date(2026, 9, 30), 3, calendar) == date(2026, 10, 10)
    # … and 4 working days: Sun 10-11 is off → Mon 10-12
    assert m.due_on(date(2026, 9, 30), 4, calendar) == date(2026, 10, 12)
    with pytest.raises(DomainError) as err:
        m.due_on(date(2026, 11, 23), 61, calendar)
    assert err.value.code == "SUPERVISION_MATTER_INPUT_INVALID"
    # Mon 2026-12-28 + 5 working days: Tue 29, Wed 30, Thu 31, then 2027, not covered: pending, never a guess
    assert m.due_on(date(2026, 12, 28), 5, calendar) is None


def test_an_answer_on_the_last_day_is_in_time_and_the_day_after_late() -> None:
    on_time = m.answer(OPEN, outcome=m.AnswerOutcome.EXPLAINED, corrected="", answered_on=DUE)
    assert (on_time.status, on_time.answered_late) == (m.MatterStatus.ANSWERED, False)
    late = m.answer(OPEN, outcome=m.AnswerOutcome.EXPLAINED, corrected="", answered_on=date(2026, 12, 1))
    assert late.answered_late is True
    overdue = m.Matter(status=m.MatterStatus.OVERDUE, due_on=DUE)
    assert m.answer(overdue, outcome=m.AnswerOutcome.EXPLAINED, corrected="", answered_on=DUE).answered_late


class TestAPendingDeadline:
    """A deadline in a year the calendar does not cover yet: never overdue, lateness decided once it is known."""

    PENDING = m.Matter(status=m.MatterStatus.OPEN, due_on=None)
    # 2027 entered with only Friday 2027-01-01 off (元旦)
    Y2027 = WorkingDayCalendar({date(2027, 1, 1): False}, covered_years=[2027])

    def test_it_is_never_overdue(self) -> None:
        assert m.is_overdue(self.PENDING, date(2027, 6, 1)) is False
        assert m.days_overdue(self.PENDING, date(2027, 6, 1)) == 0

    def test_an_answer_meanwhile_is_not_late_yet(self) -> None:
        answered = m.answer(
            self.PENDING, outcome=m.AnswerOutcome.EXPLAINED, corrected="", answered_on=date(2027, 1, 6)
        )
        assert (answered.status, answered.answered_late) == (m.MatterStatus.ANSWERED, False)

    def test_fill_in_counts_from_the_day_the_clock_started(self) -> None:
        # still uncovered: nothing to fill in
        still = m.fill_in(
            self.PENDING,
            started_on=date(2026, 12, 21),
            answered_on=None,
            calendar=WorkingDayCalendar(),
            days=10,
        )
        assert still is None
        # Mon 2026-12-21 + 10: Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5), Tue 29 (6),
        # Wed 30 (7), Thu 31 (8), Fri 01-01 off, Mon 2027-01-04 (9), Tue 01-05 (10) → 2027-01-05
        filled = m.fill_in(
            self.PENDING, started_on=date(2026, 12, 21), answered_on=None, calendar=self.Y2027, days=10
        )
        assert filled == m.Matter(status=m.MatterStatus.OPEN, due_on=date(2027, 1, 5))
        answered = replace(self.PENDING, status=m.MatterStatus.ANSWERED)
        on_the_day = m.fill_in(
            answered,
            started_on=date(2026, 12, 21),
            answered_on=date(2027, 1, 5),
            calendar=self.Y2027,
            days=10,
        )
        assert on_the_day is not None and on_the_day.answered_late is False
        day_after = m.fill_in(
            answered,
            started_on=date(2026, 12, 21),
            answered_on=date(2027, 1, 6),
            calendar=self.Y2027,
            days=10,
        )
        assert day_after is not None and day_after.answered_late is True
        assert (
            m.fill_in(OPEN, started_on=date(2026, 11, 23), answered_on=None, calendar=self.Y2027, days=5)
            is None
        )


def test_accepting_says_what_was_corrected() -> None:
    with pytest.raises(DomainError) as err:
        m.answer(OPEN, outcome=m.AnswerOutcome.CORRECTED, corrected="  ", answered_on=DUE)
    assert err.value.code == "SUPERVISION_MATTER_INPUT_INVALID"


def test_transitions() -> None:
    answered = m.answer(OPEN, outcome=m.AnswerOutcome.CORRECTED, corrected="已纠正", answered_on=DUE)
    reopened = m.reopen(answered, new_due_on=date(2026, 12, 7))
    assert (reopened.status, reopened.due_on, reopened.reopen_count) == (
        m.MatterStatus.OPEN,
        date(2026, 12, 7),
        1,
    )
    assert m.close(answered).status is m.MatterStatus.CLOSED
    for step in (
        lambda: m.close(OPEN),
        lambda: m.reopen(OPEN, new_due_on=DUE),
        lambda: m.close(m.close(answered)),
    ):
        with pytest.raises(DomainError) as err:
            step()
        assert err.value.code == "SUPERVISION_MATTER_INVALID_TRANSITION"
    assert not m.is_overdue(OPEN, DUE) and m.is_overdue(OPEN, date(2026, 12, 1))
    assert not m.is_overdue(answered, date(2026, 12, 1))


def test_document_numbers() -> None:
    assert m.document_number(m.MatterKind.CORRECTION, 2026, 3) == "沈司纠错〔2026〕3号"
    assert m.document_number(m.MatterKind.ESCALATION, 2026, 12) == "沈司提级〔2026〕12号"
    assert m.parse_number("沈司监意〔2026〕7号") == ("监意", 2026, 7)


def test_overdue_matters_weigh_from_version_2026_4_and_not_before() -> None:
    configs = report.load_config(json.loads(DEFAULT_CONFIG_FILE.read_text(encoding="utf-8")))
    rows = [UnitDomainCounts("SJ-210102", "食品安全", Figures(overdue_matters=1))]
    # version 2026.4 itself (2026Q4's report takes 2026.5, from 2026-12-06, which keeps the indicator)
    v4 = next(v for v in configs.versions if v.version == "2026.4")
    assert (
        configs.for_quarter(Quarter(2026, 4)).report.indicators["overdue_matters"]
        == v4.report.indicators["overdue_matters"]
    )
    q4 = report.build_quarterly_report(Quarter(2026, 4), rows, config=v4, today=date(2026, 11, 23))
    assert q4.config_version == "2026.4"
    assert (q4.units[0].colour, [r.rule for r in q4.units[0].reasons]) == (
        report.Colour.YELLOW,
        ["OVERDUE_MATTERS_YELLOW"],
    )
    three = [UnitDomainCounts("SJ-210102", "食品安全", Figures(overdue_matters=3))]  # red threshold 3
    red = report.build_quarterly_report(Quarter(2026, 4), three, config=v4, today=date(2026, 11, 23))
    assert red.units[0].colour is report.Colour.RED
    # the same figures in 2026Q3 are judged by 2026.1, which has no such indicator: reproducible as it was
    q3 = report.build_quarterly_report(
        Quarter(2026, 3), rows, config=configs.for_quarter(Quarter(2026, 3)), today=date(2026, 11, 23)
    )
    assert (q3.config_version, q3.units[0].colour) == ("2026.1", report.Colour.NONE)


def test_days_overdue_count_calendar_days_past_the_last_day_until_answered() -> None:
    """Like a rectification's (逾期天数): calendar days after ``due_on`` while the unit has not answered."""
    overdue = m.Matter(status=m.MatterStatus.OVERDUE, due_on=DUE)
    # due 2026-11-30: on the day 0, on 12-01 1, on 12-14 14 (30 November to 14 December)
    assert m.days_overdue(OPEN, DUE) == 0
    assert m.days_overdue(OPEN, date(2026, 12, 1)) == 1
    assert m.days_overdue(overdue, date(2026, 12, 14)) == 14
    # answered (late or not) or closed: no longer counting
    answered = m.answer(
        overdue, outcome=m.AnswerOutcome.EXPLAINED, corrected="", answered_on=date(2026, 12, 3)
    )
    assert m.days_overdue(answered, date(2026, 12, 14)) == 0
    assert m.days_overdue(m.close(answered), date(2026, 12, 14)) == 0
