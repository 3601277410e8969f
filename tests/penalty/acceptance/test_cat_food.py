"""Examiner's cases for the catalogue's food-safety items other than 第一百二十五条第一款 (SY-SJ-0004, see
test_acc_fines.py), worked by hand from 食品安全法 (2021) and the catalogue's tier split (从轻 lower 30 %, 一般
30–70 %, 从重 upper 30 % of a range; 0–20 / 20–60 / 60–100 % of a maximum-only one), through
``POST /benchmarks/{code}/assess`` only.

Every item here protects life and health: 首违不罚 never applies, and the limitation is five years where there
is harm (行政处罚法 第三十六条).
"""

from __future__ import annotations

from typing import Any

from tests.penalty.acceptance.support import DAY, allowed, assess, kinds, legal_range, tier_range, yuan
from tests.penalty.helpers import SJ_A
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

FIRST = {"first_offence": True, "harm": "minor", "correction": "in_time"}


def goods(amount: str) -> dict[str, Any]:
    return {"goods_value": yuan(amount)}


class TestArticles122And124:
    """第一百二十二条第一款 and 第一百二十四条第一款: 货值金额不足一万元的，并处五万元以上十万元以下罚款；货值金额一万元以上的，
    并处货值金额十倍以上二十倍以下罚款."""

    CODES = ("SY-SJ-0001", "SY-SJ-0002", "SY-SJ-0003")

    async def test_goods_under_ten_thousand_50000_to_100000(self, penalty: Running) -> None:
        # width 50,000: 一般 50,000 + 15,000 = 65,000 … 50,000 + 35,000 = 85,000 (exclusive) → 75,000
        # 从轻 50,000.00–64,999.99 → 57,499.995 → 57,500; 从重 85,000.00–100,000.00 → 92,500
        async with client(penalty.url) as http:
            for code in self.CODES:
                o = await assess(http, code, violation_date=DAY, base_amounts=goods("9999.99"))
                li = await assess(
                    http, code, violation_date=DAY, base_amounts=goods("3000"), mitigations=["coerced"]
                )
                he = await assess(
                    http, code, violation_date=DAY, base_amounts=goods("0.01"), aggravations=["repeated"]
                )
                assert legal_range(o) == (yuan("50000"), yuan("100000")), code
                assert (tier_range(o), o["penalty"]["suggested_fine_fen"]) == (
                    (yuan("65000"), yuan("84999.99")),
                    yuan("75000"),
                ), code
                assert (tier_range(li), li["penalty"]["suggested_fine_fen"]) == (
                    (yuan("50000"), yuan("64999.99")),
                    yuan("57500"),
                ), code
                assert (tier_range(he), he["penalty"]["suggested_fine_fen"]) == (
                    (yuan("85000"), yuan("100000")),
                    yuan("92500"),
                ), code

    async def test_goods_of_ten_thousand_and_more_ten_to_twenty_times(self, penalty: Running) -> None:
        # "一万元以上" includes 10,000: 10 × 10,000 = 100,000 … 20 × 10,000 = 200,000; width 100,000:
        # 一般 130,000.00–169,999.99 → 149,999.995 → 150,000
        # goods 12,345.67: 123,456.70 … 246,913.40
        async with client(penalty.url) as http:
            for code in self.CODES:
                at = await assess(http, code, violation_date=DAY, base_amounts=goods("10000"))
                odd = await assess(http, code, violation_date=DAY, base_amounts=goods("12345.67"))
                assert legal_range(at) == (yuan("100000"), yuan("200000")), code
                assert tier_range(at) == (yuan("130000"), yuan("169999.99")), code
                assert at["penalty"]["suggested_fine_fen"] == yuan("150000"), code
                assert legal_range(odd) == (yuan("123456.70"), yuan("246913.40")), code

    async def test_no_fallback_when_the_goods_value_is_unknown(self, penalty: Running) -> None:
        # the articles state no figure for a goods value that cannot be calculated: the value must be found
        async with client(penalty.url) as http:
            for code in self.CODES:
                r = await http.post(
                    f"/api/v1/penalty/benchmarks/{code}/assess",
                    json={"violation_date": DAY, "party_type": "organisation"},
                    headers=officer(**SJ_A),
                )
                problem(r, 400, "BASE_AMOUNT_REQUIRED")

    async def test_kinds_confiscation_and_fine(self, penalty: Running) -> None:
        # 没收违法所得和违法生产经营的食品 … 并处罚款; 第一百二十四条 情节严重的，吊销许可证 (第一百二十二条 has no such
        # sentence)
        async with client(penalty.url) as http:
            plain = await assess(
                http,
                "SY-SJ-0001",
                violation_date=DAY,
                base_amounts={"goods_value": yuan("3000"), "illegal_gains": yuan("500")},
            )
            serious = {
                code: await assess(
                    http, code, violation_date=DAY, base_amounts=goods("3000"), statutory_serious=True
                )
                for code in self.CODES
            }
        assert kinds(plain) == {"fine", "confiscate_illegal_property", "confiscate_illegal_gains"}
        assert "revoke_licence" in kinds(serious["SY-SJ-0001"])
        assert "revoke_licence" in kinds(serious["SY-SJ-0002"])
        assert serious["SY-SJ-0001"]["hearing_required"] is True  # 第六十三条: 吊销许可证件
        assert "revoke_licence" not in allowed(serious["SY-SJ-0003"])

    async def test_life_and_health_no_first_violation_waiver_five_year_limitation(
        self, penalty: Running
    ) -> None:
        async with client(penalty.url) as http:
            first = await assess(http, "SY-SJ-0001", violation_date=DAY, base_amounts=goods("3000"), **FIRST)
            harmed = await assess(
                http, "SY-SJ-0002", violation_date="2023-10-27", base_amounts=goods("3000"), harm="ordinary"
            )
            harmless = await assess(
                http, "SY-SJ-0002", violation_date="2024-10-27", base_amounts=goods("3000"), harm="none"
            )
        assert first["first_violation_eligible"] is False and first["outcome"] == "penalty"
        # 第三十六条: 涉及公民生命健康安全且有危害后果的，五年; else two years (2024-10-27 + 2 = 2026-10-27 < today)
        assert harmed["limitation"]["years"] == 5 and harmed["outcome"] == "penalty"
        assert harmless["limitation"]["years"] == 2 and harmless["outcome"] == "limitation_expired"

    async def test_the_lighter_list_of_sy_sj_0001(self, penalty: Running) -> None:
        # SY-SJ-0001's 从轻处罚清单 (货值金额不足五百元，主动召回并销毁…): 从轻 50,000.00–64,999.99, suggested 57,500;
        # SY-SJ-0002 has no such list: 一般
        async with client(penalty.url) as http:
            listed = await assess(
                http, "SY-SJ-0001", violation_date=DAY, base_amounts=goods("400"), meets_lighter_list=True
            )
            unlisted = await assess(
                http, "SY-SJ-0002", violation_date=DAY, base_amounts=goods("400"), meets_lighter_list=True
            )
        assert listed["penalty"]["tier_key"] == "lighter"
        assert tier_range(listed) == (yuan("50000"), yuan("64999.99"))
        assert listed["penalty"]["suggested_fine_fen"] == yuan("57500")
        assert unlisted["penalty"]["tier_key"] == "ordinary"


