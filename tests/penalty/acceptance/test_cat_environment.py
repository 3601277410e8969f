"""Examiner's cases for the catalogue's environment items, worked by hand from 大气污染防治法 (2018), 固体废物污染
环境防治法 (2020) and 城市市容和环境卫生管理条例 (2017) and the catalogue's tier split (从轻 lower 30 %, 一般
30–70 %, 从重 upper 30 % of a range; an item's own ``share_bp`` where it sets them), through
``POST /benchmarks/{code}/assess`` only.

A tier's upper end is one fen below the next tier's lower end; the suggestion is the tier's midpoint rounded to
the yuan. 从轻 comes from one circumstance of 行政处罚法 第三十二条, 减轻 from two, 从重 from 拒绝、阻碍执法.
Every item here protects the environment: 首违不罚 never applies (SPEC §3.1).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.penalty.acceptance.support import DAY, ST_A, allowed, assess, kinds, legal_range, tier_range, yuan
from tests.penalty.helpers import CG_A
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

FIRST = {"first_offence": True, "harm": "none", "correction": "in_time"}


async def four_tiers(
    http: httpx.AsyncClient, code: str, who: dict[str, str], **facts: Any
) -> tuple[dict[str, Any], ...]:
    """一般, 从轻, 从重 and 减轻 of one item on the same facts."""
    ordinary = await assess(http, code, who=who, violation_date=DAY, **facts)
    lighter = await assess(http, code, who=who, violation_date=DAY, mitigations=["eliminated_harm"], **facts)
    heavier = await assess(http, code, who=who, violation_date=DAY, aggravations=["obstruction"], **facts)
    mitigated = await assess(
        http, code, who=who, violation_date=DAY, mitigations=["eliminated_harm", "meritorious"], **facts
    )
    return ordinary, lighter, heavier, mitigated


def expect_tiers(
    tiers: tuple[dict[str, Any], ...],
    legal: tuple[str, str],
    expected: list[tuple[str, str, str]],
) -> None:
    """``expected``: (low, high, suggested) of 一般, 从轻, 从重, in yuan; 减轻 below the legal minimum."""
    keys = ["ordinary", "lighter", "heavier"]
    for a, key, (low, high, suggested) in zip(tiers, keys, expected, strict=False):
        assert a["outcome"] == "penalty"
        assert legal_range(a) == (yuan(legal[0]), yuan(legal[1]))
        assert a["penalty"]["tier_key"] == key
        assert tier_range(a) == (yuan(low), yuan(high))
        assert a["penalty"]["suggested_fine_fen"] == yuan(suggested)
    mitigated = tiers[3]
    assert mitigated["penalty"]["tier_key"] == "mitigated"
    # mitigated_floor_bp 0: from 0 up to one fen under the legal minimum
    assert tier_range(mitigated) == (0, yuan(legal[0]) - 1)


class TestAirPollutionLawArticle118:
    async def test_open_air_barbecue_500_to_20000(self, penalty: Running) -> None:
        # SY-CG-0001, 第一百一十八条第三款: 没收烧烤工具和违法所得，并处五百元以上二万元以下的罚款.
        # width 19,500: 30 % = 5,850 → 一般 from 6,350; 70 % = 13,650 → 从重 from 14,150
        # 一般 6,350.00–14,149.99, suggested (6,350 + 14,149.99) / 2 = 10,249.995 → 10,250
        # 从轻 500.00–6,349.99 → 3,424.995 → 3,425; 从重 14,150.00–20,000.00 → 17,075
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-CG-0001", CG_A)
            person = await assess(http, "SY-CG-0001", who=CG_A, party_type="individual", violation_date=DAY)
            gains = await assess(
                http, "SY-CG-0001", who=CG_A, violation_date=DAY, base_amounts={"illegal_gains": yuan("800")}
            )
        expect_tiers(
            tiers,
            ("500", "20000"),
            [("6350", "14149.99", "10250"), ("500", "6349.99", "3425"), ("14150", "20000", "17075")],
        )
        assert legal_range(person) == (yuan("500"), yuan("20000"))  # 单位 and 个人 alike
        # 没收烧烤工具 (非法财物) and 没收违法所得 where there are gains, with the fine
        assert kinds(tiers[0]) == {"fine", "confiscate_illegal_property"}
        assert kinds(gains) == {"fine", "confiscate_illegal_property", "confiscate_illegal_gains"}

    async def test_cooking_fumes_5000_to_50000_and_refusal_orders_a_business_stop(
        self, penalty: Running
    ) -> None:
        # SY-CG-0002, 第一百一十八条第一款: 处五千元以上五万元以下的罚款；拒不改正的，责令停业整治.
        # width 45,000: 一般 5,000 + 13,500 = 18,500 … 5,000 + 31,500 = 36,500 (exclusive) → 27,500
        # 从轻 5,000.00–18,499.99 → 11,749.995 → 11,750; 从重 36,500.00–50,000.00 → 43,250
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-CG-0002", CG_A)
            refused = await assess(http, "SY-CG-0002", who=CG_A, violation_date=DAY, correction="refused")
        expect_tiers(
            tiers,
            ("5000", "50000"),
            [("18500", "36499.99", "27500"), ("5000", "18499.99", "11750"), ("36500", "50000", "43250")],
        )
        assert kinds(tiers[0]) == {"fine"}
        # the refusal is the provision's own consequence (停业整治), not a 从重 circumstance: the fine stays 一般
        assert refused["penalty"]["tier_key"] == "ordinary"
        assert legal_range(refused) == (yuan("5000"), yuan("50000"))
        assert "fine" in kinds(refused) and len(kinds(refused)) == 2

    async def test_construction_dust_10000_to_100000_organisations_only(self, penalty: Running) -> None:
        # SY-CG-0003, 第一百一十五条第一款第（一）项: 施工单位 … 处一万元以上十万元以下的罚款；拒不改正的，责令停工整治.
        # width 90,000: 一般 10,000 + 27,000 = 37,000 … 10,000 + 63,000 = 73,000 (exclusive) → 54,999.995 → 55,000
        # 从轻 10,000.00–36,999.99 → 23,499.995 → 23,500; 从重 73,000.00–100,000.00 → 86,500
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-CG-0003", CG_A)
            r = await http.post(
                "/api/v1/penalty/benchmarks/SY-CG-0003/assess",
                json={"violation_date": DAY, "party_type": "individual"},
                headers=officer(**CG_A),
            )
        expect_tiers(
            tiers,
            ("10000", "100000"),
            [("37000", "72999.99", "55000"), ("10000", "36999.99", "23500"), ("73000", "100000", "86500")],
        )
        problem(r, 400, "PARTY_TYPE_NOT_APPLICABLE")  # the provision punishes 施工单位


class TestSolidWasteLawArticle111:
    async def test_a_person_dumping_household_waste_100_to_500(self, penalty: Running) -> None:
        # SY-CG-0004, 第一百一十一条第二款: 个人有前款第一项 … 行为之一，处一百元以上五百元以下的罚款.
        # width 400: 一般 100 + 120 = 220 … 100 + 280 = 380 (exclusive) → (220 + 379.99) / 2 = 299.995 → 300
        # 从轻 100.00–219.99 → 159.995 → 160; 从重 380.00–500.00 → 440
        async with client(penalty.url) as http:
            o = await assess(http, "SY-CG-0004", who=CG_A, party_type="individual", violation_date=DAY)
            li = await assess(
                http,
                "SY-CG-0004",
                who=CG_A,
                party_type="individual",
                violation_date=DAY,
                mitigations=["eliminated_harm"],
            )
            he = await assess(
                http,
                "SY-CG-0004",
                who=CG_A,
                party_type="individual",
                violation_date=DAY,
                aggravations=["obstruction"],
            )
            first = await assess(
                http, "SY-CG-0004", who=CG_A, party_type="individual", violation_date=DAY, **FIRST
            )
            unit = await http.post(
                "/api/v1/penalty/benchmarks/SY-CG-0004/assess",
                json={"violation_date": DAY, "party_type": "organisation"},
                headers=officer(**CG_A),
            )
        assert legal_range(o) == (yuan("100"), yuan("500"))
        assert (tier_range(o), o["penalty"]["suggested_fine_fen"]) == (
            (yuan("220"), yuan("379.99")),
            yuan("300"),
        )
        assert (tier_range(li), li["penalty"]["suggested_fine_fen"]) == (
            (yuan("100"), yuan("219.99")),
            yuan("160"),
        )
        assert (tier_range(he), he["penalty"]["suggested_fine_fen"]) == (
            (yuan("380"), yuan("500")),
            yuan("440"),
        )
        # 行政处罚法 第五十一条: 对公民处以二百元以下罚款的可以当场作出 — 160 yes, 300 no
        assert li["simple_procedure_allowed"] is True
        assert o["simple_procedure_allowed"] is False
        # 第一百一十一条: 处以罚款，没收违法所得
        assert allowed(o) == {"fine", "confiscate_illegal_gains"}
        # 生态环境: 首违不罚 does not apply
        assert first["first_violation_eligible"] is False and first["outcome"] == "penalty"
        problem(unit, 400, "PARTY_TYPE_NOT_APPLICABLE")  # a unit is SY-CG-0005

    async def test_a_unit_dumping_household_waste_50000_to_500000(self, penalty: Running) -> None:
        # SY-CG-0005, 第一百一十一条第二款: 单位有前款第一项、第七项行为之一，处五万元以上五十万元以下的罚款.
        # width 450,000: 一般 50,000 + 135,000 = 185,000 … 50,000 + 315,000 = 365,000 (exclusive)
        # → (185,000 + 364,999.99) / 2 = 274,999.995 → 275,000
        # 从轻 50,000.00–184,999.99 → 117,499.995 → 117,500; 从重 365,000.00–500,000.00 → 432,500
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-CG-0005", CG_A)
        expect_tiers(
            tiers,
            ("50000", "500000"),
            [
                ("185000", "364999.99", "275000"),
                ("50000", "184999.99", "117500"),
                ("365000", "500000", "432500"),
            ],
        )
        # above 10 万 the proposal needs a hearing offered (较大数额罚款, configured)
        assert tiers[0]["hearing_required"] is True


class TestCityAppearanceRegulationArticle34:
    async def test_graffiti_warning_only_and_first_violation_waivable(self, penalty: Running) -> None:
        # SY-CG-0006, 第三十四条第（二）项: 可以并处警告、罚款 — the regulation sets no amount (a local law would);
        # the sample catalogue keeps the warning only. Not an environment/safety/health item: 首违不罚 listed.
        async with client(penalty.url) as http:
            a = await assess(http, "SY-CG-0006", who=CG_A, violation_date=DAY)
            first = await assess(http, "SY-CG-0006", who=CG_A, violation_date=DAY, **FIRST)
        assert a["outcome"] == "penalty"
        assert kinds(a) == {"warning"}
        assert a["penalty"]["legal_range"] is None and a["penalty"]["suggested_fine_fen"] is None
        assert a["simple_procedure_allowed"] is True  # 第五十一条: 警告
        assert first["outcome"] == "first_violation_waiver" and first["first_violation_eligible"] is True


class TestAirPollutionLawByTheEnvironmentBureau:
    async def test_emissions_over_the_standard_100000_to_1000000(self, penalty: Running) -> None:
        # SY-ST-0001, 第九十九条第（二）项: 责令改正或者限制生产、停产整治，并处十万元以上一百万元以下的罚款；情节严重的，
        # 报经有批准权的人民政府批准，责令停业、关闭.
        # width 900,000: 一般 100,000 + 270,000 = 370,000 … 100,000 + 630,000 = 730,000 (exclusive) → 550,000
        # 从轻 100,000.00–369,999.99 → 234,999.995 → 235,000; 从重 730,000.00–1,000,000.00 → 865,000
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-ST-0001", ST_A)
            serious = await assess(http, "SY-ST-0001", who=ST_A, violation_date=DAY, statutory_serious=True)
            first = await assess(http, "SY-ST-0001", who=ST_A, violation_date=DAY, **FIRST)
        expect_tiers(
            tiers,
            ("100000", "1000000"),
            [
                ("370000", "729999.99", "550000"),
                ("100000", "369999.99", "235000"),
                ("730000", "1000000", "865000"),
            ],
        )
        assert "fine" in kinds(tiers[0])
        assert {"suspend_business", "order_closure"} <= allowed(serious)
        assert not {"suspend_business", "order_closure"} & allowed(tiers[0])
        assert first["first_violation_eligible"] is False

    async def test_automatic_monitoring_20000_to_200000(self, penalty: Running) -> None:
        # SY-ST-0002, 第一百条第（三）项: 责令改正，处二万元以上二十万元以下的罚款；拒不改正的，责令停产整治.
        # width 180,000: 一般 20,000 + 54,000 = 74,000 … 20,000 + 126,000 = 146,000 (exclusive)
        # → (74,000 + 145,999.99) / 2 = 109,999.995 → 110,000
        # 从轻 20,000.00–73,999.99 → 46,999.995 → 47,000; 从重 146,000.00–200,000.00 → 173,000
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-ST-0002", ST_A)
            refused = await assess(http, "SY-ST-0002", who=ST_A, violation_date=DAY, correction="refused")
        expect_tiers(
            tiers,
            ("20000", "200000"),
            [
                ("74000", "145999.99", "110000"),
                ("20000", "73999.99", "47000"),
                ("146000", "200000", "173000"),
            ],
        )
        assert kinds(tiers[0]) == {"fine"}
        assert len(kinds(refused)) == 2 and refused["penalty"]["tier_key"] == "ordinary"

    async def test_dusty_materials_version_2_shares_40_80(self, penalty: Running) -> None:
        # SY-ST-0003 第2版 (from 2026-01-01), 第一百一十七条第（一）项: 处一万元以上十万元以下的罚款; its own shares
        # 从轻 0–40 %, 一般 40–80 %, 从重 80–100 %: width 90,000 → 一般 10,000 + 36,000 = 46,000 …
        # 10,000 + 72,000 = 82,000 (exclusive) → (46,000 + 81,999.99) / 2 = 63,999.995 → 64,000
        # 从轻 10,000.00–45,999.99 → 27,999.995 → 28,000; 从重 82,000.00–100,000.00 → 91,000
        async with client(penalty.url) as http:
            tiers = await four_tiers(http, "SY-ST-0003", ST_A)
        assert tiers[0]["benchmark_version"] == 2
        expect_tiers(
            tiers,
            ("10000", "100000"),
            [("46000", "81999.99", "64000"), ("10000", "45999.99", "28000"), ("82000", "100000", "91000")],
        )

    async def test_dusty_materials_act_of_2025_keeps_the_lighter_old_version(self, penalty: Running) -> None:
        # 行政处罚法 第三十七条 (从旧兼从轻): an act of 2025-06-01 falls under 第1版 (default split 30/70), lighter
        # than 第2版's 40/80: 一般 37,000.00–72,999.99 (10,000 + 27,000 … 10,000 + 63,000), suggested 55,000
        async with client(penalty.url) as http:
            a = await assess(http, "SY-ST-0003", who=ST_A, violation_date="2025-06-01")
        assert a["benchmark_version"] == 1
        assert tier_range(a) == (yuan("37000"), yuan("72999.99"))
        assert a["penalty"]["suggested_fine_fen"] == yuan("55000")
        assert a["limitation"]["years"] == 2 and a["limitation"]["expired"] is False
