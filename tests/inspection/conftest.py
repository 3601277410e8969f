"""Module-scoped inspection service on a fresh database with the sample data, and NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.embedded import EmbeddedNats
from tests.inspection.helpers import Env
from tests.support.stack import Stack, running_service


@pytest.fixture(scope="module")
async def env(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Env]:
    url = await stack.anew_sample_database("inspection")  # sample.load's data, loaded once a session
    async with running_service(
        "inspection", database_url=url, nats_url=nats_server.url, job_interval_s=3600.0
    ) as svc:
        yield Env(svc, url)
