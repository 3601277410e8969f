"""One platform for every acceptance journey: penalty, credit repair and risk behind the gateway, on real
PostgreSQL and a NATS server of their own, seeded with the sample catalogue and credit rule sets. The
platform lives as long as the package's tests; each journey uses its own parties and units, and pins the
clock to the days it needs (reset after each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack


@pytest.fixture(scope="package")
def journey_nats(stack: Stack) -> Iterator[EmbeddedNats]:
    server = stack.new_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
async def platform(stack: Stack, journey_nats: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {
        "penalty": {"deadline_scan_enabled": False},
        "risk": {"daily_job_enabled": False},
    }
    async with running_platform(
        stack,
        ("penalty", "credit_repair", "risk"),
        nats=journey_nats,
        gateway=True,
        settings=settings,
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def reset_clock() -> Iterator[None]:
    try:
        yield
    finally:
        clock.reset()
