"""Third examiner's round: what the first two rounds left out of the discretion engine, through
``POST /benchmarks/{code}/assess`` only — the five-year limitation of 行政处罚法 第三十六条 at its last day, a
leap day, a continuing act and slight harm; the eighteenth birthday (第三十条); partial incapacity (第三十一条);
each circumstance of 第三十二条; a multiple of the goods value that is not a whole fen; and one act under two
provisions with the same maximum (第二十九条).

Periods in years (民法典 第二百零一条, 第二百零二条): the first day is not counted, the last day is the
corresponding day of the last year, or the last day of the month when there is none.
"""

from __future__ import annotations

import pytest

from tests.penalty.acceptance.support import (
    DAY,
    XF_A,
    assess,
    legal_range,
    tier_and_suggestion,
    tier_range,
    yuan,
)
from tests.support.stack import Running, client

GOODS = {"goods_value": yuan("3000")}


class TestFiveYears:
    """第三十六条第一款: "涉及公民生命健康安全、金融安全且有危害后果的，上述期限延长至五年"."""

    async def test_the_last_day_of_five_years_is_in_time(self, penalty: Running) -> None:
        # SY-SJ-0004 (食品安全, life and health) with harm: act 2021-11-16 → five years end on 2026-11-16; discovered
        # on that day: in time, punished
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2021-11-16",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="ordinary",
            )
        assert (a["limitation"]["years"], a["limitation"]["last_day"]) == (5, "2026-11-16")
        assert a["limitation"]["expired"] is False
        assert a["outcome"] == "penalty"

    async def test_five_years_and_a_day_is_too_late(self, penalty: Running) -> None:
        # act 2021-11-15 → five years end on 2026-11-15; discovered 2026-11-16: one day late, 不再给予行政处罚
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2021-11-15",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="ordinary",
            )
        assert (a["limitation"]["years"], a["limitation"]["last_day"]) == (5, "2026-11-15")
        assert a["limitation"]["expired"] is True
        assert a["outcome"] != "penalty"
        assert a.get("penalty") is None

    async def test_slight_harm_is_harm(self, penalty: Running) -> None:
        # "且有危害后果": a slight harm is a harmful consequence all the same (only "none" keeps two years). Act
        # 2023-11-20, discovered 2026-11-16 (about three years): five years, last day 2028-11-20, in time
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2023-11-20",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="minor",
            )
        assert (a["limitation"]["years"], a["limitation"]["last_day"]) == (5, "2028-11-20")
        assert a["limitation"]["expired"] is False

    async def test_a_continuing_act_with_harm_counts_five_years_from_its_end(self, penalty: Running) -> None:
        # 第三十六条第二款 with the five years: sold 2019-03-01 … 2021-11-16 (继续状态), harm: five years from the
        # end, 2026-11-16 — in time on 2026-11-16 although the act began seven years before
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2019-03-01",
                continuing_until="2021-11-16",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="ordinary",
            )
        assert a["limitation"]["starts_on"] == "2021-11-16"
        assert (a["limitation"]["years"], a["limitation"]["last_day"]) == (5, "2026-11-16")
        assert a["limitation"]["expired"] is False


class TestLeapDay:
    async def test_two_years_from_the_29th_of_february_end_on_the_28th(self, penalty: Running) -> None:
        # SY-SJ-0019 (价格法, two years): act 2024-02-29; 2026 has no 02-29, so the period ends on the last day of
        # the month, 2026-02-28 (民法典 第二百零二条 "没有对应日的，月末日为期间的最后一日"). Discovered 02-28: in
        # time; discovered 03-01: too late
        async with client(penalty.url) as http:
            last = await assess(http, "SY-SJ-0019", violation_date="2024-02-29", discovered_on="2026-02-28")
            after = await assess(http, "SY-SJ-0019", violation_date="2024-02-29", discovered_on="2026-03-01")
        assert last["limitation"]["last_day"] == "2026-02-28"
        assert last["limitation"]["expired"] is False
        assert last["outcome"] == "penalty"
        assert after["limitation"]["expired"] is True
        assert after["outcome"] != "penalty"


