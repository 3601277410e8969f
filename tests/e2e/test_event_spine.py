"""The event spine end to end: a diagnostic ping written through the inspection service's outbox arrives
exactly once in the penalty service's consumer table — also under the faults of issue 2:
(a) NATS down while events are written, (b) the relay dies between publish and mark-sent, (c) the same
message is redelivered, (d) two relays run at once, (e) a transaction that took an early row id commits
late, (f) a handler stalls past the ack wait.

Effects are counted exactly: rows in penalty's ``diagnostic_ping`` table per event id.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common import outbox
from services.common.contracts.diagnostics import PINGS
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.events import make_envelope
from services.common.inbox import ConsumerRunner, Subscription
from services.common.registry import SERVICES
from services.common.tables import diagnostic_ping_t, inbox_t, outbox_t
from tests.support.stack import Running, Stack, auth, client, running_service, wait_for


@dataclass
class Pair:
    producer: Running
    consumer: Running
    nats: EmbeddedNats


@pytest.fixture(scope="module")
async def pair(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Pair]:
    producer_db = await stack.anew_database("inspection")
    consumer_db = await stack.anew_database("penalty")
    async with (
        running_service("inspection", database_url=producer_db, nats_url=nats_server.url) as producer,
        running_service(
            "penalty", database_url=consumer_db, nats_url=nats_server.url, consumer_ack_wait_s=2.0
        ) as consumer,
    ):
        assert await producer.runtime.bus.wait_ready(15)
        assert await consumer.runtime.bus.wait_ready(15)
        yield Pair(producer, consumer, nats_server)


async def post_pings(pair: Pair, n: int, note: str) -> list[uuid.UUID]:
    ids = []
    async with client(pair.producer.url, headers=auth("admin")) as http:
        for _ in range(n):
            r = await http.post("/api/v1/inspection/diagnostics/ping", json={"note": note})
            assert r.status_code == 202, r.text
            ids.append(uuid.UUID(r.json()["event_id"]))
    return ids


async def effects(pair: Pair, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    async with transaction(pair.consumer.runtime.factory) as s:
        rows = (
            await s.execute(
                sa.select(diagnostic_ping_t.c.event_id, sa.func.count())
                .where(diagnostic_ping_t.c.event_id.in_(ids))
                .group_by(diagnostic_ping_t.c.event_id)
            )
        ).all()
    return {r[0]: r[1] for r in rows}


async def all_arrived(pair: Pair, ids: list[uuid.UUID], timeout: float = 20) -> dict[uuid.UUID, int]:
    async def check() -> dict[uuid.UUID, int] | None:
        seen = await effects(pair, ids)
        return seen if len(seen) == len(ids) else None

    await wait_for(check, timeout)
    await asyncio.sleep(0.5)  # let any duplicate that would be wrongly applied land before counting
    return await effects(pair, ids)


async def test_ping_arrives_exactly_once(pair: Pair) -> None:
    ids = await post_pings(pair, 5, "plain")
    seen = await all_arrived(pair, ids)
    assert seen == {i: 1 for i in ids}


async def test_a_nats_down_while_writing(pair: Pair) -> None:
    pair.nats.stop()
    try:
        ids = await post_pings(pair, 10, "nats-down")  # writes still succeed: they go to the outbox
        async with transaction(pair.producer.runtime.factory) as s:
            pending = await s.scalar(
                sa.select(sa.func.count())
                .select_from(outbox_t)
                .where(outbox_t.c.id.in_(ids), outbox_t.c.published_at.is_(None))
            )
        assert pending == 10
    finally:
        pair.nats.start()
    seen = await all_arrived(pair, ids, timeout=40)
    assert seen == {i: 1 for i in ids}


async def test_b_relay_dies_between_publish_and_mark(pair: Pair) -> None:
    relay = pair.producer.runtime.relay
    crashed: list[list[str]] = []

    async def crash_once(sent: list[str]) -> None:
        if not crashed:
            crashed.append(sent)
            raise RuntimeError("simulated crash after the JetStream ack, before marking sent")

    relay.after_publish = crash_once
    try:
        ids = await post_pings(pair, 3, "relay-crash")
        seen = await all_arrived(pair, ids)
    finally:
        relay.after_publish = None
    assert crashed and crashed[0], "the crash hook ran after a real publish"
    assert seen == {i: 1 for i in ids}
    async with transaction(pair.producer.runtime.factory) as s:
        unsent = await s.scalar(
            sa.select(sa.func.count())
            .select_from(outbox_t)
            .where(outbox_t.c.id.in_(ids), outbox_t.c.published_at.is_(None))
        )
    assert unsent == 0  # republished after the crash and then marked


async def test_b_atomic_batch_republished_after_a_crash_is_split_and_deduplicated(pair: Pair) -> None:
    """40 rows claimed together go out as one atomic batch; the relay "dies" before marking them, so the next
    round sends the same batch again. The server refuses it (its message ids are stored already), the relay
    splits it into single publishes, and the duplicate window drops every one: the stream holds 40 new
    messages, not 80, and each ping is applied once."""
    relay = pair.producer.runtime.relay
    stream = SERVICES["inspection"].stream
    js = pair.producer.runtime.bus.js

    def batches(outcome: str) -> float:
        return (
            REGISTRY.get_sample_value(
                "zhifa_outbox_batches_total", {"service": "inspection", "outcome": outcome}
            )
            or 0
        )

    stored, split = batches("stored"), batches("split")
    before = (await js.stream_info(stream)).state.messages
    crashed: list[list[str]] = []
    ids: list[uuid.UUID] = []

    async def crash_once(sent: list[str]) -> None:
        if not crashed and {str(i) for i in ids} <= set(sent):  # a stray earlier row does not count
            crashed.append(sent)
            raise RuntimeError("simulated crash after the batch was stored, before marking sent")

    try:
        async with transaction(pair.producer.runtime.factory) as s:  # one commit: one claim, one batch
            for _ in range(40):
                ping = PINGS["inspection"](ping_id=uuid.uuid4(), origin="inspection", note="batch")
                ids.append(outbox.add(s, ping).id)
            relay.after_publish = crash_once  # before the commit: the rows are invisible until then
        seen = await all_arrived(pair, ids)
    finally:
        relay.after_publish = None
    assert crashed, "the whole batch was stored before the crash"
    assert seen == {i: 1 for i in ids}
    assert batches("stored") == stored + 1  # the first send
    assert batches("split") == split + 1  # the second, refused for its duplicate ids, then sent singly
    assert (await js.stream_info(stream)).state.messages == before + 40


async def test_c_redelivered_message_is_absorbed(pair: Pair) -> None:
    [event_id] = await post_pings(pair, 1, "redelivery")
    await all_arrived(pair, [event_id])
    async with transaction(pair.producer.runtime.factory) as s:
        envelope = await s.scalar(sa.select(outbox_t.c.envelope).where(outbox_t.c.id == event_id))
    js = pair.producer.runtime.bus.js
    for i in range(3):  # new message ids defeat JetStream de-duplication: only the inbox stands in the way
        await js.publish(
            "inspection.diagnostic.ping",
            orjson.dumps(envelope),
            headers={"Nats-Msg-Id": f"dup-{event_id}-{i}"},
        )
    async with transaction(pair.consumer.runtime.factory) as s:

        async def inbox_has_it() -> bool:
            n = await s.scalar(
                sa.select(sa.func.count()).select_from(inbox_t).where(inbox_t.c.event_id == event_id)
            )
            return n == 1

        assert await wait_for(inbox_has_it)
    await asyncio.sleep(1.5)
    assert await effects(pair, [event_id]) == {event_id: 1}


async def test_d_two_relays_at_once(pair: Pair) -> None:
    runtime = pair.producer.runtime
    second = outbox.Relay(
        service="inspection",
        factory=runtime.factory,
        bus=runtime.bus,
        database_url=pair.producer.settings.database_url,
        batch_size=7,
        poll_interval=0.05,
    )
    task = asyncio.create_task(second.run())
    try:
        ids = await post_pings(pair, 60, "two-relays")
        seen = await all_arrived(pair, ids)
    finally:
        task.cancel()
    assert seen == {i: 1 for i in ids}


async def test_e_early_id_late_commit_is_published(pair: Pair) -> None:
    factory = pair.producer.runtime.factory
    late = PINGS["inspection"](ping_id=uuid.uuid4(), origin="inspection", note="late-commit")
    envelope = make_envelope(late, source="inspection")
    async with factory() as slow:
        await slow.begin()
        # Takes its seq now, commits after its neighbours have been published.
        await slow.execute(
            pg_insert(outbox_t).values(
                id=envelope.id,
                type=envelope.type,
                version=envelope.version,
                subject=envelope.subject,
                envelope=envelope.model_dump(mode="json"),
            )
        )
        neighbours = await post_pings(pair, 5, "neighbours")
        await all_arrived(pair, neighbours)
        await slow.commit()
    seen = await all_arrived(pair, [envelope.id])
    assert seen == {envelope.id: 1}


async def test_f_handler_stalls_past_ack_wait(pair: Pair) -> None:
    runtime = pair.consumer.runtime
    calls: dict[uuid.UUID, int] = {}

    async def stalling(session, envelope, event) -> None:  # type: ignore[no-untyped-def]
        if event.note != "stall":
            return  # older pings replayed from the stream's start: not part of this test
        calls[envelope.id] = calls.get(envelope.id, 0) + 1
        if calls[envelope.id] == 1:
            await asyncio.sleep(3.5)  # ack wait is 1 s: the server redelivers while this still runs
        await session.execute(
            sa.insert(diagnostic_ping_t).values(event_id=envelope.id, source="stall", note="stall")
        )

    runner = ConsumerRunner(
        service="penalty",
        factory=runtime.factory,
        bus=runtime.bus,
        ack_wait=1.0,
        concurrency=4,
        subscriptions=[Subscription("stall-test", "inspection.diagnostic.ping", stalling)],
    )

    def duplicates() -> float | None:
        return REGISTRY.get_sample_value("zhifa_inbox_duplicates_total", {"consumer": "penalty-stall-test"})

    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(1.0)  # consumer created; it starts at the stream's beginning
        [event_id] = await post_pings(pair, 1, "stall")

        async def stalled_applied() -> int:
            async with transaction(runtime.factory) as s:
                return int(
                    await s.scalar(
                        sa.select(sa.func.count())
                        .select_from(diagnostic_ping_t)
                        .where(
                            diagnostic_ping_t.c.event_id == event_id, diagnostic_ping_t.c.source == "stall"
                        )
                    )
                    or 0
                )

        assert await wait_for(stalled_applied, 20) == 1

        async def redelivery_absorbed() -> bool:
            # The redelivery waited on the inbox row of the stalled first delivery, then found it.
            return (duplicates() or 0) >= 1

        assert await wait_for(redelivery_absorbed, 10)
        await asyncio.sleep(1.0)
        assert calls[event_id] == 1, "the handler ran once; the redelivery never reached it"
        assert await stalled_applied() == 1
    finally:
        task.cancel()


async def test_dead_letters_are_kept_listed_retried_and_discarded(pair: Pair) -> None:
    js = pair.producer.runtime.bus.js
    await js.publish(
        "inspection.diagnostic.ping", b'{"not": "an envelope"', headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )
    admin = auth("admin", "operator")
    async with client(pair.consumer.url, headers=admin) as http:

        async def listed() -> list[dict[str, object]]:
            items = (await http.get("/api/v1/penalty/admin/dead-letters")).json()["items"]
            return [i for i in items if '"not": "an envelope"' in str(i["payload"])]

        [letter] = await wait_for(listed)
        assert letter["consumer"] == "penalty-ping-from-inspection"
        assert "not an event envelope" in str(letter["error"])
        retried = await http.post(
            f"/api/v1/penalty/admin/dead-letters/{letter['id']}/retry", json={"note": "重试"}
        )
        assert retried.status_code == 200 and retried.json()["resolved_at"] is not None
        again = await http.post(f"/api/v1/penalty/admin/dead-letters/{letter['id']}/retry", json={})
        assert again.status_code == 409 and again.json()["code"] == "DEAD_LETTER_RESOLVED"
        # The retry really re-published it: still poison, so it is dead-lettered anew.
        [second] = await wait_for(listed)
        assert second["id"] != letter["id"]
        discarded = await http.post(
            f"/api/v1/penalty/admin/dead-letters/{second['id']}/discard",
            json={"note": "格式错误，已通知发送方"},
        )
        assert discarded.status_code == 200
        assert await listed() == []
        audit_ok = (await http.get("/api/v1/penalty/audit/verify")).json()
    assert audit_ok["valid"] and audit_ok["entries"] >= 2


async def test_outbox_status(pair: Pair) -> None:
    async with client(pair.producer.url, headers=auth("admin", "operator")) as http:
        status = (await http.get("/api/v1/inspection/admin/outbox")).json()
    assert status["nats_connected"] is True
    assert status["pending"] >= 0 and status["sent_kept"] > 0


async def test_g_an_idle_subscription_waits_with_one_fetch_and_still_handles_concurrency_at_once(
    pair: Pair,
) -> None:
    # Idle, a subscription holds one pending fetch, not one per unit of concurrency (8 workers each polling
    # held 2.4 MiB in risk's 17 subscriptions; docs/benchmarks.md, "Idle memory per process"); with work it
    # still handles up to `concurrency` messages at once, and never more.
    runtime = pair.consumer.runtime
    in_flight, most, release = 0, 0, asyncio.Event()

    async def blocking(session, envelope, event) -> None:  # type: ignore[no-untyped-def]
        nonlocal in_flight, most
        if event.note != "concurrent":
            return  # older pings replayed from the stream's start
        in_flight += 1
        most = max(most, in_flight)
        try:
            await release.wait()
        finally:
            in_flight -= 1

    runner = ConsumerRunner(
        service="penalty",
        factory=runtime.factory,
        bus=runtime.bus,
        concurrency=4,
        subscriptions=[Subscription("concurrency-test", "inspection.diagnostic.ping", blocking)],
    )

    def runners_tasks() -> int:
        frames = (t.get_coro().cr_frame for t in asyncio.all_tasks())  # type: ignore[union-attr]
        return sum(1 for f in frames if f is not None and f.f_locals.get("self") is runner)

    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(2.0)  # consumer created, older pings handled: idle
        assert (
            runners_tasks() == 2
        )  # the runner and its subscription's one fetch loop (4 idle workers before)
        ids = await post_pings(pair, 6, "concurrent")

        async def four_at_once() -> bool:
            return in_flight == 4

        assert await wait_for(four_at_once, 20)
        await asyncio.sleep(0.5)  # a fifth would be fetched and started by now if the bound leaked
        assert most == 4
        release.set()
        assert set(await all_arrived(pair, ids)) <= set(ids)
    finally:
        release.set()
        task.cancel()
