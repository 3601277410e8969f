"""Examiner's cases for the catalogue's advertising items other than 第五十五条 (SY-SJ-0008, see
test_acc_fines.py), worked by hand from 广告法 (2021) and the catalogue's tier split (从轻 lower 30 %, 一般
30–70 %, 从重 upper 30 % of a range; 0–20 / 20–60 / 60–100 % of a maximum-only one), through
``POST /benchmarks/{code}/assess`` only. The party is the 广告主 (advertiser)."""

from __future__ import annotations

from typing import Any

from tests.penalty.acceptance.support import (
    DAY,
    allowed,
    assess,
    kinds,
    legal_range,
    tier_and_suggestion,
    yuan,
)
from tests.support.stack import Running, client

FIRST = {"first_offence": True, "harm": "minor", "correction": "in_time"}


def fees(amount: str) -> dict[str, Any]:
    return {"advertising_fees": yuan(amount)}


class TestArticle58UnreviewedAdvertisement:
    """SY-SJ-0009, 第五十八条第一款第（十四）项: 处广告费用一倍以上三倍以下的罚款，广告费用无法计算或者明显偏低的，处十万元
    以上二十万元以下的罚款；情节严重的，处广告费用三倍以上五倍以下的罚款，广告费用无法计算或者明显偏低的，处二十万元以上
    一百万元以下的罚款，可以吊销营业执照."""

    async def test_one_to_three_times_the_fees(self, penalty: Running) -> None:
        # fees 50,000 → 50,000–150,000, width 100,000: 一般 80,000.00–119,999.99 → 100,000;
        # 从轻 50,000.00–79,999.99 → 65,000; 从重 120,000.00–150,000.00 → 135,000
        # fees 333.33 → 1 × 333.33 … 3 × 333.33 = 999.99
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("50000"))
            li = await assess(
                http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("50000"), mitigations=["coerced"]
            )
            he = await assess(
                http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("50000"), aggravations=["repeated"]
            )
            odd = await assess(http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("333.33"))
        assert legal_range(o) == (yuan("50000"), yuan("150000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("80000"), yuan("119999.99"), yuan("100000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("50000"), yuan("79999.99"), yuan("65000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("120000"), yuan("150000"), yuan("135000"))
        assert legal_range(odd) == (yuan("333.33"), yuan("999.99"))
        assert kinds(o) == {"fine"}

    async def test_fees_unknown_or_obviously_low_100000_to_200000(self, penalty: Running) -> None:
        # width 100,000: 一般 130,000.00–169,999.99 → 150,000
        async with client(penalty.url) as http:
            unknown = await assess(http, "SY-SJ-0009", violation_date=DAY)
            low = await assess(
                http,
                "SY-SJ-0009",
                violation_date=DAY,
                base_amounts=fees("100"),
                obviously_low_bases=["advertising_fees"],
            )
        for a in (unknown, low):
            assert legal_range(a) == (yuan("100000"), yuan("200000"))
            assert tier_and_suggestion(a) == ("ordinary", yuan("130000"), yuan("169999.99"), yuan("150000"))

    async def test_serious_three_to_five_times_or_200000_to_1000000(self, penalty: Running) -> None:
        # fees 50,000 → 150,000–250,000, width 100,000: 一般 180,000.00–219,999.99 → 200,000
        # unknown → 200,000–1,000,000, width 800,000: 一般 440,000.00–759,999.99 → 600,000
        async with client(penalty.url) as http:
            known = await assess(
                http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("50000"), statutory_serious=True
            )
            unknown = await assess(http, "SY-SJ-0009", violation_date=DAY, statutory_serious=True)
        assert legal_range(known) == (yuan("150000"), yuan("250000"))
        assert tier_and_suggestion(known) == ("ordinary", yuan("180000"), yuan("219999.99"), yuan("200000"))
        assert legal_range(unknown) == (yuan("200000"), yuan("1000000"))
        assert tier_and_suggestion(unknown) == ("ordinary", yuan("440000"), yuan("759999.99"), yuan("600000"))
        assert "revoke_licence" in allowed(known) and "revoke_licence" not in kinds(known)  # 可以吊销

    async def test_health_products_no_first_violation_waiver(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0009", violation_date=DAY, base_amounts=fees("1000"), **FIRST)
        assert a["first_violation_eligible"] is False


class TestArticle57SuperlativeWords:
    async def test_200000_to_1000000(self, penalty: Running) -> None:
        # SY-SJ-0010, 第五十七条第（一）项 (第九条第（三）项 “国家级”“最高级”“最佳”): 对广告主处二十万元以上一百万元
        # 以下的罚款，情节严重的，并可以吊销营业执照.
        # width 800,000: 一般 200,000 + 240,000 = 440,000 … 200,000 + 560,000 = 760,000 (exclusive) → 600,000;
        # 从轻 200,000.00–439,999.99 → 320,000; 从重 760,000.00–1,000,000.00 → 880,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0010", violation_date=DAY)
            li = await assess(http, "SY-SJ-0010", violation_date=DAY, mitigations=["eliminated_harm"])
            he = await assess(http, "SY-SJ-0010", violation_date=DAY, aggravations=["obstruction"])
            serious = await assess(http, "SY-SJ-0010", violation_date=DAY, statutory_serious=True)
        assert legal_range(o) == (yuan("200000"), yuan("1000000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("440000"), yuan("759999.99"), yuan("600000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("200000"), yuan("439999.99"), yuan("320000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("760000"), yuan("1000000"), yuan("880000"))
        assert legal_range(serious) == (yuan("200000"), yuan("1000000"))  # the same range, 并可以吊销营业执照
        assert "revoke_licence" in allowed(serious) and "revoke_licence" not in allowed(o)

    async def test_mitigated_list_and_first_violation(self, penalty: Running) -> None:
        # 减轻处罚清单 (自有经营场所或者自设网站发布…): below 200,000: 0.00–199,999.99 → 99,999.995 → 100,000;
        # 首违不罚清单 listed (no life, safety or environment interest)
        async with client(penalty.url) as http:
            mitigated = await assess(http, "SY-SJ-0010", violation_date=DAY, meets_mitigated_list=True)
            first = await assess(http, "SY-SJ-0010", violation_date=DAY, **FIRST)
        assert tier_and_suggestion(mitigated) == ("mitigated", 0, yuan("199999.99"), yuan("100000"))
        assert first["outcome"] == "first_violation_waiver" and first["first_violation_eligible"] is True


class TestArticle59InaccurateStatements:
    async def test_up_to_100000(self, penalty: Running) -> None:
        # SY-SJ-0011, 第五十九条第一款第（一）项 (第八条): 对广告主处十万元以下的罚款. Maximum only:
        # 一般 20,000.00–59,999.99 → 39,999.995 → 40,000; 从轻 0.00–19,999.99 → 10,000;
        # 从重 60,000.00–100,000.00 → 80,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0011", violation_date=DAY)
            li = await assess(http, "SY-SJ-0011", violation_date=DAY, mitigations=["confessed_unknown"])
            he = await assess(http, "SY-SJ-0011", violation_date=DAY, aggravations=["repeated"])
        assert legal_range(o) == (0, yuan("100000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("20000"), yuan("59999.99"), yuan("40000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("19999.99"), yuan("10000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("60000"), yuan("100000"), yuan("80000"))
        assert kinds(o) == {"fine"}

    async def test_mitigated_without_a_legal_minimum_takes_the_lighter_tier(self, penalty: Running) -> None:
        # “十万元以下” has no minimum to go below and the article has no lighter kind: the product's reading is
        # 减轻 = the 从轻 part, 0.00–19,999.99, suggested 10,000 (see the report's ambiguities)
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0011", violation_date=DAY, mitigations=["coerced", "confessed_unknown"]
            )
        assert tier_and_suggestion(a) == ("mitigated", 0, yuan("19999.99"), yuan("10000"))
        assert kinds(a) == {"fine"}

    async def test_no_penalty_list_and_first_violation(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            listed = await assess(http, "SY-SJ-0011", violation_date=DAY, meets_no_penalty_list=True)
            first = await assess(http, "SY-SJ-0011", violation_date=DAY, **FIRST)
        assert listed["outcome"] == "no_penalty" and listed["education_required"] is True
        assert first["first_violation_eligible"] is True
