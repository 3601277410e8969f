"""Examiner's cases for the catalogue's public-safety items: 道路运输条例 (2023) arts. 63(二), 64, 68, 69 (art.
63(一) is in test_acc_fines.py), 消防法 (2021) art. 60 and 安全生产法 (2021) arts. 97, 99, 102; worked by hand
with the catalogue's tier split (从轻 lower 30 %, 一般 30–70 %, 从重 upper 30 % of a range; 0–20 / 20–60 /
60–100 % of a maximum-only one), through ``POST /benchmarks/{code}/assess`` only.

Every item here protects public safety: 首违不罚 never applies (SPEC §3.1).
"""

from __future__ import annotations

from typing import Any

from tests.penalty.acceptance.support import (
    DAY,
    JT_A,
    XF_A,
    allowed,
    assess,
    kinds,
    legal_range,
    tier_and_suggestion,
    yuan,
)
from tests.support.stack import Running, client

FIRST = {"first_offence": True, "harm": "none", "correction": "in_time"}
YJ_A = {"cert_no": "辽A-7500011", "dept": "YJ", "district": "210100", "name": "陈应急"}


def gains(amount: str) -> dict[str, Any]:
    return {"illegal_gains": yuan(amount)}


class TestRoadTransportRegulation:
    async def test_article_63_2_unlicensed_passenger_transport(self, penalty: Running) -> None:
        # SY-JT-0002, 第六十三条第（二）项: 违法所得超过2万元的，没收违法所得，处违法所得2倍以上10倍以下的罚款；没有违法
        # 所得或者违法所得不足2万元的，处1万元以上10万元以下的罚款.
        # 1万–10万, width 90,000: 一般 37,000.00–72,999.99 → 55,000; 从轻 10,000.00–36,999.99 → 23,500;
        # 从重 73,000.00–100,000.00 → 86,500
        # gains 30,000 → 60,000–300,000, width 240,000: 一般 60,000 + 72,000 = 132,000 … 60,000 + 168,000 = 228,000
        # (exclusive) → 179,999.995 → 180,000
        # gains 20,000.01 (超过2万元) → 40,000.02–200,000.10
        async with client(penalty.url) as http:
            none = await assess(http, "SY-JT-0002", who=JT_A, violation_date=DAY, base_amounts=gains("0"))
            unknown = await assess(http, "SY-JT-0002", who=JT_A, violation_date=DAY)
            under = await assess(
                http, "SY-JT-0002", who=JT_A, violation_date=DAY, base_amounts=gains("19999.99")
            )
            # exactly 2万元 is neither “超过2万元” nor “不足2万元”: the catalogue takes the lighter bracket (its notes)
            exact = await assess(
                http, "SY-JT-0002", who=JT_A, violation_date=DAY, base_amounts=gains("20000")
            )
            li = await assess(
                http,
                "SY-JT-0002",
                who=JT_A,
                violation_date=DAY,
                base_amounts=gains("0"),
                mitigations=["coerced"],
            )
            he = await assess(
                http,
                "SY-JT-0002",
                who=JT_A,
                violation_date=DAY,
                base_amounts=gains("0"),
                aggravations=["obstruction"],
            )
            over = await assess(http, "SY-JT-0002", who=JT_A, violation_date=DAY, base_amounts=gains("30000"))
            just = await assess(
                http, "SY-JT-0002", who=JT_A, violation_date=DAY, base_amounts=gains("20000.01")
            )
            first = await assess(http, "SY-JT-0002", who=JT_A, violation_date=DAY, **FIRST)
        for a in (none, unknown, under, exact):
            assert legal_range(a) == (yuan("10000"), yuan("100000"))
            assert tier_and_suggestion(a) == ("ordinary", yuan("37000"), yuan("72999.99"), yuan("55000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("10000"), yuan("36999.99"), yuan("23500"))
        assert tier_and_suggestion(he) == ("heavier", yuan("73000"), yuan("100000"), yuan("86500"))
        assert legal_range(over) == (yuan("60000"), yuan("300000"))
        assert tier_and_suggestion(over) == ("ordinary", yuan("132000"), yuan("227999.99"), yuan("180000"))
        assert legal_range(just) == (yuan("40000.02"), yuan("200000.10"))
        assert kinds(over) == {"fine", "confiscate_illegal_gains"}
        assert kinds(none) == {"fine"}
        assert first["first_violation_eligible"] is False

    async def test_article_64_unqualified_driver_200_to_2000(self, penalty: Running) -> None:
        # SY-JT-0003, 第六十四条: 责令改正，处200元以上2000元以下的罚款. width 1,800: 一般 200 + 540 = 740 …
        # 200 + 1,260 = 1,460 (exclusive) → 1,099.995 → 1,100; 从轻 200.00–739.99 → 469.995 → 470;
        # 从重 1,460.00–2,000.00 → 1,730
        async with client(penalty.url) as http:
            o = await assess(http, "SY-JT-0003", who=JT_A, violation_date=DAY, party_type="individual")
            li = await assess(
                http,
                "SY-JT-0003",
                who=JT_A,
                violation_date=DAY,
                party_type="individual",
                mitigations=["eliminated_harm"],
            )
            he = await assess(
                http,
                "SY-JT-0003",
                who=JT_A,
                violation_date=DAY,
                party_type="individual",
                aggravations=["repeated"],
            )
            unit = await assess(http, "SY-JT-0003", who=JT_A, violation_date=DAY)
        assert legal_range(o) == (yuan("200"), yuan("2000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("740"), yuan("1459.99"), yuan("1100"))
        assert tier_and_suggestion(li) == ("lighter", yuan("200"), yuan("739.99"), yuan("470"))
        assert tier_and_suggestion(he) == ("heavier", yuan("1460"), yuan("2000"), yuan("1730"))
        # 第五十一条: a person 200 元, a unit 3,000 元 — 1,100 is on the spot for a unit only
        assert o["simple_procedure_allowed"] is False
        assert unit["simple_procedure_allowed"] is True

    async def test_article_69_vehicle_maintenance_1000_to_5000(self, penalty: Running) -> None:
        # SY-JT-0004, 第六十九条第一款: 责令改正，处1000元以上5000元以下的罚款. width 4,000: 一般 1,000 + 1,200 = 2,200 …
        # 1,000 + 2,800 = 3,800 (exclusive) → 2,999.995 → 3,000; 从轻 1,000.00–2,199.99 → 1,600;
        # 从重 3,800.00–5,000.00 → 4,400
        async with client(penalty.url) as http:
            o = await assess(http, "SY-JT-0004", who=JT_A, violation_date=DAY)
            li = await assess(http, "SY-JT-0004", who=JT_A, violation_date=DAY, mitigations=["meritorious"])
            he = await assess(http, "SY-JT-0004", who=JT_A, violation_date=DAY, aggravations=["obstruction"])
        assert legal_range(o) == (yuan("1000"), yuan("5000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("2200"), yuan("3799.99"), yuan("3000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("1000"), yuan("2199.99"), yuan("1600"))
        assert tier_and_suggestion(he) == ("heavier", yuan("3800"), yuan("5000"), yuan("4400"))
        # 第五十一条: 3,000 元 for a unit is on the spot, 4,400 is not
        assert o["simple_procedure_allowed"] is True and he["simple_procedure_allowed"] is False

    async def test_article_68_2_load_falling_1000_to_3000_serious_revocation(self, penalty: Running) -> None:
        # SY-JT-0005, 第六十八条第二款: 处1000元以上3000元以下的罚款；情节严重的，由原许可机关吊销道路运输经营许可证.
        # width 2,000: 一般 1,600.00–2,399.99 → 1,999.995 → 2,000; 从轻 1,000.00–1,599.99 → 1,300;
        # 从重 2,400.00–3,000.00 → 2,700
        async with client(penalty.url) as http:
            o = await assess(http, "SY-JT-0005", who=JT_A, violation_date=DAY)
            li = await assess(http, "SY-JT-0005", who=JT_A, violation_date=DAY, mitigations=["coerced"])
            he = await assess(http, "SY-JT-0005", who=JT_A, violation_date=DAY, aggravations=["repeated"])
            serious = await assess(http, "SY-JT-0005", who=JT_A, violation_date=DAY, statutory_serious=True)
        assert legal_range(o) == (yuan("1000"), yuan("3000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("1600"), yuan("2399.99"), yuan("2000"))
        assert tier_and_suggestion(li) == ("lighter", yuan("1000"), yuan("1599.99"), yuan("1300"))
        assert tier_and_suggestion(he) == ("heavier", yuan("2400"), yuan("3000"), yuan("2700"))
        assert kinds(serious) == {"fine", "revoke_licence"}
        assert serious["hearing_required"] is True  # 第六十三条: 吊销许可证件


class TestFireLawArticle60:
    async def test_a_unit_5000_to_50000(self, penalty: Running) -> None:
        # SY-XF-0001 (第一款第（三）项) and SY-XF-0002 (第一款第（一）项): 责令改正，处五千元以上五万元以下罚款.
        # 一般 18,500.00–36,499.99 → 27,500; 从轻 5,000.00–18,499.99 → 11,750; 从重 36,500.00–50,000.00 → 43,250;
        # SY-XF-0001 第2版 is a draft and never applies
        async with client(penalty.url) as http:
            for code in ("SY-XF-0001", "SY-XF-0002"):
                o = await assess(http, code, who=XF_A, violation_date=DAY)
                li = await assess(http, code, who=XF_A, violation_date=DAY, mitigations=["eliminated_harm"])
                he = await assess(http, code, who=XF_A, violation_date=DAY, aggravations=["obstruction"])
                first = await assess(http, code, who=XF_A, violation_date=DAY, **FIRST)
                assert o["benchmark_version"] == 1, code
                assert legal_range(o) == (yuan("5000"), yuan("50000")), code
                assert tier_and_suggestion(o) == (
                    "ordinary",
                    yuan("18500"),
                    yuan("36499.99"),
                    yuan("27500"),
                ), code
                assert tier_and_suggestion(li) == (
                    "lighter",
                    yuan("5000"),
                    yuan("18499.99"),
                    yuan("11750"),
                ), code
                assert tier_and_suggestion(he) == ("heavier", yuan("36500"), yuan("50000"), yuan("43250")), (
                    code
                )
                assert kinds(o) == {"fine"}, code
                assert first["first_violation_eligible"] is False, code

    async def test_a_person_a_warning_or_up_to_500(self, penalty: Running) -> None:
        # SY-XF-0003, 第六十条第二款: 个人有前款第二项、第三项 … 行为之一的，处警告或者五百元以下罚款. Maximum only:
        # 一般 100.00–299.99 → 199.995 → 200; 从轻 0.00–99.99 → 50; 从重 300.00–500.00 → 400;
        # 减轻: the lighter kind (警告) without a fine
        async with client(penalty.url) as http:
            o = await assess(http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY)
            li = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                mitigations=["coerced"],
            )
            he = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                aggravations=["obstruction"],
            )
            mitigated = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                mitigations=["coerced", "meritorious"],
            )
        assert legal_range(o) == (0, yuan("500"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("100"), yuan("299.99"), yuan("200"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("99.99"), yuan("50"))
        assert tier_and_suggestion(he) == ("heavier", yuan("300"), yuan("500"), yuan("400"))
        assert allowed(o) == {"warning", "fine"} and o["penalty"]["fine_optional"] is True
        assert o["simple_procedure_allowed"] is True  # 200 元 for a person (第五十一条)
        assert mitigated["penalty"]["tier_key"] == "mitigated" and kinds(mitigated) == {"warning"}


class TestWorkSafetyLaw:
    async def test_article_97_3_training_up_to_100000_then_100000_to_200000(self, penalty: Running) -> None:
        # SY-YJ-0001, 第九十七条第（三）项: 责令限期改正，处十万元以下的罚款；逾期未改正的，责令停产停业整顿，并处十万元以上
        # 二十万元以下的罚款. Maximum only: 一般 20,000.00–59,999.99 → 40,000; 从轻 0.00–19,999.99 → 10,000;
        # 从重 60,000.00–100,000.00 → 80,000. Not corrected, width 100,000: 一般 130,000.00–169,999.99 → 150,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-YJ-0001", who=YJ_A, violation_date=DAY)
            li = await assess(http, "SY-YJ-0001", who=YJ_A, violation_date=DAY, mitigations=["coerced"])
            he = await assess(http, "SY-YJ-0001", who=YJ_A, violation_date=DAY, aggravations=["obstruction"])
            late = await assess(http, "SY-YJ-0001", who=YJ_A, violation_date=DAY, correction="refused")
            first = await assess(http, "SY-YJ-0001", who=YJ_A, violation_date=DAY, **FIRST)
        assert legal_range(o) == (0, yuan("100000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("20000"), yuan("59999.99"), yuan("40000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("19999.99"), yuan("10000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("60000"), yuan("100000"), yuan("80000"))
        assert legal_range(late) == (yuan("100000"), yuan("200000"))
        assert tier_and_suggestion(late) == ("ordinary", yuan("130000"), yuan("169999.99"), yuan("150000"))
        assert kinds(late) == {"fine", "suspend_business"}
        assert first["first_violation_eligible"] is False

    async def test_article_99_8_gas_alarm_up_to_50000_then_50000_to_200000(self, penalty: Running) -> None:
        # SY-YJ-0002, 第九十九条第（八）项: 责令限期改正，处五万元以下的罚款；逾期未改正的，处五万元以上二十万元以下的罚款
        # …；情节严重的，责令停产停业整顿. Maximum only: 一般 10,000.00–29,999.99 → 20,000; 从轻 0.00–9,999.99 → 5,000;
        # 从重 30,000.00–50,000.00 → 40,000. Not corrected, width 150,000: 一般 50,000 + 45,000 = 95,000 …
        # 50,000 + 105,000 = 155,000 (exclusive) → 124,999.995 → 125,000; no business stop for that alone
        async with client(penalty.url) as http:
            o = await assess(http, "SY-YJ-0002", who=YJ_A, violation_date=DAY)
            li = await assess(http, "SY-YJ-0002", who=YJ_A, violation_date=DAY, mitigations=["coerced"])
            he = await assess(http, "SY-YJ-0002", who=YJ_A, violation_date=DAY, aggravations=["repeated"])
            late = await assess(http, "SY-YJ-0002", who=YJ_A, violation_date=DAY, correction="refused")
            serious = await assess(http, "SY-YJ-0002", who=YJ_A, violation_date=DAY, statutory_serious=True)
        assert legal_range(o) == (0, yuan("50000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("10000"), yuan("29999.99"), yuan("20000"))
        assert tier_and_suggestion(li) == ("lighter", 0, yuan("9999.99"), yuan("5000"))
        assert tier_and_suggestion(he) == ("heavier", yuan("30000"), yuan("50000"), yuan("40000"))
        assert legal_range(late) == (yuan("50000"), yuan("200000"))
        assert tier_and_suggestion(late) == ("ordinary", yuan("95000"), yuan("154999.99"), yuan("125000"))
        assert kinds(late) == {"fine"}
        assert kinds(serious) == {"fine", "suspend_business"}

    async def test_article_102_hazard_up_to_50000_refusal_stops_business(self, penalty: Running) -> None:
        # SY-YJ-0003, 第一百零二条: 责令立即消除或者限期消除，处五万元以下的罚款；拒不执行的，责令停产停业整顿 — the
        # fine stays at most 50,000: 一般 10,000.00–29,999.99 → 20,000
        async with client(penalty.url) as http:
            o = await assess(http, "SY-YJ-0003", who=YJ_A, violation_date=DAY)
            refused = await assess(http, "SY-YJ-0003", who=YJ_A, violation_date=DAY, correction="refused")
        assert legal_range(o) == (0, yuan("50000"))
        assert tier_and_suggestion(o) == ("ordinary", yuan("10000"), yuan("29999.99"), yuan("20000"))
        assert legal_range(refused) == (0, yuan("50000"))
        assert tier_and_suggestion(refused) == ("ordinary", yuan("10000"), yuan("29999.99"), yuan("20000"))
        assert kinds(refused) == {"fine", "suspend_business"}
        assert refused["hearing_required"] is True  # 第六十三条: 责令停产停业
