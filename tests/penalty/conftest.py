"""Fixtures of the penalty service tests: a running penalty service on a fresh database with the sample
catalogue installed, and a clock pinned to Monday 2026-11-16 10:00 (Asia/Shanghai) so that dates worked out
by hand in the tests hold whatever day the suite runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from services.common import clock
from services.common.db import transaction
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases.catalogue import install_catalogue
from tests.penalty.helpers import SAMPLE_CATALOGUE, pin_clock
from tests.support.stack import Running, Stack, running_service


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    pin_clock()
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def penalty(stack: Stack) -> AsyncIterator[Running]:
    url = await stack.anew_database("penalty")
    async with running_service(
        "penalty", database_url=url, nats_url="nats://127.0.0.1:1", deadline_scan_enabled=False
    ) as running:
        async with transaction(running.runtime.factory) as session:
            catalogue = cat.parse_json(SAMPLE_CATALOGUE.read_text())
            await install_catalogue(session, catalogue=catalogue, actor="test")
        assert datetime.now(UTC)  # the service runs in this process: clock pins apply to it
        yield running
