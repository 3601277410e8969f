"""Closing the NATS connection at shutdown is quick even when messages are still queued for handlers."""

from __future__ import annotations

import asyncio

from services.common.bus import Bus
from services.common.embedded import EmbeddedNats


async def test_close_does_not_wait_for_messages_no_handler_will_take(nats_server: EmbeddedNats) -> None:
    """At shutdown the consumers are cancelled before the bus closes: what is still queued for them will not
    be processed (JetStream redelivers it after the ack wait). Closing used to drain, waiting 5 s for them,
    so a service took 5 s to stop after a PostgreSQL restart and `zhifa up` had to kill it."""
    bus = Bus(nats_server.url, name="close-test")
    await bus.start()
    assert await bus.wait_ready(10)
    assert bus.nc is not None

    async def never_done(msg: object) -> None:
        await asyncio.Event().wait()

    await bus.nc.subscribe("close-test.x", cb=never_done)
    for i in range(3):
        await bus.nc.publish("close-test.x", str(i).encode())
    await bus.nc.flush()
    await asyncio.sleep(0.2)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await bus.close()
    assert loop.time() - began < 2
    assert bus.nc.is_closed
