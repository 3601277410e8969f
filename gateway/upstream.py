"""A lean pooled HTTP/1.1 client for the gateway's hot path: keep-alive connections per upstream, requests
written as one buffer, responses parsed by httptools (the C parser uvicorn uses).

Why not aiohttp: measured here, aiohttp's client costs roughly 2–3× the CPU per forwarded request of this
protocol, and on 2 cores the gateway is CPU-bound (see docs/benchmarks.md). This client does only what a
reverse proxy needs: no redirects, no cookies, no decompression, no proxies.

Streaming: a response without ``Content-Length`` (chunked or delimited by the close: Server-Sent Events,
downloads) is handed over as soon as its head arrives, its body as a ``StreamBody`` the gateway forwards
piece by piece. Back-pressure: when more than ``STREAM_HIGH_WATER`` bytes wait for a slow client, the
connection stops reading from the upstream (TCP then stalls the upstream's writes), and resumes below
``STREAM_LOW_WATER``. A response with ``Content-Length`` (the JSON API) is read whole, as before.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

import httptools


class UpstreamError(Exception):
    """The upstream could not be reached or broke the connection."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer in time."""


STREAM_HIGH_WATER = 256 * 1024
STREAM_LOW_WATER = 64 * 1024


class _Connection(asyncio.Protocol):
    __slots__ = (
        "transport",
        "parser",
        "future",
        "status",
        "headers",
        "body",
        "keep_alive",
        "closed",
        "head",
        "chunks",
        "buffered",
        "paused",
        "complete",
        "has_length",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.future: asyncio.Future[None] | None = None
        self.closed = False
        self.parser: httptools.HttpResponseParser | None = None
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.keep_alive = False
        self.head = False
        self.chunks: asyncio.Queue[bytes | Exception | None] | None = None  # streamed body; None ends it
        self.buffered = 0
        self.paused = False
        self.complete = False
        self.has_length = False  # the response head has a Content-Length line

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.parser is None:
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamError("unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"malformed upstream response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(UpstreamError("upstream closed the connection"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length":
            self.has_length = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.status = self.parser.get_status_code()
        if self.head:
            self.on_message_complete()
        elif self.status >= 200 and self.status not in (204, 304) and not self.has_length:
            # No Content-Length: hand the head over now and stream the body as it comes.
            self.chunks = asyncio.Queue()
            if self.future is not None and not self.future.done():
                self.future.set_result(None)

    def on_body(self, body: bytes) -> None:
        if self.chunks is None:
            self.body.append(body)
            return
        self.chunks.put_nowait(bytes(body))
        self.buffered += len(body)
        if self.buffered > STREAM_HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()
        self.parser = None
        self.complete = True
        if self.chunks is not None:
            self.chunks.put_nowait(None)
        if self.future is not None and not self.future.done():
            self.future.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self.chunks is not None and not self.complete:
            self.complete = True
            self.chunks.put_nowait(exc)
        if self.future is not None and not self.future.done():
            self.future.set_exception(exc)

    def taken(self, size: int) -> None:
        """The gateway forwarded ``size`` bytes of a streamed body: read again once below the low water."""
        self.buffered -= size
        if self.paused and self.buffered < STREAM_LOW_WATER and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    def start(self, request: bytes, head: bool) -> asyncio.Future[None]:
        self.parser = httptools.HttpResponseParser(self)
        self.status, self.headers, self.body, self.head = 0, [], [], head
        self.chunks, self.buffered, self.paused, self.complete = None, 0, False, False
        self.has_length = False
        self.future = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(request)
        return self.future

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """Keep-alive connections to one upstream host."""

    def __init__(self, base_url: str, *, max_idle: int = 256, connect_timeout: float = 2.0) -> None:
        rest = base_url.split("://", 1)[1].rstrip("/")
        host, _, port = rest.partition(":")
        self.host, self.port = host, int(port or 80)
        self.host_header = rest.encode("latin-1")
        self.max_idle = max_idle
        self.connect_timeout = connect_timeout
        self._idle: deque[_Connection] = deque()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(_Connection, self.host, self.port), self.connect_timeout
            )
        except TimeoutError as exc:
            raise UpstreamError(f"connect to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise UpstreamError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return protocol

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing():
                return conn
        return None

    async def request(
        self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes, timeout: float
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes | StreamBody]:
        """The upstream's answer: status, headers, and the body (a ``StreamBody`` when it has no length;
        ``timeout`` then bounds the wait for the head only)."""
        parts = [method, b" ", target, b" HTTP/1.1\r\nhost: ", self.host_header, b"\r\n"]
        for name, value in headers:
            parts += [name, b": ", value, b"\r\n"]
        parts += [b"content-length: ", str(len(body)).encode(), b"\r\n\r\n", body]
        request = b"".join(parts)
        head = method == b"HEAD"
        idempotent = method in (b"GET", b"HEAD", b"OPTIONS")
        conn = self._take_idle()
        reused = conn is not None
        if conn is None:
            conn = await self._connect()
        try:
            await self._roundtrip(conn, request, head, timeout)
        except UpstreamTimeout:
            conn.close()
            raise
        except UpstreamError:
            conn.close()
            # A kept-alive connection the upstream had just closed: retry once on a new one when it is safe.
            if not (reused and (idempotent or not conn.body and conn.status == 0)):
                raise
            conn = await self._connect()
            try:
                await self._roundtrip(conn, request, head, timeout)
            except UpstreamError:
                conn.close()
                raise
        if conn.chunks is not None:
            return conn.status, conn.headers, StreamBody(conn, self)
        result = (conn.status, conn.headers, b"".join(conn.body))
        self._release(conn)
        return result

    def _release(self, conn: _Connection) -> None:
        if conn.keep_alive and not conn.closed and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()

    async def _roundtrip(self, conn: _Connection, request: bytes, head: bool, timeout: float) -> None:
        future = conn.start(request, head)
        loop = asyncio.get_running_loop()

        def expire() -> None:
            if not future.done():
                future.set_exception(UpstreamTimeout("upstream timed out"))

        handle = loop.call_later(timeout, expire)
        try:
            await future
        finally:
            handle.cancel()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class StreamBody:
    """The body of a streamed upstream response: iterate it for its pieces (``UpstreamError`` when the
    upstream breaks off); ``close()`` abandons it (the client left) and drops the upstream connection."""

    def __init__(self, conn: _Connection, pool: UpstreamPool) -> None:
        self._conn = conn
        self._pool = pool
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        assert conn.chunks is not None
        while True:
            piece = await conn.chunks.get()
            if isinstance(piece, Exception):
                self._done = True
                conn.close()
                raise piece
            if piece is None:
                self._done = True
                self._pool._release(conn)
                return
            conn.taken(len(piece))
            yield piece

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._conn.close()
