"""A service stops promptly: its background loops end when the lifespan cancels them.

A full run's teardown of tests/e2e/test_refusal_attribution.py waited more than 15 s for the risk service to
stop: its outbox relay never ended. The relay waits for a NOTIFY (or its poll interval) with
``asyncio.wait_for``, which on Python 3.11 returns normally — swallowing the cancellation — when the event it
waits for is set in the same few loop iterations as the cancel arrives (CPython gh-86296; the consumers
commit outbox rows while the service stops, so NOTIFYs keep coming). The relay then ran on, forever.
"""

from __future__ import annotations

import asyncio

from services.common.bus import Bus
from services.common.db import create_engine, session_factory
from services.common.embedded import EmbeddedNats
from services.common.outbox import Relay
from tests.support.cancel import cancel_at
from tests.support.stack import Stack


async def test_a_relay_stops_when_cancelled_as_a_notify_wakes_it(
    stack: Stack, nats_server: EmbeddedNats
) -> None:
    """Cancel the relay at each of the first few loop iterations after its wake-up event is set: the
    cancellation must end it every time (within 2 s; it takes milliseconds)."""
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=2, max_overflow=0, app_name="zhifa-shutdown-test")
    bus = Bus(nats_server.url, name="shutdown-test")
    await bus.start()
    assert await bus.wait_ready(10)
    try:
        lingered = []
        for iterations in range(6):
            # a long poll interval: the relay sits in its wait until woken
            relay = Relay(
                service="inspection",
                factory=session_factory(engine),
                bus=bus,
                database_url=url,
                poll_interval=30,
            )
            task = asyncio.create_task(relay.run())
            await asyncio.sleep(0.3)  # past its first (empty) round, waiting
            relay._wake.set()
            if not await cancel_at(task, iterations):
                lingered.append(iterations)
        assert lingered == [], f"the relay ignored a cancellation {len(lingered)} times of 6"
    finally:
        await bus.close()
        await engine.dispose()
