"""A lean pooled HTTP/1.1 client for the gateway's hot path: keep-alive connections per upstream, requests
written as one buffer, responses parsed by httptools (the C parser uvicorn uses).

Why not aiohttp: measured here, aiohttp's client costs roughly 2–3× the CPU per forwarded request of this
protocol, and on 2 cores the gateway is CPU-bound (see docs/benchmarks.md). This client does only what a
reverse proxy needs: no redirects, no cookies, no decompression, no proxies.
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools


class UpstreamError(Exception):
    """The upstream could not be reached or broke the connection."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer in time."""


class _Connection(asyncio.Protocol):
    __slots__ = ("transport", "parser", "future", "status", "headers", "body", "keep_alive", "closed", "head")

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
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        self.status = self.parser.get_status_code()
        if self.head:
            self.on_message_complete()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()
        self.parser = None
        if self.future is not None and not self.future.done():
            self.future.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_exception(exc)

    def start(self, request: bytes, head: bool) -> asyncio.Future[None]:
        self.parser = httptools.HttpResponseParser(self)
        self.status, self.headers, self.body, self.head = 0, [], [], head
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
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
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
        result = (conn.status, conn.headers, b"".join(conn.body))
        if conn.keep_alive and not conn.closed and len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()
        return result

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
