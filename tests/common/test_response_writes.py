"""One socket write per buffered response (issue #16 item 3, services/common/httpserver.py ``HeldHeadCycle``).

uvicorn wrote a response's head on ``http.response.start`` and its body on ``http.response.body``: two writes,
two ``send`` system calls, for every response. The protocol every zhifa process runs is fed a request by hand
and the transport records what it is asked to write: the same bytes, now in one write; a ``HEAD`` response
(no body part to carry the head) and a streamed one still get their head at once or with the first part.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.server import ServerState

from services.common import httpserver


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass


async def _exchange(app: Any, request: bytes) -> list[bytes]:
    config = httpserver.config(app, host="127.0.0.1", port=0)
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(100):
        await asyncio.sleep(0)
        if protocol.cycle is not None and protocol.cycle.response_complete:
            break
    protocol.connection_lost(None)
    return transport.writes


async def buffered(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = '{"罚款":"5000"}'.encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def streamed(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
    await send({"type": "http.response.body", "body": b"a,b\r\n", "more_body": True})
    await send({"type": "http.response.body", "body": b"1,2\r\n", "more_body": False})


REQUEST = b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.mark.asyncio
async def test_a_buffered_response_is_one_write_of_head_and_body() -> None:
    writes = await _exchange(buffered, REQUEST)
    assert len(writes) == 1, writes
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert (
        b"content-length: 17\r\n" in head + b"\r\n"
    )  # {" 2 + 罚款 2 × 3 UTF-8 bytes + ":" 3 + 5000 4 + "} 2 = 17
    assert body == '{"罚款":"5000"}'.encode()


@pytest.mark.asyncio
async def test_a_streamed_response_carries_its_head_in_the_first_part() -> None:
    writes = await _exchange(streamed, REQUEST)
    assert len(writes) == 2, writes
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert writes[0].endswith(b"transfer-encoding: chunked\r\n\r\n5\r\na,b\r\n\r\n")
    assert writes[1] == b"5\r\n1,2\r\n\r\n0\r\n\r\n"


@pytest.mark.asyncio
async def test_a_head_response_writes_its_head_at_once() -> None:
    writes = await _exchange(buffered, b"HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n")
    assert len(writes) == 1, writes
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\n")


def test_a_request_id_is_a_uuid4_in_hex() -> None:
    """``edge.new_request_id`` stands in for ``uuid.uuid4().hex``: 32 lowercase hex digits, version 4, RFC 4122."""
    import uuid

    from services.common.edge import new_request_id

    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    for rid in ids:
        parsed = uuid.UUID(hex=rid)
        assert parsed.hex == rid and parsed.version == 4 and parsed.variant == uuid.RFC_4122
