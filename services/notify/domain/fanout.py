"""Who is listening in this process, and what to hand them: per recipient, the open streams, each with a
bounded queue of the sequence numbers committed for it, each with the notification's data when its
announcement carried it (no I/O: the listener feeds it, a stream drains it).

Back-pressure: a stream whose client does not keep up stops draining its queue; when the queue is full
the stream is marked ``overflowed`` and is closed by its own loop. Nobody else waits for it: ``publish``
never blocks. The client reconnects with ``Last-Event-ID`` and loses nothing (the log is durable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from services.notify.domain.recipients import Recipient

#: (seq, the notification as the stream sends it, or None: read it from the log); seq 0: re-read the log
Wake = tuple[int, bytes | None]


@dataclass(eq=False)
class Subscriber:
    recipient: Recipient
    queue: asyncio.Queue[Wake]
    overflowed: bool = False


@dataclass
class Fanout:
    queue_size: int = 256
    _subscribers: dict[Recipient, set[Subscriber]] = field(default_factory=dict)

    @contextmanager
    def subscribe(self, recipient: Recipient) -> Iterator[Subscriber]:
        subscriber = Subscriber(recipient, asyncio.Queue(self.queue_size))
        self._subscribers.setdefault(recipient, set()).add(subscriber)
        try:
            yield subscriber
        finally:
            subscribers = self._subscribers.get(recipient)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._subscribers[recipient]

    def publish(self, recipient: Recipient, seq: int, data: bytes | None = None) -> int:
        """Hand ``seq`` (with its ``data`` when the announcement carried it) to every stream of ``recipient``;
        returns how many streams overflowed now."""
        dropped = 0
        for subscriber in self._subscribers.get(recipient, ()):
            if subscriber.overflowed:
                continue
            try:
                subscriber.queue.put_nowait((seq, data))
            except asyncio.QueueFull:
                subscriber.overflowed = True
                dropped += 1
        return dropped

    def wake_all(self) -> None:
        """After the listener reconnected (notifications may have been missed): every stream re-reads."""
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                if not subscriber.overflowed:
                    try:
                        subscriber.queue.put_nowait((0, None))
                    except asyncio.QueueFull:
                        subscriber.overflowed = True

    @property
    def streams(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
