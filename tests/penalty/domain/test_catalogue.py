"""The benchmark catalogue: parsing, validation errors, JSON/CSV round trips, and the sample files.

The sample's legal figures are checked against a second, hand-written table (STATUTORY_FINES below, each
line quoting the law), and its citations against a hand-verified list of articles (VERIFIED_ARTICLES). When
the legal texts are present (/work/shared/legal), the excerpts are also checked verbatim against them.
"""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from services.penalty.domain import catalogue as cat

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_JSON = ROOT / "data" / "sample" / "benchmarks.json"
SAMPLE_CSV = ROOT / "data" / "sample" / "benchmarks.csv"
LEGAL_DIR = Path("/work/shared/legal")

YUAN = 100  # fen


def version_dict(**overrides: Any) -> dict[str, Any]:
    """A valid minimal version in the file shape; tests override one thing at a time."""
    data: dict[str, Any] = {
        "code": "SY-SJ-9001",
        "version": 1,
        "status": "published",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "approving_document": "测试〔2024〕1号",
        "department_code": "SJ",
        "department_name": "测试局",
        "domain": "价格",
        "violation_name": "违反明码标价规定",
        "party_types": ["organisation"],
        "interests": [],
        "violated": [{"law": "中华人民共和国价格法", "article": "第十三条"}],
        "punishing": [{"law": "中华人民共和国价格法", "article": "第四十二条"}],
        "kinds": ["confiscate_illegal_gains", {"kind": "fine", "mandatory": False}],
        "fine": {"shape": "max_only", "max_fen": 5_000 * YUAN},
        "escalations": [],
        "tiers": [],
        "lists": {},
        "first_violation_allowed": False,
    }
    data.update(overrides)
    return data


def catalogue_text(*versions: dict[str, Any]) -> str:
    return json.dumps({"format": cat.FORMAT, "title": "测试", "versions": list(versions)}, ensure_ascii=False)


def parse(*versions: dict[str, Any]) -> cat.Catalogue:
    return cat.parse_json(catalogue_text(*versions))


# ---------------------------------------------------------------------------------------------------------


class TestParsing:
    def test_minimal_version_parses_into_the_model(self) -> None:
        c = parse(version_dict())
        (v,) = c.versions("SY-SJ-9001")
        assert v.fine == cat.FineFormula(rule=cat.FixedRange(min_fen=0, max_fen=500_000))
        assert v.fine.rule.max_only  # type: ignore[union-attr]
        assert v.kinds == (
            cat.KindRule(cat.PenaltyKind.CONFISCATE_GAINS, True),
            cat.KindRule(cat.PenaltyKind.FINE, False),
        )
        assert v.party_types == frozenset({cat.PartyType.ORGANISATION})
        assert v.in_force_on(date(2024, 1, 1)) and not v.in_force_on(date(2023, 12, 31))

    def test_multiples_are_exact_fractions(self) -> None:
        fine = {"shape": "multiple", "base": "goods_value", "k_min": "0.5", "k_max": "3"}
        (v,) = parse(version_dict(fine=fine)).versions("SY-SJ-9001")
        assert v.fine is not None
        assert v.fine.rule == cat.Multiple(k_min=Fraction(1, 2), k_max=Fraction(3))

    def test_brackets_with_exclusive_lower_bound(self) -> None:
        fine = {
            "shape": "brackets",
            "base": "illegal_gains",
            "brackets": [
                {"from_fen": 0, "shape": "range", "min_fen": 3_000 * YUAN, "max_fen": 10_000 * YUAN},
                {
                    "from_fen": 10_000 * YUAN,
                    "from_inclusive": False,
                    "shape": "multiple",
                    "k_min": "1",
                    "k_max": "5",
                },
            ],
            "fallback": {"shape": "range", "min_fen": 3_000 * YUAN, "max_fen": 10_000 * YUAN},
        }
        (v,) = parse(version_dict(fine=fine)).versions("SY-SJ-9001")
        assert v.fine is not None and isinstance(v.fine.rule, tuple)
        assert v.fine.rule[1] == cat.Bracket(1_000_000, False, cat.Multiple(Fraction(1), Fraction(5)))
        assert v.fine.fallback == cat.FixedRange(300_000, 1_000_000)

    def test_chinese_labels_are_accepted_for_enumerations(self) -> None:
        (v,) = parse(version_dict(kinds=["没收违法所得", {"kind": "罚款", "mandatory": False}])).versions(
            "SY-SJ-9001"
        )
        assert [k.kind for k in v.kinds] == [cat.PenaltyKind.CONFISCATE_GAINS, cat.PenaltyKind.FINE]

    @pytest.mark.parametrize(
        ("change", "fragment"),
        [
            ({"colour": "red"}, "未知字段"),
            ({"kinds": ["fine", "flogging"]}, "flogging"),
            ({"effective_from": "2024-13-01"}, "日期"),
            (
                {"fine": {"shape": "multiple", "base": "goods_value", "k_min": 0.5, "k_max": "3"}},
                "十进制字符串",
            ),
            ({"fine": {"shape": "max_only", "max_fen": 500.5}}, "整数"),
            ({"violated": [{"law": "中华人民共和国价格法", "article": "13"}]}, "第X条"),
            ({"status": "in_force"}, "in_force"),
        ],
    )
    def test_malformed_input_is_a_format_error(self, change: dict[str, Any], fragment: str) -> None:
        with pytest.raises(cat.CatalogueFormatInvalid) as err:
            parse(version_dict(**change))
        assert err.value.code == "CATALOGUE_FORMAT_INVALID"
        assert fragment in err.value.detail

    def test_wrong_format_marker_and_bad_json(self) -> None:
        with pytest.raises(cat.CatalogueFormatInvalid):
            cat.parse_json(json.dumps({"format": "other", "versions": []}))
        with pytest.raises(cat.CatalogueFormatInvalid):
            cat.parse_json("{not json")


