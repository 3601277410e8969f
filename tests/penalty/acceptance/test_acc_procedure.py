"""Examiner's cases: the procedure's thresholds and time limits through the case API — the simple procedure
(行政处罚法 第五十一条), hearings (第六十三条, 第六十四条), 法制审核 and 集体讨论 (第五十七条, 第五十八条), the 90
days (第六十条), delivery in seven days (第六十一条) and the working days of 第八十五条 on the 2026 calendar
(国务院办公厅 2026 arrangement: 中秋 9-25…9-27, 国庆 10-1…10-7 off; Sun 9-20 and Sat 10-10 worked)."""

from __future__ import annotations

from datetime import date

from tests.penalty.acceptance.support import (
    ENTERPRISES,
    PERSON_IDS,
    XF_A,
    XF_B,
    assess,
    decided_general,
    on,
    open_case,
    person,
    step,
    yuan,
)
from tests.penalty.helpers import party
from tests.support.http import ok, problem
from tests.support.stack import Running, client

GOODS = {"goods_value": yuan("3000")}


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


class TestSimpleProcedure:
    async def test_a_person_two_hundred_yes_one_fen_more_no(self, penalty: Running) -> None:
        # SY-XF-0003 (消防法 第六十条第二款, 个人: 五百元以下): 一般 = 20–60 % of 500 → 100.00 … 299.99. 200.01 is
        # inside the tier but above 第五十一条's 二百元 for a citizen: refused; 200.00 decided on the spot
        async with client(penalty.url) as http:
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person(id_number=PERSON_IDS[0]),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-16"}, XF_A))
            over = await step(http, cid, "decision", {"penalty": fine(yuan("200.01"))}, XF_A)
            problem(over, 400, "PROCEDURE_SIMPLE_NOT_ALLOWED")
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("200"))}, XF_A))
        assert decided["state"] in {"decided", "delivered"}
        assert decided["decision"]["fine_fen"] == yuan("200")

    async def test_an_organisation_three_thousand_yes_one_fen_more_no(self, penalty: Running) -> None:
        # SY-SJ-0019 (价格法 第四十二条, 五千元以下), 从重 for obstruction: 60–100 % of 5,000 → 3,000.00 … 5,000.00.
        # 3,000.01 is above 第五十一条's 三千元 for an organisation: refused; 3,000.00 allowed
        async with client(penalty.url) as http:
            cid = await open_case(
                http,
                code="SY-SJ-0019",
                the_party=party(ENTERPRISES[0], "沈阳甲商贸有限公司"),
                procedure="simple",
            )
            a = ok(
                await step(
                    http, cid, "assessment", {"violation_date": "2026-11-16", "aggravations": ["obstruction"]}
                )
            )
            assert (a["penalty"]["tier_range"]["low_fen"], a["penalty"]["tier_range"]["high_fen"]) == (
                yuan("3000"),
                yuan("5000"),
            )
            over = await step(http, cid, "decision", {"penalty": fine(yuan("3000.01"))})
            problem(over, 400, "PROCEDURE_SIMPLE_NOT_ALLOWED")
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("3000"))}))
        assert decided["decision"]["fine_fen"] == yuan("3000")

    async def test_the_what_if_speaks_of_the_suggestion(self, penalty: Running) -> None:
        # SY-XF-0003 一般: suggested (100.00 + 299.99) / 2 = 199.995 → 200.00 ≤ 200: allowed; 从重 60–100 % →
        # 300.00 … 500.00, suggested 400.00 > 200: not allowed
        async with client(penalty.url) as http:
            ordinary = await assess(
                http, "SY-XF-0003", who=XF_A, party_type="individual", violation_date="2026-11-01"
            )
            heavier = await assess(
                http,
                "SY-XF-0003",
                who=XF_A,
                party_type="individual",
                violation_date="2026-11-01",
                aggravations=["obstruction"],
            )
        assert ordinary["penalty"]["suggested_fine_fen"] == yuan("200")
        assert ordinary["simple_procedure_allowed"] is True
        assert heavier["penalty"]["suggested_fine_fen"] == yuan("400")
        assert heavier["simple_procedure_allowed"] is False