class TestArticle125Paragraph2:
    async def test_label_flaw_correction_only_then_up_to_2000(self, penalty: Running) -> None:
        # SY-SJ-0005, 第一百二十五条第二款: 责令改正；拒不改正的，处二千元以下罚款. Maximum-only split:
        # 一般 400.00–1,199.99 (20–60 % of 2,000) → 799.995 → 800; 从轻 0–399.99 → 200; 从重 1,200–2,000 → 1,600
        async with client(penalty.url) as http:
            plain = await assess(http, "SY-SJ-0005", violation_date=DAY)
            refused = await assess(http, "SY-SJ-0005", violation_date=DAY, correction="refused")
            lighter = await assess(
                http, "SY-SJ-0005", violation_date=DAY, correction="refused", mitigations=["coerced"]
            )
            heavier = await assess(
                http, "SY-SJ-0005", violation_date=DAY, correction="refused", aggravations=["obstruction"]
            )
        assert plain["outcome"] == "correction_only" and plain["penalty"] is None
        assert refused["outcome"] == "penalty" and kinds(refused) == {"fine"}
        assert legal_range(refused) == (0, yuan("2000"))
        assert (tier_range(refused), refused["penalty"]["suggested_fine_fen"]) == (
            (yuan("400"), yuan("1199.99")),
            yuan("800"),
        )
        assert (tier_range(lighter), lighter["penalty"]["suggested_fine_fen"]) == (
            (0, yuan("399.99")),
            yuan("200"),
        )
        assert (tier_range(heavier), heavier["penalty"]["suggested_fine_fen"]) == (
            (yuan("1200"), yuan("2000")),
            yuan("1600"),
        )


class TestArticle126:
    """第一百二十六条第一款: 责令改正，给予警告；拒不改正的，处五千元以上五万元以下罚款；情节严重的，责令停产停业，直至吊销
    许可证."""

    CODES = ("SY-SJ-0006", "SY-SJ-0007")

    async def test_a_warning_then_5000_to_50000_on_refusal(self, penalty: Running) -> None:
        # refused: width 45,000 → 一般 18,500.00–36,499.99 → 27,500; 从轻 5,000.00–18,499.99 → 11,750
        async with client(penalty.url) as http:
            for code in self.CODES:
                warned = await assess(http, code, violation_date=DAY)
                refused = await assess(http, code, violation_date=DAY, correction="refused")
                lighter = await assess(
                    http, code, violation_date=DAY, correction="refused", mitigations=["eliminated_harm"]
                )
                assert warned["outcome"] == "penalty" and kinds(warned) == {"warning"}, code
                assert warned["penalty"]["legal_range"] is None, code
                assert warned["simple_procedure_allowed"] is True, code  # 第五十一条: 警告
                assert kinds(refused) == {"warning", "fine"}, code
                assert legal_range(refused) == (yuan("5000"), yuan("50000")), code
                assert tier_range(refused) == (yuan("18500"), yuan("36499.99")), code
                assert refused["penalty"]["suggested_fine_fen"] == yuan("27500"), code
                assert tier_range(lighter) == (yuan("5000"), yuan("18499.99")), code
                assert lighter["penalty"]["suggested_fine_fen"] == yuan("11750"), code

    async def test_serious_adds_a_business_stop_and_may_revoke(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            for code in self.CODES:
                a = await assess(http, code, violation_date=DAY, correction="refused", statutory_serious=True)
                assert {"warning", "fine", "suspend_business"} <= kinds(a), code
                assert "revoke_licence" in allowed(a), code
                assert a["hearing_required"] is True, code  # 第六十三条: 责令停产停业

    async def test_life_and_health_no_first_violation_waiver(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            for code in self.CODES:
                a = await assess(http, code, violation_date=DAY, **FIRST)
                assert a["first_violation_eligible"] is False and a["outcome"] == "penalty", code
