"""The HTTP server every process runs (issue #11 items 6 and 20): header blocks are bounded in bytes and in
lines (431), and what the HTTP parser refuses (a control character in a header, raw non-ASCII in the request
target) is answered with a problem body, not the server's text/plain 400. Real sockets against real servers:
a service and the gateway in front of it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from tests.support.stack import Running, Stack, auth, running_gateway, running_service

PINGS = "/api/v1/inspection/diagnostics/pings"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]


def _parse(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(body)))
    return Reply(status, headers, body[:length])


def _exchange(
    port: int, request: bytes, *, stream: bytes = b"", repeat: int = 0, piece: int = 0
) -> tuple[Reply, float]:
    """Send ``request`` (in ``piece``-byte writes if given; then ``stream`` ``repeat`` times) from another
    thread and read one response."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(20)
    started = time.perf_counter()

    def feed() -> None:
        try:
            if piece:
                for i in range(0, len(request), piece):
                    sock.sendall(request[i : i + piece])
                    time.sleep(0.0005)
            else:
                sock.sendall(request)
            for _ in range(repeat):
                sock.sendall(stream)
        except OSError:
            pass  # the server answered and stopped reading: that is the point

    sender = threading.Thread(target=feed, daemon=True)
    sender.start()
    raw = b""
    try:
        while b"\r\n\r\n" not in raw or len(raw) < _expected_length(raw):
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    finally:
        elapsed = time.perf_counter() - started
        sock.close()
        sender.join(5)
    return _parse(raw), elapsed


def _expected_length(raw: bytes) -> int:
    head, sep, _ = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + len(sep) + int(value)
    return len(raw) + 1


async def exchange(url: str, request: bytes, **kwargs: object) -> tuple[Reply, float]:
    port = int(url.rsplit(":", 1)[1])
    return await asyncio.to_thread(_exchange, port, request, **kwargs)  # type: ignore[arg-type]


def request(target: str | bytes, *headers: bytes) -> bytes:
    line = target if isinstance(target, bytes) else target.encode()
    return b"GET " + line + b" HTTP/1.1\r\nHost: zhifa\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


def bearer(role: str = "admin") -> bytes:
    return f"Authorization: {auth(role)['Authorization']}".encode()


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("inspection")
    async with running_service("inspection", database_url=db, nats_url="nats://127.0.0.1:1") as svc:
        yield svc


@pytest.fixture(scope="module")
async def gateway(service: Running) -> AsyncIterator[Running]:
    async with running_gateway({"inspection": service.url}) as gw:
        yield gw


@pytest.fixture(params=["service", "gateway"])
def server(request: pytest.FixtureRequest, service: Running, gateway: Running) -> Running:
    return service if request.param == "service" else gateway


def assert_problem(reply: Reply, status: int, code: str) -> dict[str, object]:
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert body["status"] == status and body["code"] == code and body["type"] == f"/errors/{code}"
    assert body["request_id"] and body["request_id"] == reply.headers["x-request-id"]
    return body


class TestHeaderLimits:
    async def test_ordinary_request_is_served(self, server: Running) -> None:
        reply, _ = await exchange(server.url, request(PINGS, bearer(), b"Connection: close"))
        assert reply.status == 200

    async def test_a_header_block_over_the_byte_limit_is_431(self, server: Running) -> None:
        # 40 headers of 1,000 bytes: 40 KB, above the 32 KiB default, below the 100-line limit.
        filler = [f"X-Filler-{i}: {'a' * 985}".encode() for i in range(40)]
        reply, _ = await exchange(server.url, request(PINGS, bearer(), *filler, b"Connection: close"))
        body = assert_problem(reply, 431, "HEADERS_TOO_LARGE")
        assert "32768" in str(body["detail"])

    async def test_a_head_just_under_the_limit_is_served(self, server: Running) -> None:
        # 28 headers of 1,000 bytes plus the token: about 29 KB, under 32 KiB even after the gateway adds
        # X-Forwarded-For and X-Request-ID; sent a few bytes at a time to exercise the streaming count.
        filler = [f"X-Filler-{i}: {'a' * 985}".encode() for i in range(28)]
        whole = request(PINGS, bearer(), *filler, b"Connection: close")
        reply, _ = await exchange(server.url, whole, piece=700)
        assert reply.status == 200

    async def test_too_many_header_lines_is_431(self, server: Running) -> None:
        # 20,000 one-letter headers were accepted before; 101 lines are one above the limit.
        many = [f"X-{i}: 1".encode() for i in range(101)]
        reply, _ = await exchange(server.url, request(PINGS, *many, b"Connection: close"))
        assert_problem(reply, 431, "HEADERS_TOO_LARGE")
        twenty_thousand = [f"X-{i}: 1".encode() for i in range(20_000)]
        reply, _ = await exchange(server.url, request(PINGS, *twenty_thousand))
        assert_problem(reply, 431, "HEADERS_TOO_LARGE")

    async def test_a_64_mb_header_is_refused_at_once(self, server: Running) -> None:
        # Before: the server read all 64 MB (7.8 s) and then answered 401. Now it stops at the limit.
        start = b"GET " + PINGS.encode() + b" HTTP/1.1\r\nHost: zhifa\r\nAuthorization: Bearer "
        reply, elapsed = await exchange(server.url, start, stream=b"A" * 65536, repeat=1024)
        assert_problem(reply, 431, "HEADERS_TOO_LARGE")
        assert elapsed < 2.0, elapsed
        after, _ = await exchange(server.url, request(PINGS, bearer(), b"Connection: close"))
        assert after.status == 200

    async def test_english_and_request_id_when_the_headers_said_so(self, server: Running) -> None:
        many = [b"Accept-Language: en", b"X-Request-ID: trace-431"] + [
            f"X-{i}: 1".encode() for i in range(120)
        ]
        reply, _ = await exchange(server.url, request(PINGS, *many))
        body = assert_problem(reply, 431, "HEADERS_TOO_LARGE")
        assert body["title"] == "Request header fields too large" and body["request_id"] == "trace-431"


class TestParserRefusals:
    async def test_control_character_in_a_header_is_a_problem(self, server: Running) -> None:
        reply, _ = await exchange(server.url, request(PINGS, b"X-Note: a\x01b"))
        body = assert_problem(reply, 400, "HEADER_INVALID")
        assert body["title"] == "请求头无效"

    async def test_raw_chinese_in_the_query_string_is_a_problem(self, server: Running) -> None:
        reply, _ = await exchange(server.url, request("/public/inspection/visits?name=沈阳"))
        body = assert_problem(reply, 400, "REQUEST_TARGET_INVALID")
        assert "百分号编码" in str(body["detail"])

    async def test_raw_chinese_in_the_path_is_a_problem(self, server: Running) -> None:
        reply, _ = await exchange(server.url, request("/api/v1/inspection/沈阳"))
        assert_problem(reply, 400, "REQUEST_TARGET_INVALID")

    async def test_the_encoded_form_is_served(self, server: Running) -> None:
        target = PINGS + "?note=" + quote("沈阳")
        reply, _ = await exchange(server.url, request(target, bearer(), b"Connection: close"))
        assert reply.status == 200

    async def test_garbage_is_a_problem(self, server: Running) -> None:
        reply, _ = await exchange(server.url, b"GET / HTTP/9.9\r\n\r\n")
        assert_problem(reply, 400, "MALFORMED_REQUEST")
