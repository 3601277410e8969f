"""Examiner's cases: the limitation of 行政处罚法 第三十六条 and the version in force of 第三十七条 (从旧兼从轻),
through ``POST /benchmarks/{code}/assess`` only.

Periods in years: the first day is not counted (民法典 第二百零一条), so two years from an act on 2024-11-15 end on
2026-11-15.
"""

from __future__ import annotations

from tests.penalty.acceptance.support import ST_A, XF_A, assess, legal_range, tier_range, yuan
from tests.support.stack import Running, client

GOODS = {"goods_value": yuan("3000")}


class TestLimitation:
    async def test_two_years_last_day_still_in_time(self, penalty: Running) -> None:
        # SY-SJ-0019 (价格法): no life-and-health or financial interest, two years. Act 2024-11-16, discovered on
        # 2026-11-16: the last day of the two years — in time
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0019", violation_date="2024-11-16", discovered_on="2026-11-16")
        assert a["limitation"]["years"] == 2
        assert a["limitation"]["last_day"] == "2026-11-16"
        assert a["limitation"]["expired"] is False
        assert a["outcome"] == "penalty"

    async def test_two_years_and_a_day_is_too_late(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0019", violation_date="2024-11-15", discovered_on="2026-11-16")
        assert a["limitation"]["last_day"] == "2026-11-15"
        assert a["limitation"]["expired"] is True
        assert a["outcome"] != "penalty"
        assert a.get("penalty") is None

    async def test_five_years_for_life_and_health_with_harm(self, penalty: Running) -> None:
        # 涉及公民生命健康安全、金融安全且有危害后果的，上述期限延长至五年: SY-SJ-0004 (食品安全) with harm, act
        # 2022-11-20 discovered 2026-11-16 (four years later) — in time; last day 2027-11-20
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2022-11-20",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="ordinary",
            )
        assert a["limitation"]["years"] == 5
        assert a["limitation"]["last_day"] == "2027-11-20"
        assert a["limitation"]["expired"] is False

    async def test_life_and_health_without_harm_keeps_two_years(self, penalty: Running) -> None:
        # "且有危害后果": without harmful consequences the five years do not apply. Act 2023-11-20, discovered
        # 2026-11-16 (three years later): the two years ended on 2025-11-20
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2023-11-20",
                discovered_on="2026-11-16",
                base_amounts=GOODS,
                harm="none",
            )
        assert a["limitation"]["years"] == 2
        assert a["limitation"]["expired"] is True

    async def test_a_continuing_act_counts_from_its_end(self, penalty: Running) -> None:
        # 第三十六条第二款: 违法行为有连续或者继续状态的，从行为终了之日起计算. Began 2023-03-01, ended 2025-06-30:
        # two years from the end, 2027-06-30 — in time on 2026-11-16 although it began over three years ago
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0019",
                violation_date="2023-03-01",
                continuing_until="2025-06-30",
                discovered_on="2026-11-16",
            )
        assert a["limitation"]["starts_on"] == "2025-06-30"
        assert a["limitation"]["last_day"] == "2027-06-30"
        assert a["limitation"]["expired"] is False


class TestLawInForce:
    async def test_the_old_version_when_the_new_one_is_heavier(self, penalty: Running) -> None:
        # SY-ST-0003 (大气污染防治法, 10,000–100,000 元): 第1版 2024-01-01…2025-12-31 with the default split, 第2版
        # from 2026-01-01 raising the split (一般 40–80 %). Act 2025-06-01, decided 2026-11-16: 第1版, 一般
        # 10,000 + 90,000 × 30 % = 37,000 … 10,000 + 90,000 × 70 % = 73,000 (exclusive), suggested
        # (37,000 + 72,999.99) / 2 = 54,999.995 → 55,000.00 (第2版 would give 46,000 … 81,999.99, 64,000.00)
        async with client(penalty.url) as http:
            a = await assess(http, "SY-ST-0003", who=ST_A, violation_date="2025-06-01")
        assert a["benchmark_version"] == 1
        assert legal_range(a) == (yuan("10000"), yuan("100000"))
        assert tier_range(a) == (yuan("37000"), yuan("72999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("55000")

    async def test_the_new_version_when_it_is_lighter(self, penalty: Running) -> None:
        # SY-SJ-0012 (化妆品监督管理条例 第六十条, 货值金额不足1万元: 1万元以上5万元以下): 第2版 from 2026-01-01 lowers
        # the split (一般 20–60 %). Act 2025-06-01: 第2版 is lighter, so it applies (第三十七条但书): 一般
        # 10,000 + 40,000 × 20 % = 18,000 … 10,000 + 40,000 × 60 % = 34,000 (exclusive), suggested
        # (18,000 + 33,999.99) / 2 = 25,999.995 → 26,000.00 (第1版: 22,000 … 37,999.99, 30,000.00)
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0012", violation_date="2025-06-01", base_amounts={"goods_value": yuan("2000")}
            )
        assert a["benchmark_version"] == 2
        assert tier_range(a) == (yuan("18000"), yuan("33999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("26000")
        assert "第三十七条" in a["explanation"]

    async def test_an_unpublished_version_is_never_applied(self, penalty: Running) -> None:
        # SY-XF-0001 第2版 is a draft for comment (征求意见稿，未公布): 第三十四条 requires benchmarks to be public
        async with client(penalty.url) as http:
            a = await assess(http, "SY-XF-0001", who=XF_A, violation_date="2026-10-27")
        assert a["benchmark_version"] == 1

    async def test_the_lighter_version_is_judged_in_the_tier_that_applies(self, penalty: Running) -> None:
        # 第三十七条 compares the penalties the party would get. SY-ST-0003 从轻 (one circumstance of 第三十二条):
        # 第1版 0–30 % → 10,000 … 36,999.99, 第2版 0–40 % → 10,000 … 45,999.99: 第1版 is lighter; suggested
        # (10,000 + 36,999.99) / 2 = 23,499.995 → 23,500.00. SY-SJ-0012 从重 (obstruction), goods 2,000:
        # 第1版 70–100 % → 38,000 … 50,000, 第2版 60–100 % → 34,000 … 50,000: 第2版 is lighter; suggested
        # (34,000 + 50,000) / 2 = 42,000.00
        async with client(penalty.url) as http:
            st = await assess(
                http, "SY-ST-0003", who=ST_A, violation_date="2025-06-01", mitigations=["eliminated_harm"]
            )
            sj = await assess(
                http,
                "SY-SJ-0012",
                violation_date="2025-06-01",
                base_amounts={"goods_value": yuan("2000")},
                aggravations=["obstruction"],
            )
        assert (st["benchmark_version"], st["penalty"]["tier_key"]) == (1, "lighter")
        assert st["penalty"]["suggested_fine_fen"] == yuan("23500")
        assert (sj["benchmark_version"], sj["penalty"]["tier_key"]) == (2, "heavier")
        assert tier_range(sj) == (yuan("34000"), yuan("50000"))
        assert sj["penalty"]["suggested_fine_fen"] == yuan("42000")
