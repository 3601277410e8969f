"""责令改正 follow-up, end to end through NATS (issue #14 item 6): a visit orders a correction within 3 days; four
days later the follow-up is still open, inspection publishes inspection.correction.follow_up_overdue once,
and risk counts it for the unit (SJ + 和平区 → SJ-210102) in the quarter of the day it was detected, with the
follow-up in the drill-down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.tables import inbox_t
from services.inspection.domain import follow_ups as fu
from services.inspection.use_cases import follow_ups
from tests.inspection.helpers import FOOD_ITEM
from tests.inspection.test_follow_ups import ordered_visit
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, auth, client, wait_for

SUPERVISOR = auth("supervisor", "sup-city", scope="city")
UNIT = "SJ-210102"


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"inspection": {"relay_poll_interval_s": 0.1}, "risk": {"daily_job_enabled": False}}
    async with running_platform(
        stack, ("inspection", "risk"), nats=nats_server, settings=settings
    ) as running:
        try:
            yield running
        finally:
            clock.reset()


async def consumed(platform: Platform) -> int:
    async with transaction(platform.risk.runtime.factory) as s:
        query = sa.select(sa.func.count()).where(
            inbox_t.c.event_type == "inspection.correction.follow_up_overdue"
        )
        return int(await s.scalar(query) or 0)


async def test_an_unchecked_order_to_correct_counts_for_the_unit(platform: Platform) -> None:
    async with client(platform.inspection.url) as http:
        visit = await ordered_visit(http, 3, "补建进货查验记录台账")
    follow_up = str(fu.follow_up_id(visit["visit_id"], FOOD_ITEM))
    clock.set_offset(timedelta(days=4))  # the deadline was yesterday
    for _ in range(2):  # the job runs again: published once
        async with transaction(platform.inspection.runtime.factory) as session:
            await follow_ups.publish_overdue(session)

    async def arrived() -> bool:
        return await consumed(platform) == 1

    assert await wait_for(arrived, timeout=30)
    today = clock.today()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    async with client(platform.risk.url, headers=SUPERVISOR) as http:
        report: dict[str, Any] = (await http.get(f"/api/v1/risk/reports/{quarter}")).json()
        drill: dict[str, Any] = (await http.get(f"/api/v1/risk/units/{UNIT}/quarters/{quarter}")).json()
    units = {u["unit_code"]: u for u in report["units"]}
    assert units[UNIT]["figures"]["overdue_follow_ups"] == 1
    assert [e["ref"] for e in drill["overdue_follow_ups"]] == [follow_up]
