"""Worked examples for the assessment engine, each computed by hand in the test.

Conventions used in the arithmetic below (see the docstring of services/penalty/domain/discretion/):
* money in fen: 1 元 = 100 分;
* a statutory range [L, H] of width W = H − L splits into 从轻 [L, b1), 一般 [b1, b2), 从重 [b2, H] with
  b1 = L + ⌊W × 30 %⌋, b2 = L + ⌊W × 70 %⌋ (max-only 处X元以下: 20 % / 60 %);
* the suggested fine is the midpoint of the tier range rounded half up to whole yuan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.common.errors import DomainError
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain.catalogue import BaseKind, PartyType, PenaltyKind, Tier
from services.penalty.domain.discretion import Aggravation, Correction, Harm, Mitigation, Outcome

SAMPLE = cat.parse_json(
    (Path(__file__).resolve().parents[3] / "data/sample/benchmarks.json").read_text("utf-8")
)
YUAN = 100
ORG = PartyType.ORGANISATION
PERSON = PartyType.INDIVIDUAL


def run(
    code: str, *, today: date | None = None, config: d.AssessmentConfig = d.DEFAULT_CONFIG, **kw: Any
) -> d.Assessment:
    kw.setdefault("violation_date", date(2025, 6, 1))
    kw.setdefault("decision_date", date(2025, 9, 1))
    kw.setdefault("party_type", ORG)
    facts = d.Facts(**kw)
    return d.assess(facts, SAMPLE.versions(code), today=today or facts.decision_date, config=config)


def proposal(a: d.Assessment) -> d.PenaltyProposal:
    assert a.penalty is not None, a.explanation()
    return a.penalty


# ---------------------------------------------------------------------------------------------------------
# Tiers on a fixed range: 消防法 第六十条第一款 (单位 5,000–50,000 元), SY-XF-0002
# L = 500_000, H = 5_000_000, W = 4_500_000, b1 = 500_000 + 1_350_000 = 1_850_000, b2 = 500_000 + 3_150_000 = 3_650_000
# ---------------------------------------------------------------------------------------------------------


class TestTiersOnAFixedRange:
    def test_ordinary(self) -> None:
        p = proposal(run("SY-XF-0002"))
        assert p.tier is Tier.ORDINARY
        assert p.legal_range == d.FenRange(5_000 * YUAN, 50_000 * YUAN)
        assert p.tier_range == d.FenRange(1_850_000, 3_650_000 - 1)
        # midpoint (1_850_000 + 3_649_999) / 2 = 2_749_999.5 分 = 27,499.995 元 → 27,500 元
        assert p.suggested_fine_fen == 27_500 * YUAN
        assert p.kinds == (PenaltyKind.FINE,)

    def test_lighter_for_one_article_32_circumstance(self) -> None:
        p = proposal(run("SY-XF-0002", mitigations=frozenset({Mitigation.ELIMINATED_HARM})))
        assert p.tier is Tier.LIGHTER
        assert p.tier_range == d.FenRange(500_000, 1_850_000 - 1)
        # (500_000 + 1_849_999) / 2 = 1_174_999.5 分 = 11,749.995 元 → 11,750 元
        assert p.suggested_fine_fen == 11_750 * YUAN

    def test_heavier_for_an_aggravating_circumstance(self) -> None:
        p = proposal(run("SY-XF-0002", aggravations=frozenset({Aggravation.REPEATED})))
        assert p.tier is Tier.HEAVIER
        assert p.tier_range == d.FenRange(3_650_000, 5_000_000)
        # (3_650_000 + 5_000_000) / 2 = 4_325_000 分 = 43,250 元
        assert p.suggested_fine_fen == 43_250 * YUAN

    def test_serious_harm_counts_as_aggravating(self) -> None:
        assert proposal(run("SY-XF-0002", harm=Harm.SERIOUS)).tier is Tier.HEAVIER

    @pytest.mark.parametrize("change", [{"correction": Correction.REFUSED}, {"statutory_serious": True}])
    def test_refusal_or_seriousness_without_a_statutory_escalation_is_aggravating(
        self, change: dict[str, Any]
    ) -> None:
        # 消防法 第六十条 sets no separate consequence for 拒不改正 or 情节严重 of a 单位 (its 第三款 is 强制执行)
        a = run("SY-XF-0002", **change)
        p = proposal(a)
        assert p.tier is Tier.HEAVIER and p.escalations == ()
        assert p.suggested_fine_fen == 43_250 * YUAN  # 从重 [3_650_000, 5_000_000], as above
        assert "作为从重情节" in next(s.text for s in a.steps if s.rule == "tier")

    def test_mitigated_below_the_legal_minimum(self) -> None:
        a = run(
            "SY-XF-0002", mitigations=frozenset({Mitigation.ELIMINATED_HARM, Mitigation.CONFESSED_UNKNOWN})
        )
        p = proposal(a)
        assert p.tier is Tier.MITIGATED
        # below the minimum 5,000 元 down to the default floor 0: [0, 499_999]
        assert p.tier_range == d.FenRange(0, 5_000 * YUAN - 1)
        # (0 + 499_999) / 2 = 249_999.5 分 = 2,499.995 元 → 2,500 元
        assert p.suggested_fine_fen == 2_500 * YUAN
        # 2,500 元 ≤ 3,000 元 and only a fine: 第五十一条 allows simple procedure for an organisation
        assert a.simple_procedure_allowed

    def test_mitigated_with_a_configured_floor(self) -> None:
        config = d.AssessmentConfig(tier_split=cat.TierSplit(mitigated_floor_bp=2_000))
        a = run(
            "SY-XF-0002",
            config=config,
            mitigations=frozenset({Mitigation.ELIMINATED_HARM, Mitigation.MERITORIOUS}),
        )
        p = proposal(a)
        # floor = ⌈500_000 × 20 %⌉ = 100_000; range [100_000, 499_999]
        assert p.tier_range == d.FenRange(100_000, 499_999)
        # (100_000 + 499_999) / 2 = 299_999.5 分 = 2,999.995 元 → 3,000 元, exactly the 第五十一条 limit
        assert p.suggested_fine_fen == 3_000 * YUAN
        assert a.simple_procedure_allowed

    def test_mandatory_mitigation_prevails_over_aggravation(self) -> None:
        p = proposal(
            run(
                "SY-XF-0002",
                mitigations=frozenset({Mitigation.COERCED}),
                aggravations=frozenset({Aggravation.OBSTRUCTION}),
            )
        )
        # 第三十二条 says 应当从轻或者减轻: an aggravating circumstance cannot turn it into 从重
        assert p.tier is Tier.LIGHTER


# ---------------------------------------------------------------------------------------------------------
# Max-only ranges (处X元以下): 安全生产法 第一百零二条, 五万元以下, SY-YJ-0003
# L = 0, H = 5_000_000, b1 = 1_000_000 (20 %), b2 = 3_000_000 (60 %)
# ---------------------------------------------------------------------------------------------------------


class TestMaxOnly:
    def test_ordinary_is_twenty_to_sixty_percent(self) -> None:
        p = proposal(run("SY-YJ-0003"))
        assert p.legal_range == d.FenRange(0, 50_000 * YUAN)
        assert p.tier_range == d.FenRange(1_000_000, 2_999_999)
        # (1_000_000 + 2_999_999) / 2 = 1_999_999.5 分 → 20,000 元
        assert p.suggested_fine_fen == 20_000 * YUAN

    def test_mitigated_without_a_lighter_kind_uses_the_lighter_tier(self) -> None:
        p = proposal(
            run("SY-YJ-0003", mitigations=frozenset({Mitigation.ELIMINATED_HARM, Mitigation.COERCED}))
        )
        assert p.tier is Tier.MITIGATED
        # no legal minimum to go below and no warning in the law: 从轻 [0, 999_999]
        assert p.tier_range == d.FenRange(0, 999_999)
        # 499_999.5 分 → 5,000 元
        assert p.suggested_fine_fen == 5_000 * YUAN

    def test_mitigated_with_warning_available_gives_a_warning(self) -> None:
        # 消防法 第六十条第二款: 个人 处警告或者五百元以下罚款, SY-XF-0003
        a = run(
            "SY-XF-0003",
            party_type=PERSON,
            mitigations=frozenset({Mitigation.ELIMINATED_HARM, Mitigation.CONFESSED_UNKNOWN}),
        )
        p = proposal(a)
        assert p.tier is Tier.MITIGATED
        assert p.kinds == (PenaltyKind.WARNING,)
        assert p.suggested_fine_fen is None
        assert a.simple_procedure_allowed  # 警告: 第五十一条


# ---------------------------------------------------------------------------------------------------------
# Brackets and multiples
# ---------------------------------------------------------------------------------------------------------


class TestBracketsAndMultiples:
    def test_food_goods_value_under_ten_thousand(self) -> None:
        # 食品安全法 第一百二十四条: 货值金额不足一万元的，并处五万元以上十万元以下罚款
        p = proposal(run("SY-SJ-0001", base_amounts={BaseKind.GOODS_VALUE: 999_999}))  # 9,999.99 元
        assert p.legal_range == d.FenRange(50_000 * YUAN, 100_000 * YUAN)
        # W = 5_000_000, b1 = 6_500_000, b2 = 8_500_000 → 一般 [6_500_000, 8_499_999], midpoint → 75,000 元
        assert p.suggested_fine_fen == 75_000 * YUAN
        # 没收违法生产经营的食品 (value not given: proposed), fine; no 违法所得 stated
        assert p.kinds == (PenaltyKind.CONFISCATE_PROPERTY, PenaltyKind.FINE)

    def test_food_goods_value_of_exactly_ten_thousand_uses_multiples(self) -> None:
        # 货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款 (以上 includes 1 万元)
        a = run("SY-SJ-0001", base_amounts={BaseKind.GOODS_VALUE: 10_000 * YUAN})
        p = proposal(a)
        assert p.legal_range == d.FenRange(100_000 * YUAN, 200_000 * YUAN)  # 10 × and 20 × 1 万元
        # W = 10_000_000, b1 = 13_000_000, b2 = 17_000_000 → (13_000_000 + 16_999_999) / 2 → 150,000 元
        assert p.suggested_fine_fen == 150_000 * YUAN
        assert a.hearing_required  # 150,000 元 ≥ 100,000 元 (organisation default)
        assert a.legal_review_required

    def test_fractional_multiple_rounds_inward(self) -> None:
        # 产品质量法 第五十条: 货值金额百分之五十以上三倍以下; goods 12,345.67 元 = 1_234_567 分
        p = proposal(run("SY-SJ-0017", base_amounts={BaseKind.GOODS_VALUE: 1_234_567}))
        # 0.5 × 1_234_567 = 617_283.5 → rounded up to 617_284; 3 × 1_234_567 = 3_703_701
        assert p.legal_range == d.FenRange(617_284, 3_703_701)
        # W = 3_086_417; b1 = 617_284 + ⌊925_925.1⌋ = 1_543_209; b2 = 617_284 + ⌊2_160_491.9⌋ = 2_777_775
        assert p.tier_range == d.FenRange(1_543_209, 2_777_774)
        # (1_543_209 + 2_777_774) / 2 = 2_160_491.5 分 = 21,604.915 元 → 21,605 元
        assert p.suggested_fine_fen == 21_605 * YUAN

    def test_advertising_fees_multiple(self) -> None:
        # 广告法 第五十五条: 广告费用三倍以上五倍以下; fees 50,000 元 → 150,000–250,000 元
        p = proposal(run("SY-SJ-0008", base_amounts={BaseKind.ADVERTISING_FEES: 50_000 * YUAN}))
        assert p.legal_range == d.FenRange(150_000 * YUAN, 250_000 * YUAN)
        # W = 10_000_000; b1 = 18_000_000; b2 = 22_000_000 → (18_000_000 + 21_999_999)/2 → 200,000 元
        assert p.suggested_fine_fen == 200_000 * YUAN

    def test_advertising_fees_cannot_be_calculated(self) -> None:
        # 广告费用无法计算或者明显偏低的，处二十万元以上一百万元以下的罚款
        a = run("SY-SJ-0008", enterprise=True)
        p = proposal(a)
        assert p.legal_range == d.FenRange(200_000 * YUAN, 1_000_000 * YUAN)
        # W = 80_000_000; b1 = 44_000_000; b2 = 76_000_000 → (44_000_000 + 75_999_999)/2 → 600,000 元
        assert p.suggested_fine_fen == 600_000 * YUAN
        assert a.collective_discussion_required  # 600,000 元 ≥ 500,000 元 default
        assert a.economic_impact_assessment_required  # enterprise, fine ≥ 500,000 元 default

    def test_advertising_fees_obviously_low(self) -> None:
        a = run(
            "SY-SJ-0008",
            base_amounts={BaseKind.ADVERTISING_FEES: 1_000 * YUAN},
            obviously_low_bases=frozenset({BaseKind.ADVERTISING_FEES}),
        )
        assert proposal(a).legal_range == d.FenRange(200_000 * YUAN, 1_000_000 * YUAN)

    def test_serious_circumstances_use_the_heavier_statutory_range(self) -> None:
        # 两年内有三次以上违法行为或者有其他严重情节的，处广告费用五倍以上十倍以下的罚款; fees 100,000 元
        a = run(
            "SY-SJ-0008", base_amounts={BaseKind.ADVERTISING_FEES: 100_000 * YUAN}, statutory_serious=True
        )
        p = proposal(a)
        assert p.legal_range == d.FenRange(500_000 * YUAN, 1_000_000 * YUAN)
        # W = 50_000_000; b1 = 65_000_000; b2 = 85_000_000 → (65_000_000 + 84_999_999)/2 → 750,000 元
        assert p.suggested_fine_fen == 750_000 * YUAN
        assert PenaltyKind.REVOKE_LICENCE in p.allowed_kinds  # 可以吊销营业执照: allowed,
        assert PenaltyKind.REVOKE_LICENCE not in p.kinds  # but not proposed
        assert a.collective_discussion_required  # 情节严重 → 重大违法行为 (default)

    def test_base_missing_without_fallback_is_an_error(self) -> None:
        # 产品质量法 第四十九条 sets no amount for an incalculable goods value
        with pytest.raises(d.BaseAmountRequired) as err:
            run("SY-SJ-0016")
        assert err.value.code == "BASE_AMOUNT_REQUIRED"

    def test_base_missing_with_fallback(self) -> None:
        # 道路运输条例 第六十三条第（一）项; sample rule: 违法所得无法计算 → 3,000–10,000 元
        p = proposal(run("SY-JT-0001"))
        assert p.legal_range == d.FenRange(3_000 * YUAN, 10_000 * YUAN)
        # W = 700_000; b1 = 510_000; b2 = 790_000 → (510_000 + 789_999)/2 = 649_999.5 → 6,500 元
        assert p.suggested_fine_fen == 6_500 * YUAN

    def test_gains_of_exactly_ten_thousand_fall_in_the_lighter_bracket(self) -> None:
        # “超过1万元” vs “不足1万元”: the law is silent on exactly 1 万元; the sample resolves it to the lighter bracket
        p = proposal(run("SY-JT-0001", base_amounts={BaseKind.ILLEGAL_GAINS: 10_000 * YUAN}))
        assert p.legal_range == d.FenRange(3_000 * YUAN, 10_000 * YUAN)
        assert PenaltyKind.CONFISCATE_GAINS in p.kinds  # 第二十八条第二款
        p = proposal(run("SY-JT-0001", base_amounts={BaseKind.ILLEGAL_GAINS: 10_000 * YUAN + 1}))
        # 1 to 5 × 1_000_001 分
        assert p.legal_range == d.FenRange(1_000_001, 5_000_005)

    def test_hearing_for_confiscating_a_large_amount_of_gains(self) -> None:
        # an individual ran unlicensed freight and earned 50,000 元: 1–5 × → 50,000–250,000 元
        a = run("SY-JT-0001", party_type=PERSON, base_amounts={BaseKind.ILLEGAL_GAINS: 50_000 * YUAN})
        p = proposal(a)
        # W = 20_000_000; b1 = 11_000_000; b2 = 19_000_000 → (11_000_000 + 18_999_999)/2 → 150,000 元
        assert p.suggested_fine_fen == 150_000 * YUAN
        assert a.hearing_required
        assert any("第（一）项" in r for r in a.hearing_reasons)  # fine ≥ 1 万元 for a person
        assert any(
            "没收违法所得" in r and "第（二）项" in r for r in a.hearing_reasons
        )  # gains 5 万元 ≥ 1 万元


# ---------------------------------------------------------------------------------------------------------
# 从旧兼从轻 (第三十七条)
# ---------------------------------------------------------------------------------------------------------


class TestVersionSelection:
    def test_newer_lighter_version_applies(self) -> None:
        # 二次灌装 SY-SJ-0012, goods 5,000 元 → 化妆品监督管理条例 第六十条: 1 万元以上 5 万元以下 [1_000_000, 5_000_000]
        # v1 (30/70): 一般 [2_200_000, 3_799_999] → 2_999_999.5 → 30,000 元
        # v2 (20/60): 一般 [1_800_000, 3_399_999] → 2_599_999.5 → 26,000 元 — lighter, so v2 applies
        a = run(
            "SY-SJ-0012",
            violation_date=date(2025, 6, 1),
            decision_date=date(2026, 3, 1),
            base_amounts={BaseKind.GOODS_VALUE: 5_000 * YUAN},
        )
        assert a.version == 2
        assert proposal(a).suggested_fine_fen == 26_000 * YUAN
        assert "适用第2版" in a.steps[0].text

    def test_newer_heavier_version_does_not_apply(self) -> None:
        # 扬尘 SY-ST-0003: 1 万–10 万元 [1_000_000, 10_000_000], W = 9_000_000
        # v1 (30/70): 一般 [3_700_000, 7_299_999] → 5_499_999.5 → 55,000 元
        # v2 (40/80): 一般 [4_600_000, 8_199_999] → 6_399_999.5 → 64,000 元 — heavier, so v1 stays
        a = run("SY-ST-0003", violation_date=date(2025, 6, 1), decision_date=date(2026, 3, 1))
        assert a.version == 1
        assert proposal(a).suggested_fine_fen == 55_000 * YUAN

    def test_violation_after_the_change_uses_the_new_version_even_if_heavier(self) -> None:
        a = run("SY-ST-0003", violation_date=date(2026, 1, 5), decision_date=date(2026, 3, 1))
        assert a.version == 2
        assert proposal(a).suggested_fine_fen == 64_000 * YUAN

    def test_newer_version_that_adds_first_violation_waiver(self) -> None:
        # 价格法 第四十二条 SY-SJ-0019: v2 (2026) lists 首违不罚; v1 would fine: max-only 5,000 元,
        # 一般 [100_000, 299_999] → 2,000 元. A waiver that may apply is lighter, so v2 applies.
        a = run(
            "SY-SJ-0019",
            violation_date=date(2025, 11, 1),
            decision_date=date(2026, 1, 10),
            first_offence=True,
            harm=Harm.MINOR,
            correction=Correction.IN_TIME,
        )
        assert a.version == 2
        assert a.outcome is Outcome.FIRST_VIOLATION_WAIVER
        assert a.education_required
        assert proposal(a).suggested_fine_fen == 2_000 * YUAN  # if the officer still decides to fine

    def test_unpublished_drafts_are_ignored(self) -> None:
        # SY-XF-0001 v2 is a draft effective 2026-07-01
        a = run("SY-XF-0001", violation_date=date(2026, 7, 15), decision_date=date(2026, 8, 1))
        assert a.version == 1
        a = d.assess(
            d.Facts(violation_date=date(2026, 7, 15), decision_date=date(2026, 8, 1), party_type=ORG),
            SAMPLE.versions("SY-XF-0001"),
            today=date(2026, 8, 1),
            include_unpublished=True,
        )
        assert a.version == 2

    def test_no_version_in_force(self) -> None:
        # SY-SJ-0020 (反不正当竞争法 2019) lapsed on 2025-10-14
        with pytest.raises(d.NoVersionInForce):
            run("SY-SJ-0020", violation_date=date(2025, 11, 1), decision_date=date(2025, 12, 1))

    def test_expired_version_still_governs_an_old_violation(self) -> None:
        a = run("SY-SJ-0020", violation_date=date(2025, 9, 1), decision_date=date(2025, 12, 1))
        assert a.version == 1
        assert "无施行中的新版本" in a.steps[0].text


# ---------------------------------------------------------------------------------------------------------
# Limitation (第三十六条)
# ---------------------------------------------------------------------------------------------------------


class TestLimitation:
    def test_two_years_last_day_is_the_same_calendar_day(self) -> None:
        # SY-SJ-0010 (广告, no life/health): violation 2023-03-15 → last day 2025-03-15
        a = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            discovered_on=date(2025, 3, 15),
            decision_date=date(2025, 4, 1),
        )
        assert a.limitation == d.Limitation(2, date(2023, 3, 15), date(2025, 3, 15), date(2025, 3, 15), False)
        assert a.outcome is Outcome.PENALTY
        a = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            discovered_on=date(2025, 3, 16),
            decision_date=date(2025, 4, 1),
        )
        assert a.outcome is Outcome.LIMITATION_EXPIRED
        assert a.penalty is None

    def test_five_years_for_life_and_health_with_harm(self) -> None:
        # SY-SJ-0001 (food, life/health), harm minor: violation 2020-07-01 → last day 2025-07-01
        kw: dict[str, Any] = {
            "violation_date": date(2020, 7, 1),
            "decision_date": date(2025, 8, 1),
            "harm": Harm.MINOR,
            "base_amounts": {BaseKind.GOODS_VALUE: 1_000 * YUAN},
        }
        a = run("SY-SJ-0001", discovered_on=date(2025, 7, 1), **kw)
        assert a.limitation.years == 5 and a.limitation.last_day == date(2025, 7, 1)
        assert a.outcome is Outcome.PENALTY
        assert run("SY-SJ-0001", discovered_on=date(2025, 7, 2), **kw).outcome is Outcome.LIMITATION_EXPIRED

    def test_life_and_health_without_harm_is_two_years(self) -> None:
        a = run(
            "SY-SJ-0001",
            violation_date=date(2021, 7, 1),
            discovered_on=date(2023, 7, 2),
            decision_date=date(2024, 2, 1),
            harm=Harm.NONE,
            base_amounts={BaseKind.GOODS_VALUE: 1_000 * YUAN},
        )
        # 2021-07-01 + 2 years = 2023-07-01; discovered the day after
        assert a.limitation.years == 2 and a.limitation.last_day == date(2023, 7, 1)
        assert a.outcome is Outcome.LIMITATION_EXPIRED

    def test_february_29_ends_on_february_28(self) -> None:
        # 民法典 第二百零二条: no corresponding day → the month's last day
        kw: dict[str, Any] = {"violation_date": date(2024, 2, 29), "decision_date": date(2026, 3, 10)}
        assert run("SY-SJ-0010", discovered_on=date(2026, 2, 28), **kw).outcome is Outcome.PENALTY
        assert run("SY-SJ-0010", discovered_on=date(2026, 3, 1), **kw).outcome is Outcome.LIMITATION_EXPIRED

    def test_continuing_violation_counts_from_its_end(self) -> None:
        a = run(
            "SY-SJ-0010",
            violation_date=date(2022, 1, 1),
            continuing_until=date(2024, 5, 1),
            discovered_on=date(2026, 5, 1),
            decision_date=date(2026, 5, 20),
        )
        assert a.limitation.starts_on == date(2024, 5, 1) and a.limitation.last_day == date(2026, 5, 1)
        assert a.outcome is Outcome.PENALTY

    def test_without_a_discovery_date_the_decision_date_is_used(self) -> None:
        a = run("SY-SJ-0010", violation_date=date(2023, 3, 15), decision_date=date(2025, 3, 16))
        assert a.limitation.measured_on == date(2025, 3, 16)
        assert a.outcome is Outcome.LIMITATION_EXPIRED
        assert "未载明发现日期" in a.steps[1].text

    def test_a_case_filed_in_time_was_discovered_in_time(self) -> None:
        # 未被发现 ends at the latest with the filing (立案): violation 2023-03-15 (last day 2025-03-15), filed
        # 2025-03-10, decided 2025-03-16 without a discovery date → measured on 03-10, in time
        a = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            filed_on=date(2025, 3, 10),
            decision_date=date(2025, 3, 16),
        )
        assert a.limitation.measured_on == date(2025, 3, 10)
        assert a.outcome is Outcome.PENALTY
        assert "2025年3月10日立案" in a.steps[1].text
        # a discovery date after the filing is bounded by it too; one before it is kept
        late = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            discovered_on=date(2025, 3, 16),
            filed_on=date(2025, 3, 10),
            decision_date=date(2025, 3, 20),
        )
        assert late.limitation.measured_on == date(2025, 3, 10) and late.outcome is Outcome.PENALTY
        early = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            discovered_on=date(2025, 3, 1),
            filed_on=date(2025, 3, 10),
            decision_date=date(2025, 3, 20),
        )
        assert early.limitation.measured_on == date(2025, 3, 1)
        # filed after the last day: still time-barred
        barred = run(
            "SY-SJ-0010",
            violation_date=date(2023, 3, 15),
            filed_on=date(2025, 3, 16),
            decision_date=date(2025, 3, 20),
        )
        assert barred.outcome is Outcome.LIMITATION_EXPIRED


# ---------------------------------------------------------------------------------------------------------
# No penalty and 首违不罚 (第三十三条), minors and capacity (第三十条, 第三十一条)
# ---------------------------------------------------------------------------------------------------------


class TestNoPenalty:
    def test_minor_violation_corrected_in_time_without_harm(self) -> None:
        # 第三十三条第一款 first sentence applies to every item, life/health included
        a = run("SY-SJ-0006", minor_violation=True, correction=Correction.IN_TIME, harm=Harm.NONE)
        assert a.outcome is Outcome.NO_PENALTY
        assert a.education_required and a.penalty is None
        assert any(c.article == "第三十三条第一款" for s in a.steps for c in s.citations)

    def test_first_violation_waiver_allowed(self) -> None:
        # 广告法 第五十九条 SY-SJ-0011 (listed): 初次违法且危害后果轻微并及时改正 → 可以不予处罚
        a = run("SY-SJ-0011", first_offence=True, harm=Harm.MINOR, correction=Correction.IN_TIME)
        assert a.outcome is Outcome.FIRST_VIOLATION_WAIVER and a.first_violation_eligible
        # the alternative if the officer fines: max-only 10 万元, 一般 [2_000_000, 5_999_999] → 40,000 元
        assert proposal(a).suggested_fine_fen == 40_000 * YUAN

    def test_first_violation_waiver_refused_for_a_life_health_item(self) -> None:
        # 食品安全法 第一百二十六条 SY-SJ-0006: 给予警告 — 首违不罚 barred (生命健康)
        a = run("SY-SJ-0006", first_offence=True, harm=Harm.MINOR, correction=Correction.IN_TIME)
        assert a.outcome is Outcome.PENALTY and not a.first_violation_eligible
        assert proposal(a).kinds == (PenaltyKind.WARNING,)
        assert a.simple_procedure_allowed  # 警告
        assert any(s.rule == "first_violation" and "生命健康" in s.text for s in a.steps)

    def test_first_violation_needs_timely_correction(self) -> None:
        a = run("SY-SJ-0011", first_offence=True, harm=Harm.MINOR, correction=Correction.AFTER_ORDER)
        assert a.outcome is Outcome.PENALTY

    def test_no_penalty_list(self) -> None:
        a = run("SY-SJ-0011", meets_no_penalty_list=True)
        assert a.outcome is Outcome.NO_PENALTY
        # an item not on the list ignores the flag
        assert run("SY-SJ-0010", meets_no_penalty_list=True).outcome is Outcome.PENALTY

    def test_no_fault_proven(self) -> None:
        a = run("SY-XF-0002", no_fault_proven=True)
        assert a.outcome is Outcome.NO_PENALTY and a.education_required

    def test_correction_only_unless_refused(self) -> None:
        # 食品安全法 第一百二十五条第二款 SY-SJ-0005: 标签瑕疵 责令改正；拒不改正的，处二千元以下罚款
        assert run("SY-SJ-0005").outcome is Outcome.CORRECTION_ONLY
        a = run("SY-SJ-0005", correction=Correction.REFUSED)
        p = proposal(a)
        assert p.legal_range == d.FenRange(0, 2_000 * YUAN)
        # max-only: 一般 [40_000, 119_999] → 79_999.5 → 800 元; an organisation may be fined on the spot
        assert p.suggested_fine_fen == 800 * YUAN
        assert a.simple_procedure_allowed


class TestMinorsAndCapacity:
    # SY-CG-0004 固体废物污染环境防治法 第一百一十一条: 个人 100–500 元 [10_000, 50_000], W = 40_000,
    # b1 = 22_000, b2 = 38_000
    def test_under_fourteen_no_penalty(self) -> None:
        a = run("SY-CG-0004", party_type=PERSON, birth_date=date(2011, 6, 2))  # 13 on 2025-06-01
        assert a.outcome is Outcome.NO_PENALTY
        assert a.guardian_order == "责令监护人加以管教"

    def test_on_the_fourteenth_birthday_still_under_fourteen(self) -> None:
        # 周岁 are completed from the day after the birthday
        a = run("SY-CG-0004", party_type=PERSON, birth_date=date(2011, 6, 1))
        assert a.outcome is Outcome.NO_PENALTY
        a = run("SY-CG-0004", party_type=PERSON, birth_date=date(2011, 5, 31))
        assert a.outcome is Outcome.PENALTY and proposal(a).tier is Tier.LIGHTER

    def test_fourteen_to_eighteen_lighter(self) -> None:
        a = run("SY-CG-0004", party_type=PERSON, age_years=16)
        p = proposal(a)
        assert p.tier is Tier.LIGHTER
        assert p.tier_range == d.FenRange(10_000, 21_999)
        # (10_000 + 21_999) / 2 = 15_999.5 → 160 元 ≤ 200 元: simple procedure for a person
        assert p.suggested_fine_fen == 160 * YUAN
        assert a.simple_procedure_allowed

    def test_fourteen_to_eighteen_with_an_article_32_circumstance_mitigated(self) -> None:
        p = proposal(
            run("SY-CG-0004", party_type=PERSON, age_years=17, mitigations=frozenset({Mitigation.COERCED}))
        )
        assert p.tier is Tier.MITIGATED
        assert p.tier_range == d.FenRange(0, 9_999)  # below 100 元
        # 4_999.5 → 50 元
        assert p.suggested_fine_fen == 50 * YUAN

    def test_adult_ordinary_exceeds_the_simple_procedure_limit(self) -> None:
        a = run("SY-CG-0004", party_type=PERSON, age_years=30)
        # 一般 [22_000, 37_999] → 29_999.5 → 300 元 > 200 元
        assert proposal(a).suggested_fine_fen == 300 * YUAN
        assert not a.simple_procedure_allowed

    def test_no_capacity_no_penalty_and_limited_capacity_lighter(self) -> None:
        a = run("SY-CG-0004", party_type=PERSON, capacity=d.Capacity.NONE)
        assert a.outcome is Outcome.NO_PENALTY and a.guardian_order == "责令监护人严加看管和治疗"
        assert (
            proposal(run("SY-CG-0004", party_type=PERSON, capacity=d.Capacity.LIMITED)).tier is Tier.LIGHTER
        )


# ---------------------------------------------------------------------------------------------------------
# Procedure flags
# ---------------------------------------------------------------------------------------------------------


class TestProcedure:
    @pytest.mark.parametrize(
        ("party", "fine", "allowed"),
        [
            (PERSON, 200 * YUAN - 1, True),  # 199.99 元
            (PERSON, 200 * YUAN, True),  # 公民 二百元以下 (inclusive)
            (PERSON, 200 * YUAN + 1, False),  # 200.01 元
            (ORG, 3_000 * YUAN - 1, True),  # 2,999.99 元
            (ORG, 3_000 * YUAN, True),  # 法人或者其他组织 三千元以下
            (ORG, 3_000 * YUAN + 1, False),  # 3,000.01 元
        ],
    )
    def test_simple_procedure_limits(self, party: PartyType, fine: int, allowed: bool) -> None:
        assert d.simple_procedure_allowed(party, [PenaltyKind.FINE], fine) is allowed
        assert d.simple_procedure_allowed(party, [PenaltyKind.WARNING, PenaltyKind.FINE], fine) is allowed

    def test_simple_procedure_excludes_other_kinds(self) -> None:
        assert d.simple_procedure_allowed(PERSON, [PenaltyKind.WARNING], None)
        assert not d.simple_procedure_allowed(PERSON, [PenaltyKind.FINE, PenaltyKind.CONFISCATE_GAINS], 100)

    def test_organisation_heavier_tier_within_the_limit(self) -> None:
        # 道路运输条例 第六十八条第二款 SY-JT-0005: 1,000–3,000 元; 从重 [240_000, 300_000] → 270_000 = 2,700 元
        a = run("SY-JT-0005", aggravations=frozenset({Aggravation.REPEATED}))
        assert proposal(a).suggested_fine_fen == 2_700 * YUAN
        assert a.simple_procedure_allowed

    @pytest.mark.parametrize(
        ("party", "fine", "required"),
        [
            (ORG, 100_000 * YUAN, True),
            (ORG, 100_000 * YUAN - 1, False),
            (PERSON, 10_000 * YUAN, True),
            (PERSON, 10_000 * YUAN - 1, False),
        ],
    )
    def test_hearing_threshold_for_fines(self, party: PartyType, fine: int, required: bool) -> None:
        assert bool(d.hearing_reasons(party, [PenaltyKind.FINE], fine)) is required

    def test_hearing_for_heavy_kinds_regardless_of_amount(self) -> None:
        assert d.hearing_reasons(ORG, [PenaltyKind.REVOKE_LICENCE], None)
        assert d.hearing_reasons(ORG, [PenaltyKind.ORDER_CLOSURE], None)
        assert d.hearing_reasons(ORG, [PenaltyKind.SUSPEND_LICENCE], None)  # 其他较重 (configured default)
        assert not d.hearing_reasons(ORG, [PenaltyKind.WARNING], None)

    def test_configuration_is_validated(self) -> None:
        with pytest.raises(DomainError):
            d.AssessmentConfig.from_mapping({"hearing_fine_organisation_fen": -1})
        with pytest.raises(DomainError):
            d.AssessmentConfig.from_mapping({"eia_kinds": ["flogging"]})
        with pytest.raises(DomainError):
            d.AssessmentConfig.from_mapping({"colour": "red"})
        config = d.AssessmentConfig.from_mapping(
            {"tier_split": {"mitigated_floor_bp": 1_000}, "eia_kinds": ["order_closure"]}
        )
        assert config.tier_split.mitigated_floor_bp == 1_000 and config.eia_kinds == frozenset(
            {PenaltyKind.ORDER_CLOSURE}
        )

    def test_hearing_threshold_is_configurable(self) -> None:
        config = d.AssessmentConfig.from_mapping({"hearing_fine_organisation_fen": 50_000 * YUAN})
        assert d.hearing_reasons(ORG, [PenaltyKind.FINE], 50_000 * YUAN, config=config)

    def test_refusal_escalates_to_suspension_with_hearing_review_and_impact_assessment(self) -> None:
        # 安全生产法 第九十七条 SY-YJ-0001: 逾期未改正的，责令停产停业整顿，并处十万元以上二十万元以下
        a = run("SY-YJ-0001", correction=Correction.REFUSED, enterprise=True)
        p = proposal(a)
        assert p.legal_range == d.FenRange(100_000 * YUAN, 200_000 * YUAN)
        # W = 10_000_000; b1 = 13_000_000; b2 = 17_000_000 → 14_999_999.5 → 150,000 元
        assert p.suggested_fine_fen == 150_000 * YUAN
        assert PenaltyKind.SUSPEND_BUSINESS in p.kinds
        assert a.hearing_required and any("第（四）项" in r for r in a.hearing_reasons)
        assert a.legal_review_required and a.collective_discussion_required
        assert a.economic_impact_assessment_required
        # the same fine on a non-enterprise organisation needs no economic impact assessment
        assert not run("SY-YJ-0001", correction=Correction.REFUSED).economic_impact_assessment_required

    def test_individual_fine_reaches_the_hearing_threshold(self) -> None:
        # 大气污染防治法 第一百一十八条第三款 SY-CG-0001: 500–20,000 元, W = 1_950_000
        # 一般: b1 = 50_000 + 585_000 = 635_000, b2 = 50_000 + 1_365_000 = 1_415_000 → 1_024_999.5 → 10,250 元 ≥ 1 万元
        a = run("SY-CG-0001", party_type=PERSON)
        assert proposal(a).suggested_fine_fen == 10_250 * YUAN
        assert a.hearing_required
        # 从轻 [50_000, 634_999] → 342_499.5 → 3,425 元 < 1 万元
        a = run("SY-CG-0001", party_type=PERSON, mitigations=frozenset({Mitigation.ELIMINATED_HARM}))
        assert proposal(a).suggested_fine_fen == 3_425 * YUAN
        assert not a.hearing_required

    def test_review_and_discussion_for_complex_cases(self) -> None:
        a = run("SY-XF-0002", complex_case=True, major_public_interest=True)
        assert a.legal_review_required and len(a.legal_review_reasons) == 2
        assert a.collective_discussion_reasons == ("情节复杂",)

    def test_coercive_measures_list(self) -> None:
        assert run("SY-SJ-0006").coercive_measures_excluded
        assert not run("SY-XF-0002").coercive_measures_excluded


# ---------------------------------------------------------------------------------------------------------
# Bad input and the explanation
# ---------------------------------------------------------------------------------------------------------


class TestBadInput:
    def test_future_violation_date(self) -> None:
        with pytest.raises(d.ViolationDateInFuture):
            run(
                "SY-XF-0002",
                violation_date=date(2025, 9, 2),
                decision_date=date(2025, 9, 10),
                today=date(2025, 9, 1),
            )

    def test_violation_after_decision(self) -> None:
        with pytest.raises(d.ViolationAfterDecision):
            run(
                "SY-XF-0002",
                violation_date=date(2025, 9, 2),
                decision_date=date(2025, 9, 1),
                today=date(2025, 9, 5),
            )

    def test_negative_base(self) -> None:
        with pytest.raises(d.BaseAmountNegative):
            run("SY-SJ-0001", base_amounts={BaseKind.GOODS_VALUE: -1})

    def test_party_type_not_covered(self) -> None:
        with pytest.raises(d.PartyTypeNotApplicable):
            run("SY-CG-0004", party_type=ORG)

    def test_age_for_an_organisation(self) -> None:
        with pytest.raises(d.PersonFactsInvalid):
            run("SY-XF-0002", age_years=30)

    def test_versions_of_two_items(self) -> None:
        with pytest.raises(d.BenchmarkVersionsMixed):
            d.assess(
                d.Facts(violation_date=date(2025, 6, 1), decision_date=date(2025, 9, 1), party_type=ORG),
                SAMPLE.versions("SY-XF-0002") + SAMPLE.versions("SY-XF-0001"),
                today=date(2025, 9, 1),
            )

    def test_unknown_code_gives_no_versions(self) -> None:
        with pytest.raises(d.NoBenchmarkVersion):
            run("SY-XX-9999")


class TestExplanation:
    def test_steps_in_order_with_citations(self) -> None:
        a = run(
            "SY-SJ-0008",
            base_amounts={BaseKind.ADVERTISING_FEES: 50_000 * YUAN},
            aggravations=frozenset({Aggravation.REPEATED}),
        )
        rules = [s.rule for s in a.steps]
        assert rules[:6] == ["version", "limitation", "basis", "tier", "amount", "kinds"]
        assert all(s.citations for s in a.steps)
        assert a.steps[0].citations[0].render() == "《中华人民共和国行政处罚法》第三十七条"
        assert a.steps[0].citations[1].render() == "裁量基准SY-SJ-0008第1版"
        assert "《中华人民共和国广告法》第五十五条第一款" in a.steps[2].render()
        text = a.explanation()
        assert text.startswith("1. ") and "从重处罚" in text

    def test_deterministic(self) -> None:
        facts = d.Facts(violation_date=date(2025, 6, 1), decision_date=date(2025, 9, 1), party_type=ORG)
        one = d.assess(facts, SAMPLE.versions("SY-XF-0002"), today=date(2025, 9, 1))
        two = d.assess(replace(facts), SAMPLE.versions("SY-XF-0002"), today=date(2025, 9, 1))
        assert one == two