class TestValidation:
    def test_first_violation_on_a_life_health_item_is_refused(self) -> None:
        with pytest.raises(cat.FirstViolationNotAllowed) as err:
            parse(version_dict(domain="食品安全", interests=["life_health"], first_violation_allowed=True))
        assert err.value.code == "FIRST_VIOLATION_NOT_ALLOWED"

    @pytest.mark.parametrize("interest", ["public_safety", "ecology"])
    def test_first_violation_refused_for_public_safety_and_ecology(self, interest: str) -> None:
        with pytest.raises(cat.FirstViolationNotAllowed):
            parse(version_dict(interests=[interest], first_violation_allowed=True))

    def test_first_violation_allowed_for_financial_security_only(self) -> None:
        # the Liaoning bar names 生命健康、公共安全、生态环保; financial security only lengthens art. 36
        parse(version_dict(interests=["financial_security"], first_violation_allowed=True))

    def test_a_food_item_must_be_flagged_life_health(self) -> None:
        with pytest.raises(cat.ProtectedInterestMissing) as err:
            parse(version_dict(domain="食品安全", interests=[]))
        assert err.value.code == "PROTECTED_INTEREST_MISSING"

    def test_overlapping_effective_dates_for_the_same_code(self) -> None:
        v1 = version_dict(effective_to="2026-01-01")
        v2 = version_dict(version=2, effective_from="2026-01-01")
        with pytest.raises(cat.VersionOverlap) as err:
            parse(v1, v2)
        assert err.value.code == "VERSION_OVERLAP"

    def test_an_open_ended_version_overlaps_any_later_one(self) -> None:
        with pytest.raises(cat.VersionOverlap):
            parse(version_dict(), version_dict(version=2, effective_from="2027-01-01"))

    def test_consecutive_versions_and_overlapping_drafts_are_fine(self) -> None:
        v1 = version_dict(effective_to="2025-12-31")
        v2 = version_dict(version=2, effective_from="2026-01-01")
        v3 = version_dict(version=3, status="draft", effective_from="2026-06-01")
        c = parse(v1, v2, v3)
        assert [v.version for v in c.versions("SY-SJ-9001")] == [1, 2, 3]
        assert c.items["SY-SJ-9001"].in_force_on(date(2026, 7, 1)).version == 2  # type: ignore[union-attr]

    def test_duplicate_version_number(self) -> None:
        with pytest.raises(cat.VersionDuplicate):
            parse(version_dict(effective_to="2024-06-30"), version_dict(effective_from="2024-07-01"))

    def test_multiple_k1_above_k2(self) -> None:
        fine = {"shape": "multiple", "base": "goods_value", "k_min": "5", "k_max": "3"}
        with pytest.raises(cat.MultipleRangeInvalid) as err:
            parse(version_dict(fine=fine))
        assert err.value.code == "MULTIPLE_RANGE_INVALID"

    def test_range_min_above_max(self) -> None:
        with pytest.raises(cat.FineRangeInvalid):
            parse(version_dict(fine={"shape": "range", "min_fen": 500_000, "max_fen": 100_000}))

    def test_multiple_without_a_base(self) -> None:
        with pytest.raises(cat.MultipleRangeInvalid):
            parse(version_dict(fine={"shape": "multiple", "k_min": "1", "k_max": "3"}))

    @pytest.mark.parametrize(
        "brackets",
        [
            [{"from_fen": 100, "shape": "max_only", "max_fen": 100}],
            [
                {"from_fen": 0, "shape": "max_only", "max_fen": 100},
                {"from_fen": 0, "shape": "max_only", "max_fen": 200},
            ],
            [],
        ],
    )
    def test_brackets_must_start_at_zero_and_increase(self, brackets: list[Any]) -> None:
        with pytest.raises(cat.BracketsInvalid):
            parse(version_dict(fine={"shape": "brackets", "base": "goods_value", "brackets": brackets}))

    def test_escalation_cannot_be_lighter_than_the_base_range(self) -> None:
        esc = {
            "trigger": "serious",
            "conditions": "情节严重",
            "fine": {"shape": "max_only", "max_fen": 1_000 * YUAN},
        }
        with pytest.raises(cat.EscalationInvalid):
            parse(version_dict(escalations=[esc]))

    def test_fine_formula_requires_the_fine_kind(self) -> None:
        with pytest.raises(cat.PenaltyKindsInvalid):
            parse(version_dict(kinds=["confiscate_illegal_gains"]))

    def test_an_item_must_have_some_penalty(self) -> None:
        with pytest.raises(cat.PenaltyKindsInvalid):
            parse(version_dict(kinds=[], fine=None))

    def test_tier_shares_must_be_contiguous(self) -> None:
        tiers = [
            {"tier": "lighter", "conditions": "a", "share_bp": [0, 3000]},
            {"tier": "ordinary", "conditions": "b", "share_bp": [3500, 7000]},
            {"tier": "heavier", "conditions": "c", "share_bp": [7000, 10000]},
        ]
        with pytest.raises(cat.TierSharesInvalid):
            parse(version_dict(tiers=tiers))

    def test_effective_to_before_from(self) -> None:
        with pytest.raises(cat.EffectiveDatesInvalid):
            parse(version_dict(effective_to="2023-12-31"))

    def test_code_format(self) -> None:
        with pytest.raises(cat.BenchmarkCodeInvalid):
            parse(version_dict(code="SJ0001"))

    def test_tier_split_configuration(self) -> None:
        assert cat.TierSplit().to_mapping() == {
            "range_lighter_upper_bp": 3000,
            "range_heavier_lower_bp": 7000,
            "max_only_lighter_upper_bp": 2000,
            "max_only_heavier_lower_bp": 6000,
            "mitigated_floor_bp": 0,
        }
        with pytest.raises(cat.TierSplitInvalid):
            cat.TierSplit(range_lighter_upper_bp=7000, range_heavier_lower_bp=3000)
        with pytest.raises(cat.TierSplitInvalid):
            cat.TierSplit.from_mapping({"range_lighter_upper_bp": "30%"})
        with pytest.raises(cat.TierSplitInvalid):
            cat.TierSplit(mitigated_floor_bp=10_000)


