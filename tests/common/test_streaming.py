"""Request bodies spooled by the edge for bulk uploads (services/common/streaming.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from starlette.types import Message

from services.common import streaming
from services.common.edge import has_nul


def receiver(*pieces: bytes, disconnect: bool = False) -> object:
    messages: Iterator[Message] = iter(
        [
            {"type": "http.request", "body": p, "more_body": disconnect or i < len(pieces) - 1}
            for i, p in enumerate(pieces)
        ]
        + ([{"type": "http.disconnect"}] if disconnect else [])
    )

    async def receive() -> Message:
        return next(messages)

    return receive


async def read_back(body: streaming.SpooledBody) -> bytes:
    out = b""
    while True:
        message = body.message()
        out += message["body"]
        if not message["more_body"]:
            return out


async def test_a_body_larger_than_memory_comes_back_whole_in_pieces() -> None:
    data = bytes(range(256)) * (3 * streaming.SPOOL_MEMORY_BYTES // 256)  # 3 MiB: rolls over to disk
    pieces = [data[i : i + 100_000] for i in range(0, len(data), 100_000)]
    body = await streaming.spool(receiver(*pieces), limit=len(data), prefix=b"POST /x\n")  # type: ignore[arg-type]
    try:
        assert body.size == len(data)
        assert body.fingerprint() == hashlib.sha256(b"POST /x\n" + data).hexdigest()
        first = body.message()
        assert len(first["body"]) == streaming.READ_BYTES and first["more_body"] is True
        assert first["body"] + await read_back(body) == data
    finally:
        body.close()


async def test_one_byte_over_the_limit() -> None:
    with pytest.raises(streaming.BodyTooLarge):
        await streaming.spool(receiver(b"x" * 10, b"y"), limit=10)  # type: ignore[arg-type]


async def test_a_client_that_goes_away() -> None:
    with pytest.raises(streaming.ClientDisconnected):
        await streaming.spool(receiver(b"x", b"y", disconnect=True), limit=10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pieces", "found"),
    [
        ([b'{"a": "x\\u00', b'00"}'], True),  # an escaped NUL cut in two
        ([b'{"a": "x\\', b'u0000"}'], True),
        ([b'{"a": "x\\\\', b'u0000"}'], False),  # a backslash, then the text u0000: not a NUL
        ([b"ab", b"\x00"], True),
        ([b'{"a": "\\u0001"}'], False),
    ],
)
async def test_nul_is_found_across_pieces(pieces: list[bytes], found: bool) -> None:
    body = await streaming.spool(receiver(*pieces), limit=1000, nul=has_nul)  # type: ignore[arg-type]
    body.close()
    assert body.has_nul is found
