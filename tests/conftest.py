"""Session-wide fixtures: one embedded PostgreSQL per test session (fast, non-durable settings), torn down
at the end; NATS servers are started per module by the tests that need them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("ZHIFA_ENV", "test")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())

from services.common.bus import Bus
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from tests.support.stack import Stack, remove_in_background


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="zhifa-test-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    try:
        yield Stack(pg=pg, root=root)
    finally:
        pg.stop("immediate")
        remove_in_background(root)


@pytest.fixture(scope="module")
def nats_server(stack: Stack) -> Iterator[EmbeddedNats]:
    server = stack.new_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def bus(nats_server: EmbeddedNats) -> AsyncIterator[Bus]:
    """A started, ready bus on the module's NATS server, closed after the test."""
    bus = Bus(nats_server.url, name="test-bus")
    await bus.start()
    assert await bus.wait_ready(15)
    try:
        yield bus
    finally:
        await bus.close()