class TestRoundTrip:
    def test_json_round_trip_is_exact(self) -> None:
        c = parse(
            version_dict(effective_to="2025-12-31"), version_dict(version=2, effective_from="2026-01-01")
        )
        assert cat.parse_json(cat.to_json(c)) == c

    def test_csv_round_trip_is_exact(self) -> None:
        c = parse(
            version_dict(lists={"no_penalty": {"conditions": "当场改正"}}, first_violation_allowed=True)
        )
        text = cat.to_csv(c.all_versions())
        assert text.splitlines()[0].split(",") == list(cat.CSV_COLUMNS)
        assert cat.parse_csv(text) == dict(c.items)

    def test_csv_with_wrong_header(self) -> None:
        with pytest.raises(cat.CatalogueFormatInvalid):
            cat.parse_csv("code,version\nSY-SJ-0001,1\n")

    def test_csv_cells_are_validated_like_json(self) -> None:
        c = parse(version_dict())
        text = cat.to_csv(c.all_versions())
        assert '""max_fen"":500000' in text  # csv doubles the quotes inside a quoted cell
        text = text.replace('""max_fen"":500000', '""max_fen"":-1')
        with pytest.raises(cat.FineRangeInvalid):
            cat.parse_csv(text)


# ---------------------------------------------------------------------------------------------------------
# The sample catalogue
# ---------------------------------------------------------------------------------------------------------

