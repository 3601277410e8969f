"""Officers' qualifications as pure rules (services/inspection/domain/qualifications.py): the yearly 学时 against
60 (辽政办发〔2023〕18号 二(一)2), the 365-day window of the entry rule, and the exam that lifts a 轮训
suspension (沈法治发〔2021〕7号 12: 合格后返还执法证件)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.inspection.domain import qualifications as q
from services.inspection.domain.qualifications import Exam, Training


class TestHours:
    @pytest.mark.parametrize("hours", ["0.5", "1", "2.5", "200"])
    def test_half_steps_up_to_200_are_accepted(self, hours: str) -> None:
        assert q.hours_problem(Decimal(hours)) is None

    @pytest.mark.parametrize("hours", ["0", "-1", "0.3", "2.25", "200.5"])
    def test_anything_else_is_refused_in_chinese(self, hours: str) -> None:
        problem = q.hours_problem(Decimal(hours))
        assert problem is not None and "0.5的整数倍" in problem[0]

    def test_the_default_requirement_is_the_seeds_60(self) -> None:
        assert Decimal(60) == q.DEFAULT_YEARLY_HOURS


class TestYearSummary:
    TRAININGS = [
        Training(date(2025, 3, 2), Decimal("16")),
        Training(date(2025, 6, 20), Decimal("24.5")),
        Training(date(2025, 12, 31), Decimal("8")),
        Training(date(2026, 1, 1), Decimal("40")),  # next year: not counted in 2025
        Training(date(2024, 12, 31), Decimal("30")),  # the year before: not counted either
    ]

    def test_hours_of_the_calendar_year_and_the_shortfall(self) -> None:
        summary = q.year_summary(self.TRAININGS, 2025, Decimal(60))
        # 16 + 24.5 + 8 = 48.5 学时; 60 - 48.5 = 11.5 short
        assert (summary.hours, summary.shortfall, summary.met, summary.courses) == (
            Decimal("48.5"),
            Decimal("11.5"),
            False,
            3,
        )

    def test_no_shortfall_once_met(self) -> None:
        summary = q.year_summary(self.TRAININGS, 2025, Decimal(40))
        # 48.5 >= 40: met, shortfall 0 (never negative)
        assert (summary.met, summary.shortfall) == (True, Decimal(0))


class TestWindow:
    def test_the_365_days_up_to_the_day(self) -> None:
        trainings = [
            Training(date(2025, 6, 10), Decimal("10")),  # exactly 365 days before 2026-06-10: outside
            Training(date(2025, 6, 11), Decimal("20")),  # 364 days before: inside
            Training(date(2026, 6, 10), Decimal("4")),  # the day itself: inside
            Training(date(2026, 6, 11), Decimal("8")),  # after the day: outside
        ]
        # 20 + 4 = 24
        assert q.hours_in_window(trainings, date(2026, 6, 10)) == Decimal(24)

    def test_the_rule_is_off_without_a_date_and_on_from_it(self) -> None:
        assert not q.training_rule_applies(None, date(2030, 1, 1))
        assert not q.training_rule_applies(date(2026, 7, 1), date(2026, 6, 30))
        assert q.training_rule_applies(date(2026, 7, 1), date(2026, 7, 1))

    def test_short_officers_in_order(self) -> None:
        hours = {"a": Decimal(60), "b": Decimal("59.5")}
        assert q.short_of_hours(["a", "b", "c"], hours, Decimal(60)) == [("b", Decimal("59.5")), ("c", 0)]


class TestRetrainingExam:
    SUSPENDED_ON = date(2026, 5, 10)

    def test_an_exam_passed_before_the_suspension_does_not_lift_it(self) -> None:
        assert q.lifting_exam([Exam(date(2026, 5, 9), True)], self.SUSPENDED_ON) is None

    def test_nor_one_on_the_same_day(self) -> None:
        assert q.lifting_exam([Exam(self.SUSPENDED_ON, True)], self.SUSPENDED_ON) is None

    def test_nor_a_failed_one_after_it(self) -> None:
        assert q.lifting_exam([Exam(date(2026, 5, 20), False)], self.SUSPENDED_ON) is None

    def test_the_first_passed_exam_after_it_does(self) -> None:
        exams = [Exam(date(2026, 6, 1), True), Exam(date(2026, 5, 20), False), Exam(date(2026, 5, 25), True)]
        assert q.lifting_exam(exams, self.SUSPENDED_ON) == Exam(date(2026, 5, 25), True)


class TestPublicStatus:
    @pytest.mark.parametrize(
        ("status", "retraining", "label"),
        [
            ("active", False, "在岗"),
            ("suspended", True, "暂停执法（轮训）"),
            ("suspended", False, "暂停执法（暂扣）"),
            ("revoked", False, "注销"),
            ("expired", False, "已过期"),
        ],
    )
    def test_labels(self, status: str, retraining: bool, label: str) -> None:
        assert q.PUBLIC_STATUS_ZH[q.public_status(status, retraining)] == label
