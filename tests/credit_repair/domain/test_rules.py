"""Rule sets: parsing, validation, selection by date, overlap rejection, and the sample figures."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.credit_repair import errors
from services.credit_repair.domain import rules
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "credit_rules.json"


def sample_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def current_dict() -> dict[str, Any]:
    """A deep copy of the Shenyang 2026 rule set as JSON data, to vary in tests."""
    for item in sample_document()["rule_sets"]:
        if item["id"] == "shenyang-credit-2026-04":
            return copy.deepcopy(item)
    raise AssertionError("sample rule set missing")


def with_dates(data: dict[str, Any], rid: str, start: str, end: str | None) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["id"] = rid
    out["effective_from"] = start
    out["effective_to"] = end
    return out


class TestSampleFile:
    def test_parses_into_two_ordered_rule_sets(self) -> None:
        sets = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))
        assert [s.id for s in sets] == ["sample-credit-2023-05", "shenyang-credit-2026-04"]
        assert sets[0].sample is True  # the pre-2026 set is a marked reconstruction
        assert sets[1].sample is False

    def test_shenyang_2026_figures_match_the_sources(self) -> None:
        current = rules.parse_rule_set(current_dict())
        # 《信用修复管理办法》 in force 2026-04-01
        assert current.effective_from == date(2026, 4, 1)
        assert current.effective_to is None
        # 国办发〔2025〕22号 二: 一般 3 months to 1 year, 严重 1 year to 3 years, 轻微 at most 3 months
        assert (current.publication.general.min_months, current.publication.general.max_months) == (3, 12)
        assert (current.publication.serious.min_months, current.publication.serious.max_months) == (12, 36)
        assert current.publication.minor.published is False
        assert current.publication.minor.max_months == 3
        # seed 000: 企业 5 万元以下罚款
        organisation = current.classification.minor_threshold(PartyKind.ORGANISATION)
        assert organisation.amount_fen == 50_000 * 100
        assert organisation.inclusive is True
        # SPEC.md §4 defaults: 10 working days (信用中国) and 3 (department), no repeat-violator bar
        assert current.review.window_working_days == 10
        assert current.review.department_acceptance_working_days == 3
        assert current.repeat_violation_bar is None

    def test_old_sample_keeps_the_three_year_maximum(self) -> None:
        old = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))[0]
        assert old.effective_from == date(2023, 5, 1)
        assert old.effective_to == date(2026, 3, 31)  # the day before 令第36号 took effect
        assert old.publication.general.max_months == 36


class TestSelection:
    def setup_method(self) -> None:
        self.sets = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))

    def test_last_day_of_the_old_rules(self) -> None:
        assert rules.rule_set_for(self.sets, date(2026, 3, 31)).id == "sample-credit-2023-05"

    def test_first_day_of_the_new_rules(self) -> None:
        assert rules.rule_set_for(self.sets, date(2026, 4, 1)).id == "shenyang-credit-2026-04"

    def test_open_ended_rules_apply_far_ahead(self) -> None:
        assert rules.rule_set_for(self.sets, date(2031, 12, 31)).id == "shenyang-credit-2026-04"

    def test_before_any_rule_set(self) -> None:
        with pytest.raises(errors.RuleSetNotInForce) as err:
            rules.rule_set_for(self.sets, date(2023, 4, 30))
        assert err.value.code == "CREDIT_RULESET_NOT_IN_FORCE"
        assert err.value.status == 409

    def test_status_on(self) -> None:
        old, new = self.sets
        assert rules.status_on(new, date(2026, 3, 31)) == "future"
        assert rules.status_on(new, date(2026, 4, 1)) == "in_force"
        assert rules.status_on(old, date(2026, 4, 1)) == "expired"


class TestOverlap:
    def test_sharing_one_day_is_an_overlap(self) -> None:
        base = current_dict()
        a = rules.parse_rule_set(with_dates(base, "a", "2026-01-01", "2026-12-31"))
        b = rules.parse_rule_set(with_dates(base, "b", "2026-12-31", None))
        with pytest.raises(errors.RuleSetOverlap) as err:
            rules.rule_set_for([a, b], date(2026, 6, 1))
        assert err.value.code == "CREDIT_RULESET_OVERLAP"
        assert err.value.status == 409
        assert err.value.extra["rule_sets"] == ["a", "b"]

    def test_adjacent_periods_do_not_overlap(self) -> None:
        base = current_dict()
        a = rules.parse_rule_set(with_dates(base, "a", "2026-01-01", "2026-12-30"))
        b = rules.parse_rule_set(with_dates(base, "b", "2026-12-31", None))
        assert rules.rule_set_for([a, b], date(2026, 12, 30)).id == "a"
        assert rules.rule_set_for([a, b], date(2026, 12, 31)).id == "b"

    def test_open_ended_set_overlaps_a_later_one(self) -> None:
        base = current_dict()
        document = {
            "rule_sets": [
                with_dates(base, "open", "2026-04-01", None),
                with_dates(base, "later", "2030-01-01", None),
            ]
        }
        with pytest.raises(errors.RuleSetOverlap):
            rules.parse_rule_sets(document)

    def test_overlap_is_refused_even_on_a_date_only_one_covers(self) -> None:
        base = current_dict()
        a = rules.parse_rule_set(with_dates(base, "a", "2025-01-01", "2026-06-30"))
        b = rules.parse_rule_set(with_dates(base, "b", "2026-04-01", None))
        with pytest.raises(errors.RuleSetOverlap):
            rules.rule_set_for([a, b], date(2025, 2, 1))


class TestValidation:
    def invalid(self, data: dict[str, Any]) -> errors.RuleSetInvalid:
        with pytest.raises(errors.RuleSetInvalid) as err:
            rules.parse_rule_set(data)
        assert err.value.code == "CREDIT_RULESET_INVALID"
        assert err.value.errors  # the pydantic errors are passed on
        return err.value

    def test_minimum_longer_than_maximum(self) -> None:
        data = current_dict()
        data["publication"]["general"] = {"min_months": 13, "max_months": 12}
        self.invalid(data)

    def test_minor_publication_over_three_months(self) -> None:
        # 国办发〔2025〕22号 二: 确有必要公示的，公示期最长为3个月
        data = current_dict()
        data["publication"]["minor"] = {"published": True, "max_months": 4}
        self.invalid(data)

    def test_serious_shorter_than_general(self) -> None:
        data = current_dict()
        data["publication"]["serious"] = {"min_months": 1, "max_months": 6}
        self.invalid(data)

    def test_missing_threshold_for_a_party(self) -> None:
        data = current_dict()
        data["classification"]["minor_fine_thresholds"] = data["classification"]["minor_fine_thresholds"][:1]
        self.invalid(data)

    def test_fines_cannot_be_classed_by_kind(self) -> None:
        data = current_dict()
        data["classification"]["kind_classes"]["fine"] = "general"
        self.invalid(data)

    def test_end_before_start(self) -> None:
        self.invalid(with_dates(current_dict(), "x", "2026-04-01", "2026-03-31"))

    def test_unknown_key(self) -> None:
        data = current_dict()
        data["publication"]["generl"] = {"min_months": 3, "max_months": 12}
        self.invalid(data)

    def test_missing_approving_source(self) -> None:
        data = current_dict()
        data["approved_by"] = ""
        self.invalid(data)

    def test_duplicate_ids(self) -> None:
        base = current_dict()
        document = {
            "rule_sets": [
                with_dates(base, "same", "2024-01-01", "2024-12-31"),
                with_dates(base, "same", "2025-01-01", None),
            ]
        }
        with pytest.raises(errors.RuleSetInvalid):
            rules.parse_rule_sets(document)

    def test_not_json(self) -> None:
        with pytest.raises(errors.RuleSetInvalid):
            rules.parse_rule_sets("{not json")

    def test_no_rule_sets_array(self) -> None:
        with pytest.raises(errors.RuleSetInvalid):
            rules.parse_rule_sets({"sets": []})


class TestFineThreshold:
    def test_inclusive_bound_includes_the_number(self) -> None:
        t = rules.FineThreshold(party=PartyKind.ORGANISATION, amount_fen=5_000_000, inclusive=True)
        assert t.covers(5_000_000)  # exactly 50,000 yuan
        assert not t.covers(5_000_001)  # 50,000.01 yuan

    def test_exclusive_bound_excludes_the_number(self) -> None:
        t = rules.FineThreshold(party=PartyKind.ORGANISATION, amount_fen=5_000_000, inclusive=False)
        assert not t.covers(5_000_000)
        assert t.covers(4_999_999)  # 49,999.99 yuan


class TestPenaltyKinds:
    def test_from_code_and_chinese_name(self) -> None:
        assert rules.parse_penalty_kind("revoke_licence") is PenaltyKind.REVOKE_LICENCE
        assert rules.parse_penalty_kind("吊销许可证件") is PenaltyKind.REVOKE_LICENCE
        assert rules.parse_penalty_kind(" 吊销营业执照 ") is PenaltyKind.REVOKE_LICENCE
        assert rules.parse_penalty_kind("通报批评") is PenaltyKind.CIRCULATED_CRITICISM

    def test_penalty_service_identifiers(self) -> None:
        # the penalty service names four kinds differently (services/penalty/domain/procedure.py)
        assert rules.parse_penalty_kind("restrict_business") is PenaltyKind.RESTRICT_OPERATIONS
        assert rules.parse_penalty_kind("suspend_business") is PenaltyKind.SUSPEND_PRODUCTION
        assert rules.parse_penalty_kind("restrict_employment") is PenaltyKind.EMPLOYMENT_BAN
        assert rules.parse_penalty_kind("administrative_detention") is PenaltyKind.DETENTION

    def test_unknown(self) -> None:
        with pytest.raises(errors.UnknownPenaltyKind) as err:
            rules.parse_penalty_kind("罚酒三杯")
        assert err.value.code == "CREDIT_PENALTY_KIND_UNKNOWN"

    def test_class_order(self) -> None:
        assert CreditClass.MINOR.rank < CreditClass.GENERAL.rank < CreditClass.SERIOUS.rank
        assert CreditClass.SERIOUS.label == "严重"
