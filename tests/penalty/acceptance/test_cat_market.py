"""Examiner's cases for the catalogue's market items other than those of test_acc_fines.py: 产品质量法 (2018)
arts. 50 and 53, 价格法 art. 42 第1版, 反不正当竞争法 (2019) arts. 20 and 22, 市场主体登记管理条例 (2021) arts. 43
and 48, 无证无照经营查处办法 (2017) art. 14; worked by hand with the catalogue's tier split (从轻 lower 30 %,
一般 30–70 %, 从重 upper 30 % of a range; 0–20 / 20–60 / 60–100 % of a maximum-only one), through
``POST /benchmarks/{code}/assess`` only."""

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
from tests.penalty.helpers import SJ_A
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

FIRST = {"first_offence": True, "harm": "minor", "correction": "in_time"}


def goods(amount: str) -> dict[str, Any]:
    return {"goods_value": yuan(amount)}


class TestProductQualityLaw:
    async def test_article_50_fifty_percent_to_three_times(self, penalty: Running) -> None:
        # SY-SJ-0017, 第五十条: 并处违法生产、销售产品货值金额百分之五十以上三倍以下的罚款.
        # goods 10,000 → 5,000–30,000, width 25,000: 一般 5,000 + 7,500 = 12,500 … 5,000 + 17,500 = 22,500
        # (exclusive) → 17,499.995 → 17,500; 从轻 5,000.00–12,499.99 → 8,750; 从重 22,500.00–30,000.00 → 26,250
        # goods 333.33: 50 % = 166.665 → up to 166.67 (not below 50 %), 3 × 333.33 = 999.99
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0017", violation_date=DAY, base_amounts=goods("10000"))
            li = await assess(
                http, "SY-SJ-0017", violation_date=DAY, base_amounts=goods("10000"), mitigations=["coerced"]
            )
            he = await assess(
                http,
                "SY-SJ-0017",
                violation_date=DAY,
                base_amounts=goods("10000"),
                aggravations=["obstruction"],
            )
            odd = await assess(http, "SY-SJ-0017", violation_date=DAY, base_amounts=goods("333.33"))
            unknown = await http.post(
                "/api/v1/penalty/benchmarks/SY-SJ-0017/assess",
                json={"violation_date": DAY, "party_type": "organisation"},
                headers=officer(**SJ_A),
            )
            serious = await assess(
                http, "SY-SJ-0017", violation_date=DAY, base_amounts=goods("10000"), statutory_serious=True
            )
        assert legal_range(o) == (yuan("5000"), yuan("30000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("12500"), yuan("22499.99"), yuan("17500"))
        assert tier_and_suggestion(li) == ("lighter", yuan("5000"), yuan("12499.99"), yuan("8750"))
        assert tier_and_suggestion(he) == ("heavier", yuan("22500"), yuan("30000"), yuan("26250"))
        assert legal_range(odd) == (yuan("166.67"), yuan("999.99"))
        problem(unknown, 400, "BASE_AMOUNT_REQUIRED")  # the article has no figure without the goods value
        # 没收违法生产、销售的产品 … 并处罚款；有违法所得的，并处没收违法所得；情节严重的，吊销营业执照
        assert kinds(o) == {"fine", "confiscate_illegal_property"}
        assert "revoke_licence" in kinds(serious)

    async def test_article_53_up_to_the_goods_value(self, penalty: Running) -> None:
        # SY-SJ-0018, 第五十三条: 并处违法生产、销售产品货值金额等值以下的罚款 — a maximum only (“以下”): goods 10,000
        # → 0–10,000; 一般 2,000.00–5,999.99 → 4,000; 从轻 0.00–1,999.99 → 1,000; 从重 6,000.00–10,000.00 → 8,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0018", violation_date=DAY, base_amounts=goods("10000"))
            li = await assess(
                http, "SY-SJ-0018", violation_date=DAY, base_amounts=goods("10000"), mitigations=["coerced"]
            )
            he = await assess(
                http, "SY-SJ-0018", violation_date=DAY, base_amounts=goods("10000"), aggravations=["repeated"]
            )
        assert legal_range(o) == (0, yuan("10000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("2000"), yuan("5999.99"), yuan("4000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("1999.99"), yuan("1000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("6000"), yuan("10000"), yuan("8000"))
        assert kinds(o) == {"fine", "confiscate_illegal_property"}


class TestPriceLawVersion1:
    async def test_version_1_in_force_in_2025(self, penalty: Running) -> None:
        # SY-SJ-0019 第1版 (to 2025-12-31), 第四十二条: 没收违法所得，可以并处五千元以下的罚款: 一般 1,000.00–2,999.99
        # → 2,000; no 首违不罚 in 第1版, so an act of 2025 decided in 2025 is not waived; decided today, 第2版 (with
        # 首违不罚) is lighter and applies (第三十七条)
        async with client(penalty.url) as http:
            then = await assess(
                http, "SY-SJ-0019", violation_date="2025-06-01", decision_date="2025-07-01", **FIRST
            )
            now = await assess(http, "SY-SJ-0019", violation_date="2025-06-01", **FIRST)
            listed = await assess(http, "SY-SJ-0019", violation_date=DAY, meets_no_penalty_list=True)
        assert then["benchmark_version"] == 1 and then["first_violation_eligible"] is False
        assert tier_and_suggestion(then) == ("ordinary", yuan("1000"), yuan("2999.99"), yuan("2000"))
        assert then["penalty"]["fine_optional"] is True
        assert now["benchmark_version"] == 2 and now["first_violation_eligible"] is True
        assert listed["outcome"] == "no_penalty"


class TestAntiUnfairCompetitionLaw2019:
    async def test_article_20_false_promotion_200000_to_1000000(self, penalty: Running) -> None:
        # SY-SJ-0020 (2019 law, version to 2025-10-14), 第二十条第一款: 处二十万元以上一百万元以下的罚款；情节严重的，处
        # 一百万元以上二百万元以下的罚款，可以吊销营业执照.
        # 20万–100万: 一般 440,000.00–759,999.99 → 600,000; 100万–200万, width 1,000,000: 一般 1,300,000.00–
        # 1,699,999.99 → 1,500,000; 从重 1,700,000.00–2,000,000.00 → 1,850,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0020", violation_date="2025-09-01")
            serious = await assess(http, "SY-SJ-0020", violation_date="2025-09-01", statutory_serious=True)
            worse = await assess(
                http,
                "SY-SJ-0020",
                violation_date="2025-09-01",
                statutory_serious=True,
                aggravations=["repeated"],
            )
            after = await http.post(
                "/api/v1/penalty/benchmarks/SY-SJ-0020/assess",
                json={"violation_date": "2025-10-15", "party_type": "organisation"},
                headers=officer(**SJ_A),
            )
        assert legal_range(o) == (yuan("200000"), yuan("1000000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("440000"), yuan("759999.99"), yuan("600000"))
        assert legal_range(serious) == (yuan("1000000"), yuan("2000000"))
        assert tier_and_suggestion(serious) == (
            "ordinary",
            yuan("1300000"),
            yuan("1699999.99"),
            yuan("1500000"),
        )
        assert tier_and_suggestion(worse) == ("heavier", yuan("1700000"), yuan("2000000"), yuan("1850000"))
        assert "revoke_licence" in allowed(serious) and "revoke_licence" not in kinds(serious)
        # the 2019 law's benchmark ends the day before the revised law took effect (2025-10-15)
        problem(after, 400, "NO_BENCHMARK_VERSION_IN_FORCE")

    async def test_article_22_prize_sales_50000_to_500000(self, penalty: Running) -> None:
        # SY-SJ-0021, 第二十二条: 处五万元以上五十万元以下的罚款. width 450,000: 一般 185,000.00–364,999.99 → 275,000;
        # 从轻 50,000.00–184,999.99 → 117,500; 从重 365,000.00–500,000.00 → 432,500
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0021", violation_date="2025-09-01")
            li = await assess(http, "SY-SJ-0021", violation_date="2025-09-01", mitigations=["meritorious"])
            he = await assess(http, "SY-SJ-0021", violation_date="2025-09-01", aggravations=["obstruction"])
        assert legal_range(o) == (yuan("50000"), yuan("500000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("185000"), yuan("364999.99"), yuan("275000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("50000"), yuan("184999.99"), yuan("117500"))
        assert tier_and_suggestion(he) == ("heavier", yuan("365000"), yuan("500000"), yuan("432500"))
        assert kinds(o) == {"fine"}


class TestMarketEntityRegistration:
    async def test_article_48_licence_not_displayed(self, penalty: Running) -> None:
        # SY-SJ-0022, 第四十八条第一款: 责令改正；拒不改正的，处3万元以下的罚款. Maximum only: 一般 6,000.00–17,999.99
        # → 12,000; 从轻 0.00–5,999.99 → 3,000; 从重 18,000.00–30,000.00 → 24,000
        async with client(penalty.url) as http:
            plain = await assess(http, "SY-SJ-0022", violation_date=DAY)
            o = await assess(http, "SY-SJ-0022", violation_date=DAY, correction="refused")
            li = await assess(
                http, "SY-SJ-0022", violation_date=DAY, correction="refused", mitigations=["coerced"]
            )
            he = await assess(
                http, "SY-SJ-0022", violation_date=DAY, correction="refused", aggravations=["obstruction"]
            )
        assert plain["outcome"] == "correction_only"
        assert legal_range(o) == (0, yuan("30000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("6000"), yuan("17999.99"), yuan("12000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("5999.99"), yuan("3000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("18000"), yuan("30000"), yuan("24000"))
        assert kinds(o) == {"fine"}

    async def test_article_43_unregistered_business(self, penalty: Running) -> None:
        # SY-SJ-0023, 第四十三条: 责令改正，没收违法所得；拒不改正的，处1万元以上10万元以下的罚款；情节严重的，依法责令关闭
        # 停业，并处10万元以上50万元以下的罚款.
        # 1万–10万: 一般 37,000.00–72,999.99 → 55,000. 10万–50万, width 400,000: 一般 100,000 + 120,000 = 220,000 …
        # 100,000 + 280,000 = 380,000 (exclusive) → 299,999.995 → 300,000
        async with client(penalty.url) as http:
            corrected = await assess(
                http, "SY-SJ-0023", violation_date=DAY, base_amounts={"illegal_gains": yuan("2000")}
            )
            refused = await assess(http, "SY-SJ-0023", violation_date=DAY, correction="refused")
            serious = await assess(
                http, "SY-SJ-0023", violation_date=DAY, correction="refused", statutory_serious=True
            )
        # no fine before a refusal: only the gains are confiscated
        assert kinds(corrected) == {"confiscate_illegal_gains"}
        assert corrected["penalty"]["legal_range"] is None
        assert legal_range(refused) == (yuan("10000"), yuan("100000"))
        assert tier_and_suggestion(refused) == ("ordinary", yuan("37000"), yuan("72999.99"), yuan("55000"))
        assert legal_range(serious) == (yuan("100000"), yuan("500000"))
        assert tier_and_suggestion(serious) == ("ordinary", yuan("220000"), yuan("379999.99"), yuan("300000"))
        assert "fine" in kinds(serious) and "order_closure" in kinds(serious)


class TestUnlicensedBusinessMeasures:
    async def test_article_14_providing_premises_up_to_5000(self, penalty: Running) -> None:
        # SY-SJ-0024, 第十四条: 没收违法所得，可以处5000元以下的罚款. Maximum only: 一般 1,000.00–2,999.99 → 2,000;
        # 从轻 0.00–999.99 → 500; 从重 3,000.00–5,000.00 → 4,000; the fine is optional; 首违不罚 listed
        async with client(penalty.url) as http:
            o = await assess(http, "SY-SJ-0024", violation_date=DAY)
            li = await assess(http, "SY-SJ-0024", violation_date=DAY, mitigations=["confessed_unknown"])
            he = await assess(http, "SY-SJ-0024", violation_date=DAY, aggravations=["repeated"])
            first = await assess(http, "SY-SJ-0024", violation_date=DAY, **FIRST)
        assert legal_range(o) == (0, yuan("5000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("1000"), yuan("2999.99"), yuan("2000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("999.99"), yuan("500"))
        assert tier_and_suggestion(he) == ("heavier", yuan("3000"), yuan("5000"), yuan("4000"))
        assert o["penalty"]["fine_optional"] is True
        assert "confiscate_illegal_gains" in allowed(o)
        assert first["first_violation_eligible"] is True
