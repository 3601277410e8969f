"""Notifications end to end through the gateway (issue #15, Must show), real PostgreSQL and JetStream:

the officer scans the enterprise's code (``POST /visits/scan``, SPEC §2.3 (2)); the enterprise's open SSE
stream (``GET /api/v1/notifications/stream`` through the gateway) receives the notification; the stream is
cut, more scans happen, and the stream resumed with ``Last-Event-ID`` gets exactly what it missed: nothing
lost, nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from services.common.embedded import EmbeddedNats
from tests.inspection.helpers import API, ENTERPRISE, FOOD_ITEM, KEY_AREA_TASK, SJ
from tests.support.http import ok
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.sse import Event, SSEReader
from tests.support.stack import Stack, client, wait_for

STREAM = "/api/v1/notifications/stream"


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"inspection": {"relay_poll_interval_s": 0.1}, "notify": {"heartbeat_s": 0.5}}
    async with running_platform(
        stack, ("inspection", "notify"), nats=nats_server, gateway=True, settings=settings
    ) as running:
        yield running


async def scan(http: httpx.AsyncClient) -> str:
    """The officers scan the enterprise's printed code; returns the visit id."""
    printed = ok(await http.get(f"{API}/enterprises/{ENTERPRISE}/code", headers=enterprise(ENTERPRISE)))
    body = {
        "task_id": KEY_AREA_TASK,
        "enterprise_code": printed["code"],
        "officers": [SJ[1]],
        "item_codes": [FOOD_ITEM],
    }
    visit = ok(await http.post(f"{API}/visits/scan", json=body, headers=officer(SJ[0], "SJ")), 201)
    return str(visit["visit_id"])


async def quiet(reader: SSEReader, seconds: float) -> Event | None:
    try:
        return await reader.next(timeout=seconds)
    except TimeoutError:
        return None


async def test_a_scan_reaches_the_open_stream_and_a_resumed_stream_misses_nothing(platform: Platform) -> None:
    ent = enterprise(ENTERPRISE)
    async with client(platform.gateway.url) as http:
        async with http.stream("GET", STREAM, headers=ent) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = SSEReader(response)
            first_visit = await scan(http)
            first = await reader.next(timeout=15)
            notification = json.loads(first.data)
            assert notification["title"] == "执法人员已扫码进入检查"
            assert notification["link"] == f"/api/v1/inspection/visits/{first_visit}"
            assert "辽A-0012340" in notification["body"] and "第五十五条" in notification["body"]
            assert first.id == str(notification["seq"])
        # the stream is cut; the officers scan twice more meanwhile
        missed = [await scan(http), await scan(http)]

        async def recorded() -> list[dict[str, object]] | None:
            items = ok(await http.get("/api/v1/notifications", headers=ent))["items"]
            return items if len(items) >= 3 else None

        listed = await wait_for(recorded, timeout=20)
        assert [n["link"] for n in listed[:2]] == [f"/api/v1/inspection/visits/{v}" for v in reversed(missed)]
        async with http.stream("GET", STREAM, headers={**ent, "Last-Event-ID": str(first.id)}) as response:
            reader = SSEReader(response)
            resumed = [await reader.next(timeout=10), await reader.next(timeout=10)]
            links = [json.loads(e.data)["link"] for e in resumed]
            assert links == [f"/api/v1/inspection/visits/{v}" for v in missed]  # in order, none lost
            assert [int(e.id or 0) for e in resumed] == [int(first.id or 0) + 1, int(first.id or 0) + 2]
            assert await quiet(reader, 1.5) is None  # nothing twice: only heartbeats follow
            assert "heartbeat" in reader.comments
            # and it is live again
            live = await scan(http)
            event = await reader.next(timeout=15)
            assert json.loads(event.data)["link"] == f"/api/v1/inspection/visits/{live}"
