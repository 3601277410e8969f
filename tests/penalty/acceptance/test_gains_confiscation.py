"""行政处罚法 第二十八条第二款 through the case API: "当事人有违法所得，除依法应当退赔的外，应当予以没收。违法所得是指
实施违法行为所取得的款项。" The assessment proposed 没收违法所得 when the facts had illegal gains, but a 告知书 and a
决定书 with a fine alone were accepted (an examiner found it through the API). And the 不予行政处罚决定书 printed
"本机关已对当事人进行教育" when no education was recorded, under "不服本处罚决定" for a decision not to penalise.

The worked case: SY-JT-0001 (道路运输条例 第六十三条第（一）项: 违法所得超过1万元的，没收违法所得，处违法所得1倍以上5倍
以下的罚款) on an organisation with illegal gains of 20,000.00 元 → legal range 1 × 20,000 = 20,000 … 5 × 20,000 =
100,000; 一般 20,000 + 80,000 × 30 % = 44,000 … 20,000 + 80,000 × 70 % = 76,000 (exclusive), suggested
(44,000 + 75,999.99) / 2 = 59,999.995 → 60,000.00. A fine of 60,000 (< 10 万元) and a confiscation of 20,000 (< 10
万元) need no hearing and no legal review for an organisation.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.penalty.acceptance.support import CASES, JT_A, JT_B, open_case, step, yuan
from tests.penalty.helpers import SJ_A, party
from tests.penalty.test_imports import IMPORT, decided_2024, no
from tests.support.http import ok, problem
from tests.support.personas import admin, officer
from tests.support.stack import Running, client

# 统一社会信用代码 with valid check digits (GB 32100), this file's own parties (初次违法 comes from the record)
USCC = [
    "91210100MA0GN3000N",
    "91210100MA0GN3001R",
    "91210100MA0GN3002W",
    "91210100MA0GN30030",
    "91210100MA0GN30043",
    "91210100MA0GN30056",
]
GAINS = yuan("20000")
FACTS = {"violation_date": "2026-11-01", "base_amounts": {"illegal_gains": GAINS}}
FACTS_TEXT = ["当事人未取得道路运输经营许可，擅自从事道路旅客运输经营，收取票款20,000.00元。"]
FINE = yuan("60000")


def penalty_of(confiscation_fen: int | None, **extra: Any) -> dict[str, Any]:
    """A fine of 60,000.00, with a confiscation of illegal gains when ``confiscation_fen`` is given."""
    if confiscation_fen is None:
        return {"kinds": ["fine"], "fine_fen": FINE, **extra}
    kinds = ["fine", "confiscate_illegal_gains"]
    return {"kinds": kinds, "fine_fen": FINE, "confiscation_fen": confiscation_fen, **extra}


async def assessed(http: httpx.AsyncClient, n: int) -> str:
    cid = await open_case(
        http,
        code="SY-JT-0001",
        who=JT_A,
        partner=JT_B,
        the_party=party(USCC[n], f"沈阳退赔{n}号客运有限公司"),
    )
    ok(await step(http, cid, "investigation", {}, JT_A))
    a = ok(await step(http, cid, "assessment", FACTS, JT_A))
    assert a["penalty"]["suggested_fine_fen"] == yuan("60000")
    assert "confiscate_illegal_gains" in {k["kind"] for k in a["penalty"]["kinds"]}
    return cid


async def decision_html(http: httpx.AsyncClient, cid: str, kind: str, who: dict[str, str]) -> str:
    case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**who)))
    [doc] = [d for d in case["documents"] if d["kind"] == kind]
    return (await http.get(doc["html_url"], headers=officer(**who))).text


def not_confiscated(r: httpx.Response, confiscated_fen: int) -> None:
    body = problem(r, 400, "PROCEDURE_GAINS_NOT_CONFISCATED")
    assert "第二十八条第二款" in body["detail"] and "20,000.00" in body["detail"]
    assert (body["illegal_gains_fen"], body["confiscation_fen"]) == (GAINS, confiscated_fen)


class TestGainsAreConfiscated:
    async def test_notice_and_decision_without_the_whole_confiscation_are_refused(
        self, penalty: Running
    ) -> None:
        # gains 20,000.00: a fine alone is refused, 19,999.99 confiscated is 0.01 short, 20,000.00 is lawful; the
        # decision may not then drop the confiscation (a lighter decision than the notice, but unlawful)
        async with client(penalty.url) as http:
            cid = await assessed(http, 0)
            for confiscated in (None, yuan("19999.99")):
                body = {"facts": FACTS_TEXT, "proposed": penalty_of(confiscated)}
                not_confiscated(await step(http, cid, "notice", body, JT_A), confiscated or 0)
            whole = penalty_of(GAINS)
            ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": whole}, JT_A))
            ok(await step(http, cid, "waiver", {"statement": True}, JT_A))
            not_confiscated(await step(http, cid, "decision", {"penalty": penalty_of(None)}, JT_A), 0)
            decided = ok(await step(http, cid, "decision", {"penalty": whole}, JT_A))
            html = await decision_html(http, cid, "penalty_decision", JT_A)
        # the refusals spent no number: the first decision of the department this year
        assert decided["decision"]["number"].endswith("1号")
        assert "没收违法所得人民币20,000.00元" in html and "罚款人民币60,000.00元" in html
        assert "依法应当退赔" not in html

    async def test_gains_to_be_returned_are_stated_with_the_reason_on_the_decision(
        self, penalty: Running
    ) -> None:
        # 除依法应当退赔的外: 5,000.00 of the 20,000.00 were fares paid in advance for trips not made, to be returned
        # to the passengers; 20,000.00 − 5,000.00 = 15,000.00 confiscated. A refund reason with nothing left to
        # return (all 20,000.00 confiscated) is inconsistent
        reason = "其中5,000.00元系乘客预付的未成行票款，应当退还乘客（乘客名单附卷）。"
        async with client(penalty.url) as http:
            cid = await assessed(http, 1)
            nothing_left = {"facts": FACTS_TEXT, "proposed": penalty_of(GAINS, refund_reason=reason)}
            problem(await step(http, cid, "notice", nothing_left, JT_A), 400, "PROCEDURE_INVALID_PENALTY")
            partly = penalty_of(yuan("15000"), refund_reason=reason)
            ok(await step(http, cid, "notice", {"facts": FACTS_TEXT, "proposed": partly}, JT_A))
            # the 告知书 tells the party of the part returned and why, so it may state its case on it too
            notice_html = await decision_html(http, cid, "penalty_notice", JT_A)
            assert "其中人民币5,000.00元" in notice_html and "依法应当退赔，不予没收" in notice_html
            assert reason in notice_html
            ok(await step(http, cid, "waiver", {"statement": True}, JT_A))
            without_reason = penalty_of(yuan("15000"))
            not_confiscated(
                await step(http, cid, "decision", {"penalty": without_reason}, JT_A), yuan("15000")
            )
            ok(await step(http, cid, "decision", {"penalty": partly}, JT_A))
            html = await decision_html(http, cid, "penalty_decision", JT_A)
        assert "没收违法所得人民币15,000.00元" in html
        assert "当事人违法所得人民币20,000.00元" in html and "其中人民币5,000.00元" in html
        assert "依法应当退赔，不予没收" in html and reason in html and "第二十八条第二款" in html


class TestImportedCases:
    async def test_an_imported_case_is_held_to_the_same_rule(self, penalty: Running) -> None:
        # SY-SJ-0004 (食品安全法 第一百二十五条: 没收违法所得…并处罚款), decided in 2024 by the former system with
        # illegal gains of 1,000.00 and a fine alone: the row is refused at the notice (告知, the penalty decided
        # stands for the one proposed), nothing written; with 1,000.00 confiscated the row is accepted
        facts = {
            "violation_date": "2024-08-20",
            "base_amounts": {"goods_value": yuan("3000"), "illegal_gains": yuan("1000")},
        }
        who = party(USCC[2], "沈阳退赔2号食品有限公司")
        fine_only = decided_2024(no(), facts=facts, party=who)
        async with client(penalty.url) as http:
            report = ok(await http.post(IMPORT, json={"cases": [fine_only]}, headers=admin()))
            [row] = report["rows"]
            assert (row["status"], row["code"], row["step"]) == (
                "refused",
                "PROCEDURE_GAINS_NOT_CONFISCATED",
                "告知",
            )
            assert "第二十八条第二款" in row["message"]
            confiscating = decided_2024(no(), facts=facts, party=who)
            decision = confiscating["decision"]
            decision["penalty"] = {
                **decision["penalty"],
                "kinds": ["fine", "confiscate_illegal_gains"],
                "confiscation_fen": yuan("1000"),
            }
            report = ok(await http.post(IMPORT, json={"cases": [confiscating]}, headers=admin()))
        assert report["rows"][0]["status"] == "accepted", report


class TestNoPenaltyDocument:
    async def test_no_education_is_claimed_when_none_was_recorded(self, penalty: Running) -> None:
        # 第五十七条第一款第三项 违法事实不能成立: no education is required (第三十三条第三款 speaks of a violation not
        # penalised), none recorded, none printed; and the remedy is against "本决定", not a 处罚决定
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(USCC[3], "沈阳不罚3号食品有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}}
            a = ok(await step(http, cid, "assessment", facts))
            assert a["education_required"] is False
            why = {"reasons": ["经调查，涉案食品标签已于检查前粘贴，违法事实不能成立。"]}
            ok(await step(http, cid, "no-penalty-decision", why))
            html = await decision_html(http, cid, "no_penalty_decision", SJ_A)
        assert "违法事实不能成立" in html
        assert "教育" not in html
        assert "当事人如不服本决定" in html and "不服本处罚决定" not in html

    async def test_the_education_recorded_is_printed_with_its_sentence(self, penalty: Running) -> None:
        taught = "已向当事人讲解食品安全法关于预包装食品标签的规定。"
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(USCC[4], "沈阳不罚4号食品有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            facts = {"violation_date": "2026-11-01", "base_amounts": {"goods_value": yuan("3000")}}
            ok(await step(http, cid, "assessment", facts))
            why = {"reasons": ["经调查，违法事实不能成立。"], "education": [taught]}
            ok(await step(http, cid, "no-penalty-decision", why))
            html = await decision_html(http, cid, "no_penalty_decision", SJ_A)
        assert "本机关已对当事人进行教育" in html and taught in html
