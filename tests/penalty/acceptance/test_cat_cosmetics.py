"""Examiner's cases for the catalogue's cosmetics items, worked by hand from 化妆品监督管理条例 (2020, arts.
59–62) and the catalogue's tier split (从轻 lower 30 %, 一般 30–70 %, 从重 upper 30 %; an item's own
``share_bp`` where it sets them), through ``POST /benchmarks/{code}/assess`` only.

Every item here protects life and health: 首违不罚 never applies.
"""

from __future__ import annotations

from typing import Any

from tests.penalty.acceptance.support import (
    DAY,
    ENTERPRISES,
    allowed,
    assess,
    kinds,
    legal_range,
    open_case,
    step,
    tier_and_suggestion,
    tier_range,
    yuan,
)
from tests.penalty.helpers import party
from tests.support.http import ok
from tests.support.stack import Running, client


def goods(amount: str) -> dict[str, Any]:
    return {"goods_value": yuan(amount)}


class TestArticle60Item5Refilling:
    """SY-SJ-0012, 第六十条第（五）项 (化妆品经营者擅自配制化妆品): 货值金额不足1万元的，并处1万元以上5万元以下罚款；
    货值金额1万元以上的，并处货值金额5倍以上20倍以下罚款."""

    async def test_version_2_shares_20_60(self, penalty: Running) -> None:
        # 第2版 (from 2026-01-01) 从轻 0–20 %, 一般 20–60 %, 从重 60–100 %.
        # goods < 1万: 10,000–50,000, width 40,000: 一般 10,000 + 8,000 = 18,000 … 10,000 + 24,000 = 34,000
        # (exclusive) → (18,000 + 33,999.99) / 2 = 25,999.995 → 26,000; 从轻 10,000.00–17,999.99 → 13,999.995 →
        # 14,000; 从重 34,000.00–50,000.00 → 42,000
        # goods 10,000: 50,000–200,000, width 150,000: 一般 80,000.00–139,999.99 → 110,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("9999.99"))
            li = await assess(
                http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("500"), mitigations=["coerced"]
            )
            he = await assess(
                http,
                "SY-SJ-0012",
                violation_date=DAY,
                base_amounts=goods("500"),
                aggravations=["vulnerable_victims"],
            )
            at = await assess(http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("10000"))
        assert o["benchmark_version"] == 2
        assert legal_range(o) == (yuan("10000"), yuan("50000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("18000"), yuan("33999.99"), yuan("26000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("10000"), yuan("17999.99"), yuan("14000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("34000"), yuan("50000"), yuan("42000"))
        assert legal_range(at) == (yuan("50000"), yuan("200000"))
        assert tier_and_suggestion(at) == ("ordinary", yuan("80000"), yuan("139999.99"), yuan("110000"))

    async def test_version_1_default_split_for_an_act_of_2025_and_the_lighter_new_version(
        self, penalty: Running
    ) -> None:
        # 第1版 (to 2025-12-31), default 30/70: goods 10,000 → 50,000–200,000, 一般 50,000 + 45,000 = 95,000 …
        # 50,000 + 105,000 = 155,000 (exclusive) → 125,000. 第2版's 一般 (80,000–139,999.99) is lighter: for an
        # act of 2025-06-01 decided today 第2版 applies (行政处罚法 第三十七条 从旧兼从轻).
        async with client(penalty.url) as http:
            old = await assess(http, "SY-SJ-0012", violation_date="2025-06-01", base_amounts=goods("10000"))
        assert old["benchmark_version"] == 2
        assert tier_and_suggestion(old) == ("ordinary", yuan("80000"), yuan("139999.99"), yuan("110000"))
        # decided while 第1版 was in force (2025-12-01), it is 第1版's range
        async with client(penalty.url) as http:
            then = await assess(
                http,
                "SY-SJ-0012",
                violation_date="2025-06-01",
                decision_date="2025-12-01",
                base_amounts=goods("10000"),
            )
        assert then["benchmark_version"] == 1
        assert tier_and_suggestion(then) == ("ordinary", yuan("95000"), yuan("154999.99"), yuan("125000"))

    async def test_version_2_mitigated_list_goes_below_10000(self, penalty: Running) -> None:
        # 第2版's 减轻处罚清单 (货值金额不足一千元，在门店内为消费者现场分装…): below the legal minimum of 10,000:
        # 0.00–9,999.99, suggested 4,999.995 → 5,000
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("800"), meets_mitigated_list=True
            )
        assert tier_and_suggestion(a) == ("mitigated", 0, yuan("9999.99"), yuan("5000"))

    async def test_kinds_and_serious(self, penalty: Running) -> None:
        # 没收违法所得、违法生产经营的化妆品和专门用于违法生产经营的…物品; 情节严重的，责令停产停业 … 或者 … 吊销化妆品
        # 许可证件
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("500"))
            serious = await assess(
                http, "SY-SJ-0012", violation_date=DAY, base_amounts=goods("500"), statutory_serious=True
            )
            first = await assess(
                http,
                "SY-SJ-0012",
                violation_date=DAY,
                base_amounts=goods("500"),
                first_offence=True,
                harm="none",
                correction="in_time",
            )
        assert kinds(a) == {"fine", "confiscate_illegal_property"}
        assert "confiscate_illegal_gains" in allowed(a)
        assert {"suspend_business", "revoke_licence"} <= allowed(serious)
        assert first["first_violation_eligible"] is False


class TestArticle59Item1UnlicensedProduction:
    async def test_50000_to_150000_then_15_to_30_times(self, penalty: Running) -> None:
        # SY-SJ-0013, 第五十九条第（一）项: 货值金额不足1万元的，并处5万元以上15万元以下罚款；1万元以上的，并处货值金额
        # 15倍以上30倍以下罚款.
        # goods < 1万: width 100,000 → 一般 80,000.00–119,999.99 → 100,000; 从轻 50,000.00–79,999.99 → 65,000;
        # 从重 120,000.00–150,000.00 → 135,000
        # goods 10,000: 150,000–300,000, width 150,000 → 一般 195,000.00–254,999.99 → 224,999.995 → 225,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0013", violation_date=DAY, base_amounts=goods("2000"))
            li = await assess(
                http,
                "SY-SJ-0013",
                violation_date=DAY,
                base_amounts=goods("2000"),
                mitigations=["meritorious"],
            )
            he = await assess(
                http, "SY-SJ-0013", violation_date=DAY, base_amounts=goods("2000"), aggravations=["repeated"]
            )
            at = await assess(http, "SY-SJ-0013", violation_date=DAY, base_amounts=goods("10000"))
            under = await assess(http, "SY-SJ-0013", violation_date=DAY, base_amounts=goods("9999.99"))
            serious = await assess(
                http, "SY-SJ-0013", violation_date=DAY, base_amounts=goods("2000"), statutory_serious=True
            )
        assert legal_range(o) == (yuan("50000"), yuan("150000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("80000"), yuan("119999.99"), yuan("100000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("50000"), yuan("79999.99"), yuan("65000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("120000"), yuan("150000"), yuan("135000"))
        assert legal_range(at) == (yuan("150000"), yuan("300000"))
        assert legal_range(under) == (yuan("50000"), yuan("150000"))
        assert tier_and_suggestion(at) == ("ordinary", yuan("195000"), yuan("254999.99"), yuan("225000"))
        assert {"suspend_business", "revoke_licence"} <= allowed(serious)


class TestArticle61Item5Labels:
    async def test_10000_to_30000_then_3_to_10_times(self, penalty: Running) -> None:
        # SY-SJ-0014, 第六十一条第一款第（五）项: 货值金额不足1万元的，并处1万元以上3万元以下罚款；1万元以上的，并处
        # 货值金额3倍以上10倍以下罚款.
        # goods < 1万: width 20,000 → 一般 16,000.00–23,999.99 → 20,000; 从轻 10,000.00–15,999.99 → 13,000;
        # 从重 24,000.00–30,000.00 → 27,000
        # goods 10,000: 30,000–100,000, width 70,000 → 一般 51,000.00–78,999.99 → 64,999.995 → 65,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0014", violation_date=DAY, base_amounts=goods("2000"))
            li = await assess(
                http,
                "SY-SJ-0014",
                violation_date=DAY,
                base_amounts=goods("2000"),
                mitigations=["confessed_unknown"],
            )
            he = await assess(
                http,
                "SY-SJ-0014",
                violation_date=DAY,
                base_amounts=goods("2000"),
                aggravations=["obstruction"],
            )
            at = await assess(http, "SY-SJ-0014", violation_date=DAY, base_amounts=goods("10000"))
            under = await assess(http, "SY-SJ-0014", violation_date=DAY, base_amounts=goods("9999.99"))
        assert legal_range(o) == (yuan("10000"), yuan("30000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("16000"), yuan("23999.99"), yuan("20000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("10000"), yuan("15999.99"), yuan("13000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("24000"), yuan("30000"), yuan("27000"))
        assert legal_range(at) == (yuan("30000"), yuan("100000"))
        assert legal_range(under) == (yuan("10000"), yuan("30000"))
        assert tier_and_suggestion(at) == ("ordinary", yuan("51000"), yuan("78999.99"), yuan("65000"))
        assert kinds(o) == {"fine", "confiscate_illegal_property"}

    async def test_serious_allows_a_business_stop_or_revocation(self, penalty: Running) -> None:
        # 第六十一条第一款: 情节严重的，责令停产停业、由备案部门取消备案或者由原发证部门吊销化妆品许可证件 — the kinds
        # the article adds for 情节严重 must be open to the officer, as for 第五十九条 and 第六十条
        async with client(penalty.url) as http:
            serious = await assess(
                http, "SY-SJ-0014", violation_date=DAY, base_amounts=goods("2000"), statutory_serious=True
            )
        assert {"suspend_business", "revoke_licence"} <= allowed(serious)
        # 情节严重 is the article's own consequence, not a 从重 circumstance on top
        assert serious["penalty"]["tier_key"] == "ordinary"
        assert tier_range(serious) == (yuan("16000"), yuan("23999.99"))


class TestArticle62Item2PurchaseRecords:
    async def test_warning_and_10000_to_30000_serious_30000_to_50000(self, penalty: Running) -> None:
        # SY-SJ-0015, 第六十二条第一款第（二）项: 责令改正，给予警告，并处1万元以上3万元以下罚款；情节严重的，责令停产
        # 停业，并处3万元以上5万元以下罚款.
        # 1万–3万: 一般 16,000.00–23,999.99 → 20,000. 3万–5万, width 20,000: 一般 30,000 + 6,000 = 36,000 …
        # 30,000 + 14,000 = 44,000 (exclusive) → 39,999.995 → 40,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0015", violation_date=DAY)
            serious = await assess(http, "SY-SJ-0015", violation_date=DAY, statutory_serious=True)
        assert kinds(o) == {"warning", "fine"}
        assert legal_range(o) == (yuan("10000"), yuan("30000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("16000"), yuan("23999.99"), yuan("20000"))
        assert kinds(serious) == {"warning", "fine", "suspend_business"}
        assert legal_range(serious) == (yuan("30000"), yuan("50000"))
        assert tier_and_suggestion(serious) == ("ordinary", yuan("36000"), yuan("43999.99"), yuan("40000"))


class TestOnACase:
    async def test_a_label_case_with_serious_circumstances_may_propose_a_business_stop(
        self, penalty: Running
    ) -> None:
        # SY-SJ-0014 on a case: the assessment recorded with 情节严重 allows 责令停产停业 (第六十一条第一款), so the
        # 告知书 may propose it with the fine of the 一般 tier (16,000.00–23,999.99 for goods under 1万元)
        async with client(penalty.url) as http:
            cid = await open_case(http, code="SY-SJ-0014", the_party=party(uscc=ENTERPRISES[0]))
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(
                    http,
                    cid,
                    "assessment",
                    {"violation_date": DAY, "base_amounts": goods("2000"), "statutory_serious": True},
                )
            )
            assert {"suspend_business", "revoke_licence"} <= allowed(a)
            proposed = {"kinds": ["fine", "suspend_business"], "fine_fen": yuan("20000")}
            notice = ok(
                await step(
                    http,
                    cid,
                    "notice",
                    {"facts": ["当事人销售标签不符合规定的化妆品。"], "proposed": proposed},
                )
            )
        assert notice["state"] == "notified"
