"""Fixtures the kernel's tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.bus import Bus
from services.common.embedded import EmbeddedNats


@pytest.fixture
async def bus(nats_server: EmbeddedNats) -> AsyncIterator[Bus]:
    """A started, ready bus on the module's NATS server, closed after the test."""
    bus = Bus(nats_server.url, name="kernel-test")
    await bus.start()
    assert await bus.wait_ready(15)
    try:
        yield bus
    finally:
        await bus.close()