#: Articles cited by the sample, each looked up by hand in /work/shared/legal (versions in the metadata).
VERIFIED_ARTICLES: dict[str, set[str]] = {
    "中华人民共和国食品安全法": {
        "第三十四条", "第三十五条", "第四十五条", "第五十三条", "第六十七条", "第七十一条",
        "第一百二十二条", "第一百二十四条", "第一百二十五条", "第一百二十六条",
    },
    "中华人民共和国广告法": {"第四条", "第八条", "第九条", "第二十八条", "第四十六条", "第五十五条", "第五十七条", "第五十八条", "第五十九条"},
    "化妆品监督管理条例": {"第二十七条", "第三十五条", "第三十八条", "第五十九条", "第六十条", "第六十一条", "第六十二条"},
    "化妆品生产经营监督管理办法": {"第六十三条"},
    "中华人民共和国产品质量法": {"第十三条", "第三十条", "第三十二条", "第三十七条", "第三十九条", "第四十九条", "第五十条", "第五十三条"},
    "中华人民共和国价格法": {"第十三条", "第四十二条"},
    "中华人民共和国反不正当竞争法": {"第八条", "第十条", "第二十条", "第二十二条"},
    "市场主体登记管理条例": {"第三条", "第三十六条", "第四十三条", "第四十八条"},
    "无证无照经营查处办法": {"第二条", "第十三条", "第十四条"},
    "中华人民共和国大气污染防治法": {
        "第十八条", "第二十四条", "第六十九条", "第七十二条", "第八十一条",
        "第九十九条", "第一百条", "第一百一十五条", "第一百一十七条", "第一百一十八条",
    },
    "中华人民共和国固体废物污染环境防治法": {"第四十九条", "第一百一十一条"},
    "城市市容和环境卫生管理条例": {"第十七条", "第三十四条"},
    "道路运输条例": {"第十条", "第二十二条", "第二十四条", "第二十六条", "第三十条", "第六十三条", "第六十四条", "第六十八条", "第六十九条"},
    "中华人民共和国安全生产法": {"第二十八条", "第三十六条", "第四十一条", "第九十七条", "第九十九条", "第一百零二条"},
    "中华人民共和国消防法": {"第十六条", "第二十八条", "第六十条"},
}  # fmt: skip


def R(lo_yuan: int, hi_yuan: int) -> tuple[Any, ...]:
    return ("range", lo_yuan * YUAN, hi_yuan * YUAN)


def M(k1: str, k2: str) -> tuple[Any, ...]:
    return ("multiple", Fraction(k1), Fraction(k2))


def B(
    base: str, *brackets: tuple[int, bool, tuple[Any, ...]], fallback: tuple[Any, ...] | None = None
) -> tuple[Any, ...]:
    return ("brackets", base, tuple((y * YUAN, inc, rule) for y, inc, rule in brackets), fallback)


