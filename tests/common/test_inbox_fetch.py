"""A subscription drains a backlog in batches (services/common/inbox.py ``ConsumerRunner._fetch_loop``): it
asks for as many messages as it has free slots in one pull request, not one request per message, and still
handles at most ``concurrency`` at once; a lone event is answered at once, not held until the pull's batch
fills or it expires. The pull requests are counted on the real NATS server: a plain
subscriber on the consumer's ``$JS.API.CONSUMER.MSG.NEXT`` subject gets a copy of each."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import sqlalchemy as sa

from services.common.bus import Bus
from services.common.contracts.diagnostics import PINGS
from services.common.db import create_engine, session_factory, transaction
from services.common.events import Envelope, Event, make_envelope
from services.common.inbox import ConsumerRunner, Subscription
from services.common.registry import by_subject
from services.common.tables import inbox_t
from tests.support.stack import Stack, wait_for

SUBJECT = "inspection.diagnostic.ping"


async def test_a_backlog_is_fetched_in_batches_and_handled_at_most_concurrency_at_once(
    stack: Stack, bus: Bus
) -> None:
    k, concurrency = 24, 4
    durable_name = f"backlog-{uuid.uuid4().hex[:8]}"
    ping = PINGS["inspection"]
    sent: list[uuid.UUID] = []

    async def publish() -> None:
        envelope = make_envelope(
            ping(ping_id=uuid.uuid4(), origin="inspection", note="backlog"), source="inspection"
        )
        await bus.js.publish(
            SUBJECT, orjson.dumps(envelope.model_dump(mode="json")), headers={"Nats-Msg-Id": str(envelope.id)}
        )
        sent.append(envelope.id)

    for _ in range(k):  # the backlog, stored before the consumer exists
        await publish()

    batches: list[int] = []  # the batch size of each pull request the consumer sent

    async def requested(msg: object) -> None:
        batches.append(int(orjson.loads(msg.data)["batch"]))  # type: ignore[attr-defined]

    stream = by_subject(SUBJECT).stream
    assert bus.nc is not None
    requests = await bus.nc.subscribe(
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.penalty-{durable_name}", cb=requested
    )

    in_flight, most, handled = 0, 0, []

    async def slow(session: object, envelope: Envelope, event: Event) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.05)
        finally:
            in_flight -= 1
        handled.append(envelope.id)

    engine = create_engine(await stack.anew_database("penalty"), pool_size=concurrency)
    runner = ConsumerRunner(
        service="penalty",
        factory=session_factory(engine),
        bus=bus,
        concurrency=concurrency,
        subscriptions=[Subscription(durable_name, SUBJECT, slow)],
    )
    task = asyncio.create_task(runner.run())
    try:

        async def drained() -> bool:
            return len(handled) == k

        assert await wait_for(drained, 30)
        seen = list(batches)
        # The first request finds every slot free and asks for all four; one request per message (the loop of
        # 8c7394f) would have needed k = 24 at least.
        assert seen[0] == concurrency, seen
        assert len(seen) < k, seen

        async def idle() -> bool:  # every slot free again: the pending pull asks for all of them
            return in_flight == 0 and batches[-1] == concurrency

        assert await wait_for(idle, 10)
        began = asyncio.get_running_loop().time()
        await publish()  # a lone event, answered at once and not held for the three more asked for

        async def lone_handled() -> bool:
            return len(handled) == k + 1

        assert await wait_for(lone_handled, 10)
        lone_took = asyncio.get_running_loop().time() - began
    finally:
        task.cancel()
        await asyncio.wait({task})
        await requests.unsubscribe()
    async with transaction(session_factory(engine)) as s:
        rows = await s.scalar(
            sa.select(sa.func.count())
            .select_from(inbox_t)
            .where(inbox_t.c.consumer == f"penalty-{durable_name}")
        )
    await engine.dispose()

    assert sorted(handled) == sorted(sent) and rows == k + 1  # each once
    assert most == concurrency  # the slots filled, and never more than them
    # The pull waits up to 5 s for its batch to fill; the server sends the one event it has and ends it (its
    # handler takes 0.05 s of this).
    assert lone_took < 2.0, lone_took
