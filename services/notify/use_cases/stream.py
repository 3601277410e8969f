"""The SSE streams: what a stream sends (the log after ``Last-Event-ID``, then each new notification as it
commits, heartbeats in between) and the one LISTEN connection per process that wakes them.

Never lost, never twice: a stream subscribes before it reads the log, sends rows in ``seq`` order and
only rows after the last it sent. A recipient's numbers commit in order (``repository.insert`` locks the
recipient's counter until commit), so a row it has not sent can never appear below one it has. An
announcement carries its notification (``repository.announcement``) when it fits in a NOTIFY: the stream
sends it as announced only when it is the very next one (``seq == last + 1``), which saves the log read on
the way from the commit to the client (issue #15, docs/benchmarks.md); anything else (a gap, a bare
wake-up) re-reads the log. A lost NOTIFY (the LISTEN connection dropped) delays nothing beyond the
reconnect, after which every stream re-reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import plain_dsn, transaction
from services.notify import repository, views
from services.notify.domain.fanout import Fanout, Subscriber
from services.notify.domain.recipients import Recipient
from services.notify.errors import LastEventIdInvalid
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)

HEARTBEAT = b": heartbeat\n\n"
STREAMS = Gauge("zhifa_notify_streams", "open notification streams in this process")
OVERFLOWS = Counter(
    "zhifa_notify_stream_overflows_total", "streams disconnected because their client was slow"
)
MAX_SEQ_DIGITS = 18


async def resume_point(session: AsyncSession, recipient: Recipient, last_event_id: str | None) -> int:
    """The sequence number the stream starts after: ``Last-Event-ID`` (0 without one). A value that is not a
    number, or is ahead of the recipient's log (another log's id), is refused: resuming there would skip."""
    if last_event_id is None or last_event_id == "":
        return 0
    text = last_event_id.strip()
    if not text.isdigit() or not text.isascii() or len(text) > MAX_SEQ_DIGITS:
        raise LastEventIdInvalid.of(last_event_id)
    seq = int(text)
    last = await repository.last_seq(session, recipient)
    if seq > last:
        raise LastEventIdInvalid(
            f"Last-Event-ID {seq} 超出您的通知序号（最新为 {last}），请不带 Last-Event-ID 重新连接",
            detail_en=f"Last-Event-ID {seq} is ahead of your log (last {last}); reconnect without it",
        )
    return seq


async def frames(
    factory: async_sessionmaker[AsyncSession],
    fanout: Fanout,
    settings: NotifySettings,
    recipient: Recipient,
    after: int,
) -> AsyncIterator[bytes]:
    """The frames of one stream: ``retry``, the log after ``after``, then new notifications and heartbeats.
    Ends when the stream overflowed (its client is too slow): the client resumes with Last-Event-ID."""
    with fanout.subscribe(recipient) as subscriber:
        STREAMS.set(fanout.streams)
        try:
            async for frame in _frames(factory, subscriber, settings, recipient, after):
                yield frame
        finally:
            STREAMS.set(fanout.streams - 1)


async def _frames(
    factory: async_sessionmaker[AsyncSession],
    subscriber: Subscriber,
    settings: NotifySettings,
    recipient: Recipient,
    after: int,
) -> AsyncIterator[bytes]:
    yield b"retry: %d\n: connected\n\n" % settings.stream_retry_ms
    last = after
    while True:
        while True:  # catch up from the log
            async with transaction(factory) as session:
                rows = await repository.after(session, recipient, last, settings.stream_batch)
            for row in rows:
                yield views.sse_frame(row)
                last = row.seq
            if len(rows) < settings.stream_batch:
                break
        woken = False
        while not woken:
            if subscriber.overflowed:
                OVERFLOWS.inc()
                log.info("stream of %s overflowed at %d: disconnecting (the client resumes)", recipient, last)
                return
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as
                # the notification does (CPython gh-86296), and the stream ran on after it was cancelled.
                async with asyncio.timeout(settings.heartbeat_s):
                    wakes = [await subscriber.queue.get()]
            except TimeoutError:
                yield HEARTBEAT
                continue
            while not subscriber.queue.empty():
                wakes.append(subscriber.queue.get_nowait())
            # The next notifications in order, each with its data: sent as announced, no query (latency,
            # issue #15). Anything else (seq 0: the listener reconnected; a gap; no data) re-reads the log.
            for seq, data in sorted(wakes, key=lambda wake: wake[0]):
                if seq <= last:
                    continue
                if seq != last + 1 or data is None:
                    woken = True
                    break
                yield views.sse_frame_of(seq, data)
                last = seq
            woken = woken or any(seq == 0 for seq, _ in wakes)


async def listen(database_url: str, fanout: Fanout, *, retry_s: float = 1.0) -> None:
    """LISTEN on the notification channel and wake the streams of each announced recipient."""

    def on_notify(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        parsed = repository.parse_announcement(payload)
        if parsed is not None:
            fanout.publish(*parsed)

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(plain_dsn(database_url))
            await conn.add_listener(repository.CHANNEL, on_notify)
            fanout.wake_all()  # whatever was announced while no one listened
            while not conn.is_closed():  # noqa: ASYNC110 (asyncpg offers no wait-for-close)
                await asyncio.sleep(2)
        except asyncio.CancelledError:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            raise
        except Exception as exc:
            log.warning("notification LISTEN connection lost: %s", exc)
        await asyncio.sleep(retry_s)
