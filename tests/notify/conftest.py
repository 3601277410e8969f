"""Fixtures of the notify service tests: the service on a fresh database against the module's NATS, with
short heartbeats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.common.embedded import EmbeddedNats
from tests.support.stack import Running, Stack, running_service


@dataclass
class Notify:
    running: Running
    url: str

    @property
    def base(self) -> str:
        return self.running.url

    @property
    def js(self):  # type: ignore[no-untyped-def]
        return self.running.runtime.bus.js


@pytest.fixture(scope="module")
async def notify(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Notify]:
    url = await stack.anew_database("notify")
    async with running_service(
        "notify",
        database_url=url,
        nats_url=nats_server.url,
        heartbeat_s=0.3,
        stream_queue_size=8,
        webhook_allow_http_localhost=True,  # the authorisation matrix's endpoint: nobody listens there
        webhook_timeout_s=0.5,
    ) as running:
        assert await running.runtime.bus.wait_ready(15)
        yield Notify(running, url)
