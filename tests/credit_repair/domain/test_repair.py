"""Repair eligibility (each refusal), the review, and its working-day deadlines over a holiday."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.common.errors import DomainError
from services.common.workdays import PACKAGE_YEARS, WorkingDayCalendar
from services.credit_repair import errors
from services.credit_repair.domain import publication as pub
from services.credit_repair.domain import repair, rules
from services.credit_repair.domain.publication import CleanupReason, Decision
from services.credit_repair.domain.repair import (
    CreditRecord,
    OtherDecision,
    RepairApplication,
    ReviewOutcome,
    ReviewStage,
)
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "credit_rules.json"
YUAN = 100
USCC = "91210100MA0XXXXX1A"


def rule_dict() -> dict[str, Any]:
    for item in json.loads(SAMPLE.read_text(encoding="utf-8"))["rule_sets"]:
        if item["id"] == "shenyang-credit-2026-04":
            return copy.deepcopy(dict(item))
    raise AssertionError("missing")


CURRENT = rules.parse_rule_set(rule_dict())


def make_record(
    *kinds: PenaltyKind,
    fine_yuan: int = 80_000,
    paid_yuan: int | None = None,
    on: date = date(2026, 4, 15),
    ended_on: date | None = None,
    rule_set: rules.RuleSet = CURRENT,
) -> CreditRecord:
    kinds = kinds or (PenaltyKind.FINE,)
    d = Decision(
        decision_no="沈市监罚〔2026〕7号",
        decision_date=on,
        party_kind=PartyKind.ORGANISATION,
        procedure=ProcedureKind.GENERAL,
        kinds=frozenset(kinds),
        fine_fen=fine_yuan * YUAN if PenaltyKind.FINE in kinds else 0,
        department_domain="market_regulation",
        violation_kind="cosmetics-refill",
    )
    c = pub.classify(d, rule_set)
    w = pub.publication_window(d.decision_date, c, rule_set)
    paid = d.fine_fen if paid_yuan is None else paid_yuan * YUAN
    return CreditRecord("rec-1", USCC, d, c, w, fine_paid_fen=paid, publication_ended_on=ended_on)


def application(
    submitted_on: date = date(2026, 7, 15),
    *,
    commitment: bool = True,
    corrected: bool = True,
    app_id: str = "app-1",
) -> RepairApplication:
    return RepairApplication(app_id, "rec-1", USCC, submitted_on, commitment, corrected)


class TestEligible:
    def test_on_the_day_the_minimum_period_is_served(self) -> None:
        # decision 15 April 2026, 一般: minimum 3 months -> 15 July 2026
        result = repair.check_eligibility(make_record(), application(), date(2026, 7, 15), CURRENT)
        assert result.eligible is True
        assert result.refusals == ()
        assert result.earliest_repair_date == date(2026, 7, 15)

    def test_earlier_decision_of_another_kind_or_before_does_not_bar(self) -> None:
        others = [
            OtherDecision("沈市监罚〔2026〕9号", date(2026, 6, 1), "food-labelling"),  # other kind
            OtherDecision("沈市监罚〔2025〕3号", date(2025, 12, 1), "cosmetics-refill"),  # before the record
            OtherDecision("沈市监罚〔2026〕7号", date(2026, 4, 15), "cosmetics-refill"),  # the record itself
        ]
        result = repair.check_eligibility(
            make_record(), application(), date(2026, 7, 20), CURRENT, other_decisions=others
        )
        assert result.eligible

    def test_own_open_application_is_not_a_duplicate(self) -> None:
        result = repair.check_eligibility(
            make_record(), application(), date(2026, 7, 15), CURRENT, open_application_ids={"app-1"}
        )
        assert result.eligible


class TestRefusals:
    def refused(self, exc_type: type[DomainError], code: str, *args: Any, **kw: Any) -> Any:
        with pytest.raises(exc_type) as err:
            repair.check_eligibility(*args, **kw)
        assert err.value.code == code
        return err.value

    def test_too_early(self) -> None:
        err = self.refused(
            errors.RepairTooEarly,
            "REPAIR_TOO_EARLY",
            make_record(),
            application(),
            date(2026, 7, 14),
            CURRENT,
        )
        assert err.status == 409
        assert "2026年7月15日" in err.detail

    def test_fine_unpaid(self) -> None:
        record = make_record(paid_yuan=70_000)
        err = self.refused(
            errors.RepairFineUnpaid, "REPAIR_FINE_UNPAID", record, application(), date(2026, 7, 20), CURRENT
        )
        # 80,000 - 70,000 = 10,000 yuan outstanding
        assert record.fine_outstanding_fen == 10_000 * YUAN
        assert "10,000.00元未缴纳" in err.detail

    def test_never_early(self) -> None:
        record = make_record(PenaltyKind.REVOKE_LICENCE, on=date(2026, 4, 15))
        # even after the 1-year minimum (15 April 2027) a revocation never ends early
        err = self.refused(
            errors.RepairNeverEarly,
            "REPAIR_NEVER_EARLY",
            record,
            application(date(2027, 5, 1)),
            date(2027, 5, 1),
            CURRENT,
        )
        assert "吊销许可证件" in err.detail
        assert "2029年4月15日" in err.detail  # 15 April 2026 + 3 years

    def test_new_violation_of_the_same_kind(self) -> None:
        others = [OtherDecision("沈市监罚〔2026〕30号", date(2026, 6, 1), "cosmetics-refill")]
        err = self.refused(
            errors.RepairNewViolation,
            "REPAIR_NEW_VIOLATION",
            make_record(),
            application(),
            date(2026, 7, 20),
            CURRENT,
            other_decisions=others,
        )
        assert "沈市监罚〔2026〕30号" in err.detail

    def test_commitment_missing(self) -> None:
        err = self.refused(
            errors.RepairCommitmentMissing,
            "REPAIR_COMMITMENT_MISSING",
            make_record(),
            application(commitment=False),
            date(2026, 7, 20),
            CURRENT,
        )
        assert err.status == 400

    def test_not_corrected(self) -> None:
        self.refused(
            errors.RepairNotCorrected,
            "REPAIR_NOT_CORRECTED",
            make_record(),
            application(corrected=False),
            date(2026, 7, 20),
            CURRENT,
        )

    def test_duplicate(self) -> None:
        self.refused(
            errors.RepairDuplicate,
            "REPAIR_DUPLICATE",
            make_record(),
            application(),
            date(2026, 7, 20),
            CURRENT,
            open_application_ids={"app-1", "app-0"},
        )

    def test_not_published_minor(self) -> None:
        record = make_record(fine_yuan=30_000)  # 轻微, unpublished in Shenyang
        assert record.window is None
        self.refused(
            errors.RepairNotPublished,
            "REPAIR_NOT_PUBLISHED",
            record,
            application(),
            date(2026, 7, 20),
            CURRENT,
        )

    def test_not_published_after_it_ended(self) -> None:
        record = make_record(ended_on=date(2026, 7, 1))
        self.refused(
            errors.RepairNotPublished,
            "REPAIR_NOT_PUBLISHED",
            record,
            application(),
            date(2026, 7, 20),
            CURRENT,
        )

    def test_not_published_after_the_maximum(self) -> None:
        # 15 April 2026 + 12 months = 15 April 2027: no longer published that day
        self.refused(
            errors.RepairNotPublished,
            "REPAIR_NOT_PUBLISHED",
            make_record(),
            application(date(2027, 4, 15)),
            date(2027, 4, 15),
            CURRENT,
        )

    def test_repeat_violation_bar_when_configured(self) -> None:
        data = rule_dict()
        data["repeat_violation_bar"] = {"window_months": 12, "min_decisions": 2}
        barred = rules.parse_rule_set(data)
        record = make_record(rule_set=barred)
        # one earlier decision of the same kind on 1 Dec 2025, inside the 12 months before 20 July 2026
        others = [OtherDecision("沈市监罚〔2025〕3号", date(2025, 12, 1), "cosmetics-refill")]
        self.refused(
            errors.RepairRepeatBarred,
            "REPAIR_REPEAT_BARRED",
            record,
            application(),
            date(2026, 7, 20),
            barred,
            other_decisions=others,
        )
        # an earlier decision before 20 July 2025 is outside the window
        old = [OtherDecision("沈市监罚〔2025〕1号", date(2025, 7, 20), "cosmetics-refill")]
        assert repair.check_eligibility(
            record, application(), date(2026, 7, 20), barred, other_decisions=old
        ).eligible

    def test_all_failures_are_listed_in_order(self) -> None:
        record = make_record(paid_yuan=0)
        with pytest.raises(errors.RepairTooEarly) as err:
            repair.check_eligibility(
                record, application(commitment=False, corrected=False), date(2026, 5, 1), CURRENT
            )
        assert [e["code"] for e in err.value.errors] == [
            "REPAIR_TOO_EARLY",
            "REPAIR_FINE_UNPAID",
            "REPAIR_NOT_CORRECTED",
            "REPAIR_COMMITMENT_MISSING",
        ]

    def test_assess_returns_refusals_without_raising(self) -> None:
        result = repair.assess_eligibility(
            make_record(), application(commitment=False), date(2026, 7, 20), CURRENT
        )
        assert result.eligible is False
        assert result.codes == ("REPAIR_COMMITMENT_MISSING",)

    def test_application_for_another_subject(self) -> None:
        other = RepairApplication("app-9", "rec-1", "91210100MA0YYYYY2B", date(2026, 7, 20), True, True)
        with pytest.raises(errors.RepairApplicationMismatch) as err:
            repair.check_eligibility(make_record(), other, date(2026, 7, 20), CURRENT)
        assert err.value.code == "REPAIR_APPLICATION_MISMATCH"


class TestDeadlines:
    """2026 National Day (国办发明电〔2025〕7号): 1–7 October off; Sunday 20 September and Saturday
    10 October are working days."""

    CAL = WorkingDayCalendar()

    def test_over_national_day(self) -> None:
        d = repair.review_deadlines(date(2026, 9, 30), CURRENT, self.CAL)
        # acceptance, 3 working days after Wed 30 Sep: Thu 8 Oct (1), Fri 9 Oct (2), Sat 10 Oct make-up (3)
        assert d.acceptance_due == date(2026, 10, 10)
        # decision, 7 working days after 10 Oct: 12, 13, 14, 15, 16, 19, 20 October
        assert d.decision_due == date(2026, 10, 20)
        # 信用中国, 10 working days after 30 Sep: 8, 9, 10, 12, 13, 14, 15, 16, 19, 20 October
        assert d.window_due == date(2026, 10, 20)

    def test_decision_counted_from_acceptance(self) -> None:
        d = repair.review_deadlines(date(2026, 9, 30), CURRENT, self.CAL, accepted_on=date(2026, 10, 8))
        # 7 working days after Thu 8 Oct: 9, 10 (Sat, make-up), 12, 13, 14, 15, 16
        assert d.decision_due == date(2026, 10, 16)

    def test_extension_for_complex_cases(self) -> None:
        d = repair.review_deadlines(date(2026, 9, 30), CURRENT, self.CAL, extended=True)
        # 7 + 10 = 17 working days after Sat 10 Oct:
        # Oct 12-16 (5), 19-23 (10), 26-30 (15), Nov 2 (16), Nov 3 (17)
        assert d.decision_due == date(2026, 11, 3)
        assert d.extended

    def test_with_an_override_calendar(self) -> None:
        # year 2099 entered by an administrator: Monday 5 Jan a holiday, Saturday 10 Jan a make-up day
        cal = WorkingDayCalendar(
            overrides={date(2099, 1, 5): False, date(2099, 1, 10): True}, covered_years=[2099]
        )
        d = repair.review_deadlines(date(2099, 1, 2), CURRENT, cal)  # Friday
        # Mon 5 Jan is off: Tue 6 (1), Wed 7 (2), Thu 8 (3)
        assert d.acceptance_due == date(2099, 1, 8)
        # after Thu 8: Fri 9 (1), Sat 10 (2), Mon 12 (3), 13 (4), 14 (5), 15 (6), 16 (7)
        assert d.decision_due == date(2099, 1, 16)


class TestPendingDeadlines:
    """A deadline that runs into a year without a holiday arrangement is pending (None), never guessed, and
    the application is still received (国办发〔2025〕22号). The package covers 2026, not 2027."""

    UNCOVERED = WorkingDayCalendar()
    # 2027 entered by an administrator: 元旦, Friday 1 January, a day off
    ENTERED = WorkingDayCalendar(overrides={date(2027, 1, 1): False}, covered_years=[2027])

    def test_premise(self) -> None:
        assert 2026 in PACKAGE_YEARS and 2027 not in PACKAGE_YEARS

    def test_only_what_runs_into_the_year_is_pending(self) -> None:
        d = repair.review_deadlines(date(2026, 12, 21), CURRENT, self.UNCOVERED)  # Monday
        # acceptance, 3 working days after Mon 21 Dec: 22, 23, 24 December: known
        assert d.acceptance_due == date(2026, 12, 24)
        # decision, 7 after Thu 24 Dec: 25, 28, 29, 30, 31 (5), then 2027; 信用中国, 10 after 21 Dec: the same
        assert (d.decision_due, d.window_due, d.pending_year) == (None, None, 2027)

    def test_everything_pending(self) -> None:
        d = repair.review_deadlines(date(2026, 12, 30), CURRENT, self.UNCOVERED)  # Wednesday
        # acceptance: Thu 31 Dec (1), then 2027; the decision counts from it, so it is pending too
        assert (d.acceptance_due, d.decision_due, d.window_due, d.pending_year) == (None, None, None, 2027)

    def test_computed_once_the_year_is_entered(self) -> None:
        d = repair.review_deadlines(date(2026, 12, 30), CURRENT, self.ENTERED)
        # acceptance: Thu 31 Dec (1), Fri 1 Jan off, Mon 4 (2), Tue 5 (3)
        assert d.acceptance_due == date(2027, 1, 5)
        # decision, 7 after Tue 5 Jan: 6, 7, 8, 11, 12, 13, 14 January
        assert d.decision_due == date(2027, 1, 14)
        # 信用中国, 10 after Wed 30 Dec: 31 (1), 4, 5, 6, 7, 8 (6), 11, 12, 13, 14 (10)
        assert (d.window_due, d.pending_year) == (date(2027, 1, 14), None)

    def test_acceptance_in_the_covered_year_makes_the_decision_known(self) -> None:
        d = repair.review_deadlines(
            date(2026, 12, 21), CURRENT, self.UNCOVERED, accepted_on=date(2026, 12, 22)
        )
        # 7 working days after Tue 22 Dec: 23, 24, 25, 28, 29, 30, 31 December; the window still pending
        assert (d.decision_due, d.window_due, d.pending_year) == (date(2026, 12, 31), None, 2027)

    def test_a_pending_deadline_is_never_overdue(self) -> None:
        d = repair.review_deadlines(date(2026, 12, 21), CURRENT, self.UNCOVERED)
        accepted = date(2026, 12, 24)
        assert repair.overdue_stage(d, date(2027, 3, 1), accepted_on=accepted) is None
        # the known acceptance deadline still counts
        assert repair.overdue_stage(d, date(2026, 12, 25)) is ReviewStage.ACCEPTANCE

    def test_a_decision_while_pending_is_neither_on_time_nor_late(self) -> None:
        d = repair.review_deadlines(date(2026, 12, 21), CURRENT, self.UNCOVERED)
        decided = repair.decide_review(
            application(date(2026, 12, 21)), ReviewOutcome.REJECTED, ["材料不全"], date(2026, 12, 28), d
        )
        assert decided.on_time is None


class TestOverdue:
    D = repair.review_deadlines(date(2026, 9, 30), CURRENT, WorkingDayCalendar())

    def test_nothing_overdue_on_the_last_day(self) -> None:
        assert repair.overdue_stage(self.D, date(2026, 10, 10)) is None

    def test_acceptance_overdue(self) -> None:
        assert repair.overdue_stage(self.D, date(2026, 10, 11)) is ReviewStage.ACCEPTANCE

    def test_decision_overdue(self) -> None:
        accepted = date(2026, 10, 9)
        assert repair.overdue_stage(self.D, date(2026, 10, 20), accepted_on=accepted) is None
        assert repair.overdue_stage(self.D, date(2026, 10, 21), accepted_on=accepted) is ReviewStage.DECISION

    def test_decided_is_never_overdue(self) -> None:
        assert repair.overdue_stage(self.D, date(2026, 12, 1), decided_on=date(2026, 11, 30)) is None


class TestReview:
    D = repair.review_deadlines(date(2026, 7, 15), CURRENT, WorkingDayCalendar())

    def eligible(self) -> repair.Eligibility:
        return repair.check_eligibility(make_record(), application(), date(2026, 7, 16), CURRENT)

    def test_accept_ends_publication_at_once(self) -> None:
        decided = repair.decide_review(
            application(), ReviewOutcome.ACCEPTED, [], date(2026, 7, 16), self.D, eligibility=self.eligible()
        )
        assert decided.publication_ends_on == date(2026, 7, 16)
        assert decided.end_reason is CleanupReason.REPAIRED
        assert decided.on_time

    def test_accept_needs_a_passing_check(self) -> None:
        failing = repair.assess_eligibility(
            make_record(paid_yuan=0), application(), date(2026, 7, 16), CURRENT
        )
        with pytest.raises(errors.RepairRefused) as err:
            repair.decide_review(
                application(), ReviewOutcome.ACCEPTED, [], date(2026, 7, 16), self.D, eligibility=failing
            )
        assert err.value.code == "REPAIR_REFUSED"
        with pytest.raises(errors.RepairRefused):
            repair.decide_review(application(), ReviewOutcome.ACCEPTED, [], date(2026, 7, 16), self.D)

    def test_reject_with_reasons(self) -> None:
        decided = repair.decide_review(
            application(), ReviewOutcome.REJECTED, ["  违法行为尚未整改完毕 ", ""], date(2026, 7, 17), self.D
        )
        assert decided.reasons == ("违法行为尚未整改完毕",)
        assert decided.publication_ends_on is None
        assert decided.end_reason is None

    def test_reject_without_reasons(self) -> None:
        with pytest.raises(errors.ReviewReasonRequired) as err:
            repair.decide_review(application(), ReviewOutcome.REJECTED, [" "], date(2026, 7, 17), self.D)
        assert err.value.code == "REPAIR_REJECTION_REASON_REQUIRED"

    def test_late_decision_is_flagged(self) -> None:
        # received Wed 15 July 2026: acceptance due Mon 20 July (16, 17, 20),
        # decision due 7 working days later: 21, 22, 23, 24, 27, 28, 29 July
        assert self.D.decision_due == date(2026, 7, 29)
        late = repair.decide_review(
            application(), ReviewOutcome.REJECTED, ["材料不全"], date(2026, 7, 30), self.D
        )
        assert late.on_time is False

    def test_decision_before_the_application(self) -> None:
        with pytest.raises(errors.ReviewDateInvalid):
            repair.decide_review(application(), ReviewOutcome.REJECTED, ["x"], date(2026, 7, 14), self.D)
