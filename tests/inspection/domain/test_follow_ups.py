"""责令改正 follow-up as pure rules (services/inspection/domain/follow_ups.py)."""

from __future__ import annotations

from datetime import date

import pytest

from services.inspection import errors
from services.inspection.domain import follow_ups as fu

ORDERED = date(2026, 6, 1)
DUE = date(2026, 6, 15)


class TestState:
    def test_due_through_the_deadline_day_then_overdue(self) -> None:
        assert fu.state("open", DUE, date(2026, 6, 14)) is fu.FollowUpState.DUE
        assert fu.state("open", DUE, DUE) is fu.FollowUpState.DUE  # the deadline day itself is still in time
        assert fu.state("open", DUE, date(2026, 6, 16)) is fu.FollowUpState.OVERDUE
        assert fu.overdue_since(DUE) == date(2026, 6, 16)

    @pytest.mark.parametrize("status", ["corrected", "not_corrected"])
    def test_a_result_is_done_whatever_the_date(self, status: str) -> None:
        assert fu.state(status, DUE, date(2027, 1, 1)) is fu.FollowUpState.DONE

    def test_one_id_per_visit_and_item(self) -> None:
        assert fu.follow_up_id("v1", "SJ-SP-001") == fu.follow_up_id("v1", "SJ-SP-001")
        assert fu.follow_up_id("v1", "SJ-SP-001") != fu.follow_up_id("v1", "SJ-SP-002")


def result(**kw: object) -> fu.FollowUpStatus:
    args: dict[str, object] = {
        "status": "open",
        "ordered_on": ORDERED,
        "due_on": DUE,
        "corrected": True,
        "checked_on": date(2026, 6, 10),
        "today": date(2026, 6, 20),
        "evidence": 0,
    }
    return fu.check_result(**{**args, **kw})  # type: ignore[arg-type]


class TestResult:
    def test_corrected_any_day_from_the_order_to_today(self) -> None:
        assert result(checked_on=ORDERED) is fu.FollowUpStatus.CORRECTED
        assert result(checked_on=date(2026, 6, 20)) is fu.FollowUpStatus.CORRECTED

    @pytest.mark.parametrize("checked_on", [date(2026, 5, 31), date(2026, 6, 21)])
    def test_not_before_the_order_nor_in_the_future(self, checked_on: date) -> None:
        with pytest.raises(errors.FollowUpConflict):
            result(checked_on=checked_on)

    def test_not_corrected_only_after_the_deadline(self) -> None:
        with pytest.raises(errors.FollowUpConflict, match="期限届满前"):
            result(corrected=False, checked_on=DUE, evidence=1)
        assert (
            result(corrected=False, checked_on=date(2026, 6, 16), evidence=1)
            is fu.FollowUpStatus.NOT_CORRECTED
        )

    def test_not_corrected_needs_evidence(self) -> None:
        with pytest.raises(errors.FollowUpConflict, match="证据"):
            result(corrected=False, checked_on=date(2026, 6, 16), evidence=0)

    def test_once(self) -> None:
        with pytest.raises(errors.FollowUpConflict, match="已登记"):
            result(status="corrected")
