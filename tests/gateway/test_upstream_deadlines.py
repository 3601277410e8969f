"""The upstream client's answer deadlines (gateway/upstream.py): one timer per pool watches every request still
waiting, and each request still fails at its own deadline, against a real HTTP/1.1 server on a socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from gateway.upstream import UpstreamPool, UpstreamTimeout

FAST = b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers ``GET /fast`` at once and never answers ``GET /slow`` (its connection stays open)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"GET /slow "):
                await asyncio.sleep(3600)
            writer.write(FAST)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        writer.close()


@pytest.fixture
async def pool() -> AsyncIterator[UpstreamPool]:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    upstream = UpstreamPool(f"http://127.0.0.1:{port}")
    try:
        yield upstream
    finally:
        upstream.close()
        server.close()


async def _timed(pool: UpstreamPool, path: bytes, timeout: float) -> tuple[str, float]:
    """How the request ended ("200" or "timeout") and after how many seconds."""
    started = time.monotonic()
    try:
        status, _, _ = await pool.request(b"GET", path, [], b"", timeout)
    except UpstreamTimeout:
        return "timeout", time.monotonic() - started
    return str(status), time.monotonic() - started


async def test_one_timer_watches_every_waiting_request(pool: UpstreamPool) -> None:
    waiting = [asyncio.create_task(_timed(pool, b"/slow", 0.4)) for _ in range(3)]
    await asyncio.sleep(0.1)
    deadlines = pool._deadlines
    assert len(deadlines.queue) == 3 and deadlines.timer is not None  # three requests, one timer
    ended = await asyncio.gather(*waiting)
    assert [outcome for outcome, _ in ended] == ["timeout"] * 3
    assert all(0.39 <= seconds < 1.5 for _, seconds in ended)
    assert not deadlines.queue and deadlines.timer is None  # nothing left to watch: no timer


async def test_answered_requests_leave_and_a_waiting_one_fails_at_its_deadline(pool: UpstreamPool) -> None:
    slow = asyncio.create_task(_timed(pool, b"/slow", 0.5))
    await asyncio.sleep(0.05)
    for _ in range(300):  # answered while the slow one waits, each on the pool's kept-alive connection
        assert (await _timed(pool, b"/fast", 0.5))[0] == "200"
    # behind the one still waiting, the answered ones are swept out as the queue grows: not 301 entries
    assert len(pool._deadlines.queue) <= pool._deadlines.SWEEP_MIN
    outcome, seconds = await slow
    assert outcome == "timeout" and 0.49 <= seconds < 1.5
    assert (await _timed(pool, b"/fast", 0.5))[0] == "200"  # the pool serves on after a timeout


async def test_a_shorter_timeout_sent_later_still_expires_first(pool: UpstreamPool) -> None:
    long = asyncio.create_task(_timed(pool, b"/slow", 2.0))
    await asyncio.sleep(0.05)
    outcome, seconds = await _timed(pool, b"/slow", 0.2)
    assert outcome == "timeout" and 0.19 <= seconds < 1.0  # its own deadline, not the earlier request's
    assert not long.done()
    outcome, seconds = await long
    assert outcome == "timeout" and 1.99 <= seconds < 3.5
