"""Webhooks through the notify service, with a real receiver (a local HTTP server; development settings
allow http://localhost): subscribe, get the signed delivery and verify it with ``standardwebhooks``; a
receiver down for a while gets every delivery after it returns, in order per subject; the client sees
the attempts; dead letters, retry, replay, secret rotation with overlap; the SSRF guard at registration
and at delivery."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from standardwebhooks import Webhook

from services.common.contracts import credit
from services.common.embedded import EmbeddedNats, free_port
from services.notify.errors import WebhookUrlRefused
from services.notify.settings import NotifyContext, NotifySettings
from services.notify.use_cases.webhooks import check_receiver
from tests.notify.helpers import ADMIN, INTEGRATION, publish, visit_started
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import Running, Stack, client, running_service, serve_asgi, wait_for

API = "/api/v1/webhooks"


@dataclass
class Receiver:
    """A receiver that answers ``status`` (200 unless told) and keeps what it got."""

    status: int = 200
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/hook"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        if self.status == 200:
            self.got.append((headers, body))
        await send(
            {"type": "http.response.start", "status": self.status, "headers": [(b"content-length", b"0")]}
        )
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
async def notify(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Running]:
    url = await stack.anew_database("notify")
    async with running_service(
        "notify",
        database_url=url,
        nats_url=nats_server.url,
        webhook_allow_http_localhost=True,
        webhook_retry_base_s=0.2,
        webhook_retry_cap_s=0.4,
        webhook_poll_s=0.1,
        webhook_static_hosts={"internal.example.test": ["10.0.0.5"], "rebind.example.test": ["8.8.8.8"]},
    ) as running:
        assert await running.runtime.bus.wait_ready(15)
        yield running


@contextlib.asynccontextmanager
async def receiving(status: int = 200) -> AsyncIterator[Receiver]:
    receiver = Receiver(status)
    async with serve_asgi(receiver, receiver.port):
        yield receiver


async def subscribe(notify: Running, url: str, types: list[str], client_id: str = "12345") -> dict[str, Any]:
    async with client(notify.url, headers=ADMIN) as http:
        body = {"client": client_id, "url": url, "event_types": types, "description": "12345 热线"}
        return ok(await http.post(f"{API}/endpoints", json=body), 201)


async def test_a_delivery_is_signed_per_standard_webhooks(notify: Running) -> None:
    async with receiving() as receiver:
        endpoint = await subscribe(notify, receiver.url, ["inspection.visit.started"])
        assert endpoint["secret"].startswith("whsec_")
        envelope = await publish(notify.runtime.bus.js, visit_started("91210102MAWEBHK01X"))
        await wait_for(lambda: _count(receiver, 1), timeout=15)
    headers, body = receiver.got[0]
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["id"] == str(envelope.id) and payload["type"] == "inspection.visit.started"
    assert headers["webhook-id"].startswith("msg_")
    async with client(notify.url, headers=INTEGRATION) as http:
        mine = ok(await http.get(f"{API}/endpoints"))
        assert [e["id"] for e in mine] == [endpoint["id"]] and "secret" not in mine[0]
        page = ok(await http.get(f"{API}/endpoints/{endpoint['id']}/deliveries"))
        [delivery] = page["items"]
        assert delivery["status"] == "delivered" and delivery["attempts"] == 1
        detail = ok(await http.get(f"{API}/deliveries/{delivery['id']}"))
        assert [a["status_code"] for a in detail["attempt_log"]] == [200]
        assert headers["webhook-id"] == f"msg_{delivery['id']}"
    other = personas.integration("court", sub="court")
    async with client(notify.url, headers=other) as http:
        assert ok(await http.get(f"{API}/endpoints")) == []
        problem(await http.get(f"{API}/deliveries/{delivery['id']}"), 404, "WEBHOOK_DELIVERY_NOT_FOUND")
    await _unsubscribe_all(notify)


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.got) >= n


async def _unsubscribe_all(notify: Running) -> None:
    # Each test uses its own event types' endpoints; deactivating keeps the next test's counts exact.
    import sqlalchemy as sa

    from services.common.db import transaction

    async with transaction(notify.runtime.factory) as session:
        await session.execute(sa.text("UPDATE webhook_endpoint SET active = false"))


async def _deliveries(notify: Running, endpoint_id: str) -> list[dict[str, Any]]:
    async with client(notify.url, headers=INTEGRATION) as http:
        return list(ok(await http.get(f"{API}/endpoints/{endpoint_id}/deliveries"))["items"])


async def test_a_receiver_down_for_a_while_gets_everything_in_order(notify: Running) -> None:
    """Three events about one visit (one subject) while the receiver answers 503: the first is retried
    with back-off and the later ones wait for it (never attempted ahead of it); another subject is not
    held up. When the receiver is back it gets all four, the visit's three in order, each verified."""
    async with receiving(status=503) as receiver:
        endpoint = await subscribe(notify, receiver.url, ["inspection.visit.started"])
        visit = uuid.uuid4()
        uscc = "91210102MAWEBHK02Y"
        js = notify.runtime.bus.js
        sent = [await publish(js, visit_started(uscc, visit_id=visit))]

        async def first_failed() -> bool:
            items = await _deliveries(notify, endpoint["id"])
            return len(items) == 1 and items[0]["attempts"] >= 1

        await wait_for(first_failed, timeout=15)
        for n in (2, 3):
            sent.append(await publish(js, visit_started(uscc, visit_id=visit)))
            await wait_for(lambda n=n: _queued(notify, endpoint["id"], n), timeout=15)
        other = await publish(js, visit_started(uscc))

        async def held() -> list[dict[str, Any]] | None:
            items = {i["event_id"]: i for i in await _deliveries(notify, endpoint["id"])}
            ready = str(other.id) in items and items[str(other.id)]["attempts"] >= 1
            return list(items.values()) if ready and items[str(sent[0].id)]["attempts"] >= 2 else None

        items = {i["event_id"]: i for i in await wait_for(held, timeout=20)}
        assert [items[str(e.id)]["attempts"] for e in sent[1:]] == [0, 0]  # waiting for the first
        receiver.status = 200  # back
        await wait_for(lambda: _count(receiver, 4), timeout=20)
    ids = [orjson.loads(body)["id"] for _, body in receiver.got]
    assert [i for i in ids if i != str(other.id)] == [str(e.id) for e in sent]  # every one, in order
    for headers, body in receiver.got:
        Webhook(endpoint["secret"]).verify(body, headers)
    detail_id = next(
        i["id"] for i in await _deliveries(notify, endpoint["id"]) if i["event_id"] == str(sent[0].id)
    )
    async with client(notify.url, headers=INTEGRATION) as http:
        detail = ok(await http.get(f"{API}/deliveries/{detail_id}"))
    codes = [a["status_code"] for a in detail["attempt_log"]]
    assert codes[-1] == 200 and set(codes[:-1]) == {503} and len(codes) >= 3
    await _unsubscribe_all(notify)


