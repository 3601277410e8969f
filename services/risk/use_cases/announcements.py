"""Publishing a first classification's ``risk.enterprise.classified`` events from its classes
(repository.announcements says why and what is guaranteed): the ``announce-classes`` job's round."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import transaction
from services.risk.repository import announcements as repo
from services.risk.repository.announcements import Announcement

#: Publishes rows and returns, per row, its id once JetStream acknowledged it or None (``Relay.publish``).
Publish = Callable[[Sequence[Announcement]], Awaitable[list[str | None]]]


async def announce_classes(
    factory: async_sessionmaker[AsyncSession], publish: Publish, *, batch_size: int
) -> bool:
    """One round: the next ``batch_size`` events of the oldest unfinished announcement published, its cursor
    moved past what was acknowledged, in one transaction. True when more wait (the job runs again at once)."""
    async with transaction(factory) as session:
        announcement = await repo.lock_next(session)
        if announcement is None:  # nothing to announce, or another worker is announcing
            return False
        batch = await repo.next_batch(session, announcement, batch_size)
        events = batch.announcements
        results = await publish(events) if events else []
        acked = 0
        for sent in results:
            if sent is None:  # the cursor stops before the first unacknowledged event; the rest go again
                break
            acked += 1
        whole = acked == len(events)
        done = whole and batch.scanned < batch_size
        after = batch.last_key if whole else (events[acked - 1].uscc if acked else None)
        if after is not None or done:
            await repo.advance(session, announcement, after or announcement.after_uscc, done=done)
        return whole  # done: another announcement may wait


async def replay(factory: async_sessionmaker[AsyncSession], since: datetime) -> int:
    """Publish again the first classifications' events announced since ``since`` (after a stream was lost:
    ``zhifa outbox replay``, beside the outbox rows); returns how many. Their ids are unchanged."""
    async with transaction(factory) as session:
        return await repo.rewind(session, since)
