"""The in-process fan-out (services/notify/domain/fanout.py): publishing never waits; a stream whose queue is
full is marked overflowed (its loop then disconnects it) and others are untouched."""

from __future__ import annotations

from services.notify.domain.fanout import Fanout
from services.notify.domain.recipients import Recipient

A, B = Recipient("enterprise", "A"), Recipient("enterprise", "B")


async def test_a_full_queue_overflows_that_stream_only() -> None:
    fanout = Fanout(queue_size=2)
    with fanout.subscribe(A) as slow, fanout.subscribe(A) as fast, fanout.subscribe(B) as other:
        assert fanout.streams == 3
        assert fanout.publish(A, 1) == 0 and fanout.publish(A, 2) == 0
        fast.queue.get_nowait(), fast.queue.get_nowait()  # the fast one keeps up
        assert fanout.publish(A, 3) == 1  # the slow one had 2 waiting: now overflowed
        assert slow.overflowed and not fast.overflowed and fast.queue.get_nowait() == (3, None)
        assert other.queue.empty() and not other.overflowed
        assert fanout.publish(A, 4) == 0  # an overflowed stream is not counted twice
    assert fanout.streams == 0 and fanout.publish(A, 5) == 0


async def test_a_reconnected_listener_wakes_every_stream() -> None:
    fanout = Fanout(queue_size=1)
    with fanout.subscribe(A) as a, fanout.subscribe(B) as b:
        fanout.wake_all()
        assert a.queue.get_nowait() == (0, None) and b.queue.get_nowait() == (0, None)


async def test_an_announcement_hands_its_data_to_each_stream_of_its_recipient() -> None:
    fanout = Fanout()
    with fanout.subscribe(A) as a, fanout.subscribe(B) as b:
        fanout.publish(A, 1, b'{"seq":1}')
        assert a.queue.get_nowait() == (1, b'{"seq":1}') and b.queue.empty()