class TestEighteen:
    """第三十条: 已满十四周岁不满十八周岁的未成年人 … 应当从轻或者减轻. 周岁 as the courts count it (从周岁生日的
    第二天起算, 最高人民法院《关于审理未成年人刑事案件具体应用法律若干问题的解释》第二条), as the first round's case of
    the fourteenth birthday does."""

    async def test_on_the_eighteenth_birthday_still_a_minor(self, penalty: Running) -> None:
        # SY-XF-0003 (消防法 第六十条第二款, 个人 五百元以下). Born 2008-10-27, act on 2026-10-27, the 18th birthday:
        # not yet 已满十八周岁 → lighter or mitigated. Born 2008-10-26: 18 since 10-27 → 一般: 20–60 % of 500 =
        # 100.00 … 299.99, suggested (100.00 + 299.99) / 2 = 199.995 → 200.00
        async with client(penalty.url) as http:
            birthday = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                birth_date="2008-10-27",
            )
            adult = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                birth_date="2008-10-26",
            )
        assert birthday["outcome"] == "penalty"
        assert birthday["penalty"]["tier_key"] in {"lighter", "mitigated"}
        assert "第三十条" in birthday["explanation"]
        assert tier_and_suggestion(adult) == ("ordinary", yuan("100"), yuan("299.99"), yuan("200"))


class TestCapacity:
    async def test_partly_incapable_is_punished_and_the_article_is_cited(self, penalty: Running) -> None:
        # 第三十一条: "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人有违法行为的，可以从轻或者减轻行政处罚"
        # — punished (not 不予处罚, that is only for one who cannot recognise or control the act), never heavier
        # than the 一般 tier, and the reason for the discretion is stated
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, capacity="limited"
            )
        assert a["outcome"] == "penalty"
        assert a["penalty"]["tier_key"] in {"lighter", "mitigated", "ordinary"}
        assert "第三十一条" in a["explanation"]


class TestArticle32:
    """第三十二条: 当事人有下列情形之一，应当从轻或者减轻行政处罚 — each one alone, not only 主动消除危害后果."""

    @pytest.mark.parametrize(
        "circumstance", ["coerced", "confessed_unknown", "meritorious", "other_statutory"]
    )
    async def test_each_circumstance_alone_gives_the_lighter_tier(
        self, penalty: Running, circumstance: str
    ) -> None:
        # SY-XF-0001 (消防法 第六十条第一款, 单位: 五千元以上五万元以下); the benchmark's 从轻 is "具有《行政处罚法》
        # 第三十二条所列情形之一": lower 30 % → 5,000 … 5,000 + 45,000 × 30 % = 18,500 (exclusive) = 18,499.99,
        # suggested (5,000 + 18,499.99) / 2 = 11,749.995 → 11,750.00
        async with client(penalty.url) as http:
            a = await assess(http, "SY-XF-0001", who=XF_A, violation_date=DAY, mitigations=[circumstance])
        assert tier_and_suggestion(a) == ("lighter", yuan("5000"), yuan("18499.99"), yuan("11750"))
        assert "第三十二条" in a["explanation"]


class TestMultiplesInFen:
    async def test_half_the_goods_value_is_never_rounded_below_the_statutory_minimum(
        self, penalty: Running
    ) -> None:
        # SY-SJ-0017, 产品质量法 第五十条: "并处违法生产、销售产品货值金额百分之五十以上三倍以下的罚款". Goods 333.33 元:
        # 50 % = 166.665 元, so the least lawful fine in fen is 166.67 (166.66 is below 百分之五十); 3 × 333.33 =
        # 999.99
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0017", violation_date=DAY, base_amounts={"goods_value": 33333})
        assert legal_range(a) == (16667, 99999)
        low, high = tier_range(a)
        assert yuan("166.67") <= low <= high <= yuan("999.99")


class TestSameMaximum:
    async def test_with_equal_maxima_the_higher_minimum_governs(self, penalty: Running) -> None:
        # 第二十九条 "按照罚款数额高的规定处罚". Goods 3,000 元: SY-SJ-0004 (食品安全法 第一百二十五条) 5,000–50,000 and
        # SY-SJ-0012 (化妆品监督管理条例 第六十条, 货值金额不足1万元) 10,000–50,000: the maxima are equal, the minimum of
        # SY-SJ-0012 is higher, so SY-SJ-0012 (its 第2版 for an act of 2026, 一般 20–60 %): 10,000 + 40,000 × 20 % =
        # 18,000 … 10,000 + 40,000 × 60 % = 34,000 (exclusive), suggested (18,000 + 33,999.99) / 2 = 25,999.995 →
        # 26,000.00. Checked on a case (the what-if takes no provisions) in test_exam3_procedure.
        async with client(penalty.url) as http:
            a4 = await assess(http, "SY-SJ-0004", violation_date=DAY, base_amounts=GOODS)
            a12 = await assess(http, "SY-SJ-0012", violation_date=DAY, base_amounts=GOODS)
        assert legal_range(a4) == (yuan("5000"), yuan("50000"))
        assert legal_range(a12) == (yuan("10000"), yuan("50000"))
        assert tier_and_suggestion(a12) == ("ordinary", yuan("18000"), yuan("33999.99"), yuan("26000"))
