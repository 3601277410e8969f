"""Examiner's cases at the edges of the rules: when the limitation is measured (行政处罚法 第三十六条: 未被发现 — the
day of discovery, not of the decision), circumstances that cancel out, the version in force at a given decision
date (第三十七条), and a decision heavier than the notice without a new notice (第四十四条, 第六十二条)."""

from __future__ import annotations

from datetime import date

from tests.penalty.acceptance.support import ENTERPRISES, assess, on, open_case, step, yuan
from tests.penalty.helpers import party
from tests.support.http import ok
from tests.support.stack import Running, client

GOODS = {"goods_value": yuan("3000")}


class TestEdges:
    async def test_discovered_in_time_decided_later_is_not_time_barred(self, penalty: Running) -> None:
        # act 2024-10-01 (SY-SJ-0019, two years → last day 2026-10-01), discovered 2026-09-01: in time, although
        # the decision (2026-11-16) comes after the two years — 第三十六条 speaks of 被发现
        async with client(penalty.url) as http:
            a = await assess(http, "SY-SJ-0019", violation_date="2024-10-01", discovered_on="2026-09-01")
        assert a["limitation"]["expired"] is False
        assert a["outcome"] == "penalty"

    async def test_lighter_and_heavier_circumstances_cancel_out(self, penalty: Running) -> None:
        # one circumstance of 第三十二条 (应当从轻或者减轻) and obstruction. Two readings: the benchmark's 一般 says
        # 从轻与从重情节相抵 (→ 一般); the product holds that a mitigation the statute makes mandatory is not
        # cancelled by an aggravation (→ 从轻). Both agree it is never 从重, and nothing above the 一般 tier
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0004",
                violation_date="2026-11-01",
                base_amounts=GOODS,
                mitigations=["eliminated_harm"],
                aggravations=["obstruction"],
            )
        assert a["penalty"]["tier_key"] in {"ordinary", "lighter"}
        assert a["penalty"]["suggested_fine_fen"] <= yuan("27500")
        assert a["penalty"]["tier_range"]["high_fen"] <= yuan("36499.99")

    async def test_the_version_at_a_decision_date_before_the_new_one(self, penalty: Running) -> None:
        # SY-SJ-0012: act 2025-06-01 decided 2025-12-31 — only 第1版 was ever in force: 一般 10,000 + 40,000 ×
        # 30 % = 22,000 … 38,000 (exclusive), suggested (22,000 + 37,999.99) / 2 = 29,999.995 → 30,000.00
        async with client(penalty.url) as http:
            a = await assess(
                http,
                "SY-SJ-0012",
                violation_date="2025-06-01",
                decision_date="2025-12-31",
                base_amounts={"goods_value": yuan("2000")},
            )
        assert a["benchmark_version"] == 1
        assert a["penalty"]["suggested_fine_fen"] == yuan("30000")

    async def test_a_decision_heavier_than_the_notice_needs_a_new_notice(self, penalty: Running) -> None:
        # 第四十四条: the party is told 拟作出的行政处罚内容 before the decision; 第六十二条: otherwise 不得作出行政处罚
        # 决定. Notified 27,500.00, the statement waived: a decision of 30,000.00 was never notified
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0004", the_party=party(ENTERPRISES[0], "沈阳加重0号有限公司")
            )
            ok(await step(http, cid, "investigation", {}))
            ok(await step(http, cid, "assessment", {"violation_date": "2026-11-01", "base_amounts": GOODS}))
            notice = {
                "facts": ["当事人销售无标签的预包装食品。"],
                "proposed": {"kinds": ["fine"], "fine_fen": yuan("27500")},
            }
            ok(await step(http, cid, "notice", notice))
            ok(await step(http, cid, "waiver", {"statement": True}))
            r = await step(http, cid, "decision", {"penalty": {"kinds": ["fine"], "fine_fen": yuan("30000")}})
        assert 400 <= r.status_code < 500, r.text

    async def test_a_case_filed_in_time_is_not_time_barred_by_a_later_assessment(
        self, penalty: Running
    ) -> None:
        # 第三十六条 未被发现: a case filed (立案) on 2026-09-01 was discovered by then at the latest. Act 2024-10-01
        # (SY-SJ-0019, two years → last day 2026-10-01), assessed on 2026-11-16 without a discovery date: in time
        on(date(2026, 9, 1))
        async with client(penalty.url) as http:
            cid = await open_case(
                http, code="SY-SJ-0019", the_party=party(ENTERPRISES[1], "沈阳时效1号有限公司")
            )
            on(date(2026, 11, 16))
            ok(await step(http, cid, "investigation", {}))
            a = ok(await step(http, cid, "assessment", {"violation_date": "2024-10-01"}))
        assert a["limitation"]["expired"] is False
        assert a["outcome"] == "penalty"