async def _queued(notify: Running, endpoint_id: str, n: int) -> bool:
    return len(await _deliveries(notify, endpoint_id)) >= n


async def test_rotation_signs_with_both_secrets_during_the_overlap(notify: Running) -> None:
    async with receiving() as receiver:
        endpoint = await subscribe(notify, receiver.url, ["inspection.visit.started"])
        async with client(notify.url, headers=ADMIN) as http:
            rotated = ok(
                await http.post(f"{API}/endpoints/{endpoint['id']}/secret", json={"overlap_hours": 24})
            )
            problem(
                await http.post(f"{API}/endpoints/{endpoint['id']}/secret", json={"overlap_hours": "1"}),
                422,
                "VALIDATION_FAILED",
            )
        await publish(notify.runtime.bus.js, visit_started("91210102MAWEBHK03Z"))
        await wait_for(lambda: _count(receiver, 1), timeout=15)
        headers, body = receiver.got[0]
        Webhook(endpoint["secret"]).verify(body, headers)  # the old one, within the overlap
        Webhook(rotated["secret"]).verify(body, headers)  # and the new one
        async with client(notify.url, headers=ADMIN) as http:
            ok(await http.post(f"{API}/endpoints/{endpoint['id']}/secret", json={"overlap_hours": 0}))
        # replay by time range: the same delivery again, now signed by the newest secret only
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        until = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        async with client(notify.url, headers=INTEGRATION) as http:
            replayed = ok(
                await http.post(
                    f"{API}/endpoints/{endpoint['id']}/replay", json={"since": since, "until": until}
                )
            )
            problem(
                await http.post(
                    f"{API}/endpoints/{endpoint['id']}/replay", json={"since": until, "until": since}
                ),
                400,
                "WEBHOOK_REPLAY_RANGE_INVALID",
            )
        assert replayed == {"requeued": 1}
        await wait_for(lambda: _count(receiver, 2), timeout=15)
    again_headers, again_body = receiver.got[1]
    assert again_headers["webhook-id"] == headers["webhook-id"] and again_body == body
    assert again_headers["webhook-signature"].count("v1,") == 1
    await _unsubscribe_all(notify)


