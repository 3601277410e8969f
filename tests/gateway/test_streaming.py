"""The gateway streams a response that has no Content-Length (Server-Sent Events, downloads) as it comes,
never buffering it whole; a slow client holds only its own stream; a client that leaves drops the upstream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from services.common.embedded import free_port
from tests.support.sse import SSEReader
from tests.support.stack import auth, client, running_gateway, serve_asgi


class Upstream:
    """A bare ASGI upstream: ``/api/v1/inspection/events`` sends one event, then waits for ``release``
    before it sends the second and ends; ``/api/v1/inspection/flood`` sends events as fast as it can and
    counts the bytes its writes got through; ``/api/v1/inspection/plain`` answers JSON at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.finished = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.flood_sent = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.endswith("/plain"):
            headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"ok":true}'})
            return
        headers = [(b"content-type", b"text/event-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if path.endswith("/flood"):
            frame = b"data: " + b"x" * 8000 + b"\n\n"
            with contextlib.suppress(Exception):
                for _ in range(20_000):
                    await send({"type": "http.response.body", "body": frame, "more_body": True})
                    self.flood_sent += len(frame)
            return
        await send({"type": "http.response.body", "body": b"id: 1\ndata: first\n\n", "more_body": True})

        async def until_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        waiter = asyncio.create_task(self.release.wait())
        gone = asyncio.create_task(until_disconnect())
        done, _ = await asyncio.wait({waiter, gone}, return_when=asyncio.FIRST_COMPLETED)
        if gone in done:
            self.disconnected.set()
            waiter.cancel()
            return
        gone.cancel()
        await send({"type": "http.response.body", "body": b"id: 2\ndata: second\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        self.finished.set()


@contextlib.asynccontextmanager
async def platform() -> AsyncIterator[tuple[Upstream, str]]:
    upstream = Upstream()
    port = free_port()
    async with serve_asgi(upstream, port), running_gateway({"inspection": f"http://127.0.0.1:{port}"}) as gw:
        yield upstream, gw.url


async def first_event(response: httpx.Response) -> tuple[str | None, str]:
    event = await SSEReader(response).next(5)
    return event.id, event.data


async def test_the_first_event_arrives_before_the_upstream_finishes() -> None:
    async with platform() as (upstream, url), client(url, headers=auth("admin", "sse")) as http:
        async with http.stream("GET", "/api/v1/inspection/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert "content-length" not in response.headers
            reader = SSEReader(response)
            first = await reader.next(5)
            # The upstream has not finished: it waits for us. A buffering gateway would still be waiting.
            assert (first.id, first.data) == ("1", "first") and not upstream.finished.is_set()
            upstream.release.set()
            second = await reader.next(5)
        assert (second.id, second.data) == ("2", "second") and upstream.finished.is_set()
        # The common path is unchanged: a response with a length is forwarded with it.
        plain = await http.get("/api/v1/inspection/plain")
        assert plain.json() == {"ok": True} and plain.headers["content-length"] == str(len(b'{"ok":true}'))


async def test_a_client_that_leaves_drops_the_upstream_stream() -> None:
    async with platform() as (upstream, url), client(url, headers=auth("admin", "sse")) as http:
        async with http.stream("GET", "/api/v1/inspection/events") as response:
            await first_event(response)
        await asyncio.wait_for(upstream.disconnected.wait(), 5)
        assert not upstream.finished.is_set()


async def test_a_client_that_does_not_read_stalls_only_its_own_stream() -> None:
    async with platform() as (upstream, url), client(url, headers=auth("admin", "sse")) as http:
        async with http.stream("GET", "/api/v1/inspection/flood") as stuck:
            assert stuck.status_code == 200
            await asyncio.sleep(1.0)  # the client reads nothing: the gateway stops reading the upstream
            sent_while_stuck = upstream.flood_sent
            # Far less than the 160 MB the upstream would send: it is held back by back-pressure, not
            # buffered in the gateway (socket buffers and the gateway's high water are a few MB at most).
            assert sent_while_stuck < 32 * 1024 * 1024, sent_while_stuck
            # Meanwhile every other request goes through at once.
            for _ in range(5):
                r = await asyncio.wait_for(http.get("/api/v1/inspection/plain"), 2)
                assert r.status_code == 200
            async with http.stream("GET", "/api/v1/inspection/events") as other:
                assert await first_event(other) == ("1", "first")