class TestHearing:
    async def test_a_large_fine_on_a_person_must_offer_a_hearing(self, penalty: Running) -> None:
        # 第六十三条第一款第一项 较大数额罚款: 1 万元 for a person, 10 万元 for an organisation (the jurisdiction's
        # configuration). SY-SJ-0004 suggested 27,500.00 ≥ 10,000 for a person, < 100,000 for an organisation
        async with client(penalty.url) as http:
            a_person = await assess(
                http, "SY-SJ-0004", party_type="individual", violation_date="2026-11-01", base_amounts=GOODS
            )
            a_company = await assess(http, "SY-SJ-0004", violation_date="2026-11-01", base_amounts=GOODS)
        assert a_person["hearing_required"] is True
        assert a_company["hearing_required"] is False

    async def test_suspension_of_business_must_offer_a_hearing(self, penalty: Running) -> None:
        # 第六十三条第一款第四项 责令停产停业: SY-SJ-0004 情节严重 adds 责令停产停业 (食品安全法 第一百二十五条)
        async with client(penalty.url) as http:
            a = await assess(
                http, "SY-SJ-0004", violation_date="2026-11-01", base_amounts=GOODS, statutory_serious=True
            )
        assert "suspend_business" in {k["kind"] for k in a["penalty"]["kinds"]}
        assert a["hearing_required"] is True

    async def notified_person(self, http: object, id_number: str) -> str:
        from httpx import AsyncClient

        assert isinstance(http, AsyncClient)
        # notice served Fri 2026-09-18 proposing 27,500.00 to a person: a hearing must be offered
        on(date(2026, 9, 10))
        cid = await open_case(http, code="SY-SJ-0004", the_party=person(id_number=id_number))
        on(date(2026, 9, 18))
        ok(await step(http, cid, "investigation", {}))
        ok(await step(http, cid, "assessment", {"violation_date": "2026-09-01", "base_amounts": GOODS}))
        notice = {"facts": ["当事人销售无标签的预包装食品。"], "proposed": fine(yuan("27500"))}
        notified = ok(await step(http, cid, "notice", notice))
        assert "hearing_notice" in {d["kind"] for d in notified["documents"]}
        return cid

    async def test_hearing_request_on_the_fifth_working_day(self, penalty: Running) -> None:
        # 第六十四条第一项 告知后五日内, 第八十五条 working days: after Fri 9-18 → Sun 9-20 (worked), Mon 9-21,
        # 9-22, 9-23, Thu 9-24 = the fifth: in time
        async with client(penalty.url) as http:
            cid = await self.notified_person(http, PERSON_IDS[1])
            on(date(2026, 9, 24))
            ok(await step(http, cid, "hearing/request", {}))

    async def test_hearing_request_on_the_sixth_working_day_is_late(self, penalty: Running) -> None:
        # Fri 9-25 is a holiday (中秋), the sixth working day is Mon 9-28: late on 9-28
        async with client(penalty.url) as http:
            cid = await self.notified_person(http, PERSON_IDS[2])
            on(date(2026, 9, 28))
            problem(await step(http, cid, "hearing/request", {}), 409, "PROCEDURE_HEARING_REQUEST_LATE")


class TestReviewAndDiscussion:
    async def test_legal_review_for_major_public_interest_and_complex_cases(self, penalty: Running) -> None:
        # 第五十八条第一款第一项 涉及重大公共利益, 第三项 案件情况疑难复杂、涉及多个法律关系; an ordinary case
        # with a 27,500.00 fine on an organisation needs neither
        base = {"violation_date": "2026-11-01", "base_amounts": GOODS}
        async with client(penalty.url) as http:
            plain = await assess(http, "SY-SJ-0004", **base)
            public = await assess(http, "SY-SJ-0004", major_public_interest=True, **base)
            complex_ = await assess(http, "SY-SJ-0004", complex_case=True, **base)
        assert plain["legal_review_required"] is False
        assert plain["collective_discussion_required"] is False
        assert public["legal_review_required"] is True
        assert complex_["legal_review_required"] is True

    async def test_a_hearing_case_needs_legal_review_before_the_decision(self, penalty: Running) -> None:
        # 第五十八条第一款第二项 直接关系当事人或者第三人重大权益，经过听证程序的: goods 20,000 → 5–10 × =
        # 100,000–200,000, 一般 130,000 … 169,999.99, suggested 150,000.00 ≥ 10 万元: hearing, and legal review
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[1], "沈阳乙食品有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(
                    http,
                    cid,
                    "assessment",
                    {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("20000")}},
                )
            )
            assert a["penalty"]["suggested_fine_fen"] == yuan("150000")
            assert a["hearing_required"] is True and a["legal_review_required"] is True
            amount = fine(yuan("150000"))
            ok(
                await step(
                    http, cid, "notice", {"facts": ["当事人销售无标签的预包装食品。"], "proposed": amount}
                )
            )
            ok(await step(http, cid, "waiver", {"statement": True, "hearing": True}))
            problem(
                await step(http, cid, "decision", {"penalty": amount}), 409, "PROCEDURE_LEGAL_REVIEW_MISSING"
            )


