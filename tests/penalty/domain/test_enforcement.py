"""Enforcement dates (行政强制法 第四十六条, 第五十三条, 第五十四条; 行政复议法 第二十条; 行政诉讼法 第四十六条) and
the instalment surcharge (行政处罚法 第六十六条第二款, 第七十二条第一款第一项), every expected date and amount worked
out by hand from the articles.

2026 calendar (chinese-calendar): 劳动节 5月1日(五)–5日(二) off; 2026-09-02 is a Wednesday (a working day).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import deadlines
from services.penalty.domain import enforcement as en
from services.penalty.domain import instalments as ins
from services.penalty.domain.errors import PaymentPlanConflict, PaymentPlanInvalid

CAL = WorkingDayCalendar()
YUAN = 100


def roll(day: date) -> date:
    return deadlines.roll_forward_to_working_day(day, CAL)


def facts(**kw: object) -> en.Facts:
    base: dict[str, object] = {
        "fine_fen": 20_000 * YUAN,
        "outstanding_fen": 20_000 * YUAN,
        "delivered_on": date(2026, 3, 2),
        # 第六十七条第三款: 15 days after 03-02 → 03-17 (a Tuesday, a working day)
        "payment_due": date(2026, 3, 17),
        "first_overdue_due": None,
        "deferred_until": None,
        "remedies": (),
        "coercive_power": False,
    }
    base.update(kw)
    return en.Facts(**base)  # type: ignore[arg-type]


def dates(s: en.Schedule) -> dict[str, date | None]:
    return {x.key: x.on for x in s.dates}


class TestCourtWindow:
    def test_received_2026_03_02_no_reconsideration_no_suit(self) -> None:
        # Received (knowledge) 2026-03-02.
        # 行政复议法 第二十条: 60 days, the day of receipt not counted (民事诉讼法 第八十五条第二款):
        #   March has 29 days after the 2nd (03-03 … 03-31), April 30 → 59 by 04-30, the 60th day is 05-01;
        #   05-01 … 05-05 is the 劳动节 holiday, so the period ends on the next working day 05-06 (第八十五条第三款).
        # 行政诉讼法 第四十六条: six months → the corresponding day 2026-09-02 (a Wednesday, no roll).
        # The later of the two is 09-02 (the last day to pay, 03-17, is earlier still).
        # 行政强制法 第五十三条: the window opens the day after, 09-03, and runs three months from 09-02 → 12-02.
        s = en.schedule(facts(), date(2026, 3, 20), roll=roll, after_working_days=CAL.add_working_days)
        d = dates(s)
        assert d["reconsideration_ends"] == date(2026, 5, 6)
        assert d["litigation_ends"] == date(2026, 9, 2)
        assert (d["window_opens"], d["window_closes"]) == (date(2026, 9, 3), date(2026, 12, 2))
        assert s.application_until == date(2026, 12, 2)
        # not paid on 03-17: from 03-18 the decision is in default (第七十二条第一款), the 催告 may be issued
        assert s.stage is en.Stage.OVERDUE and s.reminder_from == date(2026, 3, 18)
        assert s.application_from is None  # no 催告书 delivered yet (第五十四条)
        assert any("第五十三条" in x.article for x in s.dates if x.key == "window_closes")

    def test_reminder_delivered_ten_days_before(self) -> None:
        # 催告书 delivered 2026-08-10: ten days 08-11 … 08-20, so an application from 08-21 on (第五十四条);
        # the window opens only on 09-03 (第五十三条): the later, 09-03, is the earliest application day.
        r = en.Reminder("沈市监催〔2026〕1号", date(2026, 8, 7), 10, delivered_on=date(2026, 8, 10))
        s = en.schedule(
            facts(reminder=r), date(2026, 8, 25), roll=roll, after_working_days=CAL.add_working_days
        )
        assert s.application_from == date(2026, 9, 3)
        assert s.stage is en.Stage.REMINDED
        # delivered late, on Wed 2026-11-25: the ten days are working days (行政强制法 第六十九条): 11-26 (Thu) 1,
        # 11-27 2, 11-30 … 12-04 3–7, 12-07 … 12-09 8–10, so not before Thu 12-10 — after the window closed on
        # 12-02: the agency must deliver the 催告书 in time.
        late = en.Reminder("沈市监催〔2026〕2号", date(2026, 11, 24), 10, delivered_on=date(2026, 11, 25))
        s = en.schedule(
            facts(reminder=late), date(2026, 11, 26), roll=roll, after_working_days=CAL.add_working_days
        )
        assert s.application_from == date(2026, 12, 10)

    def test_the_ten_days_of_article_54_are_working_days(self) -> None:
        # 行政强制法 第五十四条: 催告书送达十日后 … 可以申请; 第六十九条: 本法中十日以内期限的规定是指工作日，不含法定节假日.
        # 催告书 delivered Thu 2026-09-24 (the window is open since 09-03). 2026 calendar: 中秋 09-25 (Fri) to
        # 09-27 off; 09-28 Mon 1, 09-29 2, 09-30 3; 国庆 10-01 … 10-07 off; 10-08 Thu 4, 10-09 Fri 5,
        # 10-10 (Sat, 调休上班) 6, 10-12 Mon 7, 10-13 8, 10-14 9, 10-15 Thu 10 → the earliest application is
        # Fri 10-16. (Ten calendar days would have ended on 10-04, in the middle of the National Day holiday.)
        r = en.Reminder("沈市监催〔2026〕3号", date(2026, 9, 24), 10, delivered_on=date(2026, 9, 24))
        s = en.schedule(
            facts(reminder=r), date(2026, 9, 30), roll=roll, after_working_days=CAL.add_working_days
        )
        assert s.application_from == date(2026, 10, 16)
        line = s.line("application_from")
        assert line is not None and "第六十九条" in line.article and "2026-10-15" in line.note

    def test_the_ten_days_unknown_while_the_calendar_does_not_cover_them(self) -> None:
        # A year whose holiday arrangement is not entered: the day is unknown (None), never guessed; the
        # agency cannot apply yet (SPEC 1.6: an uncovered year is an explicit warning, never a silent guess).
        r = en.Reminder("沈市监催〔2026〕4号", date(2026, 9, 24), 10, delivered_on=date(2026, 9, 24))
        s = en.schedule(facts(reminder=r), date(2026, 9, 30), roll=roll, after_working_days=lambda d, n: None)
        line = s.line("application_from")
        assert s.application_from is None and line is not None and line.on is None
        assert "尚未录入" in line.note

    def test_with_a_suit_recorded(self) -> None:
        # A suit filed 2026-04-01 and concluded (decision upheld) 2026-05-30: 04-01 … 05-30 both counted =
        # 30 (April) + 30 (May 1–30) = 60 days, added to both periods (第七十三条第三款, issue #17), and only
        # then is a last day on a rest day moved (民事诉讼法 第八十五条第三款):
        #   reconsideration 05-01 + 60 days = 06-30 (May 30 → 05-31, June 30 → 06-30), a Tuesday: the
        #   holiday 05-01 is no longer the last day, so nothing moves;
        #   litigation 09-02 + 60 days = 11-01 (Sept 28 → 09-30, October 31 → 10-31 is day 59, 11-01 day 60),
        #   a Sunday → Monday 11-02.
        # window: opens 11-03; closes three months from 11-02 → 2027-02-02.
        suit = en.Remedy("litigation", date(2026, 4, 1), date(2026, 5, 30))
        s = en.schedule(
            facts(remedies=(suit,)), date(2026, 6, 1), roll=roll, after_working_days=CAL.add_working_days
        )
        d = dates(s)
        assert d["reconsideration_ends"] == date(2026, 6, 30)
        assert d["litigation_ends"] == date(2026, 11, 2)
        assert (d["window_opens"], d["window_closes"]) == (date(2026, 11, 3), date(2027, 2, 2))
        assert d["litigation_filed"] == date(2026, 4, 1)

    def test_after_an_upheld_reconsideration_fifteen_days_to_sue(self) -> None:
        # 行政诉讼法 第四十五条: 不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼. Reconsideration
        # 03-10 … upheld Tue 03-31: 03-31 + 15 = Wed 04-15; window 04-16 … three months from 04-15 = 07-15
        # (the last day to pay, 03-17, is earlier). Upheld Fri 04-03: 04-18 is a Saturday → Mon 04-20.
        rec = en.Remedy("reconsideration", date(2026, 3, 10), date(2026, 3, 31))
        s = en.schedule(
            facts(remedies=(rec,)), date(2026, 4, 16), roll=roll, after_working_days=CAL.add_working_days
        )
        d = dates(s)
        assert d["litigation_ends"] == date(2026, 4, 15)
        assert (d["window_opens"], d["window_closes"]) == (date(2026, 4, 16), date(2026, 7, 15))
        later = en.Remedy("reconsideration", date(2026, 3, 10), date(2026, 4, 3))
        s = en.schedule(
            facts(remedies=(later,), reconsideration_first=True),
            date(2026, 4, 21),
            roll=roll,
            after_working_days=CAL.add_working_days,
        )
        assert dates(s)["litigation_ends"] == date(2026, 4, 20)
        # a suit recorded after it keeps the suit's rule (the days added, as above)
        suit = en.Remedy("litigation", date(2026, 4, 10), date(2026, 5, 30))
        s = en.schedule(
            facts(remedies=(rec, suit)), date(2026, 6, 1), roll=roll, after_working_days=CAL.add_working_days
        )
        assert dates(s)["litigation_ends"] != date(2026, 4, 15)

    def test_on_the_spot_decision_goes_to_reconsideration_first(self) -> None:
        # 行政复议法 第二十三条第一款第一项: a decision made on the spot cannot be taken to court directly, so only
        # the sixty days count: 05-06 (as above); window 05-07 … three months from 05-06 = 08-06 (第五十三条)
        s = en.schedule(
            facts(reconsideration_first=True),
            date(2026, 5, 7),
            roll=roll,
            after_working_days=CAL.add_working_days,
        )
        d = dates(s)
        assert (
            d["litigation_ends"] is None
            and "第二十三条" in (s.line("litigation_ends") or en.DateLine("", "", None, "", "")).article
        )
        assert (d["window_opens"], d["window_closes"]) == (date(2026, 5, 7), date(2026, 8, 6))

    def test_an_open_suit_stops_the_clock(self) -> None:
        suit = en.Remedy("litigation", date(2026, 4, 1), None)
        s = en.schedule(
            facts(remedies=(suit,)), date(2026, 6, 1), roll=roll, after_working_days=CAL.add_working_days
        )
        assert s.stage is en.Stage.SUSPENDED
        assert s.application_until is None and "window_opens" not in dates(s)

    def test_the_last_instalment_starts_the_period(self) -> None:
        # An instalment plan whose last instalment falls due 2026-10-30, later than the litigation period's end
        # (09-02): the period starts when the last instalment ends (issue #17, 第六十六条第二款) →
        # opens 10-31, closes three months from 10-30 → 2027-01-30.
        f = facts(payment_due=date(2026, 10, 30), deferred_until=date(2026, 10, 30))
        d = dates(en.schedule(f, date(2026, 11, 2), roll=roll, after_working_days=CAL.add_working_days))
        assert (d["window_opens"], d["window_closes"]) == (date(2026, 10, 31), date(2027, 1, 30))
        # a deferral ending before 09-02 changes nothing: the litigation period still governs
        f = facts(payment_due=date(2026, 6, 30), deferred_until=date(2026, 6, 30))
        d = dates(en.schedule(f, date(2026, 7, 2), roll=roll, after_working_days=CAL.add_working_days))
        assert d["window_opens"] == date(2026, 9, 3)

    def test_window_missed(self) -> None:
        # the window closes on 2026-12-02; on 12-02 it is still open, on 12-03 it is missed
        assert not en.schedule(
            facts(), date(2026, 12, 2), roll=roll, after_working_days=CAL.add_working_days
        ).window_missed
        s = en.schedule(facts(), date(2026, 12, 3), roll=roll, after_working_days=CAL.add_working_days)
        assert s.window_missed and s.stage is en.Stage.WINDOW_MISSED
        applied = en.CourtApplication("沈市监强申〔2026〕1号", date(2026, 11, 1), "沈阳市和平区人民法院")
        assert not en.schedule(
            facts(application=applied), date(2026, 12, 3), roll=roll, after_working_days=CAL.add_working_days
        ).window_missed
        # paid: nothing to enforce
        assert (
            en.schedule(
                facts(outstanding_fen=0),
                date(2026, 12, 3),
                roll=roll,
                after_working_days=CAL.add_working_days,
            ).stage
            is en.Stage.PERFORMED
        )


class TestOwnPower:
    def test_surcharge_over_thirty_days_then_reminder_then_enforcement(self) -> None:
        # 行政强制法 第四十六条: last day to pay 03-17; surcharge day 1 = 03-18, day 30 = 04-16 (14 days of March
        # 03-18 … 03-31, then 16 of April); "超过三十日": the 31st day, 04-17, is the first day of the 催告.
        s = en.schedule(
            facts(coercive_power=True), date(2026, 4, 20), roll=roll, after_working_days=CAL.add_working_days
        )
        assert s.reminder_from == date(2026, 4, 17)
        assert s.application_until is None  # 第五十三条's window is for agencies without the power
        # 催告书 delivered 04-20 granting 10 days: to perform by 04-30; enforcement decided from 05-01 (第三十七条)
        r = en.Reminder("沈市监催〔2026〕3号", date(2026, 4, 20), 10, delivered_on=date(2026, 4, 20))
        s = en.schedule(
            facts(coercive_power=True, reminder=r),
            date(2026, 4, 21),
            roll=roll,
            after_working_days=CAL.add_working_days,
        )
        assert s.application_from == date(2026, 5, 1)

    def test_remedy_days_do_not_count_towards_thirty(self) -> None:
        # reconsideration 03-20 … 03-29 (10 days, both ends) is not counted: day 30 moves from 04-16 to 04-26,
        # the 催告 from 04-27
        rec = en.Remedy("reconsideration", date(2026, 3, 20), date(2026, 3, 29))
        s = en.schedule(
            facts(coercive_power=True, remedies=(rec,)),
            date(2026, 5, 1),
            roll=roll,
            after_working_days=CAL.add_working_days,
        )
        assert s.reminder_from == date(2026, 4, 27)


class TestInstalments:
    def plan(self) -> ins.PaymentPlan:
        applied = ins.apply(
            ins.PlanKind.INSTALMENTS,
            applied_on=date(2026, 11, 20),
            applicant="91210100MACQTKPQ79",
            reasons="受疫情影响经营困难",
            evidence=["2026年10月银行流水"],
        )
        # 27,500.00 yuan in three: 10,000.00 + 10,000.00 + 7,500.00 = 27,500.00
        return ins.approve(
            applied,
            decided_on=date(2026, 11, 25),
            approved_by="王局长",
            reasons="经审核，当事人确有经济困难",
            current_due=date(2026, 12, 1),
            outstanding_fen=27_500 * YUAN,
            items=[
                (date(2026, 12, 1), 10_000 * YUAN),
                (date(2027, 1, 4), 10_000 * YUAN),
                (date(2027, 2, 1), 7_500 * YUAN),
            ],
        )

    def test_only_the_late_instalment_accrues(self) -> None:
        plan = self.plan()
        plan, _ = ins.record_payment(plan, 1, paid_on=date(2026, 12, 1), surcharge_fen=0, receipt_ref="R1")
        plan, _ = ins.record_payment(plan, 2, paid_on=date(2027, 1, 8), surcharge_fen=0, receipt_ref="R2")
        on = date(2027, 1, 20)
        got = [ins.instalment_surcharge(i, on).amount_fen for i in plan.instalments]
        # #1 paid on its day: 0. #2 due 01-04, paid 01-08: 01-05 … 01-08 = 4 days × 3% × 10,000.00 = 1,200.00.
        # #3 due 02-01, not yet due on 01-20: 0.
        assert got == [0, 1_200 * YUAN, 0]
        # #3 unpaid on 02-11: 02-02 … 02-11 = 10 days × 3% × 7,500.00 = 2,250.00; #2 stays at 1,200.00
        got = [ins.instalment_surcharge(i, date(2027, 2, 11)).amount_fen for i in plan.instalments]
        assert got == [0, 1_200 * YUAN, 2_250 * YUAN]

    def test_capped_at_the_instalment(self) -> None:
        item = self.plan().instalments[2]
        # 7,500.00 × 3% = 225.00 a day; 34 days = 7,650.00 > 7,500.00 → 7,500.00 (the cap)
        r = ins.instalment_surcharge(item, date(2027, 2, 1) + timedelta(days=34))
        assert (r.days_late, r.amount_fen, r.capped) == (34, 7_500 * YUAN, True)

    def test_amounts_must_add_up_to_the_fine(self) -> None:
        applied = ins.apply(
            ins.PlanKind.INSTALMENTS,
            applied_on=date(2026, 11, 20),
            applicant="x",
            reasons="困难",
            evidence=["e"],
        )
        with pytest.raises(PaymentPlanInvalid, match="不一致"):
            ins.approve(
                applied,
                decided_on=date(2026, 11, 25),
                approved_by="王局长",
                reasons="",
                current_due=date(2026, 12, 1),
                outstanding_fen=27_500 * YUAN,
                items=[(date(2026, 12, 1), 10_000 * YUAN), (date(2027, 1, 4), 17_499 * YUAN)],
            )
        with pytest.raises(PaymentPlanInvalid, match="不早于批准之日"):
            ins.approve(
                applied,
                decided_on=date(2026, 11, 25),
                approved_by="王局长",
                reasons="",
                current_due=date(2026, 12, 1),
                outstanding_fen=27_500 * YUAN,
                # the first instalment on 11-24, the day before the approval
                items=[(date(2026, 11, 24), 10_000 * YUAN), (date(2027, 1, 4), 17_500 * YUAN)],
            )
        with pytest.raises(PaymentPlanInvalid, match="晚于现缴纳期限"):
            ins.approve(
                applied,
                decided_on=date(2026, 11, 25),
                approved_by="王局长",
                reasons="",
                current_due=date(2026, 12, 1),
                outstanding_fen=27_500 * YUAN,
                items=[(date(2026, 11, 25), 10_000 * YUAN), (date(2026, 12, 1), 17_500 * YUAN)],
            )

    def test_application_needs_reasons_and_evidence(self) -> None:
        with pytest.raises(PaymentPlanInvalid):
            ins.apply(
                ins.PlanKind.DEFERRAL,
                applied_on=date(2026, 11, 20),
                applicant="x",
                reasons="困难",
                evidence=[],
            )
        with pytest.raises(PaymentPlanConflict):
            ins.refuse(self.plan(), decided_on=date(2026, 11, 26), approved_by="王局长", reasons="不符合条件")
