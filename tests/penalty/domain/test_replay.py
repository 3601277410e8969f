"""Replaying a former case system's record through the procedure (domain.replay), without a database.

2024 calendar (国办发明电〔2023〕7号): 国庆 10月1日至7日放假; 9月29日（日）、10月12日（六）上班.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import procedure as p
from services.penalty.domain import replay
from tests.penalty.domain.test_procedure import CASE_ID, ORG, assessed, decide_cmd, fine, notice_cmd

CAL = WorkingDayCalendar()
TODAY = date(2026, 11, 16)
FILED = date(2024, 9, 2)
SERVED = date(2024, 9, 27)  # Friday before 国庆
FILING = p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "经营超过保质期的食品", "王局长")


def steps(decided_on: date, *, delivered_on: date | None = None) -> list[replay.Step]:
    record = [
        replay.Step(decided_on, "decision", decide_cmd(fine(30_000))),
        replay.Step(SERVED, "notice", notice_cmd(fine(30_000), served_on=SERVED)),
        replay.Step(FILED, "assessment", p.RecordAssessment(assessed())),
        replay.Step(FILED, "investigation", p.StartInvestigation(("张三", "李四"))),
    ]
    if delivered_on is not None:
        record.append(
            replay.Step(delivered_on, "delivery", p.Deliver(delivered_on, p.DeliveryMethod.DIRECT, "当事人"))
        )
    return record


class TestReplay:
    def test_steps_apply_in_date_order_then_the_procedures_order(self) -> None:
        done = replay.replay(FILING, FILED, steps(date(2024, 10, 11)), calendar=CAL, today=TODAY)
        # given out of order; investigation precedes the assessment on the same day 2024-09-02
        assert [a for a, _, _ in done.transitions] == [
            "filed",
            "investigation",
            "assessment",
            "notice",
            "decision",
        ]
        assert [m.date().isoformat() for _, m, _ in done.transitions] == [
            "2024-09-02",
            "2024-09-02",
            "2024-09-02",
            "2024-09-27",
            "2024-10-11",
        ]
        case = done.case
        assert case.filed_on == FILED and case.decision is not None
        # statement period: 5 working days after Fri 9-27: Sun 9-29 (调休) 1, Mon 9-30 2, Tue 10-8 3, 10-9 4,
        # Thu 10-10 5 → 2024-10-10; delivery: 7 working days after Fri 10-11: Sat 10-12 (调休) 1, 10-14..10-18
        # 2–6, Mon 10-21 7 → 2024-10-21
        assert case.notice is not None and case.notice.statement_deadline == date(2024, 10, 10)
        assert case.decision.decided_on == date(2024, 10, 11)
        assert case.decision.delivery_due == date(2024, 10, 21)

    def test_a_decision_dated_before_its_notice_meets_the_notice_rule(self) -> None:
        with pytest.raises(replay.StepRefused) as refused:
            replay.replay(FILING, FILED, steps(date(2024, 9, 20)), calendar=CAL, today=TODAY)
        assert refused.value.action == "decision" and refused.value.on == date(2024, 9, 20)
        assert refused.value.error.code == "PROCEDURE_DECISION_BEFORE_NOTICE"
        assert refused.value.label == "决定"

    def test_the_last_day_of_the_statement_period_is_too_early(self) -> None:
        with pytest.raises(replay.StepRefused) as refused:
            replay.replay(FILING, FILED, steps(date(2024, 10, 10)), calendar=CAL, today=TODAY)
        assert refused.value.error.code == "PROCEDURE_STATEMENT_PERIOD_OPEN"

    def test_a_step_after_the_import_day_is_refused(self) -> None:
        record = steps(date(2024, 10, 11), delivered_on=date(2026, 11, 17))
        with pytest.raises(replay.StepRefused) as refused:
            replay.replay(FILING, FILED, record, calendar=CAL, today=TODAY)
        assert (refused.value.action, refused.value.error.code) == ("delivery", "PROCEDURE_INVALID_DATE")

    def test_a_step_before_the_filing_is_refused(self) -> None:
        record = [replay.Step(date(2024, 9, 1), "investigation", p.StartInvestigation(("张三", "李四")))]
        with pytest.raises(replay.StepRefused) as refused:
            replay.replay(FILING, FILED, record, calendar=CAL, today=TODAY)
        assert (
            refused.value.error.code == "PROCEDURE_INVALID_DATE"
            and "早于立案日期" in refused.value.error.detail
        )
