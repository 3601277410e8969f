"""12345 leads: weekly batch boundaries (ISO weeks, Beijing time), lifecycle and overdue flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.common.errors import DomainError
from services.common.workdays import WorkingDayCalendar
from services.risk.domain import leads
from services.risk.domain.leads import LeadStatus, WeekBatch

BJ = timezone(timedelta(hours=8))

# Synthetic 2030 (not in the holiday package): weekdays work, weekends rest, 2030-10-01..07 off,
# Sunday 2030-09-29 worked. 2030-09-02 is a Monday.
HOLIDAYS = {date(2030, 10, d): False for d in range(1, 8)}
CALENDAR = WorkingDayCalendar(overrides={**HOLIDAYS, date(2030, 9, 29): True}, covered_years=[2030])

CONFIG = leads.LeadConfig(
    transfer_working_days_after_week=1,
    answer_working_days=10,
    close_working_days=5,
    answer_working_days_by_category={"涉企执法": 5},
)


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=BJ)


def received(when: datetime, category: str = "市容环境") -> leads.Lead:
    return leads.receive(
        lead_id="12345-0001", unit_code="U3", category=category, received_at=when, actor="12345"
    )


def transferred(when: datetime = at(2030, 9, 30), category: str = "市容环境") -> leads.Lead:
    lead = received(at(2030, 9, 25), category)
    return leads.transfer(
        lead, department="D-ZHZF", transferred_at=when, actor="s", config=CONFIG, calendar=CALENDAR
    )


class TestWeekBatch:
    def test_monday_midnight_beijing_is_the_boundary(self) -> None:
        assert date(2026, 5, 17).weekday() == 6  # Sunday
        assert str(WeekBatch.of(at(2026, 5, 17, 23, 59, 59))) == "2026-W20"
        assert str(WeekBatch.of(at(2026, 5, 18, 0, 0, 0))) == "2026-W21"

    def test_utc_input_is_judged_in_beijing_time(self) -> None:
        # Sunday 16:00 UTC is Monday 00:00 in Beijing: next week's batch
        assert str(WeekBatch.of(datetime(2026, 5, 17, 16, 0, tzinfo=UTC))) == "2026-W21"
        assert str(WeekBatch.of(datetime(2026, 5, 17, 15, 59, 59, tzinfo=UTC))) == "2026-W20"

    def test_iso_year_at_new_year(self) -> None:
        # 2026-01-01 is a Thursday, so ISO week 1 of 2026 runs Mon 2025-12-29 .. Sun 2026-01-04
        assert str(WeekBatch.of(at(2025, 12, 31))) == "2026-W01"
        assert str(WeekBatch.of(at(2025, 12, 28))) == "2025-W52"
        b = WeekBatch.parse("2026-W01")
        assert (b.monday, b.sunday) == (date(2025, 12, 29), date(2026, 1, 4))
        assert b.starts_at == datetime(2025, 12, 29, 0, 0, tzinfo=BJ)
        assert b.ends_at == datetime(2026, 1, 5, 0, 0, tzinfo=BJ)
        assert b.previous() == WeekBatch(2025, 52)
        assert WeekBatch(2026, 52).next() == WeekBatch(2026, 53)  # a year starting on Thursday has 53 weeks

    def test_parse(self) -> None:
        assert WeekBatch.parse("2026-W53") == WeekBatch(2026, 53)
        for text in ("2025-W53", "2026-W00", "2026W10", "2026-W5", "next week"):
            with pytest.raises(DomainError) as err:
                WeekBatch.parse(text)
            assert err.value.code == "LEAD_WEEK_INVALID"

    def test_contains(self) -> None:
        b = WeekBatch.parse("2026-W21")
        assert b.contains(at(2026, 5, 18, 0)) and b.contains(at(2026, 5, 24, 23, 59, 59))
        assert not b.contains(at(2026, 5, 25, 0))

    def test_naive_time_refused(self) -> None:
        with pytest.raises(DomainError) as err:
            WeekBatch.of(datetime(2026, 5, 18, 9, 0))
        assert err.value.code == "LEAD_INPUT_INVALID"

    def test_transfer_due_is_the_first_working_day_after_the_week(self) -> None:
        # Week of Wed 2030-09-25: Mon 09-23 .. Sun 09-29 -> due Mon 09-30
        assert WeekBatch.of(at(2030, 9, 25)).transfer_due_on(CONFIG, CALENDAR) == date(2030, 9, 30)
        # Week of Wed 2030-10-02: Mon 09-30 .. Sun 10-06; Mon 10-07 is a holiday -> due Tue 10-08
        assert WeekBatch.of(at(2030, 10, 2)).transfer_due_on(CONFIG, CALENDAR) == date(2030, 10, 8)

    def test_uncovered_year_is_an_explicit_error(self) -> None:
        with pytest.raises(DomainError) as err:
            WeekBatch.of(at(2031, 3, 5)).transfer_due_on(CONFIG, CALENDAR)
        assert err.value.code == "CALENDAR_NOT_COVERED"


class TestLifecycle:
    def test_receive_sets_the_batch(self) -> None:
        lead = received(at(2030, 9, 25))
        assert lead.status is LeadStatus.RECEIVED
        assert str(lead.batch) == "2030-W39"

    def test_transfer_answer_close(self) -> None:
        lead = transferred(at(2030, 9, 30))
        # 10 working days after Mon 09-30: holiday 10-01..07, 8-11 (4), 14-18 (9), 21 (10)
        assert lead.status is LeadStatus.TRANSFERRED
        assert lead.answer_due_on == date(2030, 10, 21)
        lead = leads.answer(
            lead,
            text="已核查并整改",
            answered_at=at(2030, 10, 22),
            actor="D",
            config=CONFIG,
            calendar=CALENDAR,
        )
        assert lead.status is LeadStatus.ANSWERED
        assert lead.answered_late is True  # 10-22 is after 10-21
        # 5 working days after Tue 10-22: 23, 24, 25, 28, 29
        assert lead.close_due_on == date(2030, 10, 29)
        lead = leads.close(lead, closed_at=at(2030, 10, 25), actor="s", note="回访满意")
        assert lead.status is LeadStatus.CLOSED
        assert [s.to_status for s in lead.history] == list(LeadStatus)

    def test_category_deadline(self) -> None:
        # 涉企执法: 5 working days after Mon 09-30 -> 8, 9, 10, 11, 14
        assert transferred(at(2030, 9, 30), "涉企执法").answer_due_on == date(2030, 10, 14)

    def test_return_for_rework(self) -> None:
        lead = leads.answer(
            transferred(),
            text="已处理",
            answered_at=at(2030, 10, 9),
            actor="D",
            config=CONFIG,
            calendar=CALENDAR,
        )
        lead = leads.return_for_rework(
            lead,
            reason="答复未回应核心诉求",
            returned_at=at(2030, 10, 10),
            actor="s",
            config=CONFIG,
            calendar=CALENDAR,
        )
        # 10 working days after Thu 10-10: 11 (1), 14-18 (6), 21-24 (10)
        assert lead.status is LeadStatus.TRANSFERRED
        assert lead.answer_due_on == date(2030, 10, 24)
        assert lead.close_due_on is None and lead.return_count == 1


class TestRefusals:
    def test_wrong_state(self) -> None:
        lead = received(at(2030, 9, 25))
        with pytest.raises(DomainError) as err:
            leads.answer(
                lead, text="x", answered_at=at(2030, 9, 26), actor="D", config=CONFIG, calendar=CALENDAR
            )
        assert err.value.code == "LEAD_NOT_TRANSFERRED"
        assert err.value.status == 409
        with pytest.raises(DomainError) as err:
            leads.close(transferred(), closed_at=at(2030, 10, 9), actor="s")
        assert err.value.code == "LEAD_NOT_ANSWERED"
        with pytest.raises(DomainError) as err:
            leads.transfer(
                transferred(),
                department="D",
                transferred_at=at(2030, 10, 9),
                actor="s",
                config=CONFIG,
                calendar=CALENDAR,
            )
        assert err.value.code == "LEAD_NOT_RECEIVED"

    def test_inputs(self) -> None:
        lead = received(at(2030, 9, 25))
        with pytest.raises(DomainError) as err:
            leads.transfer(
                lead,
                department="D",
                transferred_at=at(2030, 9, 24),
                actor="s",
                config=CONFIG,
                calendar=CALENDAR,
            )
        assert err.value.code == "LEAD_INPUT_INVALID"  # before receipt
        with pytest.raises(DomainError) as err:
            leads.transfer(
                lead,
                department=" ",
                transferred_at=at(2030, 9, 26),
                actor="s",
                config=CONFIG,
                calendar=CALENDAR,
            )
        assert err.value.code == "LEAD_INPUT_INVALID"
        with pytest.raises(DomainError) as err:
            leads.answer(
                transferred(),
                text="",
                answered_at=at(2030, 10, 9),
                actor="D",
                config=CONFIG,
                calendar=CALENDAR,
            )
        assert err.value.code == "LEAD_INPUT_INVALID"


class TestFlags:
    def test_transfer_overdue(self) -> None:
        lead = received(at(2030, 9, 25))  # due 2030-09-30
        assert leads.flags(
            lead, today=date(2030, 9, 30), config=CONFIG, calendar=CALENDAR
        ) == leads.LeadFlags(False, False, False, date(2030, 9, 30))
        f = leads.flags(lead, today=date(2030, 10, 1), config=CONFIG, calendar=CALENDAR)
        assert f.transfer_overdue and f.any

    def test_answer_overdue(self) -> None:
        lead = transferred(at(2030, 9, 30))  # answer due 2030-10-21
        assert not leads.flags(lead, today=date(2030, 10, 21), config=CONFIG, calendar=CALENDAR).any
        assert leads.flags(lead, today=date(2030, 10, 22), config=CONFIG, calendar=CALENDAR).answer_overdue

    def test_close_overdue(self) -> None:
        lead = leads.answer(
            transferred(), text="x", answered_at=at(2030, 10, 22), actor="D", config=CONFIG, calendar=CALENDAR
        )
        assert not leads.flags(lead, today=date(2030, 10, 29), config=CONFIG, calendar=CALENDAR).any
        assert leads.flags(lead, today=date(2030, 10, 30), config=CONFIG, calendar=CALENDAR).close_overdue

    def test_closed_has_no_flags(self) -> None:
        lead = leads.answer(
            transferred(), text="x", answered_at=at(2030, 10, 9), actor="D", config=CONFIG, calendar=CALENDAR
        )
        lead = leads.close(lead, closed_at=at(2030, 10, 10), actor="s")
        assert leads.flags(lead, today=date(2031, 6, 1), config=CONFIG, calendar=CALENDAR) == leads.LeadFlags(
            False, False, False, None
        )


class TestPendingDeadline:
    """A deadline reaching into a year the calendar does not cover (2031 here) is pending, then filled in."""

    def test_transfer_answer_and_fill_in(self) -> None:
        # Transferred Mon 2030-12-23, 10 working days: 24 (1), 25 (2), 26 (3), 27 (4), 30 (5), 31 (6), then 2031
        lead = transferred(at(2030, 12, 23))
        assert lead.status is LeadStatus.TRANSFERRED and lead.answer_due_on is None
        assert leads.is_pending(lead)
        assert leads.flags(lead, today=date(2031, 3, 1), config=CONFIG, calendar=CALENDAR) == leads.LeadFlags(
            False, False, False, None, pending=True
        )
        assert leads.fill_in(lead, config=CONFIG, calendar=CALENDAR) is None  # 2031 still missing
        # answered Tue 2030-12-24: closing 5 days: 25, 26, 27, 30, 31 -> 2030-12-31, computable
        answered = leads.answer(
            lead, text="已处理", answered_at=at(2030, 12, 24), actor="D", config=CONFIG, calendar=CALENDAR
        )
        assert answered.close_due_on == date(2030, 12, 31) and not answered.answered_late
        assert not leads.is_pending(answered)
        # 2031 entered with 2031-01-01 off: the transferred lead's 10 days: 24, 25, 26, 27, 30, 31 (6),
        # 01-01 off, Thu 01-02 (7), Fri 01-03 (8), Mon 01-06 (9), Tue 01-07 (10) -> 2031-01-07
        full = WorkingDayCalendar(
            overrides={**HOLIDAYS, date(2030, 9, 29): True, date(2031, 1, 1): False},
            covered_years=[2030, 2031],
        )
        filled = leads.fill_in(lead, config=CONFIG, calendar=full)
        assert filled is not None and filled.answer_due_on == date(2031, 1, 7)
        assert not leads.is_pending(filled)

    def test_an_answer_while_pending_is_judged_when_filled_in(self) -> None:
        # transferred Mon 2030-12-23 (answer due pending), answered Thu 2031-01-09 before 2031 is entered:
        # closing pending too
        lead = leads.answer(
            transferred(at(2030, 12, 23)),
            text="迟复",
            answered_at=at(2031, 1, 9),
            actor="D",
            config=CONFIG,
            calendar=CALENDAR,
        )
        assert lead.answer_due_on is None and lead.close_due_on is None and not lead.answered_late
        full = WorkingDayCalendar(
            overrides={**HOLIDAYS, date(2030, 9, 29): True, date(2031, 1, 1): False},
            covered_years=[2030, 2031],
        )
        filled = leads.fill_in(lead, config=CONFIG, calendar=full)
        # answer due 2031-01-07 (above), answered 01-09: late; closing 5 days from Thu 01-09:
        # Fri 10 (1), Mon 13 (2), Tue 14 (3), Wed 15 (4), Thu 16 (5) -> 2031-01-16
        assert filled is not None
        assert (filled.answer_due_on, filled.answered_late, filled.close_due_on) == (
            date(2031, 1, 7),
            True,
            date(2031, 1, 16),
        )