class TestTimeLimits:
    async def test_delivery_and_publication_within_seven_working_days(self, penalty: Running) -> None:
        # decided Mon 2026-11-16: 11-17, 18, 19, 20, 23, 24, 25 → 11-25 (第六十一条, 第八十五条; seed 003)
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-11-01", "base_amounts": GOODS},
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[2], "沈阳丙食品有限公司"),
            )
            case = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=_officer()))
        assert case["decision"]["delivery_due"] == "2026-11-25"
        assert case["decision"]["publish_by"] == "2026-11-25"

    async def test_seven_working_days_across_national_day(self, penalty: Running) -> None:
        # decided Wed 2026-09-30: 10-1…10-7 off; 10-8 (1), 10-9 (2), Sat 10-10 worked (3), 10-12 (4), 10-13 (5),
        # 10-14 (6), 10-15 (7) → 2026-10-15
        on(date(2026, 9, 30))
        async with client(penalty.url) as http:
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-09-20", "base_amounts": GOODS},
                fine_fen=yuan("27500"),
                the_party=party(ENTERPRISES[3], "沈阳丁食品有限公司"),
            )
            case = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=_officer()))
        assert case["decision"]["delivery_due"] == "2026-10-15"

    async def test_ninety_days_from_filing(self, penalty: Running) -> None:
        # 第六十条 自立案之日起九十日内: filed 2026-08-17 → the 90th day (first day not counted) is 11-15; a
        # decision on 11-16 without an extension is refused
        on(date(2026, 8, 17))
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[4], "沈阳戊食品有限公司")
            )
            filed = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=_officer()))
            assert filed["decision_limit"] == "2026-11-15"
            on(date(2026, 11, 16))
            ok(await step(http, cid, "investigation", {}))
            ok(await step(http, cid, "assessment", {"violation_date": "2026-08-01", "base_amounts": GOODS}))
            amount = fine(yuan("27500"))
            ok(
                await step(
                    http, cid, "notice", {"facts": ["当事人销售无标签的预包装食品。"], "proposed": amount}
                )
            )
            ok(await step(http, cid, "waiver", {"statement": True}))
            problem(
                await step(http, cid, "decision", {"penalty": amount}), 409, "PROCEDURE_TIME_LIMIT_EXCEEDED"
            )

    async def test_decision_on_the_ninetieth_day(self, penalty: Running) -> None:
        # filed 2026-08-18 → the 90th day is 11-16: decided that day
        on(date(2026, 8, 18))
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[5], "沈阳己食品有限公司")
            )
            on(date(2026, 11, 16))
            ok(await step(http, cid, "investigation", {}))
            ok(await step(http, cid, "assessment", {"violation_date": "2026-08-01", "base_amounts": GOODS}))
            amount = fine(yuan("27500"))
            ok(
                await step(
                    http, cid, "notice", {"facts": ["当事人销售无标签的预包装食品。"], "proposed": amount}
                )
            )
            ok(await step(http, cid, "waiver", {"statement": True}))
            decided = ok(await step(http, cid, "decision", {"penalty": amount}))
        assert decided["decision"]["decided_on"] == "2026-11-16"


def _officer() -> dict[str, str]:
    from tests.penalty.helpers import SJ_A
    from tests.support.personas import officer

    return officer(**SJ_A)
