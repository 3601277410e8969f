"""What the upstream receives: the request's own headers, less the hop-by-hop ones; the gateway's request id
(the caller's, or a fresh UUID 4 in hex); and X-Forwarded-For as one list ending with the connecting peer.
The upstream here echoes the head it was sent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import orjson
import pytest

from services.common.embedded import free_port
from tests.support.stack import Running, auth, client, running_gateway, serve_asgi


async def echo_app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = orjson.dumps([[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]])
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[Running]:
    port = free_port()
    async with serve_asgi(echo_app, port):
        async with running_gateway({"inspection": f"http://127.0.0.1:{port}"}) as gw:
            yield gw


async def sent(gateway: Running, headers: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
    """The upstream's view of the request's head, and the request id the caller got back."""
    async with client(gateway.url) as http:
        r = await http.get("/api/v1/inspection/echo", headers=[*auth("admin", "echo").items(), *headers])
    assert r.status_code == 200
    return [(k, v) for k, v in r.json()], r.headers["x-request-id"]


async def test_hop_by_hop_dropped_and_the_rest_in_order(gateway: Running) -> None:
    got, rid = await sent(
        gateway,
        [("X-One", "1"), ("TE", "trailers"), ("Keep-Alive", "timeout=5"), ("X-Two", "2"), ("X-One", "again")],
    )
    names = [k for k, _ in got]
    assert "te" not in names and "keep-alive" not in names and "connection" not in names
    # the caller's own headers in the order sent, repeated lines kept
    assert [(k, v) for k, v in got if k.startswith("x-one") or k.startswith("x-two")] == [
        ("x-one", "1"),
        ("x-two", "2"),
        ("x-one", "again"),
    ]
    # framing: one host and one length (the client's replaced by the gateway's own)
    assert names.count("host") == 1 and names.count("content-length") == 1
    # the gateway's two after the caller's: the request id, then the forwarded-for list ending with the peer
    rest = [(k, v) for k, v in got if k not in ("host", "content-length")]
    assert rest[-2:] == [("x-request-id", rid), ("x-forwarded-for", "127.0.0.1")]


async def test_a_fresh_request_id_is_a_uuid4_in_hex_and_differs_per_request(gateway: Running) -> None:
    ids = [(await sent(gateway, []))[1] for _ in range(5)]
    assert len(set(ids)) == 5
    for rid in ids:
        parsed = uuid.UUID(hex=rid)
        assert parsed.hex == rid and parsed.version == 4 and parsed.variant == uuid.RFC_4122


async def test_the_callers_request_id_replaces_nothing_else(gateway: Running) -> None:
    got, rid = await sent(gateway, [("X-Request-ID", "trace-7")])
    assert rid == "trace-7"
    assert [v for k, v in got if k == "x-request-id"] == ["trace-7"]


async def test_forwarded_for_lines_become_one_list_ending_with_the_peer(gateway: Running) -> None:
    got, _ = await sent(
        gateway, [("X-Forwarded-For", "203.0.113.7, 198.51.100.1"), ("X-Forwarded-For", "192.0.2.9")]
    )
    assert [v for k, v in got if k == "x-forwarded-for"] == [
        "203.0.113.7, 198.51.100.1, 192.0.2.9, 127.0.0.1"
    ]
