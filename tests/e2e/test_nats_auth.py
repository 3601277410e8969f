"""NATS with the production permission model (issue #11, item 14), on a real nats-server: every service
has its own user; a service may publish only its own stream's subjects; nobody gets in without
credentials; and the event spine (outbox -> JetStream -> another service's inbox) works with all of it on.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
import sqlalchemy as sa
from nats.errors import NoServersError
from nats.js.errors import NoStreamResponseError

from services.common import nats_auth
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.tables import dead_letter_t, diagnostic_ping_t
from tests.support.stack import (
    Running,
    Stack,
    auth,
    client,
    nats_credentials,
    running_service,
    wait_for,
)


@pytest.fixture(scope="module")
def secured_nats(stack: Stack) -> Iterator[EmbeddedNats]:
    server = stack.new_nats(auth=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def services(stack: Stack, secured_nats: EmbeddedNats) -> AsyncIterator[tuple[Running, Running]]:
    inspection_db = await stack.anew_database("inspection")
    penalty_db = await stack.anew_database("penalty")
    async with (
        running_service(
            "inspection",
            database_url=inspection_db,
            nats_url=secured_nats.url,
            **nats_credentials(secured_nats, "inspection"),
        ) as inspection,
        running_service(
            "penalty",
            database_url=penalty_db,
            nats_url=secured_nats.url,
            **nats_credentials(secured_nats, "penalty"),
        ) as penalty,
    ):
        assert await inspection.runtime.bus.wait_ready(15)
        assert await penalty.runtime.bus.wait_ready(15)
        yield inspection, penalty


async def connect_as(server: EmbeddedNats, service: str, errors: list[str]) -> nats.NATS:
    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    return await nats.connect(
        server.url,
        user=nats_auth.user_name(service),
        password=server.passwords()[service],
        error_cb=on_error,
        allow_reconnect=False,
    )


async def test_the_event_spine_works_with_authentication_on(services: tuple[Running, Running]) -> None:
    inspection, penalty = services
    async with client(inspection.url, headers=auth("admin")) as http:
        r = await http.post("/api/v1/inspection/diagnostics/ping", json={"note": "secured"})
    assert r.status_code == 202, r.text
    event_id = uuid.UUID(r.json()["event_id"])

    async def arrived() -> int:
        async with transaction(penalty.runtime.factory) as s:
            return int(
                await s.scalar(
                    sa.select(sa.func.count())
                    .select_from(diagnostic_ping_t)
                    .where(diagnostic_ping_t.c.event_id == event_id)
                )
                or 0
            )

    assert await wait_for(arrived, 20) == 1


async def test_a_service_cannot_publish_into_another_services_stream(
    services: tuple[Running, Running], secured_nats: EmbeddedNats
) -> None:
    errors: list[str] = []
    nc = await connect_as(secured_nats, "penalty", errors)
    try:
        js = nc.jetstream(timeout=2)
        own = await js.publish("penalty.diagnostic.ping", b"{}", headers={"Nats-Msg-Id": str(uuid.uuid4())})
        assert own.stream == "PENALTY"
        # A forged inspection event: the server refuses the publish, so JetStream never answers.
        with pytest.raises((NoStreamResponseError, asyncio.TimeoutError, nats.errors.TimeoutError)):
            await js.publish("inspection.diagnostic.ping", b"{}")
        await nc.flush()
        await asyncio.sleep(0.2)
        assert any(
            "permissions violation" in e.lower() and "inspection.diagnostic.ping" in e for e in errors
        ), errors
        # Nor may it reconfigure or delete another service's stream.
        errors.clear()
        with pytest.raises((asyncio.TimeoutError, nats.errors.TimeoutError)):
            await nc.request("$JS.API.STREAM.DELETE.INSPECTION", b"", timeout=1)
        await asyncio.sleep(0.2)
        assert any("permissions violation" in e.lower() for e in errors), errors
    finally:
        await nc.close()


async def test_without_credentials_nobody_gets_in(secured_nats: EmbeddedNats) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(
            secured_nats.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2
        )
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(
            secured_nats.url,
            user=nats_auth.user_name("penalty"),
            password="wrong",
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )


async def test_the_credentials_are_kept_private_and_stable(secured_nats: EmbeddedNats) -> None:
    mode = secured_nats.credentials_file.stat().st_mode & 0o777
    assert mode == 0o600
    assert secured_nats.passwords() == secured_nats.passwords()
    env = secured_nats.client_env()
    assert env["ZHIFA_PENALTY_NATS_USER"] == "zhifa-penalty"
    assert env["ZHIFA_PENALTY_NATS_PASSWORD"] == secured_nats.passwords()["penalty"]


async def test_a_dead_letter_is_retried_without_publishing_into_the_producers_stream(
    services: tuple[Running, Running], secured_nats: EmbeddedNats
) -> None:
    # Penalty may not publish inspection events, so "retry" must not mean re-publishing the dead-lettered
    # message: the consumer's own process hands it to the handler again (its inbox keeps that idempotent).
    inspection, penalty = services
    marker = uuid.uuid4().hex
    await inspection.runtime.bus.js.publish(
        "inspection.diagnostic.ping",
        f'{{"not": "an envelope", "marker": "{marker}"}}'.encode(),
        headers={"Nats-Msg-Id": str(uuid.uuid4())},
    )
    async with client(penalty.url, headers=auth("admin", "operator")) as http:

        async def listed() -> list[dict[str, object]]:
            items = (await http.get("/api/v1/penalty/admin/dead-letters")).json()["items"]
            return [i for i in items if marker in str(i["payload"])]

        [letter] = await wait_for(listed)
        retried = await http.post(
            f"/api/v1/penalty/admin/dead-letters/{letter['id']}/retry", json={"note": "重试"}
        )
        assert retried.status_code == 200, retried.text
        assert retried.json()["resolved_at"] is not None
        # Still poison: handled again and dead-lettered anew.
        [second] = await wait_for(listed)
        assert second["id"] != letter["id"] and second["consumer"] == letter["consumer"]


async def test_a_dead_letter_of_a_consumer_that_no_longer_exists_is_not_silently_resolved(
    services: tuple[Running, Running],
) -> None:
    _, penalty = services
    async with transaction(penalty.runtime.factory) as s:
        letter_id = await s.scalar(
            sa.insert(dead_letter_t)
            .values(
                consumer="penalty-removed-handler",
                event_id=None,
                nats_subject="inspection.diagnostic.ping",
                payload="{}",
                error="handler removed in a later release",
                deliveries=8,
            )
            .returning(dead_letter_t.c.id)
        )
    async with client(penalty.url, headers=auth("admin", "operator")) as http:
        r = await http.post(f"/api/v1/penalty/admin/dead-letters/{letter_id}/retry", json={})
        en = await http.post(
            f"/api/v1/penalty/admin/dead-letters/{letter_id}/retry",
            json={},
            headers={"Accept-Language": "en"},
        )
        still_open = (await http.get("/api/v1/penalty/admin/dead-letters")).json()["items"]
    assert r.status_code == 409 and r.json()["code"] == "DEAD_LETTER_CONSUMER_GONE", r.text
    assert "penalty-removed-handler" in r.json()["detail"] and "discard" in en.json()["detail"]
    assert any(i["id"] == letter_id for i in still_open)
