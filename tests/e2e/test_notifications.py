"""Notifications end to end through the gateway (issue #15, Must show), real PostgreSQL and JetStream:

the officer scans the enterprise's code (``POST /visits/scan``, SPEC §2.3 (2)); the enterprise's open SSE
stream (``GET /api/v1/notifications/stream`` through the gateway) receives the notification; the stream is
cut, more scans happen, and the stream resumed with ``Last-Event-ID`` gets exactly what it missed: nothing
lost, nothing twice; the integration's webhook receiver (a real local HTTP server, development settings)
gets the signed delivery and verifies it with ``standardwebhooks``; a receiver down for a while gets every
delivery after it returns, a visit's start before its end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from services.common.embedded import EmbeddedNats, free_port
from tests.inspection.helpers import API, ENTERPRISE, FOOD_ITEM, KEY_AREA_TASK, SJ
from tests.support.http import ok
from tests.support.personas import admin, enterprise, integration, officer
from tests.support.platform import Platform, running_platform
from tests.support.sse import Event, SSEReader
from tests.support.stack import Stack, client, serve_asgi, wait_for

STREAM = "/api/v1/notifications/stream"


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {
        "inspection": {"relay_poll_interval_s": 0.1},
        "notify": {
            "heartbeat_s": 0.5,
            "webhook_allow_http_localhost": True,  # development settings: the receiver is http://localhost
            "webhook_retry_base_s": 0.3,  # the back-off is configurable: seconds here, not minutes
            "webhook_retry_cap_s": 0.6,
            "webhook_poll_s": 0.1,
        },
    }
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


async def checkout(http: httpx.AsyncClient, visit_id: str) -> None:
    outcomes = {"outcomes": [{"item_code": FOOD_ITEM, "outcome": "compliant"}]}
    ok(await http.post(f"{API}/visits/{visit_id}/outcomes", json=outcomes, headers=officer(SJ[1], "SJ")))
    done = ok(await http.post(f"{API}/visits/{visit_id}/checkout", headers=officer(SJ[0], "SJ")))
    assert done["status"] == "completed"


async def test_the_integrations_receiver_gets_signed_deliveries_even_after_being_down(
    platform: Platform,
) -> None:
    receiver = Receiver()
    hooks = "/api/v1/webhooks"
    async with serve_asgi(receiver, receiver.port), client(platform.gateway.url) as http:
        body = {
            "client": "12345",
            "url": f"http://localhost:{receiver.port}/hook",
            "event_types": ["inspection.visit.started", "inspection.visit.completed"],
        }
        endpoint = ok(await http.post(f"{hooks}/endpoints", json=body, headers=admin()), 201)
        secret = endpoint["secret"]
        first = await scan(http)
        await wait_for(lambda: receiver.count(1), timeout=20)
        headers, raw = receiver.got[0]
        envelope = Webhook(secret).verify(raw, headers)  # signed per Standard Webhooks
        assert (envelope["type"], envelope["subject"]) == ("inspection.visit.started", first)

        receiver.status = 503  # the receiver goes down
        second = await scan(http)
        hotline = integration("12345")

        async def queued(n: int) -> list[dict[str, object]] | None:
            items = ok(await http.get(f"{hooks}/endpoints/{endpoint['id']}/deliveries", headers=hotline))[
                "items"
            ]
            return items if len(items) >= n else None

        await wait_for(lambda: queued(2), timeout=20)  # the second visit's start is queued before its end
        await checkout(http, second)
        await checkout(http, first)
        items = await wait_for(lambda: queued(4), timeout=20)

        async def all_failed_once() -> bool:
            items = ok(await http.get(f"{hooks}/endpoints/{endpoint['id']}/deliveries", headers=hotline))[
                "items"
            ]
            return any(i["attempts"] >= 2 and i["status"] == "pending" for i in items)

        await wait_for(all_failed_once, timeout=20)
        receiver.status = 200  # back
        await wait_for(lambda: receiver.count(4), timeout=30)
    received = [Webhook(secret).verify(raw, headers) for headers, raw in receiver.got]
    later = [(e["type"], e["subject"]) for e in received[1:]]
    assert sorted(later) == sorted(
        [
            ("inspection.visit.started", second),
            ("inspection.visit.completed", second),
            ("inspection.visit.completed", first),
        ]
    )  # every one arrived
    of_second = [t for t, subject in later if subject == second]
    assert of_second == ["inspection.visit.started", "inspection.visit.completed"]  # in order
    assert len({headers["webhook-id"] for headers, _ in receiver.got}) == 4
    assert {i["status"] for i in items} <= {"pending", "delivered"}


@dataclass
class Receiver:
    """The integration's receiver: answers ``status``, keeps what it accepted (headers, body)."""

    status: int = 200
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    async def count(self, n: int) -> bool:
        return len(self.got) >= n

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.status == 200:
            self.got.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await send(
            {"type": "http.response.start", "status": self.status, "headers": [(b"content-length", b"0")]}
        )
        await send({"type": "http.response.body", "body": b""})