def MB(base: str, k1: str, k2: str, fallback: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
    return ("multiple_of", base, Fraction(k1), Fraction(k2), fallback)


#: The statutory fines of every sample item, copied by hand from the law (yuan × 100 = fen):
#: code -> (base formula, {escalation trigger: formula}); None where the law sets no fine.
STATUTORY_FINES: dict[str, tuple[Any, dict[str, Any]]] = {
    # 食品安全法 第一百二十四条: 货值金额不足一万元的，并处五万元以上十万元以下罚款；一万元以上的，并处货值金额十倍以上二十倍以下罚款
    "SY-SJ-0001": (B("goods_value", (0, True, R(50_000, 100_000)), (10_000, True, M("10", "20"))), {}),
    "SY-SJ-0002": (B("goods_value", (0, True, R(50_000, 100_000)), (10_000, True, M("10", "20"))), {}),
    # 第一百二十二条: same figures as art. 124
    "SY-SJ-0003": (B("goods_value", (0, True, R(50_000, 100_000)), (10_000, True, M("10", "20"))), {}),
    # 第一百二十五条第一款: 不足一万元 五千元以上五万元以下；一万元以上 五倍以上十倍以下
    "SY-SJ-0004": (B("goods_value", (0, True, R(5_000, 50_000)), (10_000, True, M("5", "10"))), {}),
    # 第一百二十五条第二款: 拒不改正的，处二千元以下罚款
    "SY-SJ-0005": (None, {"not_corrected": R(0, 2_000)}),
    # 第一百二十六条: 给予警告；拒不改正的，处五千元以上五万元以下罚款
    "SY-SJ-0006": (None, {"not_corrected": R(5_000, 50_000)}),
    "SY-SJ-0007": (None, {"not_corrected": R(5_000, 50_000)}),
    # 广告法 第五十五条第一款: 广告费用三倍以上五倍以下；无法计算或者明显偏低 二十万元以上一百万元以下；
    # 严重情节 五倍以上十倍以下 / 一百万元以上二百万元以下
    "SY-SJ-0008": (
        MB("advertising_fees", "3", "5", R(200_000, 1_000_000)),
        {"serious": MB("advertising_fees", "5", "10", R(1_000_000, 2_000_000))},
    ),
    # 第五十八条: 一倍以上三倍以下 / 十万元以上二十万元以下；情节严重 三倍以上五倍以下 / 二十万元以上一百万元以下
    "SY-SJ-0009": (
        MB("advertising_fees", "1", "3", R(100_000, 200_000)),
        {"serious": MB("advertising_fees", "3", "5", R(200_000, 1_000_000))},
    ),
    # 第五十七条: 对广告主处二十万元以上一百万元以下的罚款
    "SY-SJ-0010": (R(200_000, 1_000_000), {}),
    # 第五十九条第一款: 对广告主处十万元以下的罚款
    "SY-SJ-0011": (R(0, 100_000), {}),
    # 化妆品监督管理条例 第六十条: 不足1万元 1万元以上5万元以下；1万元以上 5倍以上20倍以下
    "SY-SJ-0012": (B("goods_value", (0, True, R(10_000, 50_000)), (10_000, True, M("5", "20"))), {}),
    # 第五十九条: 不足1万元 5万元以上15万元以下；1万元以上 15倍以上30倍以下
    "SY-SJ-0013": (B("goods_value", (0, True, R(50_000, 150_000)), (10_000, True, M("15", "30"))), {}),
    # 第六十一条: 不足1万元 1万元以上3万元以下；1万元以上 3倍以上10倍以下
    "SY-SJ-0014": (B("goods_value", (0, True, R(10_000, 30_000)), (10_000, True, M("3", "10"))), {}),
    # 第六十二条: 并处1万元以上3万元以下；情节严重的 3万元以上5万元以下
    "SY-SJ-0015": (R(10_000, 30_000), {"serious": R(30_000, 50_000)}),
    # 产品质量法 第四十九条: 货值金额等值以上三倍以下
    "SY-SJ-0016": (MB("goods_value", "1", "3"), {}),
    # 第五十条: 货值金额百分之五十以上三倍以下
    "SY-SJ-0017": (MB("goods_value", "0.5", "3"), {}),
    # 第五十三条: 货值金额等值以下
    "SY-SJ-0018": (MB("goods_value", "0", "1"), {}),
    # 价格法 第四十二条: 可以并处五千元以下的罚款
    "SY-SJ-0019": (R(0, 5_000), {}),
    # 反不正当竞争法(2019) 第二十条: 二十万元以上一百万元以下；情节严重 一百万元以上二百万元以下
    "SY-SJ-0020": (R(200_000, 1_000_000), {"serious": R(1_000_000, 2_000_000)}),
    # 第二十二条: 五万元以上五十万元以下
    "SY-SJ-0021": (R(50_000, 500_000), {}),
    # 市场主体登记管理条例 第四十八条第一款: 拒不改正的，处3万元以下的罚款
    "SY-SJ-0022": (None, {"not_corrected": R(0, 30_000)}),
    # 第四十三条: 拒不改正的，处1万元以上10万元以下；情节严重的 10万元以上50万元以下
    "SY-SJ-0023": (None, {"not_corrected": R(10_000, 100_000), "serious": R(100_000, 500_000)}),
    # 无证无照经营查处办法 第十四条: 可以处5000元以下的罚款
    "SY-SJ-0024": (R(0, 5_000), {}),
    # 大气污染防治法 第九十九条: 十万元以上一百万元以下
    "SY-ST-0001": (R(100_000, 1_000_000), {}),
    # 第一百条: 二万元以上二十万元以下
    "SY-ST-0002": (R(20_000, 200_000), {}),
    # 第一百一十七条: 一万元以上十万元以下
    "SY-ST-0003": (R(10_000, 100_000), {}),
    # 第一百一十八条第三款: 五百元以上二万元以下
    "SY-CG-0001": (R(500, 20_000), {}),
    # 第一百一十八条第一款: 五千元以上五万元以下
    "SY-CG-0002": (R(5_000, 50_000), {}),
    # 第一百一十五条: 一万元以上十万元以下
    "SY-CG-0003": (R(10_000, 100_000), {}),
    # 固体废物污染环境防治法 第一百一十一条第二款: 个人 一百元以上五百元以下；单位 五万元以上五十万元以下
    "SY-CG-0004": (R(100, 500), {}),
    "SY-CG-0005": (R(50_000, 500_000), {}),
    # 城市市容和环境卫生管理条例 第三十四条: 可以并处警告、罚款 (no amount set)
    "SY-CG-0006": (None, {}),
    # 道路运输条例 第六十三条第（一）项: 违法所得超过1万元 1倍以上5倍以下；没有或者不足1万元 3000元以上1万元以下；
    # 情节严重的 1万元以上5万元以下
    "SY-JT-0001": (
        B(
            "illegal_gains",
            (0, True, R(3_000, 10_000)),
            (10_000, False, M("1", "5")),
            fallback=R(3_000, 10_000),
        ),
        {
            "serious": B(
                "illegal_gains",
                (0, True, R(10_000, 50_000)),
                (10_000, False, M("1", "5")),
                fallback=R(10_000, 50_000),
            )
        },
    ),
    # 第（二）项: 超过2万元 2倍以上10倍以下；没有或者不足2万元 1万元以上10万元以下
    "SY-JT-0002": (
        B(
            "illegal_gains",
            (0, True, R(10_000, 100_000)),
            (20_000, False, M("2", "10")),
            fallback=R(10_000, 100_000),
        ),
        {},
    ),
    # 第六十四条: 200元以上2000元以下
    "SY-JT-0003": (R(200, 2_000), {}),
    # 第六十九条第一款: 1000元以上5000元以下
    "SY-JT-0004": (R(1_000, 5_000), {}),
    # 第六十八条第二款: 1000元以上3000元以下
    "SY-JT-0005": (R(1_000, 3_000), {}),
    # 安全生产法 第九十七条: 十万元以下；逾期未改正 十万元以上二十万元以下
    "SY-YJ-0001": (R(0, 100_000), {"not_corrected": R(100_000, 200_000)}),
    # 第九十九条: 五万元以下；逾期未改正 五万元以上二十万元以下
    "SY-YJ-0002": (R(0, 50_000), {"not_corrected": R(50_000, 200_000)}),
    # 第一百零二条: 五万元以下
    "SY-YJ-0003": (R(0, 50_000), {}),
    # 消防法 第六十条第一款: 单位 五千元以上五万元以下；第二款 个人 警告或者五百元以下
    "SY-XF-0001": (R(5_000, 50_000), {}),
    "SY-XF-0002": (R(5_000, 50_000), {}),
    "SY-XF-0003": (R(0, 500), {}),
}


def shape_of(f: cat.FineFormula | None) -> Any:
    if f is None:
        return None
    rule = f.rule
    fallback = ("range", f.fallback.min_fen, f.fallback.max_fen) if f.fallback else None

    def one(r: cat.FixedRange | cat.Multiple) -> tuple[Any, ...]:
        if isinstance(r, cat.FixedRange):
            return ("range", r.min_fen, r.max_fen)
        return ("multiple", r.k_min, r.k_max)

    if isinstance(rule, tuple):
        assert f.base is not None
        return (
            "brackets",
            f.base.value,
            tuple((b.from_fen, b.from_inclusive, one(b.rule)) for b in rule),
            fallback,
        )
    if isinstance(rule, cat.Multiple):
        assert f.base is not None
        return ("multiple_of", f.base.value, rule.k_min, rule.k_max, fallback)
    return one(rule)


@pytest.fixture(scope="module")
def sample() -> cat.Catalogue:
    return cat.parse_json(SAMPLE_JSON.read_text(encoding="utf-8"))


class TestSampleCatalogue:
    def test_json_and_csv_hold_the_same_versions(self, sample: cat.Catalogue) -> None:
        assert cat.parse_csv(SAMPLE_CSV.read_text(encoding="utf-8")) == dict(sample.items)

    def test_files_are_what_the_exporters_write(self, sample: cat.Catalogue) -> None:
        assert cat.to_json(sample) == SAMPLE_JSON.read_text(encoding="utf-8")
        assert cat.to_csv(sample.all_versions()) == SAMPLE_CSV.read_text(encoding="utf-8")

    def test_size_departments_and_domains(self, sample: cat.Catalogue) -> None:
        assert len(sample.items) >= 32
        assert {v.department_code for v in sample.all_versions()} == {"SJ", "ST", "CG", "JT", "YJ", "XF"}
        for v in sample.all_versions():
            assert v.code.split("-")[1] == v.department_code
        domains = {v.domain for v in sample.all_versions()}
        assert {
            "食品安全",
            "广告",
            "化妆品",
            "消防",
            "大气污染",
            "市容环卫",
            "安全生产",
            "道路运输",
        } <= domains

    def test_metadata_says_what_is_law_and_what_is_sample(self, sample: cat.Catalogue) -> None:
        assert sample.metadata["sample"] is True
        assert "摘自所引法律" in sample.metadata["note"] and "样例辖区配置" in sample.metadata["note"]
        assert sample.tier_split() == cat.TierSplit()
        assert all("样例" in v.approving_document for v in sample.all_versions())

    def test_some_items_have_two_versions_for_art_37(self, sample: cat.Catalogue) -> None:
        two = {
            code
            for code, item in sample.items.items()
            if len([v for v in item.versions if v.status is cat.Status.PUBLISHED]) >= 2
        }
        assert {"SY-SJ-0012", "SY-SJ-0019", "SY-ST-0003"} <= two

    def test_every_citation_is_a_hand_verified_article(self, sample: cat.Catalogue) -> None:
        for v in sample.all_versions():
            for p in (*v.violated, *v.punishing):
                assert p.article in VERIFIED_ARTICLES[p.law], (v.code, p.law, p.article)

    def test_fine_figures_match_the_hand_table(self, sample: cat.Catalogue) -> None:
        assert set(STATUTORY_FINES) == set(sample.items)
        for v in sample.all_versions():
            base, escalations = STATUTORY_FINES[v.code]
            assert shape_of(v.fine) == base, v.code
            got = {e.trigger.value: shape_of(e.fine) for e in v.escalations if e.fine is not None}
            assert got == escalations, v.code

    def test_first_violation_only_outside_barred_interests(self, sample: cat.Catalogue) -> None:
        allowed = {v.code for v in sample.all_versions() if v.first_violation_allowed}
        assert allowed == {"SY-SJ-0010", "SY-SJ-0011", "SY-SJ-0019", "SY-SJ-0024", "SY-CG-0006"}
        for v in sample.all_versions():
            if v.domain in ("食品安全", "化妆品", "消防", "安全生产", "大气污染"):
                assert not v.first_violation_allowed

    @pytest.mark.skipif(not LEGAL_DIR.is_dir(), reason="legal texts not available on this machine")
    def test_excerpts_are_verbatim_in_the_legal_texts(self, sample: cat.Catalogue) -> None:
        texts: dict[str, str] = {}
        for path in LEGAL_DIR.glob("*.md"):
            texts[path.name.split("(")[0]] = path.read_text(encoding="utf-8")
        for v in sample.all_versions():
            for p in (*v.violated, *v.punishing):
                text = texts[p.law.removeprefix("中华人民共和国")]
                match = re.search(
                    rf"^({p.article} .*?)(?=^第[一二三四五六七八九十百零]+条 |^#|\Z)", text, re.S | re.M
                )
                assert match, (v.code, p.law, p.article)
                assert p.excerpt in match.group(1), (v.code, p.law, p.article, p.excerpt)
