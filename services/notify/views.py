"""Rows -> response models of the notify service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from services.common import streaming
from services.notify.models import NotificationRow, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from services.notify.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    EndpointRead,
    NotificationRead,
)


def notification_read(row: NotificationRow) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        seq=row.seq,
        recipient_kind=row.recipient_kind,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        source_event_type=row.source_event_type,
        created_at=row.created_at,
        read_at=row.read_at,
    )


def sse_data(row: NotificationRow) -> bytes:
    """What an event of the stream carries: the notification as JSON (one line)."""
    return orjson.dumps(notification_read(row).model_dump(mode="json"))


def sse_frame(row: NotificationRow) -> bytes:
    """One Server-Sent Event: ``id`` is the recipient's sequence number, ``event`` the notification's kind."""
    return sse_frame_of(row.seq, sse_data(row))


def sse_frame_of(seq: int, data: bytes) -> bytes:
    return b"id: %d\nevent: notification\ndata: %s\n\n" % (seq, data)


class EventStream(Response):
    """A ``text/event-stream`` response that a slow or vanished client cannot hold: each write waits at
    most ``send_timeout`` seconds (then the connection is dropped; the client resumes with Last-Event-ID),
    and a disconnect stops the frames at once rather than at the next heartbeat. Marked for the edge
    (``streaming.STREAM_HEADER``): sent as produced, read-only."""

    def __init__(self, frames: AsyncIterator[bytes], send_timeout: float) -> None:
        super().__init__(media_type="text/event-stream")
        self.frames = frames
        self.send_timeout = send_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache, no-store"),
            (b"x-accel-buffering", b"no"),  # nginx-style proxies in front must not buffer either
            (streaming.STREAM_HEADER, b"1"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})

        async def pump() -> None:
            async for frame in self.frames:
                await asyncio.wait_for(
                    send({"type": "http.response.body", "body": frame, "more_body": True}), self.send_timeout
                )
            await asyncio.wait_for(send({"type": "http.response.body", "body": b""}), self.send_timeout)

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        tasks = [asyncio.create_task(pump()), asyncio.create_task(watch())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            with contextlib.suppress(Exception):
                await self.frames.aclose()  # type: ignore[attr-defined]


def endpoint_read(row: WebhookEndpointRow) -> EndpointRead:
    return EndpointRead(
        id=row.id,
        client=row.client,
        url=row.url,
        event_types=list(row.event_types),
        description=row.description,
        active=row.active,
        created_at=row.created_at,
    )


def delivery_read(row: WebhookDeliveryRow) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        subject=row.subject,
        event_time=row.event_time,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


def delivery_detail(row: WebhookDeliveryRow, attempts: Sequence[WebhookAttemptRow]) -> DeliveryDetail:
    return DeliveryDetail(
        **delivery_read(row).model_dump(),
        attempt_log=[
            AttemptRead(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
            for a in attempts
        ],
    )
