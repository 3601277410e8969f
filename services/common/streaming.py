"""Bodies too large to hold in memory, for the edge (``services.common.edge``).

Requests: a bulk upload (``.../bulk``, up to ``bulk_max_body_bytes``, 64 MiB by default) is spooled to a
temporary file as it arrives — the first ``SPOOL_MEMORY_BYTES`` in memory, the rest on disk — while its
SHA-256 is computed for ``Idempotency-Key``; the endpoint then reads it back in ``READ_BYTES`` pieces. The
process never holds more than about ``SPOOL_MEMORY_BYTES + READ_BYTES`` of a request body, whatever its size
(the temporary directory, ``TMPDIR``, needs room for the uploads in flight).

Responses: an endpoint that streams a download (``StreamingResponse``) marks it with ``STREAM_HEADER``; the
edge then sends it as it is produced instead of buffering it. Such a response must not change anything: the
edge rolls the request's session back before the first byte.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from typing import Any

from starlette.types import Message, Receive

SPOOL_MEMORY_BYTES = 1024 * 1024
READ_BYTES = 64 * 1024
STREAM_HEADER = b"x-zhifa-stream"
# How much of the previous piece a NUL search looks back over (an escape cut in two by the transport).
_NUL_OVERLAP = 4096


class BodyTooLarge(Exception):
    """The body exceeded the limit (the edge answers 413)."""


class ClientDisconnected(Exception):
    """The client went away before the body was complete (nobody is left to answer)."""


class SpooledBody:
    """A request body in a spooled temporary file, with the SHA-256 of ``prefix`` + body."""

    def __init__(self, prefix: bytes = b"", nul: Callable[[bytes], bool] | None = None) -> None:
        self._file: Any = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self._digest = hashlib.sha256(prefix)
        self.size = 0
        self._reading = False
        self._nul = nul
        self._tail = b""
        self.has_nul = False

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)
        if self._nul is not None and not self.has_nul:
            window = self._tail + chunk
            self.has_nul = self._nul(window)
            self._tail = window[-_NUL_OVERLAP:]

    def fingerprint(self) -> str:
        return self._digest.hexdigest()

    def message(self) -> Message:
        """The next ``http.request`` message of the body (the last one has ``more_body`` False)."""
        if not self._reading:
            self._file.seek(0)
            self._reading = True
        data = self._file.read(READ_BYTES)
        more = self._file.tell() < self.size
        return {"type": "http.request", "body": data, "more_body": more}

    def close(self) -> None:
        self._file.close()


async def spool(
    receive: Receive, limit: int, prefix: bytes = b"", nul: Callable[[bytes], bool] | None = None
) -> SpooledBody:
    """Read the whole body into a ``SpooledBody``; ``BodyTooLarge`` past ``limit`` bytes. With ``nul`` (a
    predicate on bytes: the edge's ``has_nul``), the body's ``has_nul`` says whether it holds for the body,
    asked piece by piece over overlapping windows (an escape cut in two by the transport is seen whole)."""
    body = SpooledBody(prefix, nul)
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            if body.size + len(chunk) > limit:
                raise BodyTooLarge
            if chunk:
                body.write(chunk)
            if not message.get("more_body", False):
                return body
    except BaseException:
        body.close()
        raise


def is_streamed(start: Message) -> bool:
    """Whether a response start message carries the streaming mark."""
    return any(k.lower() == STREAM_HEADER for k, _ in start.get("headers", []))


def without_mark(start: Message, request_id: str) -> Message:
    """The start message as sent: the mark removed, the request id set."""
    headers = [
        (k, v) for k, v in start.get("headers", []) if k.lower() not in (STREAM_HEADER, b"x-request-id")
    ]
    return {**start, "headers": [*headers, (b"x-request-id", request_id.encode())]}
