"""Examiner's cases: the fine of a benchmark item, worked by hand from the punishing article and the
catalogue's published tier split (SPEC §3.1: 从轻 = lower 30 %, 一般 30–70 %, 从重 upper 30 % of a range; of a
maximum-only range 0–20 / 20–60 / 60–100 %), through ``POST /benchmarks/{code}/assess`` only.

Boundaries: a tier's upper end is one fen below the next tier's lower end; the suggestion is the midpoint of
the tier rounded to the yuan (the explanation says 取档次幅度中值并取整到元; every midpoint here ends in .995
or .00, so both roundings agree).
"""

from __future__ import annotations

from tests.penalty.acceptance.support import JT_A, assess, legal_range, tier_range, yuan
from tests.support.stack import Running, client

DAY = "2026-10-27"  # the act, 20 days before the pinned today (Mon 2026-11-16)


class TestFixedRangeByGoodsValue:
    """SY-SJ-0004, 食品安全法 第一百二十五条第一款: 货值金额不足一万元的，并处五千元以上五万元以下罚款；货值金额一万元
    以上的，并处货值金额五倍以上十倍以下罚款."""

    async def test_ordinary_tier(self, penalty: Running) -> None:
        # 5,000–50,000; 一般: 5,000 + 45,000 × 30 % = 18,500 up to 5,000 + 45,000 × 70 % = 36,500 (exclusive)
        # suggested (18,500.00 + 36,499.99) / 2 = 27,499.995 → 27,500.00
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0004", violation_date=DAY, base_amounts={"goods_value": yuan("3000")}
            )
        assert a["outcome"] == "penalty"
        assert legal_range(a) == (yuan("5000"), yuan("50000"))
        assert a["penalty"]["tier_key"] == "ordinary"
        assert tier_range(a) == (yuan("18500"), yuan("36499.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("27500")

    async def test_lighter_tier_for_one_circumstance_of_article_32(self, penalty: Running) -> None:
        # 第三十二条第一项 (主动消除或者减轻违法行为危害后果): 应当从轻 → 从轻 = 5,000 up to 18,500 (exclusive);
        # suggested (5,000.00 + 18,499.99) / 2 = 11,749.995 → 11,750.00
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts={"goods_value": yuan("3000")},
                mitigations=["eliminated_harm"],
            )
        assert a["penalty"]["tier_key"] == "lighter"
        assert tier_range(a) == (yuan("5000"), yuan("18499.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("11750")

    async def test_heavier_tier_for_obstruction(self, penalty: Running) -> None:
        # 从重 (拒绝、阻碍执法): 36,500 … 50,000; suggested (36,500 + 50,000) / 2 = 43,250.00
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts={"goods_value": yuan("3000")},
                aggravations=["obstruction"],
            )
        assert a["penalty"]["tier_key"] == "heavier"
        assert tier_range(a) == (yuan("36500"), yuan("50000"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("43250")

    async def test_mitigated_tier_is_below_the_statutory_minimum(self, penalty: Running) -> None:
        # two circumstances of 第三十二条 and no aggravation: 减轻 — below the legal minimum of 5,000 元
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts={"goods_value": yuan("3000")},
                mitigations=["eliminated_harm", "meritorious"],
            )
        assert a["outcome"] == "penalty"
        assert a["penalty"]["tier_key"] == "mitigated"
        low, high = tier_range(a)
        assert 0 <= low <= high < yuan("5000")
        assert low <= a["penalty"]["suggested_fine_fen"] <= high

    async def test_goods_value_of_exactly_ten_thousand_is_in_the_multiple_bracket(
        self, penalty: Running
    ) -> None:
        # "一万元以上" includes 10,000: 5–10 × 10,000 = 50,000–100,000; 一般 65,000 … 84,999.99, suggested
        # (65,000 + 84,999.99) / 2 = 74,999.995 → 75,000.00
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0004", violation_date=DAY, base_amounts={"goods_value": yuan("10000")}
            )
        assert legal_range(a) == (yuan("50000"), yuan("100000"))
        assert tier_range(a) == (yuan("65000"), yuan("84999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("75000")

    async def test_one_fen_under_ten_thousand_is_in_the_fixed_range(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0004", violation_date=DAY, base_amounts={"goods_value": yuan("9999.99")}
            )
        assert legal_range(a) == (yuan("5000"), yuan("50000"))

    async def test_confiscation_and_fine_are_the_kinds(self, penalty: Running) -> None:
        # 第一百二十五条: 没收违法所得和违法生产经营的食品 …, 并处罚款 (行政处罚法 第九条, 第二十八条第二款)
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0004", violation_date=DAY, base_amounts={"goods_value": yuan("3000")}
            )
        kinds = {k["kind"] for k in a["penalty"]["kinds"]}
        assert {"fine", "confiscate_illegal_property"} <= kinds
        assert "confiscate_illegal_gains" in {k["kind"] for k in a["penalty"]["allowed_kinds"]} | kinds


class TestMultiples:
    async def test_product_quality_law_article_49_one_to_three_times(self, penalty: Running) -> None:
        # SY-SJ-0016, 产品质量法 第四十九条: 货值金额等值以上三倍以下. Goods 10,000 → 10,000–30,000; 一般
        # 10,000 + 20,000 × 30 % = 16,000 … 10,000 + 20,000 × 70 % = 24,000 (exclusive); suggested
        # (16,000 + 23,999.99) / 2 = 19,999.995 → 20,000.00
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0016", violation_date=DAY, base_amounts={"goods_value": yuan("10000")}
            )
        assert legal_range(a) == (yuan("10000"), yuan("30000"))
        assert tier_range(a) == (yuan("16000"), yuan("23999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("20000")

    async def test_advertising_law_article_55_three_to_five_times_the_fees(self, penalty: Running) -> None:
        # SY-SJ-0008, 广告法 第五十五条第一款: 广告费用三倍以上五倍以下. Fees 100,000 → 300,000–500,000; 一般
        # 360,000 … 440,000 (exclusive); suggested (360,000 + 439,999.99) / 2 = 399,999.995 → 400,000.00
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0008", violation_date=DAY, base_amounts={"advertising_fees": yuan("100000")}
            )
        assert legal_range(a) == (yuan("300000"), yuan("500000"))
        assert tier_range(a) == (yuan("360000"), yuan("439999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("400000")

    async def test_advertising_fees_obviously_low_take_the_statutory_range(self, penalty: Running) -> None:
        # 广告费用无法计算或者明显偏低的，处二十万元以上一百万元以下的罚款
        async with client(penalty.url) as http:
            low = await assess(
                http,
                "SY-SJ-0008",
                violation_date=DAY,
                base_amounts={"advertising_fees": yuan("1000")},
                obviously_low_bases=["advertising_fees"],
            )
            unknown = await assess(http, "SY-SJ-0008", violation_date=DAY)
        assert legal_range(low) == (yuan("200000"), yuan("1000000"))
        assert legal_range(unknown) == (yuan("200000"), yuan("1000000"))

    async def test_road_transport_gains_over_ten_thousand_one_to_five_times(self, penalty: Running) -> None:
        # SY-JT-0001, 道路运输条例 第六十三条第（一）项: 违法所得超过1万元的，没收违法所得，处违法所得1倍以上5倍以下.
        # Gains 20,000 → 20,000–100,000; 一般 20,000 + 80,000 × 30 % = 44,000 … 76,000 (exclusive); suggested
        # (44,000 + 75,999.99) / 2 = 59,999.995 → 60,000.00
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-JT-0001",
                who=JT_A,
                violation_date=DAY,
                base_amounts={"illegal_gains": yuan("20000")},
            )
        assert legal_range(a) == (yuan("20000"), yuan("100000"))
        assert tier_range(a) == (yuan("44000"), yuan("75999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("60000")
        assert "confiscate_illegal_gains" in {k["kind"] for k in a["penalty"]["kinds"]}

    async def test_road_transport_no_gains_three_to_ten_thousand(self, penalty: Running) -> None:
        # 没有违法所得或者违法所得不足1万元的，处3000元以上1万元以下的罚款
        async with client(penalty.url) as http:
            none = await assess(
                http, "SY-JT-0001", who=JT_A, violation_date=DAY, base_amounts={"illegal_gains": 0}
            )
            under = await assess(
                http,
                "SY-JT-0001",
                who=JT_A,
                violation_date=DAY,
                base_amounts={"illegal_gains": yuan("9999.99")},
            )
            over = await assess(
                http,
                "SY-JT-0001",
                who=JT_A,
                violation_date=DAY,
                base_amounts={"illegal_gains": yuan("10000.01")},
            )
        assert legal_range(none) == (yuan("3000"), yuan("10000"))
        assert legal_range(under) == (yuan("3000"), yuan("10000"))
        # 1 × 10,000.01 … 5 × 10,000.01 = 50,000.05
        assert legal_range(over) == (yuan("10000.01"), yuan("50000.05"))


class TestMaximumOnly:
    async def test_price_law_article_42_up_to_five_thousand(self, penalty: Running) -> None:
        # SY-SJ-0019, 价格法 第四十二条: 可以并处五千元以下的罚款. 一般 = 20–60 % of 5,000: 1,000 … 3,000
        # (exclusive); suggested (1,000 + 2,999.99) / 2 = 1,999.995 → 2,000.00; 从轻 0 … 1,000 (exclusive)
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0019", violation_date=DAY)
            lighter = await assess(http, "SY-SJ-0019", violation_date=DAY, mitigations=["confessed_unknown"])
        assert legal_range(a)[1] == yuan("5000")
        assert tier_range(a) == (yuan("1000"), yuan("2999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("2000")
        assert lighter["penalty"]["tier_key"] == "lighter"
        assert tier_range(lighter)[1] == yuan("999.99")
        # "可以并处": the fine is optional
        assert a["penalty"]["fine_optional"] is True
