"""The HTTP server every process runs (the gateway and each service): uvicorn with httptools, plus what
uvicorn leaves out.

- **Header limits** (431). uvicorn's httptools protocol has none: a 64 MB ``Authorization`` header was read
  for 7.8 s before the app answered 401, and 20,000 header lines were accepted. llhttp buffers an unfinished
  header line itself, so the limit is enforced while the bytes arrive, not after the parse: every chunk that
  starts and ends inside a request head counts in full, and every completed request-target and header line
  counts exactly. Both are lower bounds of the real head size, so an honest request is never refused, and
  a hostile one is refused after at most the limit plus two reads. The count of header lines is checked as
  each line completes. Defaults: 32 KiB and 100 lines (nginx's ``large_client_header_buffers`` 4 × 8k and
  Apache's ``LimitRequestFields``), settings ``ZHIFA_HTTP_MAX_HEADER_BYTES`` / ``ZHIFA_HTTP_MAX_HEADERS``.
- **Problem bodies for what the parser refuses.** A control character in a header, raw non-ASCII in the
  request target (say, a Chinese word typed into a query string), or an unreadable request line
  used to get uvicorn's ``text/plain`` "Invalid HTTP request received."; they now get an RFC 9457 problem
  with a stable code and a request id, in English when the headers read so far asked for it. A raw
  request target is refused, not repaired: a client that does not percent-encode is told to
  (``REQUEST_TARGET_INVALID``; RFC 3986 §2 allows only ASCII in a URI).
- After a refusal the connection is half-closed and the rest of what the client is still sending is read and
  dropped for a moment (nginx's lingering close), so the client sees the 431 instead of a connection reset.

The per-request cost on the hot path is a few integer additions per header line.

- **One write per response** (issue #16 item 3). uvicorn writes a response's head when the app sends
  ``http.response.start`` and its body with each ``http.response.body``: two socket writes (two ``send``
  system calls and two segments on the wire) for every buffered response. The head is now held and written
  with the first body part (``HeldHeadCycle``): the same bytes in one write. A ``HEAD`` request's head, which
  has no body part to travel with, is written at once as before.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httptools
import uvicorn
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from services.common.problems import problem_body, wants_english

DEFAULT_MAX_HEADER_BYTES = 32 * 1024
DEFAULT_MAX_HEADERS = 100
# How long, and how much, a refused connection is still read (and dropped) before it is closed.
LINGER_SECONDS = 1.0
LINGER_BYTES = 8 * 1024 * 1024

# code -> (status, Chinese title, English title); docs/errors.md lists them (zhifa/docs.py).
REFUSALS: dict[str, tuple[int, str, str]] = {
    "HEADERS_TOO_LARGE": (431, "请求头过大", "Request header fields too large"),
    "HEADER_INVALID": (400, "请求头无效", "Invalid request header"),
    "REQUEST_TARGET_INVALID": (400, "请求地址无效", "Invalid request target"),
    "MALFORMED_REQUEST": (400, "请求格式错误", "Malformed request"),
}


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the protocol answers ``code``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _HeadHolder:
    """Stands in for the transport while uvicorn writes a response's head: keeps the bytes instead."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)


class _HeadFirst:
    """Stands in for the transport while uvicorn writes a body part: the held head goes in the same write."""

    __slots__ = ("head", "transport")

    def __init__(self, transport: Any, head: bytes) -> None:
        self.transport = transport
        self.head: bytes | None = head

    def write(self, data: bytes) -> None:
        if self.head is not None:
            data, self.head = self.head + data, None
        self.transport.write(data)

    def close(self) -> None:
        self.transport.close()


