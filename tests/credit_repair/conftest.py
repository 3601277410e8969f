"""Fixtures of the credit_repair service tests: a fresh database with the sample rule sets, and the service
running on a real port against the module's NATS server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.embedded import EmbeddedNats
from services.common.workdays import PACKAGE_YEARS
from tests.credit_repair.helpers import ADMIN, database, load_rules
from tests.support.stack import Running, Stack, client, running_service


@dataclass
class Credit:
    running: Running
    factory: async_sessionmaker[AsyncSession]
    url: str

    @property
    def base(self) -> str:
        return self.running.url

    @property
    def js(self):  # type: ignore[no-untyped-def]
        return self.running.runtime.bus.js


@pytest.fixture(scope="module")
async def credit(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Credit]:
    url = await stack.anew_database("credit_repair")
    async with database(url) as factory:
        await load_rules(factory)
        async with running_service(
            "credit_repair",
            database_url=url,
            nats_url=nats_server.url,
            cleanup_poll_interval_s=0.1,
            cleanup_chunk_size=1000,
        ) as running:
            assert await running.runtime.bus.wait_ready(15)
            yield Credit(running, factory, url)


@pytest.fixture
def reset_clock() -> Iterator[None]:
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def working_calendar(credit: Credit) -> None:
    """Working-day deadlines need the statutory calendar; cover years the package does not know yet."""
    async with client(credit.base, headers=ADMIN) as http:
        for year in (clock.today().year, clock.today().year + 1):
            if year not in PACKAGE_YEARS:
                r = await http.put(f"/api/v1/credit/admin/calendar/{year}", json={"source": "测试用年度安排"})
                assert r.status_code == 200, r.text
