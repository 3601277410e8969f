"""A subscription's fetch loop ends when it is cancelled, even when the NATS client turns the cancellation
into a timeout (services/common/inbox.py ``ConsumerRunner._fetch_loop``).

Seen at shutdown: nats-py's pull ``fetch`` (``Subscription.next_msg``'s own task around ``asyncio.wait_for``)
now and then raised its TimeoutError instead of the CancelledError, the loop took it for an empty fetch and
fetched again, and the process's stop waited on the consumers until the test harness gave up after 12 s
(tests/e2e/test_follow_up_overdue.py, about one stop in three). The stand-in below is that fetch, the one part
of the library whose race cannot be brought about on purpose with a real server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import pytest

from services.common.inbox import ConsumerRunner


class CancelAsTimeout:
    """A pull subscription whose fetch answers the first cancellation with the client's TimeoutError (later
    ones as they are, so that a loop that fails this test still ends)."""

    def __init__(self) -> None:
        self.fetches = 0
        self.turned = False

    async def fetch(self, batch: int, timeout: float) -> list[Any]:
        self.fetches += 1
        try:
            await asyncio.sleep(timeout)
        except asyncio.CancelledError:
            if self.turned:
                raise
            self.turned = True
            raise nats.errors.TimeoutError from None
        raise nats.errors.TimeoutError


async def test_a_cancellation_turned_into_a_timeout_still_ends_the_loop() -> None:
    runner = ConsumerRunner(service="t", factory=None, bus=None, subscriptions=[])  # type: ignore[arg-type]
    psub = CancelAsTimeout()
    loop = asyncio.create_task(runner._fetch_loop(None, psub, "t-sub"))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    loop.cancel()
    # the fetch waits 5 s: a loop that fetched again would still be running after 1 s
    done, _ = await asyncio.wait({loop}, timeout=1)
    if not done:
        loop.cancel()  # the stand-in lets the second one through
        await asyncio.wait({loop})
    assert done == {loop}, f"the loop was still fetching after its cancellation ({psub.fetches} fetches)"
    with pytest.raises(asyncio.CancelledError):
        loop.result()
    assert psub.fetches == 1
