"""Examiner's cases: a decision the law forbids is refused whatever the officer types — a fine where 行政处罚法
says 不予行政处罚 (第三十条, 第三十三条) or where the limitation has run (第三十六条), and an on-the-spot decision
beyond 第五十一条's 罚款或者警告, through the case API."""

from __future__ import annotations

from datetime import date

import httpx

from tests.penalty.acceptance.support import (
    ENTERPRISES,
    PERSON_IDS,
    XF_A,
    XF_B,
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
NOTICE_FACTS = ["当事人的违法事实。"]


def fine(fen: int) -> dict[str, object]:
    return {"kinds": ["fine"], "fine_fen": fen}


def refused(r: httpx.Response, code: str = "PROCEDURE_KIND_NOT_ALLOWED") -> None:
    problem(r, 400, code)


async def try_to_fine(
    http: httpx.AsyncClient, cid: str, fen: int, who: dict[str, str] | None = None
) -> list[httpx.Response]:
    """Notice, waiver and decision of a fine; the answers of the steps tried (stops at the first refusal)."""
    kw = {"who": who} if who else {}
    answers = []
    for name, body in (
        ("notice", {"facts": NOTICE_FACTS, "proposed": fine(fen)}),
        ("waiver", {"statement": True}),
        ("decision", {"penalty": fine(fen)}),
    ):
        r = await step(http, cid, name, body, **kw)
        answers.append(r)
        if r.status_code >= 400:
            break
    return answers


class TestNoPenaltyMeansNoFine:
    async def test_minor_corrected_without_harm_cannot_be_fined(self, penalty: Running) -> None:
        # 第三十三条第一款前句 不予行政处罚 (mandatory): a case assessed so cannot end in a 5,000.00 fine
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[6], "沈阳轻微6号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(
                    http,
                    cid,
                    "assessment",
                    {
                        "violation_date": "2026-11-01",
                        "base_amounts": GOODS,
                        "minor_violation": True,
                        "correction": "in_time",
                        "harm": "none",
                    },
                )
            )
            assert a["outcome"] == "no_penalty"
            answers = await try_to_fine(http, cid, yuan("5000"))
        refused(answers[-1])

    async def test_a_time_barred_act_cannot_be_fined(self, penalty: Running) -> None:
        # 第三十六条: SY-SJ-0019 (two years), act 2024-11-01, discovered 2026-11-16 — time-barred
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0019", the_party=party(ENTERPRISES[7], "沈阳时效7号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(
                    http, cid, "assessment", {"violation_date": "2024-11-01", "discovered_on": "2026-11-16"}
                )
            )
            assert a["limitation"]["expired"] is True
            answers = await try_to_fine(http, cid, yuan("2000"))
        refused(answers[-1])

    async def test_a_child_under_fourteen_cannot_be_fined(self, penalty: Running) -> None:
        # 第三十条: 不满十四周岁 → 不予行政处罚
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-XF-0003", who=XF_A, partner=XF_B, the_party=person("李某", PERSON_IDS[6])
            )
            ok(await step(http, cid, "investigation", {}, XF_A))
            a = ok(
                await step(http, cid, "assessment", {"violation_date": "2026-11-01", "age_years": 13}, XF_A)
            )
            assert a["outcome"] == "no_penalty"
            answers = await try_to_fine(http, cid, yuan("200"), XF_A)
        refused(answers[-1])


class TestSimpleProcedureKinds:
    async def test_confiscation_is_not_an_on_the_spot_penalty(self, penalty: Running) -> None:
        # 第五十一条: only 罚款 (within the thresholds) or 警告 may be decided on the spot; SY-SJ-0019 allows
        # 没收违法所得 (价格法 第四十二条), which must go through the general procedure
        on(date(2026, 11, 16))
        async with client(penalty.url) as http:
            cid = await open_case(
                http,
                code="SY-SJ-0019",
                the_party=party(ENTERPRISES[8], "沈阳当场8号有限公司"),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-16"}))
            penalty_ = {
                "kinds": ["fine", "confiscate_illegal_gains"],
                "fine_fen": yuan("2000"),
                "confiscation_fen": yuan("500"),
            }
            r = await step(http, cid, "decision", {"penalty": penalty_})
        refused(r, "PROCEDURE_SIMPLE_NOT_ALLOWED")

    async def test_a_warning_alone_is_an_on_the_spot_penalty(self, penalty: Running) -> None:
        # 第五十一条 …或者警告: SY-XF-0003 (警告或者五百元以下罚款)
        async with client(penalty.url) as http:
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person("赵某", PERSON_IDS[7]),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-16"}, XF_A))
            decided = ok(
                await step(http, cid, "decision", {"penalty": {"kinds": ["warning"], "fine_fen": 0}}, XF_A)
            )
        assert decided["decision"]["fine_fen"] == 0
