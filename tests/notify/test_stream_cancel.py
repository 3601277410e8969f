"""A stream ends when it is cancelled (the client went away, the service stops), even when the cancel
arrives as a notification wakes it.

The stream waited for its queue with ``asyncio.wait_for``, which on Python 3.11 returns the item, swallowing
the cancellation, when the item arrives in the same few loop iterations as the cancel (CPython gh-86296;
tests/common/test_shutdown.py has the outbox relay's twin). The stream then ran on until its next write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from services.common.db import create_engine, session_factory
from services.notify.domain.fanout import Fanout
from services.notify.domain.recipients import Recipient
from services.notify.settings import NotifySettings
from services.notify.use_cases.stream import frames
from tests.support.cancel import cancel_at
from tests.support.stack import Stack


async def _drain(stream: AsyncIterator[bytes]) -> None:
    async for _ in stream:
        pass


async def test_a_stream_ends_when_cancelled_as_a_notification_wakes_it(stack: Stack) -> None:
    """Cancel the stream at each of the first few loop iterations after a notification is handed to it: the
    cancellation must end it every time (within 2 s; it takes milliseconds)."""
    url = await stack.anew_database("notify")
    engine = create_engine(url, pool_size=2, max_overflow=0, app_name="zhifa-stream-cancel-test")
    settings = NotifySettings(database_url=url, heartbeat_s=30)  # no heartbeat wakes it meanwhile
    recipient = Recipient("enterprise", "91210106MA0XCNCL1A")
    try:
        lingered = []
        for iterations in range(6):
            fanout = Fanout()
            task = asyncio.create_task(
                _drain(frames(session_factory(engine), fanout, settings, recipient, 0))
            )
            await asyncio.sleep(0.3)  # past its catch-up (an empty log), waiting
            fanout.publish(recipient, 1000 + iterations)  # ahead of the log: it would re-read
            if not await cancel_at(task, iterations):
                lingered.append(iterations)
        assert lingered == [], f"the stream ignored a cancellation {len(lingered)} times of 6"
    finally:
        await engine.dispose()
