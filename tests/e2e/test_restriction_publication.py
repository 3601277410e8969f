"""A restriction's term, end to end through the gateway with the real penalty and credit repair services on real
NATS: an officer decides a 5-year 限制从业 (化妆品监督管理条例 第六十五条) → penalty.decision.issued carries
restriction_months → credit repair publishes the decision for the 5 years, not for the serious class's 3
(市场监督管理行政处罚信息公示规定, 总局令第45号, 第十三条第三款: 依照法律法规被限制开展生产经营活动、限制从业超过
三年的，公示期按照实际限制期限执行).

Worked by hand: decided Mon 2026-11-16 (the pinned clock). 限制从业 is 严重 under shenyang-credit-2026-04:
published at least 12 months (to 2027-11-16), at most 36 (to 2029-11-16), never ended early in market
regulation (第十四条). The term, 60 months, is longer than 36: publication ends 2026-11-16 + 60 months =
2031-11-16 (the first day it is no longer published).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.e2e.test_penalty_publication import Platform, penalty_and_credit
from tests.penalty.helpers import SJ_A, TODAY, catalogue_with_restriction, pin_clock
from tests.penalty.test_restrictions import BAN_5_YEARS, decide, to_notified_ban
from tests.support.http import ok
from tests.support.personas import officer
from tests.support.stack import Stack, client, wait_for


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    pin_clock(TODAY)  # Mon 2026-11-16
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with penalty_and_credit(stack, nats_server, catalogue_with_restriction()) as running:
        yield running


async def test_a_five_year_ban_is_published_for_five_years(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        cid = await to_notified_ban(http)
        decided = ok(await decide(http, cid, BAN_5_YEARS))
        number = decided["decision"]["number"]
        assert (decided["decision"]["decided_on"], decided["decision"]["restriction_months"]) == (
            "2026-11-16",
            60,
        )

        async def record() -> dict[str, Any] | None:
            r = await http.get("/api/v1/credit/records", params={"case_id": cid}, headers=officer(**SJ_A))
            items = r.json()["items"] if r.status_code == 200 else []
            return items[0] if items else None

        found = await wait_for(record, timeout=30)
        assert (found["decision_no"], found["credit_class"], found["restriction_months"]) == (
            number,
            "serious",
            60,
        )
        pub = found["publication"]
        assert (pub["starts_on"], pub["min_ends_on"], pub["max_ends_on"]) == (
            "2026-11-16",
            "2027-11-16",  # + 12 months
            "2031-11-16",  # + 60 months; without the term, the class's 36: 2029-11-16
        )
        assert pub["earliest_repair_on"] is None  # 限制从业: never ended early
        public = ok(
            await http.get("/public/credit/publications", params={"department_code": "SJ", "limit": 200})
        )
        [item] = [i for i in public["items"] if i["decision_no"] == number]
        assert (item["party_name"], item["starts_on"], item["ends_on"]) == (
            "王**",
            "2026-11-16",
            "2031-11-16",
        )
