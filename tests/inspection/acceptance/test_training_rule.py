"""Examiner's cases: the yearly 60 学时 of training as an entry rule, switched on by the platform setting
(``ZHIFA_INSPECTION_TRAINING_HOURS_ENFORCED_FROM``), over the 365 days up to the day of entry.

Sources: 辽政办发〔2023〕18号 二(一)2 (seed 004: "确保行政执法人员每人每年接受不少于60学时的……培训");
docs/api/inspection.md §9 (the rolling window; the refusal TRAINING_HOURS_SHORT with ``hours`` and
``required``). Two readings: "每年" as the calendar year or as the last 365 days; the product's is the rolling
window (reported).

Officers of 市场监管 (SJ), entering together: 辽A-0012349 with 59.5 hours in the window (one course of 0.5 hours
366 days ago does not count), 辽A-0012350 with exactly 60.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.inspection.acceptance.cases import ITEM, register, task_for
from tests.inspection.helpers import API
from tests.support.http import ok, problem
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, Stack, client, running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")

SHORT, FULL = "辽A-0012349", "辽A-0012350"
SHORT_ID, FULL_ID = "65e47b1c-3999-58bb-91f0-ebaa99dfe4fc", "07d87bf0-1d2a-51e0-aec3-a2df7219f61f"


@pytest.fixture(scope="module")
async def enforced(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Running]:
    url = await stack.anew_sample_database("inspection")
    async with running_service(
        "inspection",
        database_url=url,
        nats_url=nats_server.url,
        job_interval_s=3600.0,
        training_hours_enforced_from=clock.today() - timedelta(days=400),
    ) as svc:
        yield svc


async def train(http: Any, officer_id: str, hours: float, days_ago: int, course: str) -> None:
    body = {
        "course": course,
        "hours": hours,
        "held_on": str(clock.today() - timedelta(days=days_ago)),
        "provider": "沈阳市司法局",
    }
    ok(await http.post(f"{API}/officers/{officer_id}/trainings", json=body, headers=supervisor()), 201)


class TestTrainingRule:
    async def test_fifty_nine_and_a_half_hours_is_short_sixty_is_enough(self, enforced: Running) -> None:
        async with client(enforced.url) as http:
            # SHORT: 40 (10 days ago) + 19.5 (364 days ago) = 59.5 in the window; 0.5 of 366 days ago is out
            await train(http, SHORT_ID, 40, 10, "行政处罚法专题培训")
            await train(http, SHORT_ID, 19.5, 364, "行政检查规范")
            await train(http, SHORT_ID, 0.5, 366, "过期课程")
            # FULL: 60 (364 days ago): exactly the yearly hours
            await train(http, FULL_ID, 60, 364, "全年课程")
            uscc = await register(http, 9501)
            task = await task_for(http, uscc, ["SJ"], kind="key_area")
            body = {"task_id": task, "enterprise_uscc": uscc, "officers": [SHORT], "item_codes": [ITEM["SJ"]]}
            r = await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(FULL, "SJ"))
            p = problem(r, 403, "TRAINING_HOURS_SHORT")
            assert SHORT in p["detail"] and float(p["hours"]) == 59.5 and float(p["required"]) == 60, p
            # with two officers of enough hours the code is issued
            body["officers"] = ["辽A-0012340"]
            await train(http, "a8757237-9cd7-5431-b23a-99fcdfbd6870", 60, 1, "全年课程")  # 辽A-0012340
            ok(await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(FULL, "SJ")), 201)
