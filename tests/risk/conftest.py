"""Fixtures of the risk service tests: a running risk service on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.risk.helpers import pin
from tests.support.stack import Running, Stack, running_service


@pytest.fixture(scope="module", autouse=True)
def pinned_clock() -> Iterator[None]:
    """Every module runs on Monday 2026-11-23 (tests/risk/helpers.py TODAY), module fixtures included."""
    pin()
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def risk(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Running]:
    url = await stack.anew_database("risk")
    async with running_service(
        "risk", database_url=url, nats_url=nats_server.url, daily_job_enabled=False, job_interval_s=0.2
    ) as running:
        yield running
