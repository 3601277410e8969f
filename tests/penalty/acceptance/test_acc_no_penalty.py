"""Examiner's cases: 不予处罚, 从轻 and 减轻 for the person and the circumstances (行政处罚法 第三十条至第三十三条),
through ``POST /benchmarks/{code}/assess`` only."""

from __future__ import annotations

from tests.penalty.acceptance.support import XF_A, assess, yuan
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

DAY = "2026-10-27"
GOODS = {"goods_value": yuan("3000")}


class TestArticle33:
    async def test_minor_corrected_in_time_without_harm_is_not_punished(self, penalty: Running) -> None:
        # 第三十三条第一款前句: 违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚 — mandatory, for every
        # item, life-and-health items included; the party must be educated (第三十三条第三款)
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts=GOODS,
                minor_violation=True,
                correction="in_time",
                harm="none",
            )
        assert a["outcome"] == "no_penalty"
        assert a["education_required"] is True
        assert "第三十三条" in a["explanation"]

    async def test_minor_but_corrected_only_after_an_order_is_punished(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts=GOODS,
                minor_violation=True,
                correction="after_order",
                harm="none",
            )
        assert a["outcome"] == "penalty"

    async def test_no_fault_proven_is_not_punished(self, penalty: Running) -> None:
        # 第三十三条第二款: 当事人有证据足以证明没有主观过错的，不予行政处罚
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0004", violation_date=DAY, base_amounts=GOODS, no_fault_proven=True)
        assert a["outcome"] == "no_penalty"
        assert a["education_required"] is True

    async def test_first_violation_may_go_unpunished_where_the_item_allows(self, penalty: Running) -> None:
        # 第三十三条第一款后句: 初次违法且危害后果轻微并及时改正的，可以不予行政处罚. SY-SJ-0019 第2版 lists
        # 首违不罚 (价格法, no life-and-health interest)
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0019", violation_date=DAY, first_offence=True, harm="minor", correction="in_time"
            )
        assert a["first_violation_eligible"] is True
        assert a["benchmark_version"] == 2

    async def test_first_violation_needs_correction_in_time(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0019", violation_date=DAY, first_offence=True, harm="minor", correction="refused"
            )
        assert a["first_violation_eligible"] is False

    async def test_never_first_violation_for_life_and_health(self, penalty: Running) -> None:
        # SPEC §3.1: 首违不罚 never for life and health (SY-SJ-0004, 食品安全)
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date=DAY,
                base_amounts=GOODS,
                first_offence=True,
                harm="minor",
                correction="in_time",
            )
        assert a["first_violation_eligible"] is False
        assert a["outcome"] == "penalty"


class TestPersons:
    """第三十条 (age) and 第三十一条 (mental capacity); SY-XF-0003 is an item for persons (消防法 第六十条第二款:
    个人 …, 处警告或者五百元以下罚款)."""

    async def test_under_fourteen_is_not_punished(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, age_years=13
            )
        assert a["outcome"] == "no_penalty"
        assert "第三十条" in a["explanation"]

    async def test_fourteen_to_eighteen_is_lighter_or_mitigated(self, penalty: Running) -> None:
        # 已满十四周岁不满十八周岁 … 应当从轻或者减轻: at 14 and at 17, never the 一般 tier
        async with client(penalty.url) as http:
            at14 = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, age_years=14
            )
            at17 = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, age_years=17
            )
            at18 = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, age_years=18
            )
        assert at14["outcome"] == at17["outcome"] == "penalty"
        assert at14["penalty"]["tier_key"] in {"lighter", "mitigated"}
        assert at17["penalty"]["tier_key"] in {"lighter", "mitigated"}
        assert at18["penalty"]["tier_key"] == "ordinary"

    async def test_age_from_the_birth_date_on_the_day_of_the_act(self, penalty: Running) -> None:
        # 周岁 counted as the courts count it (最高人民法院《关于审理未成年人刑事案件具体应用法律若干问题的解释》
        # 第二条: 从周岁生日的第二天起算; 行政处罚法 does not say, the product follows it): born 2012-10-27, on
        # the 14th birthday 2026-10-27 the person is not yet 已满十四周岁 → 不予处罚; born 2012-10-26, 14 from
        # 2026-10-27 → punished, lighter or mitigated
        async with client(penalty.url) as http:
            birthday = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                birth_date="2012-10-27",
            )
            fourteen = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date=DAY,
                birth_date="2012-10-26",
            )
        assert birthday["outcome"] == "no_penalty"
        assert fourteen["outcome"] == "penalty"
        assert fourteen["penalty"]["tier_key"] in {"lighter", "mitigated"}

    async def test_no_capacity_is_not_punished(self, penalty: Running) -> None:
        # 第三十一条: 精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date=DAY, capacity="none"
            )
        assert a["outcome"] == "no_penalty"
        assert "第三十一条" in a["explanation"]

    async def test_the_item_for_persons_refuses_an_organisation(self, penalty: Running) -> None:
        async with client(penalty.url) as http:
            r = await http.post(
                "/api/v1/penalty/benchmarks/SY-XF-0003/assess",
                json={"party_type": "organisation", "violation_date": DAY},
                headers=officer(**XF_A),
            )
        problem(r, 400, "PARTY_TYPE_NOT_APPLICABLE")
