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


class TestNoPenaltyDecision:
    async def test_not_punishing_needs_a_lawful_ground(self, penalty: Running) -> None:
        # 第五十七条第一款: 确有应受行政处罚的违法行为的 … 作出行政处罚决定 (第一项); 不予行政处罚 where 依法可以不予
        # (第二项) or 违法事实不能成立 (第三项). An ordinary case (27,500.00 suggested, no ground of 第三十条 to
        # 第三十三条) may end without penalty only on 第三项, and the decision must say why the facts are not
        # established: the engine's explanation, which argues for a fine, is no such reason
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[9], "沈阳不罚9号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(http, cid, "assessment", {"violation_date": "2026-11-01", "base_amounts": GOODS})
            )
            assert a["outcome"] == "penalty" and a["first_violation_eligible"] is False
            education = {"education": ["已对当事人进行法律法规宣传教育。"]}
            problem(await step(http, cid, "no-penalty-decision", education), 400, "PROCEDURE_REASON_REQUIRED")
            why = {**education, "reasons": ["经调查，涉案食品标签已于检查前粘贴，违法事实不能成立。"]}
            done = ok(await step(http, cid, "no-penalty-decision", why))
        assert done["decision"]["outcome"] == "no_penalty"
        assert "第五十七条第一款第三项" in done["procedure_record"]["decision"]["basis"]
        assert "违法事实不能成立" in "".join(done["procedure_record"]["decision"]["reasons"])

    async def test_first_violation_may_end_without_penalty(self, penalty: Running) -> None:
        # 第三十三条第一款后句 (可以不予): SY-SJ-0019 第2版, a party with no record (初次违法 from the record), harm
        # 轻微, corrected in time → a 不予行政处罚决定书 (沈市监不罚〔2026〕N号); delivered within 7 working days
        # (11-17 … 11-25) and published within 20 (seed 003 其他执法决定: 11-17 … 12-14)
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0019", the_party=party(ENTERPRISES[2], "沈阳首违2号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            a = ok(
                await step(
                    http,
                    cid,
                    "assessment",
                    {"violation_date": "2026-11-01", "harm": "minor", "correction": "in_time"},
                )
            )
            assert a["first_violation_eligible"] is True
            done = ok(
                await step(
                    http, cid, "no-penalty-decision", {"education": ["已对当事人进行价格法律法规宣传教育。"]}
                )
            )
        assert done["decision"]["outcome"] == "no_penalty"
        assert done["documents"][-1]["number"].startswith("沈市监不罚〔2026〕")
        assert "第三十三条第一款" in done["procedure_record"]["decision"]["basis"]
