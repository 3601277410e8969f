"""The entry refusals of officers' qualifications (issue #14 item 5; services/inspection/domain/entry_rules.py):
an officer suspended for 轮训 (沈法治发〔2021〕7号 12) and, from a configured date, an officer below the yearly
学时 (辽政办发〔2023〕18号 二(一)2). The existing refusal tests (test_entry_rules.py) are untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.inspection.domain.entry_rules import DEFAULT_CONFIG, QUALIFICATION_REFUSALS
from services.inspection.domain.registry import OfficerStatus
from tests.inspection.domain.test_entry_rules import DAY, SJ1, SJ2, check, refused

RETRAINING = replace(
    SJ2,
    status=OfficerStatus.SUSPENDED,
    status_since=date(2026, 5, 20),
    retraining=True,
    return_date=date(2026, 7, 1),
)
ON = replace(DEFAULT_CONFIG, training_enforced_from=DAY)  # the rule is on from the day of the check


class TestRetraining:
    def test_an_officer_suspended_for_retraining_is_refused_citing_the_seed(self) -> None:
        err = refused("OFFICER_IN_RETRAINING", officers=[SJ1, RETRAINING])
        assert "辽A-0012346（王芳）已于2026-05-20暂扣并离岗轮训" in err.detail
        assert "沈法治发〔2021〕7号" in err.detail and "合格后返还执法证件" in err.detail
        assert err.extra["cert_no"] == "辽A-0012346"

    def test_nor_may_they_accompany(self) -> None:
        refused("OFFICER_IN_RETRAINING", accompanying=[RETRAINING])

    def test_a_suspension_without_retraining_is_still_cert_suspended(self) -> None:
        refused("CERT_SUSPENDED", officers=[SJ1, replace(RETRAINING, retraining=False)])

    def test_stable_codes(self) -> None:
        assert [c.code for c in QUALIFICATION_REFUSALS] == ["OFFICER_IN_RETRAINING", "TRAINING_HOURS_SHORT"]


class TestTrainingHours:
    HOURS = {"o1": Decimal(60), "o2": Decimal("59.5")}

    def test_off_by_default(self) -> None:
        check(training_hours={})  # nobody trained, and no refusal: the rule is off

    def test_before_the_configured_date_nothing_is_refused(self) -> None:
        later = replace(DEFAULT_CONFIG, training_enforced_from=date(2026, 6, 2))  # DAY is 2026-06-01
        check(config=later, training_hours={})

    def test_from_the_date_an_officer_below_60_is_refused(self) -> None:
        err = refused("TRAINING_HOURS_SHORT", config=ON, training_hours=self.HOURS)
        # 王芳 has 59.5 of the 60 学时 (张伟's 60 are enough)
        assert err.detail.startswith("执法证 辽A-0012346（王芳）近一年培训59.5学时，不足60学时")
        assert "辽政办发〔2023〕18号" in err.detail
        assert (err.extra["hours"], err.extra["required"]) == (59.5, 60)

    def test_no_record_is_zero_hours(self) -> None:
        err = refused("TRAINING_HOURS_SHORT", config=ON, training_hours={"o2": Decimal(80)})
        assert "张伟" in err.detail and "近一年培训0学时" in err.detail

    def test_the_requirement_is_configurable(self) -> None:
        check(config=replace(ON, training_required_hours=Decimal(40)), training_hours=self.HOURS)

    def test_everyone_with_their_hours_enters(self) -> None:
        check(config=ON, training_hours={"o1": Decimal(60), "o2": Decimal("60.5")})
