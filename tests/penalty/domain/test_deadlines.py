"""Deadline arithmetic of a penalty case, with every expected date and amount worked out by hand.

2026 statutory calendar as packaged by chinese-calendar 1.11 (checked in TestCalendarFacts so a package update
that changes it fails loudly):
  清明 4月4日(六)–6日(一) off;  劳动节 5月1日(五)–5日(二) off, 5月9日(六) 调休上班;
  中秋 9月25日(五)–27日(日) off;  国庆 10月1日(四)–7日(三) off, 9月20日(日) and 10月10日(六) 调休上班.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from services.common import clock
from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineFacts, DeadlineKind, DeadlineLevel

CAL = WorkingDayCalendar()
YUAN = 100  # fen per yuan


class TestCalendarFacts:
    def test_2026_holidays_and_make_up_days(self) -> None:
        off = [date(2026, 10, d) for d in range(1, 8)] + [date(2026, 9, d) for d in (25, 26, 27)]
        off += [date(2026, 4, d) for d in (4, 5, 6)] + [date(2026, 5, d) for d in range(1, 6)]
        assert not any(CAL.is_working_day(d) for d in off)
        for make_up in (date(2026, 9, 20), date(2026, 10, 10), date(2026, 5, 9)):
            assert make_up.weekday() >= 5 and CAL.is_working_day(make_up)


class TestCountingRules:
    def test_local_date_is_china_time(self) -> None:
        # 17:30 UTC on 30 September is 01:30 on 1 October in Beijing.
        assert clock.local_date(datetime(2026, 9, 30, 17, 30, tzinfo=UTC)) == date(2026, 10, 1)

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError):
            clock.local_date(datetime(2026, 9, 30, 17, 30))

    def test_roll_forward_keeps_a_working_day_and_skips_a_holiday(self) -> None:
        assert deadlines.roll_forward_to_working_day(date(2026, 3, 17), CAL) == date(2026, 3, 17)
        # 2026-10-05 is inside the National Day holiday; next working day is Thursday 10-08.
        assert deadlines.roll_forward_to_working_day(date(2026, 10, 5), CAL) == date(2026, 10, 8)


class TestDecisionLimit:
    """行政处罚法 第六十条: 90 calendar days from filing; warnings on day 60 and day 80."""

    def test_ninety_days_after_filing(self) -> None:
        # Filed 2026-03-02: March has 29 days left (to 03-31), April 30 -> 59, May 31 -> 90: 2026-05-31.
        assert deadlines.decision_limit(date(2026, 3, 2)) == date(2026, 5, 31)

    def test_warning_dates_are_day_60_and_day_80(self) -> None:
        limit = date(2026, 5, 31)
        first, second = deadlines.decision_warning_dates(limit)
        assert first == date(2026, 3, 2) + timedelta(days=60) == date(2026, 5, 1)
        assert second == date(2026, 3, 2) + timedelta(days=80) == date(2026, 5, 21)

    def test_limit_is_not_rolled_forward_past_a_holiday(self) -> None:
        # Filed 2026-07-03: 28 days to 07-31, +31 = 59 (08-31), +30 = 89 (09-30), +1 = 10-01, a holiday.
        # The agency's limit stays strict.
        assert deadlines.decision_limit(date(2026, 7, 3)) == date(2026, 10, 1)


class TestWorkingDayPeriods:
    """行政处罚法 第八十五条: the 五日 and 七日 of this law are working days."""

    def test_hearing_request_window_runs_over_a_weekend(self) -> None:
        # Served Friday 2026-03-13. Working days: Mon 16 (1), Tue 17 (2), Wed 18 (3), Thu 19 (4), Fri 20 (5).
        assert deadlines.hearing_request_deadline(date(2026, 3, 13), CAL) == date(2026, 3, 20)

    def test_hearing_request_window_over_labour_day_with_a_make_up_saturday(self) -> None:
        # Served Thursday 2026-04-30. May 1-5 off; Wed 6 (1), Thu 7 (2), Fri 8 (3), Sat 9 调休 (4), Mon 11 (5).
        assert deadlines.hearing_request_deadline(date(2026, 4, 30), CAL) == date(2026, 5, 11)

    def test_hearing_notice_seven_working_days(self) -> None:
        # Told Monday 2026-03-02: 3, 4, 5, 6, 9, 10, 11 -> the hearing may be held on 2026-03-11 at the earliest.
        assert deadlines.earliest_hearing_date(date(2026, 3, 2), CAL) == date(2026, 3, 11)

    def test_delivery_seven_working_days_over_national_day(self) -> None:
        # Decided 2026-09-30. Oct 1-7 off; Thu 8 (1), Fri 9 (2), Sat 10 调休 (3), Mon 12 (4), 13 (5), 14 (6), 15 (7).
        assert deadlines.delivery_deadline(date(2026, 9, 30), CAL) == date(2026, 10, 15)

    def test_on_the_spot_delivery_is_the_same_day(self) -> None:
        assert deadlines.delivery_deadline(date(2026, 9, 30), CAL, on_the_spot=True) == date(2026, 9, 30)

    def test_statement_period_default_five_working_days(self) -> None:
        # Served Tuesday 2026-03-10: 11, 12, 13, 16, 17.
        assert deadlines.statement_deadline(date(2026, 3, 10), CAL) == date(2026, 3, 17)
        # A notice granting 3 working days: 11, 12, 13.
        assert deadlines.statement_deadline(date(2026, 3, 10), CAL, 3) == date(2026, 3, 13)

    def test_publication_across_the_2026_national_day_holiday(self) -> None:
        """Seed 003: publish a general-procedure decision within 7 working days of the decision.

        Decided Wednesday 2026-09-30. 10-01..10-07 National Day (off); 10-08 Thu = 1, 10-09 Fri = 2,
        10-10 Sat (调休上班) = 3, 10-11 Sun off, 10-12 Mon = 4, 10-13 = 5, 10-14 = 6, 10-15 Thu = 7.
        """
        assert deadlines.publication_deadline(date(2026, 9, 30), CAL) == date(2026, 10, 15)

    def test_publication_withdrawal_three_working_days(self) -> None:
        # 第四十八条第二款: revoked Friday 2026-03-13 -> Mon 16, Tue 17, Wed 18.
        assert deadlines.publication_withdrawal_deadline(date(2026, 3, 13), CAL) == date(2026, 3, 18)


class TestPaymentDeadline:
    """行政处罚法 第六十七条第三款: 15 calendar days from receipt, last day moved off rest days and holidays."""

    def test_fifteen_calendar_days(self) -> None:
        # Received Monday 2026-03-02 -> 2026-03-17 (Tuesday, a working day).
        assert deadlines.payment_deadline(date(2026, 3, 2), CAL) == date(2026, 3, 17)

    def test_last_day_on_a_saturday_moves_to_monday(self) -> None:
        # Received Friday 2026-03-06 -> +15 = Saturday 2026-03-21 -> Monday 2026-03-23.
        assert deadlines.payment_deadline(date(2026, 3, 6), CAL) == date(2026, 3, 23)

    def test_last_day_in_the_national_day_holiday(self) -> None:
        # Received 2026-09-20 -> +15 = 2026-10-05 (holiday) -> first working day after it, 2026-10-08.
        assert deadlines.payment_deadline(date(2026, 9, 20), CAL) == date(2026, 10, 8)


class TestSurcharge:
    """行政处罚法 第七十二条第一款第一项: 3% of the fine per day, never more than the fine."""

    FINE = 10_000 * YUAN  # 1万元 = 1,000,000 fen
    DUE = date(2026, 3, 17)

    def test_paid_on_the_due_day_costs_nothing(self) -> None:
        s = deadlines.surcharge(self.FINE, self.DUE, self.DUE)
        assert (s.days_late, s.amount_fen, s.capped) == (0, 0, False)

    def test_ten_days_late(self) -> None:
        # 3% × 10,000 yuan × 10 days = 3,000 yuan.
        s = deadlines.surcharge(self.FINE, self.DUE, self.DUE + timedelta(days=10))
        assert s.days_late == 10
        assert s.amount_fen == 3 * 10_000 * 10 // 100 * YUAN == 300_000
        assert not s.capped

    def test_thirty_three_days_is_just_under_the_cap(self) -> None:
        # 3% × 33 = 99% -> 9,900 yuan.
        s = deadlines.surcharge(self.FINE, self.DUE, self.DUE + timedelta(days=33))
        assert s.amount_fen == 9_900 * YUAN and not s.capped

    def test_thirty_four_days_reaches_the_cap(self) -> None:
        # 3% × 34 = 102% of the fine -> capped at 10,000 yuan.
        s = deadlines.surcharge(self.FINE, self.DUE, self.DUE + timedelta(days=34))
        assert s.amount_fen == 10_000 * YUAN and s.capped

    def test_forty_days_late_is_capped_at_the_fine(self) -> None:
        # 3% × 10,000 × 40 = 12,000 yuan > 10,000 yuan -> 10,000 yuan.
        s = deadlines.surcharge(self.FINE, self.DUE, self.DUE + timedelta(days=40))
        assert s.days_late == 40
        assert s.amount_fen == self.FINE == 1_000_000
        assert s.capped

    def test_rounding_half_up_to_the_fen_on_the_total(self) -> None:
        # 12.34 yuan × 3% × 1 day = 0.3702 yuan = 37.02 fen -> 37 fen.
        assert deadlines.surcharge(1_234, self.DUE, self.DUE + timedelta(days=1)).amount_fen == 37
        # 12.50 yuan × 3% × 1 day = 37.5 fen -> 38 fen (half up).
        assert deadlines.surcharge(1_250, self.DUE, self.DUE + timedelta(days=1)).amount_fen == 38
        # Total, not per day: 12.50 yuan × 3% × 2 days = 75 fen exactly (per-day rounding would give 76).
        assert deadlines.surcharge(1_250, self.DUE, self.DUE + timedelta(days=2)).amount_fen == 75

    def test_reconsideration_period_is_not_counted(self) -> None:
        # 第七十三条第三款. Due 03-17, paid 03-27: days 03-18..03-27 = 10; reconsideration 03-20..03-24 = 5 days
        # excluded -> 5 days × 3% × 10,000 yuan = 1,500 yuan.
        s = deadlines.surcharge(
            self.FINE, self.DUE, date(2026, 3, 27), excluded=[(date(2026, 3, 20), date(2026, 3, 24))]
        )
        assert s.days_late == 10 - 5
        assert s.amount_fen == 1_500 * YUAN

    def test_the_cap_is_each_part_of_the_fine(self) -> None:
        # 行政强制法 第四十五条第二款: 加处罚款 … 不得超出 the fine. 10,000 yuan due 03-17; on 03-27 (10 days
        # late) 4,000 of it is paid with 10 × 3% × 4,000 = 1,200 yuan of surcharge. The 6,000 left:
        # - on 04-20: 03-18..03-31 (14) + 04-01..04-20 (20) = 34 days × 3% × 6,000 = 6,120 → its own 6,000, capped;
        #   in all 1,200 + 6,000 = 7,200, less the 1,200 collected: 6,000;
        # - on 04-10: 14 + 10 = 24 days × 180 = 4,320; in all 5,520, less 1,200: 4,320.
        paid = [(date(2026, 3, 27), 4_000 * YUAN)]
        a = deadlines.accrued_surcharge(
            self.FINE, self.DUE, date(2026, 4, 20), paid=paid, collected_fen=1_200 * YUAN
        )
        assert (a.accrued_fen, a.surcharge.amount_fen, a.surcharge.capped) == (
            7_200 * YUAN,
            6_000 * YUAN,
            True,
        )
        assert (a.surcharge.fine_fen, a.surcharge.days_late) == (6_000 * YUAN, 34)
        assert [(x.paid_on, x.fine_fen, x.days, x.surcharge_fen, x.capped) for x in a.parts] == [
            (date(2026, 3, 27), 4_000 * YUAN, 10, 1_200 * YUAN, False),
            (None, 6_000 * YUAN, 34, 6_000 * YUAN, True),
        ]
        a = deadlines.accrued_surcharge(
            self.FINE, self.DUE, date(2026, 4, 10), paid=paid, collected_fen=1_200 * YUAN
        )
        assert (a.accrued_fen, a.surcharge.amount_fen, a.surcharge.capped) == (
            5_520 * YUAN,
            4_320 * YUAN,
            False,
        )
        # everything collected already: nothing more
        a = deadlines.accrued_surcharge(
            self.FINE, self.DUE, date(2026, 4, 20), paid=paid, collected_fen=10_000 * YUAN
        )
        assert a.surcharge.amount_fen == 0

    def test_a_partial_payment_with_the_whole_fines_surcharge_settles_its_days(self) -> None:
        # 75,000 yuan due 12-01. On 12-11 (10 days late) 25,000 of the fine is paid with 10 × 3% × 75,000 =
        # 22,500 yuan of surcharge (GET /surcharge's figure for paying everything on 12-11). The part paid carries
        # 10 × 3% × 25,000 = 7,500; the 50,000 left runs from 12-02: on 12-21, 20 × 3% × 50,000 = 30,000; in all
        # 37,500, less the 22,500 collected: 15,000 (= 10 × 1,500 for 12-12..12-21), not 30,000 asked again.
        due = date(2026, 12, 1)
        paid = [(date(2026, 12, 11), 25_000 * YUAN)]
        a = deadlines.accrued_surcharge(
            75_000 * YUAN, due, date(2026, 12, 21), paid=paid, collected_fen=22_500 * YUAN
        )
        assert (a.accrued_fen, a.surcharge.amount_fen) == (37_500 * YUAN, 15_000 * YUAN)
        # the part paid carrying only its own surcharge (7,500): 37,500 − 7,500 = 30,000
        a = deadlines.accrued_surcharge(
            75_000 * YUAN, due, date(2026, 12, 21), paid=paid, collected_fen=7_500 * YUAN
        )
        assert a.surcharge.amount_fen == 30_000 * YUAN
        # with no payment the fine's own surcharge: 20 × 3% × 75,000 = 45,000, as ``surcharge`` gives it
        whole = deadlines.accrued_surcharge(75_000 * YUAN, due, date(2026, 12, 21))
        assert whole.surcharge == deadlines.surcharge(75_000 * YUAN, due, date(2026, 12, 21))
        assert whole.surcharge.amount_fen == 45_000 * YUAN

    def test_a_part_paid_in_time_never_carries_a_surcharge(self) -> None:
        # 10,000 yuan due 03-17; 4,000 paid on 03-10, in time: only the 6,000 left runs, from 03-18. On 03-27:
        # 10 × 3% × 6,000 = 1,800 yuan.
        a = deadlines.accrued_surcharge(
            self.FINE, self.DUE, date(2026, 3, 27), paid=[(date(2026, 3, 10), 4_000 * YUAN)]
        )
        assert (a.surcharge.amount_fen, a.surcharge.fine_fen, a.surcharge.days_late) == (
            1_800 * YUAN,
            6_000 * YUAN,
            10,
        )

    def test_open_remedy_stops_the_count(self) -> None:
        # Lawsuit filed 03-20 and still running on 04-30: only 03-18 and 03-19 count -> 2 × 300 yuan = 600 yuan.
        s = deadlines.surcharge(self.FINE, self.DUE, date(2026, 4, 30), excluded=[(date(2026, 3, 20), None)])
        assert s.days_late == 2 and s.amount_fen == 600 * YUAN


@dataclass(frozen=True)
class _Case:
    deadline_facts: DeadlineFacts


def _facts(**overrides: object) -> _Case:
    base: dict[str, object] = {
        "case_id": "c-1",
        "filed_on": date(2026, 3, 2),
        "decision_limit": date(2026, 5, 31),
    }
    base.update(overrides)
    return _Case(DeadlineFacts(**base))  # type: ignore[arg-type]


class TestDeadlineStatus:
    def test_nothing_before_day_60(self) -> None:
        assert deadlines.deadline_status(_facts(), date(2026, 4, 30)) == ()  # day 59

    def test_first_warning_on_day_60(self) -> None:
        (item,) = deadlines.deadline_status(_facts(), date(2026, 5, 1))
        assert item.kind is DeadlineKind.DECISION and item.level is DeadlineLevel.WARNING
        assert item.days_left == 30 and "第一次" in item.message and "第六十条" in item.article

    def test_second_warning_on_day_80(self) -> None:
        (item,) = deadlines.deadline_status(_facts(), date(2026, 5, 21))
        assert item.level is DeadlineLevel.WARNING and item.days_left == 10 and "第二次" in item.message

    def test_last_day_is_still_a_warning_and_the_next_is_overdue(self) -> None:
        (item,) = deadlines.deadline_status(_facts(), date(2026, 5, 31))
        assert item.level is DeadlineLevel.WARNING and item.days_left == 0
        (item,) = deadlines.deadline_status(_facts(), date(2026, 6, 1))
        assert item.level is DeadlineLevel.OVERDUE and item.days_left == -1

    def test_an_extension_moves_the_warnings(self) -> None:
        # Limit extended to 2026-06-30: warnings on 05-31 (30 days before) and 06-20 (10 days before).
        case = _facts(decision_limit=date(2026, 6, 30))
        assert deadlines.deadline_status(case, date(2026, 5, 30)) == ()
        assert deadlines.deadline_status(case, date(2026, 5, 31))[0].level is DeadlineLevel.WARNING

    def test_delivery_and_publication_overdue(self) -> None:
        case = _facts(
            decided_on=date(2026, 9, 30),
            delivery_due=date(2026, 10, 15),
            publish_by=date(2026, 10, 15),
            publication_settled=False,
        )
        assert deadlines.deadline_status(case, date(2026, 10, 15)) == ()
        kinds = {i.kind for i in deadlines.deadline_status(case, date(2026, 10, 16))}
        assert kinds == {DeadlineKind.DELIVERY, DeadlineKind.PUBLICATION}

    def test_payment_overdue_reports_the_surcharge_so_far(self) -> None:
        case = _facts(
            decided_on=date(2026, 3, 1),
            delivery_due=date(2026, 3, 10),
            delivered_on=date(2026, 3, 2),
            payment_due=date(2026, 3, 17),
            fine_fen=10_000 * YUAN,
            fine_outstanding_fen=10_000 * YUAN,
        )
        (item,) = deadlines.deadline_status(case, date(2026, 3, 27))
        # 10 days × 3% × 10,000 yuan = 3,000 yuan.
        assert item.kind is DeadlineKind.PAYMENT and item.surcharge_fen == 3_000 * YUAN

    def test_payment_overdue_surcharge_never_passes_the_fine_in_total(self) -> None:
        # 10,000 yuan due 03-17; on 04-20 (34 days late: 03-18..03-31 14 + 04-01..04-20 20) 1,000 of it is paid
        # (34 × 3% × 1,000 = 1,020 → its own 1,000) and 8,000 of surcharge collected with it. On 04-30 the 9,000
        # left has run 44 days: 44 × 270 = 11,880 → its own 9,000; in all 1,000 + 9,000 = 10,000, the fine; less
        # the 8,000 collected: only 2,000 may still be added (行政强制法 第四十五条第二款).
        case = _facts(
            decided_on=date(2026, 3, 1),
            delivery_due=date(2026, 3, 10),
            delivered_on=date(2026, 3, 2),
            payment_due=date(2026, 3, 17),
            fine_fen=10_000 * YUAN,
            fine_outstanding_fen=9_000 * YUAN,
            fine_payments=((date(2026, 4, 20), 1_000 * YUAN),),
            surcharge_collected_fen=8_000 * YUAN,
        )
        (item,) = deadlines.deadline_status(case, date(2026, 4, 30))
        assert item.surcharge_fen == 2_000 * YUAN

    def test_payment_overdue_surcharge_is_on_the_fine_outstanding(self) -> None:
        # The same fine of 10,000 yuan, 4,000 of it paid (without surcharge) before 03-17: 6,000 outstanding.
        # On 03-27, 10 days late: 10 × 3% × 6,000 = 1,800 yuan, as GET /surcharge computes it
        # (procedure.Case.surcharge_on), not 10 × 3% × 10,000 = 3,000 on the whole fine.
        case = _facts(
            decided_on=date(2026, 3, 1),
            delivery_due=date(2026, 3, 10),
            delivered_on=date(2026, 3, 2),
            payment_due=date(2026, 3, 17),
            fine_fen=10_000 * YUAN,
            fine_outstanding_fen=6_000 * YUAN,
            fine_payments=((date(2026, 3, 10), 4_000 * YUAN),),
        )
        (item,) = deadlines.deadline_status(case, date(2026, 3, 27))
        assert item.surcharge_fen == 1_800 * YUAN

    def test_closed_case_has_no_open_deadlines(self) -> None:
        assert deadlines.deadline_status(_facts(open=False), date(2026, 7, 1)) == ()
