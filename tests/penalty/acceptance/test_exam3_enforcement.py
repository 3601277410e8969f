"""Third examiner's round: the court-application window of 行政强制法 第五十三条 after a reconsideration that
ended with the decision upheld, through the case API.

- 行政强制法 第五十三条: "当事人在法定期限内不申请行政复议或者提起行政诉讼，又不履行行政决定的，没有行政强制执行权的
  行政机关可以自期限届满之日起三个月内 … 申请人民法院强制执行".
- 行政诉讼法 第四十五条 (not in shared/legal; the 2017 text, as docs/api/penalty.md cites 第四十六条 from it):
  "公民、法人或者其他组织不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼". Once the party has
  chosen reconsideration, its period to sue is these fifteen days, not what was left of the six months of 第四十六条;
  最高人民法院《关于适用〈中华人民共和国行政诉讼法〉的解释》第一百五十六条 counts the three months "自被执行人的法定
  起诉期限届满之日起".
- Counting (民事诉讼法 第八十五条): the first day not counted, a last day on a rest day moved to the next working day.
"""

from __future__ import annotations

from datetime import date

from tests.penalty.acceptance.support import (
    CASES,
    XF_A,
    XF_B,
    decided_general,
    on,
    open_case,
    person,
    step,
    yuan,
)
from tests.penalty.acceptance.test_exam3_procedure import DELIVERY, fine
from tests.penalty.helpers import SJ_A, party
from tests.penalty.test_procedure import credit_notice_arrives
from tests.support.http import ok
from tests.support.personas import officer
from tests.support.stack import Running, client

RECONSIDERATION = {"source": "reconsideration", "filed_on": "2026-03-20", "reference": "沈政复〔2026〕31号"}


def dates(view: dict[str, object]) -> dict[str, str | None]:
    return {x["key"]: x["on"] for x in view["dates"]}  # type: ignore[attr-defined]


class TestAfterAnUpheldReconsideration:
    async def test_the_window_follows_fifteen_days_from_the_reconsideration_decision(
        self, penalty: Running
    ) -> None:
        # Received Mon 2026-03-16; pay by Tue 03-31. Reconsideration filed 03-20, upheld on Tue 03-31 (the
        # decision received that day). The party may sue until 03-31 + 15 days = Wed 04-15. The window opens on
        # 04-16 and closes three months from 04-15, on Wed 07-15. (Counting the reconsideration's 12 days
        # 03-20 … 03-31 onto the six months instead would open it only on 09-29, after the lawful window had
        # closed.) An application on 07-15, after a 催告书 served on 04-16 and ten working days (04-17 … 04-30),
        # is in time
        async with client(penalty.url) as http:
            on(date(2026, 3, 16))
            cid = await decided_general(
                http,
                facts={"violation_date": "2026-03-01", "base_amounts": {"goods_value": yuan("3000")}},
                fine_fen=yuan("27500"),
                the_party=party("91210100MA0EX3010Q", "沈阳考官复议有限公司"),
            )
            case = ok(await http.get(f"{CASES}/{cid}", headers=officer(**SJ_A)))
            await credit_notice_arrives(penalty, cid, case["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY))
            on(date(2026, 3, 20))
            ok(await step(http, cid, "remedies", RECONSIDERATION))
            on(date(2026, 3, 31))
            ok(await step(http, cid, "remedies/conclude", {"concluded_on": "2026-03-31", "upheld": True}))
            on(date(2026, 4, 16))
            view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=officer(**SJ_A)))
            d = dates(view)
            assert d["litigation_ends"] == "2026-04-15"
            assert (d["window_opens"], d["window_closes"]) == ("2026-04-16", "2026-07-15")
            ok(await step(http, cid, "enforcement/reminder", {}), 201)
            ok(await step(http, cid, "enforcement/reminder/delivery", DELIVERY))
            on(date(2026, 7, 15))
            applied = ok(await step(http, cid, "enforcement/court-application", {}), 201)
        assert applied["stage"] == "applied"

    async def test_on_the_spot_and_a_last_day_on_a_saturday(self, penalty: Running) -> None:
        # An on-the-spot decision goes to reconsideration first (行政复议法 第二十三条第一款第一项); after it the
        # party may sue within the same fifteen days (行政诉讼法 第四十五条; 行政复议法 第三十四条). Received Mon 03-16,
        # reconsideration 03-20 … upheld Fri 04-03: fifteen days → Sat 04-18, a rest day → Mon 04-20; the window
        # 04-21 … three months from 04-20, Mon 07-20 (not 05-16 … 08-15 plus the 15 days of the reconsideration)
        async with client(penalty.url) as http:
            on(date(2026, 3, 16))
            cid = await open_case(
                http,
                code="SY-XF-0003",
                who=XF_A,
                partner=XF_B,
                the_party=person(id_number="210102199508088065"),
                procedure="simple",
            )
            ok(await step(http, cid, "assessment", {"violation_date": "2026-03-16"}, XF_A))
            decided = ok(await step(http, cid, "decision", {"penalty": fine(yuan("200"))}, XF_A))
            await credit_notice_arrives(penalty, cid, decided["decision"]["number"])
            ok(await step(http, cid, "delivery", DELIVERY, XF_A))
            on(date(2026, 3, 20))
            ok(await step(http, cid, "remedies", RECONSIDERATION, XF_A))
            on(date(2026, 4, 3))
            concluded = {"concluded_on": "2026-04-03", "upheld": True}
            ok(await step(http, cid, "remedies/conclude", concluded, XF_A))
            view = ok(await http.get(f"{CASES}/{cid}/enforcement", headers=officer(**XF_A)))
        d = dates(view)
        assert d["litigation_ends"] == "2026-04-20"
        assert (d["window_opens"], d["window_closes"]) == ("2026-04-21", "2026-07-20")
