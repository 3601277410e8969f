"""Fixtures of the risk service tests: a running risk service on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.embedded import EmbeddedNats
from tests.support.stack import Running, Stack, running_service


@pytest.fixture(scope="module")
async def risk(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Running]:
    url = await stack.anew_database("risk")
    async with running_service(
        "risk", database_url=url, nats_url=nats_server.url, daily_job_enabled=False, job_interval_s=0.2
    ) as running:
        yield running