class HeldHeadCycle(RequestResponseCycle):
    """uvicorn's request-response cycle, writing a response's head together with its first body part."""

    held_head: bytes | None = None

    async def send(self, message: ASGISendEvent) -> None:
        if self.response_started and self.held_head is None:
            await super().send(message)
            return
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()  # done here: no await happens below while the transport is stood in for
        transport = self.transport
        if not self.response_started:
            if message["type"] != "http.response.start" or self.scope["method"] == "HEAD":
                await super().send(message)
                return
            holder = _HeadHolder()
            self.transport = holder  # type: ignore[assignment]
            try:
                await super().send(message)
            finally:
                self.transport = transport
            self.held_head = b"".join(holder.parts)
            return
        head_first = _HeadFirst(transport, self.held_head or b"")
        self.held_head = None
        self.transport = head_first  # type: ignore[assignment]
        try:
            await super().send(message)
        finally:
            self.transport = transport
            if head_first.head is not None and not self.disconnected:
                transport.write(head_first.head)  # a refused message: the head as uvicorn would have sent it


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header limits and problem bodies for parser refusals."""

    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False
        self._head_bytes = 0  # completed request target and header lines of the current head
        self._head_chunks = 0  # bytes of chunks that began and ended inside the current head
        self._header_count = 0
        self._began_in_chunk = False
        self._refused: str | None = None
        self._lingered = 0
        self._linger_handle: asyncio.TimerHandle | None = None

    # parser callbacks ------------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._began_in_chunk = True
        self._head_bytes = self._head_chunks = self._header_count = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)
        if self._head_bytes > self.max_header_bytes:
            raise _Refused("HEADERS_TOO_LARGE")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_bytes += len(name) + len(value) + 4
        if self._header_count > self.max_headers or self._head_bytes > self.max_header_bytes:
            raise _Refused("HEADERS_TOO_LARGE")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:  # the cycle uvicorn just made for this request
            self.cycle.__class__ = HeldHeadCycle

    # asyncio.Protocol ------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._refused is not None:
            self._linger(len(data))
            return
        self._unset_keepalive_if_required()
        was_in_head = self._in_head
        self._began_in_chunk = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self._refuse(cause.code)
            elif isinstance(exc, httptools.HttpParserInvalidURLError):
                self._refuse("REQUEST_TARGET_INVALID")
            elif "header" in str(exc).lower():
                self._refuse("HEADER_INVALID")
            else:
                self.logger.info("unparseable HTTP request: %s", exc)
                self._refuse("MALFORMED_REQUEST")
            return
        if was_in_head and self._in_head and not self._began_in_chunk:
            self._head_chunks += len(data)
            if self._head_chunks > self.max_header_bytes:
                self._refuse("HEADERS_TOO_LARGE")

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger_handle is not None:
            self._linger_handle.cancel()
        super().connection_lost(exc)

    # refusals --------------------------------------------------------------------------------------
    def _refuse(self, code: str) -> None:
        status, title_zh, title_en = REFUSALS[code]
        headers = dict(self.headers or [])
        english = wants_english(headers.get(b"accept-language", b"").decode("latin-1"))
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:128] or uuid.uuid4().hex
        body = problem_body(
            status=status,
            code=code,
            title=title_en if english else title_zh,
            detail=self._detail(code, english),
            request_id=rid,
        )
        out = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            out += [name, b": ", value, b"\r\n"]
        out += [
            b"content-type: application/problem+json\r\n",
            b"content-length: ",
            str(len(body)).encode(),
            b"\r\nx-request-id: ",
            rid.encode("latin-1", "replace"),
            b"\r\nconnection: close\r\n\r\n",
            body,
        ]
        self._refused = code
        self.transport.write(b"".join(out))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger_handle = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _linger(self, size: int) -> None:
        self._lingered += size
        if self._lingered > LINGER_BYTES:
            self.transport.close()

    def _detail(self, code: str, english: bool) -> str:
        if code == "HEADERS_TOO_LARGE":
            if english:
                return (
                    f"Request headers are limited to {self.max_header_bytes} bytes and "
                    f"{self.max_headers} lines in all"
                )
            return f"请求头合计不得超过 {self.max_header_bytes} 字节、{self.max_headers} 行"
        if code == "HEADER_INVALID":
            if english:
                return "A request header contains a control character or another character not allowed there"
            return "请求头中含有控制字符或其他不允许的字符"
        if code == "REQUEST_TARGET_INVALID":
            if english:
                return (
                    "The request target contains characters that must be percent-encoded (such as Chinese "
                    "characters or spaces); URL-encode the path and the query string"
                )
            return "请求地址中含有未编码的字符（如中文或空格），请对路径和查询参数进行 URL 编码（百分号编码）"
        return "The HTTP request could not be parsed" if english else "无法解析该 HTTP 请求"


def protocol_class(
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES, max_headers: int = DEFAULT_MAX_HEADERS
) -> type[LimitedHttpToolsProtocol]:
    """The protocol class with these limits (uvicorn instantiates it once per connection)."""
    return type(
        "ZhifaHttpProtocol",
        (LimitedHttpToolsProtocol,),
        {"max_header_bytes": max_header_bytes, "max_headers": max_headers},
    )


def config(
    app: Any,
    *,
    host: str,
    port: int,
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    max_headers: int = DEFAULT_MAX_HEADERS,
    **overrides: Any,
) -> uvicorn.Config:
    """The uvicorn configuration of every zhifa process (``zhifa serve`` and the test harness alike).

    ``proxy_headers`` is off: uvicorn would otherwise take ``X-Forwarded-For`` from any peer on 127.0.0.1.
    The gateway works out the caller's address itself from its trusted-proxy list (gateway/clientip.py);
    the services do not use it.
    """
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": protocol_class(max_header_bytes, max_headers),
        "lifespan": "on",
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
        **overrides,
    }
    return uvicorn.Config(app, **options)
