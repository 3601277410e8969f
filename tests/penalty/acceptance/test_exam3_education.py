"""Third examiner's round: a 不予行政处罚决定 records the education 行政处罚法 第三十三条第三款 requires ("对当事人的
违法行为依法不予行政处罚的，行政机关应当对当事人进行教育"), through the case API. Before the fix the service accepted
the decision with no education at all and printed "本机关已对当事人进行教育" on the 决定书 regardless."""

from __future__ import annotations

from datetime import date

from tests.penalty.acceptance.support import on, open_case, step, yuan
from tests.penalty.acceptance.test_exam3_procedure import company
from tests.penalty.helpers import SJ_A
from tests.support.http import ok, problem
from tests.support.personas import officer
from tests.support.stack import Running, client


class TestNoPenaltyEducation:
    async def test_not_punishing_a_minor_violation_records_the_education_given(
        self, penalty: Running
    ) -> None:
        # 第三十三条第一款前句 (违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚) and 第三款: "对当事人的违法行为
        # 依法不予行政处罚的，行政机关应当对当事人进行教育". The assessment says education is required; a 不予行政处罚
        # 决定 that records none is refused (nothing written), one that states it prints it
        async with client(penalty.url) as http:
            on(date(2026, 11, 16))
            cid = await open_case(http, code="SY-SJ-0004", the_party=company(6))
            ok(await step(http, cid, "investigation", {}))
            facts = {
                "violation_date": "2026-11-01",
                "base_amounts": {"goods_value": yuan("3000")},
                "minor_violation": True,
                "correction": "in_time",
                "harm": "none",
            }
            a = ok(await step(http, cid, "assessment", facts))
            assert (a["outcome"], a["education_required"]) == ("no_penalty", True)
            problem(await step(http, cid, "no-penalty-decision", {}), 400, "PROCEDURE_REASON_REQUIRED")
            blank = {"education": ["  "]}
            problem(await step(http, cid, "no-penalty-decision", blank), 400, "PROCEDURE_REASON_REQUIRED")
            taught = {"education": ["向当事人讲解食品安全法关于预包装食品标签的规定，当事人签字确认。"]}
            done = ok(await step(http, cid, "no-penalty-decision", taught))
            html = (await http.get(done["documents"][-1]["html_url"], headers=officer(**SJ_A))).text
        assert done["documents"][-1]["number"] == "沈市监不罚〔2026〕1号"  # the refusals took no number
        assert "向当事人讲解食品安全法关于预包装食品标签的规定" in html
