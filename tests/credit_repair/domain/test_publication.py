"""Classing decisions, publication windows (month arithmetic) and the 信用松绑 clean-up reasons.

Every expected date and amount below is worked by hand from the decision date and the rule set's figures.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.common import dates
from services.credit_repair import errors
from services.credit_repair.domain import publication as pub
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import CleanupReason, Decision, DecisionStatus, PublishedRecord
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind, ProcedureKind

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "credit_rules.json"
YUAN = 100  # fen per yuan


def rule_dict(rid: str = "shenyang-credit-2026-04") -> dict[str, Any]:
    for item in json.loads(SAMPLE.read_text(encoding="utf-8"))["rule_sets"]:
        if item["id"] == rid:
            return copy.deepcopy(dict(item))
    raise AssertionError(rid)


CURRENT = rules.parse_rule_set(rule_dict())
OLD = rules.parse_rule_set(rule_dict("sample-credit-2023-05"))


def decision(
    *kinds: PenaltyKind,
    fine_yuan: int = 0,
    on: date = date(2026, 4, 15),
    party: PartyKind = PartyKind.ORGANISATION,
    procedure: ProcedureKind = ProcedureKind.GENERAL,
    domain: str = "market_regulation",
    serious: bool = False,
    restriction_months: int | None = None,
    fine_fen: int | None = None,
) -> Decision:
    return Decision(
        decision_no="沈市监罚〔2026〕1号",
        decision_date=on,
        party_kind=party,
        procedure=procedure,
        kinds=frozenset(kinds),
        fine_fen=fine_fen if fine_fen is not None else fine_yuan * YUAN,
        department_serious=serious,
        department_domain=domain,
        violation_kind="cosmetics-refill",
        restriction_months=restriction_months,
    )


class TestAddMonths:
    """The calendar arithmetic publication windows use (services.common.dates, 民法典 第二百零二条)."""

    def test_same_day_of_month(self) -> None:
        assert dates.add_months(date(2026, 12, 15), 3) == date(2027, 3, 15)  # Dec + 3 = Mar next year

    def test_end_of_month_clamps(self) -> None:
        assert dates.add_months(date(2026, 8, 31), 3) == date(2026, 11, 30)  # November has 30 days
        assert dates.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)  # 2026 is not a leap year
        assert dates.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # 2028 is

    def test_leap_day_plus_a_year(self) -> None:
        assert dates.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)

    def test_clamping_is_not_carried_forward(self) -> None:
        assert dates.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
        assert dates.add_months(date(2026, 8, 31), 7) == date(2027, 3, 31)  # not 28 March

    def test_zero_and_negative(self) -> None:
        assert dates.add_months(date(2026, 5, 5), 0) == date(2026, 5, 5)
        with pytest.raises(ValueError):
            dates.add_months(date(2026, 5, 5), -1)

    def test_format_months(self) -> None:
        assert pub.format_months(3) == "3个月"
        assert pub.format_months(12) == "1年"
        assert pub.format_months(36) == "3年"
        assert pub.format_months(18) == "18个月"


class TestClassifyFines:
    def test_30000_yuan_enterprise_fine_is_minor_and_unpublished(self) -> None:
        c = pub.classify(decision(PenaltyKind.FINE, fine_yuan=30_000), CURRENT)
        # 30,000 yuan <= 50,000 yuan (Shenyang 较低数额罚款)
        assert c.credit_class is CreditClass.MINOR
        assert c.published is False
        assert "不予公示" in c.reason and "30,000.00元" in c.reason
        assert pub.publication_window(date(2026, 4, 15), c, CURRENT) is None

    def test_80000_yuan_enterprise_fine_is_general(self) -> None:
        d = decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 4, 15))
        c = pub.classify(d, CURRENT)
        assert c.credit_class is CreditClass.GENERAL
        assert c.published is True
        window = pub.publication_window(d.decision_date, c, CURRENT)
        assert window is not None
        assert window.start == date(2026, 4, 15)
        assert window.minimum_end == date(2026, 7, 15)  # 15 April + 3 months
        assert window.maximum_end == date(2027, 4, 15)  # 15 April + 12 months
        assert window.earliest_repair_date == date(2026, 7, 15)
        assert "一般失信信息" in c.reason and "最短公示期3个月" in c.reason and "最长公示期1年" in c.reason

    def test_exactly_at_the_threshold_is_minor(self) -> None:
        # 5万元以下 includes 50,000 yuan itself (以下 含本数), see FineThreshold
        c = pub.classify(decision(PenaltyKind.FINE, fine_fen=50_000 * YUAN), CURRENT)
        assert c.credit_class is CreditClass.MINOR

    def test_one_fen_above_the_threshold_is_general(self) -> None:
        c = pub.classify(decision(PenaltyKind.FINE, fine_fen=50_000 * YUAN + 1), CURRENT)
        assert c.credit_class is CreditClass.GENERAL

    def test_exclusive_threshold_puts_the_exact_amount_in_general(self) -> None:
        data = rule_dict()
        for t in data["classification"]["minor_fine_thresholds"]:
            t["inclusive"] = False  # "五万元(不含本数)以下" as in 闽市监规〔2024〕3号
        exclusive = rules.parse_rule_set(data)
        at = pub.classify(decision(PenaltyKind.FINE, fine_fen=50_000 * YUAN), exclusive)
        below = pub.classify(decision(PenaltyKind.FINE, fine_fen=50_000 * YUAN - 1), exclusive)
        assert at.credit_class is CreditClass.GENERAL
        assert below.credit_class is CreditClass.MINOR

    def test_individual_threshold_is_5000_yuan_exclusive(self) -> None:
        at = pub.classify(decision(PenaltyKind.FINE, fine_yuan=5_000, party=PartyKind.INDIVIDUAL), CURRENT)
        below = pub.classify(
            decision(PenaltyKind.FINE, fine_fen=5_000 * YUAN - 1, party=PartyKind.INDIVIDUAL), CURRENT
        )
        assert at.credit_class is CreditClass.GENERAL
        assert below.credit_class is CreditClass.MINOR

    def test_a_fine_minor_for_an_enterprise_is_general_for_a_person(self) -> None:
        enterprise = pub.classify(decision(PenaltyKind.FINE, fine_yuan=30_000), CURRENT)
        person = pub.classify(
            decision(PenaltyKind.FINE, fine_yuan=30_000, party=PartyKind.INDIVIDUAL), CURRENT
        )
        assert (enterprise.credit_class, person.credit_class) == (CreditClass.MINOR, CreditClass.GENERAL)

    def test_3000_yuan_simple_procedure_fine_is_unpublished(self) -> None:
        # 行政处罚法 第五十一条: organisations up to 3,000 yuan on the spot
        c = pub.classify(decision(PenaltyKind.FINE, fine_yuan=3_000, procedure=ProcedureKind.SIMPLE), CURRENT)
        assert c.credit_class is CreditClass.MINOR
        assert c.published is False
        assert "简易程序" in c.reason

    def test_simple_procedure_is_minor_even_above_a_low_threshold(self) -> None:
        data = rule_dict()
        data["classification"]["minor_fine_thresholds"][0]["amount_fen"] = 1_000 * YUAN
        low = rules.parse_rule_set(data)
        by_amount = pub.classify(decision(PenaltyKind.FINE, fine_yuan=3_000), low)
        simple = pub.classify(
            decision(PenaltyKind.FINE, fine_yuan=3_000, procedure=ProcedureKind.SIMPLE), low
        )
        assert by_amount.credit_class is CreditClass.GENERAL  # 3,000 > 1,000
        assert simple.credit_class is CreditClass.MINOR


class TestClassifyKinds:
    def test_warning_and_circulated_criticism_are_minor(self) -> None:
        assert pub.classify(decision(PenaltyKind.WARNING), CURRENT).published is False
        assert pub.classify(decision(PenaltyKind.CIRCULATED_CRITICISM), CURRENT).published is False

    def test_most_severe_penalty_decides(self) -> None:
        c = pub.classify(decision(PenaltyKind.FINE, PenaltyKind.SUSPEND_LICENCE, fine_yuan=30_000), CURRENT)
        assert c.credit_class is CreditClass.GENERAL
        assert "暂扣许可证件" in c.reason
        assert "30,000.00" not in c.reason  # the minor fine does not explain the class

    def test_warning_with_a_large_fine_is_general(self) -> None:
        c = pub.classify(decision(PenaltyKind.WARNING, PenaltyKind.FINE, fine_yuan=80_000), CURRENT)
        assert c.credit_class is CreditClass.GENERAL

    def test_licence_revocation_is_serious_and_never_ends_early(self) -> None:
        d = decision(PenaltyKind.FINE, PenaltyKind.REVOKE_LICENCE, fine_yuan=80_000, on=date(2026, 5, 20))
        c = pub.classify(d, CURRENT)
        assert c.credit_class is CreditClass.SERIOUS
        assert c.never_early is True
        assert c.never_early_kinds == frozenset({PenaltyKind.REVOKE_LICENCE})
        window = pub.publication_window(d.decision_date, c, CURRENT)
        assert window is not None
        assert window.minimum_end == date(2027, 5, 20)  # + 1 year
        assert window.maximum_end == date(2029, 5, 20)  # + 3 years
        assert window.early_end_allowed is False
        assert window.earliest_repair_date is None
        assert "不得提前停止公示" in c.reason

    def test_never_early_bar_binds_market_regulation_only(self) -> None:
        # SAMR Order 45 binds 市场监督管理部门; another department's revocation is repairable after 1 year
        c = pub.classify(decision(PenaltyKind.REVOKE_LICENCE, domain="ecology"), CURRENT)
        assert c.credit_class is CreditClass.SERIOUS
        assert c.never_early is False

    def test_never_early_bar_for_every_department_when_configured(self) -> None:
        data = rule_dict()
        data["early_end"]["domains"] = None  # SPEC.md's reading
        everywhere = rules.parse_rule_set(data)
        assert pub.classify(decision(PenaltyKind.REVOKE_LICENCE, domain="ecology"), everywhere).never_early

    @pytest.mark.parametrize(
        "kind",
        [
            PenaltyKind.ORDER_CLOSURE,
            PenaltyKind.SUSPEND_PRODUCTION,
            PenaltyKind.EMPLOYMENT_BAN,
            PenaltyKind.RESTRICT_OPERATIONS,
        ],
    )
    def test_other_serious_kinds_never_end_early(self, kind: PenaltyKind) -> None:
        c = pub.classify(decision(kind), CURRENT)
        assert (c.credit_class, c.never_early) == (CreditClass.SERIOUS, True)

    def test_department_serious_flag(self) -> None:
        c = pub.classify(decision(PenaltyKind.FINE, fine_yuan=30_000, serious=True), CURRENT)
        assert c.credit_class is CreditClass.SERIOUS
        assert c.never_early is False  # a fine alone is not a never-early penalty

    def test_restriction_longer_than_maximum_is_published_for_its_length(self) -> None:
        # 总局令第45号 第十三条第三款: 限制从业超过三年的，公示期按照实际限制期限执行
        d = decision(PenaltyKind.EMPLOYMENT_BAN, restriction_months=60, on=date(2026, 6, 1))
        c = pub.classify(d, CURRENT)
        window = pub.publication_window(d.decision_date, c, CURRENT)
        assert c.max_months == 60
        assert window is not None and window.maximum_end == date(2031, 6, 1)  # + 5 years

    def test_short_restriction_keeps_the_maximum(self) -> None:
        c = pub.classify(decision(PenaltyKind.EMPLOYMENT_BAN, restriction_months=24), CURRENT)
        assert c.max_months == 36

    def test_platforms(self) -> None:
        samr = pub.classify(decision(PenaltyKind.FINE, fine_yuan=80_000), CURRENT)
        other = pub.classify(decision(PenaltyKind.FINE, fine_yuan=80_000, domain="urban_management"), CURRENT)
        assert samr.platforms == ("国家企业信用信息公示系统", "信用中国")
        assert other.platforms == ("信用中国",)

    def test_region_that_publishes_minor_for_three_months(self) -> None:
        data = rule_dict()
        data["publication"]["minor"] = {"published": True, "max_months": 3}
        region = rules.parse_rule_set(data)
        d = decision(PenaltyKind.FINE, fine_yuan=30_000, on=date(2026, 8, 31))
        c = pub.classify(d, region)
        window = pub.publication_window(d.decision_date, c, region)
        assert c.published is True and c.credit_class is CreditClass.MINOR
        assert window is not None
        assert window.minimum_end == date(2026, 8, 31)  # repairable once obligations are met
        assert window.maximum_end == date(2026, 11, 30)  # 31 Aug + 3 months, clamped


class TestWindowDates:
    def test_31_august_plus_three_months(self) -> None:
        d = decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 8, 31))
        c = pub.classify(d, CURRENT)
        window = pub.publication_window(d.decision_date, c, CURRENT)
        assert window is not None
        assert window.minimum_end == date(2026, 11, 30)
        assert window.maximum_end == date(2027, 8, 31)

    def test_leap_day_general(self) -> None:
        d = decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2028, 2, 29))
        window = pub.publication_window(d.decision_date, pub.classify(d, CURRENT), CURRENT)
        assert window is not None
        assert window.minimum_end == date(2028, 5, 29)
        assert window.maximum_end == date(2029, 2, 28)  # no 29 February in 2029

    def test_leap_day_serious(self) -> None:
        d = decision(PenaltyKind.SUSPEND_PRODUCTION, on=date(2028, 2, 29))
        window = pub.publication_window(d.decision_date, pub.classify(d, CURRENT), CURRENT)
        assert window is not None
        assert window.minimum_end == date(2029, 2, 28)
        assert window.maximum_end == date(2031, 2, 28)

    def test_published_interval_is_half_open(self) -> None:
        d = decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 4, 15))
        window = pub.publication_window(d.decision_date, pub.classify(d, CURRENT), CURRENT)
        assert window is not None
        assert window.is_published_on(date(2026, 4, 15))
        assert window.is_published_on(date(2027, 4, 14))
        assert not window.is_published_on(date(2027, 4, 15))
        assert not window.is_published_on(date(2026, 4, 14))

    def test_window_under_another_rule_set_is_refused(self) -> None:
        d = decision(PenaltyKind.FINE, fine_yuan=80_000)
        with pytest.raises(ValueError):
            pub.publication_window(d.decision_date, pub.classify(d, CURRENT), OLD)


class TestDecisionValidation:
    def test_fine_kind_without_amount(self) -> None:
        with pytest.raises(errors.DecisionInvalid) as err:
            decision(PenaltyKind.FINE)
        assert err.value.code == "CREDIT_DECISION_INVALID"

    def test_amount_without_fine_kind(self) -> None:
        with pytest.raises(errors.DecisionInvalid):
            decision(PenaltyKind.WARNING, fine_yuan=100)

    def test_no_kinds(self) -> None:
        with pytest.raises(errors.DecisionInvalid):
            decision()


def record(d: Decision, **kw: Any) -> PublishedRecord:
    return PublishedRecord(decision=d, **kw)


class TestCleanup:
    def test_stable_values_and_precedence(self) -> None:
        assert [r.value for r in pub.CLEANUP_PRECEDENCE] == [
            "revoked",
            "repaired",
            "expired",
            "simple_procedure",
            "warning",
            "circulated_criticism",
            "small_fine",
            "reclassified",
        ]

    def test_general_record_within_its_window_stays(self) -> None:
        r = record(decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 4, 15)))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 10, 1)) is None

    def test_revoked(self) -> None:
        for status in (
            DecisionStatus.REVOKED,
            DecisionStatus.CHANGED,
            DecisionStatus.CONFIRMED_ILLEGAL,
            DecisionStatus.CONFIRMED_VOID,
        ):
            r = record(decision(PenaltyKind.FINE, fine_yuan=80_000), decision_status=status)
            assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.REVOKED

    def test_repaired(self) -> None:
        r = record(decision(PenaltyKind.FINE, fine_yuan=80_000), repaired_on=date(2026, 7, 20))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 7, 20)) is CleanupReason.REPAIRED
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 7, 19)) is None

    def test_expired_on_the_maximum_end(self) -> None:
        r = record(decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2025, 5, 10)))
        # 10 May 2025 + 12 months = 10 May 2026
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 9)) is None
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 10)) is CleanupReason.EXPIRED

    def test_expired_by_the_stored_end(self) -> None:
        r = record(
            decision(PenaltyKind.REVOKE_LICENCE, on=date(2026, 4, 1)), published_until=date(2026, 6, 1)
        )
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 6, 1)) is CleanupReason.EXPIRED

    def test_old_three_year_record_expires_under_the_one_year_maximum(self) -> None:
        # published under the pre-2026 sample (general max 36 months): until 10 Jan 2028;
        # the current rules give 12 months: 10 Jan 2025 + 12 months = 10 Jan 2026, already past
        d = decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2025, 1, 10))
        old_window = pub.publication_window(d.decision_date, pub.classify(d, OLD), OLD)
        assert old_window is not None and old_window.maximum_end == date(2028, 1, 10)
        r = record(d, published_until=old_window.maximum_end)
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 4, 1)) is CleanupReason.EXPIRED

    def test_simple_procedure(self) -> None:
        r = record(decision(PenaltyKind.FINE, fine_yuan=3_000, procedure=ProcedureKind.SIMPLE))
        reasons = pub.cleanup_reasons(r, CURRENT, date(2026, 5, 1))
        assert reasons == {CleanupReason.SIMPLE_PROCEDURE, CleanupReason.SMALL_FINE}
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.SIMPLE_PROCEDURE

    def test_warning(self) -> None:
        r = record(decision(PenaltyKind.WARNING))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.WARNING

    def test_circulated_criticism(self) -> None:
        r = record(decision(PenaltyKind.CIRCULATED_CRITICISM))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.CIRCULATED_CRITICISM

    def test_small_fine(self) -> None:
        r = record(decision(PenaltyKind.FINE, fine_yuan=30_000))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.SMALL_FINE

    def test_warning_before_small_fine(self) -> None:
        r = record(decision(PenaltyKind.WARNING, PenaltyKind.FINE, fine_yuan=30_000))
        assert pub.cleanup_reasons(r, CURRENT, date(2026, 5, 1)) == {
            CleanupReason.WARNING,
            CleanupReason.SMALL_FINE,
        }
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.WARNING

    def test_warning_with_a_large_fine_stays(self) -> None:
        r = record(decision(PenaltyKind.WARNING, PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 4, 15)))
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is None

    def test_reclassified_on_another_ground(self) -> None:
        data = rule_dict()
        data["classification"]["kind_classes"]["confiscate_illegal_gains"] = "minor"
        region = rules.parse_rule_set(data)
        r = record(decision(PenaltyKind.CONFISCATE_ILLEGAL_GAINS))
        assert pub.end_reason_for_cleanup(r, region, date(2026, 5, 1)) is CleanupReason.RECLASSIFIED

    def test_revoked_beats_repaired_and_expired(self) -> None:
        r = record(
            decision(PenaltyKind.FINE, fine_yuan=30_000, on=date(2025, 1, 10)),
            decision_status=DecisionStatus.REVOKED,
            repaired_on=date(2025, 6, 1),
            published_until=date(2026, 1, 10),
        )
        today = date(2026, 5, 1)
        assert pub.cleanup_reasons(r, CURRENT, today) == {
            CleanupReason.REVOKED,
            CleanupReason.REPAIRED,
            CleanupReason.EXPIRED,
            CleanupReason.SMALL_FINE,
        }
        assert pub.end_reason_for_cleanup(r, CURRENT, today) is CleanupReason.REVOKED

    def test_repaired_beats_expired(self) -> None:
        r = record(
            decision(PenaltyKind.FINE, fine_yuan=80_000, on=date(2025, 1, 10)),
            repaired_on=date(2025, 6, 1),
        )
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.REPAIRED

    def test_expired_beats_small_fine(self) -> None:
        r = record(
            decision(PenaltyKind.FINE, fine_yuan=30_000, on=date(2025, 1, 10)),
            published_until=date(2026, 1, 10),
        )
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2026, 5, 1)) is CleanupReason.EXPIRED

    def test_serious_record_is_kept_until_its_end(self) -> None:
        r = record(decision(PenaltyKind.REVOKE_LICENCE, on=date(2026, 4, 1)))
        # 1 April 2026 + 36 months = 1 April 2029
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2029, 3, 31)) is None
        assert pub.end_reason_for_cleanup(r, CURRENT, date(2029, 4, 1)) is CleanupReason.EXPIRED