async def test_dead_letters_and_retry(stack: Stack) -> None:
    """A service of its own (a window of 1 s), on a NATS of its own: the module's service would share its
    durable consumers on the module's NATS."""
    url = await stack.anew_database("notify")
    nats = await asyncio.to_thread(stack.new_nats)
    async with (
        receiving(status=500) as receiver,
        running_service(
            "notify",
            database_url=url,
            nats_url=nats.url,
            webhook_allow_http_localhost=True,
            webhook_retry_base_s=0.1,
            webhook_retry_cap_s=0.2,
            webhook_retry_window_s=1.0,
            webhook_poll_s=0.1,
        ) as notify,
    ):
        assert await notify.runtime.bus.wait_ready(15)
        endpoint = await subscribe(notify, receiver.url, ["credit.repair.completed"], client_id="creditchina")
        event = credit.RepairCompleted(
            repair_id=uuid.uuid4(),
            record_id=uuid.uuid4(),
            case_id=uuid.uuid4(),
            party_uscc="91210102MAWEBHK04A",
            accepted_at=datetime.now(UTC),
        )
        await publish(notify.runtime.bus.js, event)

        async def dead() -> list[dict[str, Any]] | None:
            async with client(notify.url, headers=ADMIN) as http:
                items = ok(await http.get(f"{API}/dead-letters"))["items"]
            return items or None

        [letter] = await wait_for(dead, timeout=20)
        assert letter["event_id"] and letter["last_error"] == "HTTP 500" and letter["attempts"] >= 2
        receiver.status = 200
        async with client(notify.url, headers=ADMIN) as http:
            retried = ok(await http.post(f"{API}/deliveries/{letter['id']}/retry"))
            assert retried["status"] == "pending"
            await wait_for(lambda: _count(receiver, 1), timeout=15)
            problem(
                await http.post(f"{API}/deliveries/{letter['id']}/retry"), 409, "WEBHOOK_DELIVERY_NOT_DEAD"
            )
        Webhook(endpoint["secret"]).verify(*reversed(receiver.got[0]))
    await asyncio.to_thread(nats.stop)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",  # a private address
        "https://169.254.169.254/latest/meta-data",  # the metadata service
        "https://internal.example.test/hook",  # a name that resolves to 10.0.0.5
        "http://internal.example.test/hook",  # http to a non-local host
    ],
)
async def test_internal_receivers_are_refused_at_registration(notify: Running, url: str) -> None:
    async with client(notify.url, headers=ADMIN) as http:
        r = await http.post(
            f"{API}/endpoints", json={"client": "12345", "url": url, "event_types": ["risk.warning.issued"]}
        )
    problem(r, 400, "WEBHOOK_URL_REFUSED")


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/hook", "http://127.0.0.1:8080/hook", "https://localhost/hook", "https://[::1]/h"],
)
async def test_loopback_is_refused_with_production_settings(url: str) -> None:
    """The production default (no http://localhost): loopback is an internal address like any other."""
    context = NotifyContext.from_settings(NotifySettings(env="test"))
    assert context.settings.webhook_allow_http_localhost is False
    with pytest.raises(WebhookUrlRefused):
        await check_receiver(context, url)


def test_http_to_localhost_cannot_be_switched_on_in_production() -> None:
    # (the validator alone: a complete production configuration needs production keys)
    settings = NotifySettings.model_construct(env="prod", webhook_allow_http_localhost=True)
    with pytest.raises(ValueError, match="development only"):
        settings._http_only_in_dev()


async def test_a_name_that_resolves_inside_later_is_refused_at_delivery(notify: Running) -> None:
    endpoint = await subscribe(notify, "https://rebind.example.test/hook", ["inspection.visit.started"])
    notify.settings.webhook_static_hosts["rebind.example.test"] = ["10.9.8.7"]  # DNS now points inside
    try:
        await publish(notify.runtime.bus.js, visit_started("91210102MAWEBHK05B"))

        async def attempted() -> dict[str, Any] | None:
            async with client(notify.url, headers=ADMIN) as http:
                items = ok(await http.get(f"{API}/endpoints/{endpoint['id']}/deliveries"))["items"]
            return items[0] if items and items[0]["attempts"] else None

        delivery = await wait_for(attempted, timeout=15)
        assert "10.9.8.7" in delivery["last_error"] and delivery["status"] == "pending"
    finally:
        notify.settings.webhook_static_hosts["rebind.example.test"] = ["8.8.8.8"]
        await _unsubscribe_all(notify)


async def test_only_subscribable_event_types(notify: Running) -> None:
    async with client(notify.url, headers=ADMIN) as http:
        types = ok(await http.get(f"{API}/event-types"))
        assert "inspection.visit.started" in types and "inspection.entry.refused" not in types
        body = {
            "client": "12345",
            "url": "https://rebind.example.test/h",
            "event_types": ["inspection.entry.refused"],
        }
        problem(await http.post(f"{API}/endpoints", json=body), 400, "WEBHOOK_EVENT_TYPE_UNKNOWN")
    await asyncio.sleep(0)
