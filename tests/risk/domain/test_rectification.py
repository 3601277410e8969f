"""The rectification loop: deadlines in working days, transitions and refusals, overdue listing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.common.errors import DomainError
from services.common.workdays import WorkingDayCalendar
from services.risk.domain import rectification as rect
from services.risk.domain.rectification import RectificationStatus

BJ = timezone(timedelta(hours=8))

# A synthetic year the holiday package does not cover, so every working day below is worked out by hand:
# weekdays work, weekends rest, except a National Day week 2030-10-01..07 off and Sunday 2030-09-29 worked.
HOLIDAYS = {date(2030, 10, d): False for d in range(1, 8)}
CALENDAR = WorkingDayCalendar(overrides={**HOLIDAYS, date(2030, 9, 29): True}, covered_years=[2030])

CONFIG = rect.RectificationConfig(
    red_working_days=15,
    yellow_working_days=20,
    blue_working_days=30,
    lamp_working_days=20,
    reopen_working_days=10,
)


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=BJ)


def issue(colour: str = "red", lamp: bool = False) -> rect.Rectification:
    return rect.issue(
        warning_id="W-2030Q2-U3",
        unit_code="U3",
        quarter="2030Q2",
        colour=colour,
        lamp=lamp,
        issued_at=at(2030, 9, 2),
        actor="supervisor:li",
        config=CONFIG,
        calendar=CALENDAR,
    )


def test_calendar_premises() -> None:
    assert date(2030, 9, 2).weekday() == 0  # Monday
    assert date(2030, 9, 29).weekday() == 6  # Sunday (made a working day above)
    assert date(2030, 10, 1).weekday() == 1  # Tuesday


class TestDeadlines:
    def test_red_15_working_days(self) -> None:
        # After Mon 09-02: 3,4,5,6 (4), 9-13 (9), 16-20 (14), 23 (15)
        assert issue("red").deadline == date(2030, 9, 23)

    def test_yellow_20_working_days_uses_the_makeup_sunday(self) -> None:
        # ... 23 (15), 24-27 (19), Sat 28 rests, Sun 29 works (20)
        assert issue("yellow").deadline == date(2030, 9, 29)

    def test_blue_30_working_days_skips_the_holiday_week(self) -> None:
        # ... Sun 29 (20), Mon 30 (21), 10-01..07 off, 8-11 (25), 14-18 (30)
        assert issue("blue").deadline == date(2030, 10, 18)

    def test_lamp_alone_and_with_a_colour(self) -> None:
        assert issue("none", lamp=True).deadline == date(2030, 9, 29)  # 20 working days, as yellow
        assert issue("red", lamp=True).deadline == date(2030, 9, 23)  # the stricter of 15 and 20

    def test_no_warning_needs_no_rectification(self) -> None:
        with pytest.raises(DomainError) as err:
            issue("none", lamp=False)
        assert err.value.code == "RECTIFICATION_NOT_REQUIRED"
        with pytest.raises(DomainError) as err:
            issue("green")
        assert err.value.code == "RECTIFICATION_COLOUR_INVALID"

    def test_issue_day_is_the_beijing_day(self) -> None:
        r = rect.issue(
            warning_id="W",
            unit_code="U3",
            quarter="2030Q2",
            colour="red",
            lamp=False,
            issued_at=datetime(2030, 9, 1, 17, 0, tzinfo=UTC),  # Mon 09-02 01:00 in Beijing
            actor="s",
            config=CONFIG,
            calendar=CALENDAR,
        )
        assert r.issued_on == date(2030, 9, 2)
        assert r.deadline == date(2030, 9, 23)


class TestTransitions:
    def test_submit_then_close(self) -> None:
        r = rect.submit(
            issue(),
            measures="  修订裁量基准适用指引，组织全员培训。 ",
            submitted_at=at(2030, 9, 20),
            actor="unit:U3",
        )
        assert r.status is RectificationStatus.SUBMITTED
        assert r.measures == "修订裁量基准适用指引，组织全员培训。"
        assert r.submitted_late is False
        r = rect.close(r, closed_at=at(2030, 9, 25), actor="supervisor:li", note="措施到位")
        assert r.status is RectificationStatus.CLOSED
        assert [t.to_status for t in r.history] == [
            RectificationStatus.PENDING,
            RectificationStatus.SUBMITTED,
            RectificationStatus.CLOSED,
        ]

    def test_submission_on_the_deadline_is_in_time_the_day_after_is_late(self) -> None:
        assert not rect.submit(
            issue(), measures="m", submitted_at=at(2030, 9, 23, 23), actor="u"
        ).submitted_late
        assert rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 24, 8), actor="u").submitted_late
        # 2030-09-23 17:00 UTC is 2030-09-24 01:00 in Beijing: late
        late = datetime(2030, 9, 23, 17, 0, tzinfo=UTC)
        assert rect.submit(issue(), measures="m", submitted_at=late, actor="u").submitted_late

    def test_reopen_sets_a_new_deadline_and_allows_resubmission(self) -> None:
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 20), actor="u")
        r = rect.reopen(
            r,
            reason="措施未覆盖程序超期问题",
            reopened_at=at(2030, 9, 25),
            actor="s",
            config=CONFIG,
            calendar=CALENDAR,
        )
        # 10 working days after Wed 09-25: 26, 27 (2), Sun 29 (3), Mon 30 (4), holiday, 8-11 (8), 14, 15 (10)
        assert r.status is RectificationStatus.REOPENED
        assert r.deadline == date(2030, 10, 15)
        assert r.reopen_count == 1
        assert r.history[-1].note == "措施未覆盖程序超期问题；新整改期限2030-10-15"
        r = rect.submit(r, measures="补充措施", submitted_at=at(2030, 10, 10), actor="u")
        assert r.status is RectificationStatus.SUBMITTED and r.measures == "补充措施"

    def test_reopen_a_closed_rectification(self) -> None:
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 20), actor="u")
        r = rect.close(r, closed_at=at(2030, 9, 21), actor="s")
        r = rect.reopen(
            r,
            reason="回头看发现问题反弹",
            reopened_at=at(2030, 12, 2),
            actor="s",
            config=CONFIG,
            calendar=CALENDAR,
        )
        assert r.status is RectificationStatus.REOPENED

    def test_withdraw(self) -> None:
        r = rect.withdraw(issue(), reason="源数据更正", withdrawn_at=at(2030, 9, 3), actor="s")
        assert r.status is RectificationStatus.WITHDRAWN
        with pytest.raises(DomainError) as err:
            rect.submit(r, measures="m", submitted_at=at(2030, 9, 4), actor="u")
        assert err.value.code == "RECTIFICATION_WITHDRAWN"
        assert err.value.status == 409


class TestAReopeningIntoAnUncoveredYear:
    """2031 is covered by nothing here until the test enters it (only Wednesday 2031-01-01 off)."""

    Y2031 = WorkingDayCalendar(
        overrides={**HOLIDAYS, date(2030, 9, 29): True, date(2031, 1, 1): False}, covered_years=[2030, 2031]
    )

    def reopened(self) -> rect.Rectification:
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 20), actor="u")
        return rect.reopen(
            r, reason="措施不具体", reopened_at=at(2030, 12, 18), actor="s", config=CONFIG, calendar=CALENDAR
        )

    def test_the_deadline_is_pending_never_overdue(self) -> None:
        r = self.reopened()
        assert (r.status, r.deadline) == (RectificationStatus.REOPENED, None)
        assert r.history[-1].note == "措施不具体；新整改期限节假日安排未录入，期限待定"
        assert not rect.is_overdue(r, date(2031, 6, 1)) and rect.days_overdue(r, date(2031, 6, 1)) == 0
        assert rect.fill_in(r, config=CONFIG, calendar=CALENDAR) is None  # still not covered

    def test_entering_the_year_computes_it_and_a_submission_meanwhile_is_judged_then(self) -> None:
        # 10 working days after Wed 2030-12-18: Thu 19 (1), Fri 20 (2), Mon 23 (3), Tue 24 (4), Wed 25 (5),
        # Thu 26 (6), Fri 27 (7), Mon 30 (8), Tue 31 (9), Wed 2031-01-01 off, Thu 01-02 (10) → 2031-01-02
        filled = rect.fill_in(self.reopened(), config=CONFIG, calendar=self.Y2031)
        assert filled is not None and filled.deadline == date(2031, 1, 2)
        on_time = rect.submit(self.reopened(), measures="m2", submitted_at=at(2031, 1, 2, 23), actor="u")
        assert on_time.submitted_late is False  # not known yet
        filled = rect.fill_in(on_time, config=CONFIG, calendar=self.Y2031)
        assert filled is not None and filled.submitted_late is False
        late = rect.submit(self.reopened(), measures="m2", submitted_at=at(2031, 1, 3), actor="u")
        filled = rect.fill_in(late, config=CONFIG, calendar=self.Y2031)
        assert filled is not None and filled.submitted_late is True


class TestAWarningIssuedIntoAnUncoveredYear:
    """The fourth quarter's report is published in January, or in the last weeks of December: the first deadline
    is pending while its working days run into 2031 (not covered until the test enters it, only Wednesday
    2031-01-01 off), never refused, never overdue; entering the year computes it from the issue day."""

    Y2031 = TestAReopeningIntoAnUncoveredYear.Y2031

    def issued(self, on: datetime, colour: str = "red") -> rect.Rectification:
        return rect.issue(
            warning_id="W-2030Q4-U3",
            unit_code="U3",
            quarter="2030Q4",
            colour=colour,
            lamp=False,
            issued_at=on,
            actor="supervisor:li",
            config=CONFIG,
            calendar=CALENDAR,
        )

    def test_the_first_deadline_is_pending_never_overdue(self) -> None:
        r = self.issued(at(2031, 1, 6))  # Monday, every working day in 2031
        assert (r.status, r.deadline, r.issued_on) == (RectificationStatus.PENDING, None, date(2031, 1, 6))
        assert r.history[0].note == "整改期限节假日安排未录入，期限待定"
        assert not rect.is_overdue(r, date(2031, 6, 1)) and rect.days_overdue(r, date(2031, 6, 1)) == 0
        assert rect.overdue([r], date(2031, 6, 1)) == []
        assert rect.fill_in(r, config=CONFIG, calendar=CALENDAR) is None  # still not covered
        # a submission meanwhile is not late yet
        assert rect.submit(r, measures="m", submitted_at=at(2031, 5, 1), actor="u").submitted_late is False

    def test_entering_the_year_computes_it_from_the_issue_day(self) -> None:
        # red, 15 working days after Mon 2031-01-06: Tue 07 (1), Wed 08 (2), Thu 09 (3), Fri 10 (4), Mon 13 (5),
        # Tue 14 (6), Wed 15 (7), Thu 16 (8), Fri 17 (9), Mon 20 (10), Tue 21 (11), Wed 22 (12), Thu 23 (13),
        # Fri 24 (14), Mon 27 (15) → 2031-01-27
        filled = rect.fill_in(self.issued(at(2031, 1, 6)), config=CONFIG, calendar=self.Y2031)
        assert filled is not None and filled.deadline == date(2031, 1, 27)
        assert rect.clock_started(filled) == (date(2031, 1, 6), False)

    def test_across_new_year_and_a_submission_meanwhile_judged_then(self) -> None:
        # red, 15 working days after Fri 2030-12-20: Mon 23 (1), Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5),
        # Mon 30 (6), Tue 31 (7), Wed 2031-01-01 off, Thu 02 (8), Fri 03 (9), Mon 06 (10), Tue 07 (11),
        # Wed 08 (12), Thu 09 (13), Fri 10 (14), Mon 13 (15) → 2031-01-13
        r = self.issued(at(2030, 12, 20))
        assert r.deadline is None
        on_time = rect.submit(r, measures="m", submitted_at=at(2031, 1, 13, 23), actor="u")
        filled = rect.fill_in(on_time, config=CONFIG, calendar=self.Y2031)
        assert filled is not None and (filled.deadline, filled.submitted_late) == (date(2031, 1, 13), False)
        late = rect.submit(r, measures="m", submitted_at=at(2031, 1, 14), actor="u")
        filled = rect.fill_in(late, config=CONFIG, calendar=self.Y2031)
        assert filled is not None and (filled.deadline, filled.submitted_late) == (date(2031, 1, 13), True)

    def test_a_submission_sent_back_before_the_year_was_entered_is_still_judged(self) -> None:
        # the first deadline (red, issued Fri 2030-12-20) is 2031-01-13 once 2031 is entered (the count above);
        # measures submitted on 01-14 while it was pending, sent back on 01-15 (the reopening's deadline pending
        # too): entering the year judges the 01-14 submission late against 01-13; one made on 01-13 is in time
        for day, late in ((14, True), (13, False)):
            r = rect.submit(
                self.issued(at(2030, 12, 20)), measures="m", submitted_at=at(2031, 1, day), actor="u"
            )
            assert r.history[-1].note == rect.SUBMITTED_WHILE_PENDING  # not "按期报送": not known yet
            r = rect.reopen(
                r,
                reason="措施不具体",
                reopened_at=at(2031, 1, 15),
                actor="s",
                config=CONFIG,
                calendar=CALENDAR,
            )
            assert r.deadline is None
            filled = rect.fill_in(r, config=CONFIG, calendar=self.Y2031)
            assert filled is not None and filled.deadline is not None
            assert filled.submitted_late is late, day

    def test_a_reopening_counts_from_the_reopening(self) -> None:
        r = TestAReopeningIntoAnUncoveredYear().reopened()
        assert rect.clock_started(r) == (date(2030, 12, 18), True)


class TestRefusals:
    def test_close_before_submission(self) -> None:
        with pytest.raises(DomainError) as err:
            rect.close(issue(), closed_at=at(2030, 9, 5), actor="s")
        assert err.value.code == "RECTIFICATION_NOT_SUBMITTED"

    def test_submit_twice(self) -> None:
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 5), actor="u")
        with pytest.raises(DomainError) as err:
            rect.submit(r, measures="again", submitted_at=at(2030, 9, 6), actor="u")
        assert err.value.code == "RECTIFICATION_ALREADY_SUBMITTED"

    def test_closed_is_closed(self) -> None:
        r = rect.close(
            rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 5), actor="u"),
            closed_at=at(2030, 9, 6),
            actor="s",
        )
        for action in (
            lambda: rect.submit(r, measures="m", submitted_at=at(2030, 9, 7), actor="u"),
            lambda: rect.close(r, closed_at=at(2030, 9, 7), actor="s"),
            lambda: rect.withdraw(r, reason="x", withdrawn_at=at(2030, 9, 7), actor="s"),
        ):
            with pytest.raises(DomainError) as err:
                action()
            assert err.value.code == "RECTIFICATION_CLOSED"

    def test_reopen_pending(self) -> None:
        with pytest.raises(DomainError) as err:
            rect.reopen(
                issue(), reason="x", reopened_at=at(2030, 9, 5), actor="s", config=CONFIG, calendar=CALENDAR
            )
        assert err.value.code == "RECTIFICATION_NOT_SUBMITTED"

    def test_empty_measures_and_reasons(self) -> None:
        with pytest.raises(DomainError) as err:
            rect.submit(issue(), measures="   ", submitted_at=at(2030, 9, 5), actor="u")
        assert err.value.code == "RECTIFICATION_MEASURES_INVALID"
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 5), actor="u")
        with pytest.raises(DomainError) as err:
            rect.reopen(
                r, reason=" ", reopened_at=at(2030, 9, 6), actor="s", config=CONFIG, calendar=CALENDAR
            )
        assert err.value.code == "RECTIFICATION_REASON_REQUIRED"

    def test_times(self) -> None:
        with pytest.raises(DomainError) as err:
            rect.submit(issue(), measures="m", submitted_at=datetime(2030, 9, 5, 10), actor="u")  # naive
        assert err.value.code == "RECTIFICATION_TIME_INVALID"
        with pytest.raises(DomainError) as err:
            rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 1), actor="u")  # before the issue day
        assert err.value.code == "RECTIFICATION_TIME_INVALID"


class TestOverdue:
    def test_deadline_day_is_in_time(self) -> None:
        r = issue()  # deadline 2030-09-23
        assert not rect.is_overdue(r, date(2030, 9, 23))
        assert rect.is_overdue(r, date(2030, 9, 24))
        assert rect.days_overdue(r, date(2030, 9, 30)) == 7

    def test_submitted_closed_and_withdrawn_are_never_overdue(self) -> None:
        submitted = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 5), actor="u")
        closed = rect.close(submitted, closed_at=at(2030, 9, 6), actor="s")
        withdrawn = rect.withdraw(issue(), reason="x", withdrawn_at=at(2030, 9, 5), actor="s")
        assert not any(rect.is_overdue(r, date(2031, 1, 1)) for r in (submitted, closed, withdrawn))

    def test_reopened_can_be_overdue(self) -> None:
        r = rect.submit(issue(), measures="m", submitted_at=at(2030, 9, 20), actor="u")
        r = rect.reopen(
            r, reason="x", reopened_at=at(2030, 9, 25), actor="s", config=CONFIG, calendar=CALENDAR
        )
        assert not rect.is_overdue(r, date(2030, 10, 15))
        assert rect.is_overdue(r, date(2030, 10, 16))

    def test_overdue_list(self) -> None:
        red, yellow, blue = issue("red"), issue("yellow"), issue("blue")  # 09-23, 09-29, 10-18
        submitted = rect.submit(issue("red"), measures="m", submitted_at=at(2030, 9, 5), actor="u")
        assert rect.overdue([blue, submitted, yellow, red], date(2030, 10, 1)) == [red, yellow]
