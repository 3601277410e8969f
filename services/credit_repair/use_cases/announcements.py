"""Publishing the ``credit.publication.ended`` events of clean-up ends from the feed (repository.announcements
says why and what is guaranteed): the ``announce-ends`` job's round."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import transaction
from services.credit_repair.repository import announcements as repo
from services.credit_repair.repository.announcements import Announcement

#: Publishes rows and returns, per row, its id once JetStream acknowledged it or None (``Relay.publish``).
Publish = Callable[[Sequence[Announcement]], Awaitable[list[str | None]]]


async def announce_cleanup_ends(
    factory: async_sessionmaker[AsyncSession], publish: Publish, *, batch_size: int
) -> bool:
    """One round: the next ``batch_size`` feed entries' clean-up ends published, the cursor moved past what
    was acknowledged, in one transaction. True when more entries wait (the job runs again at once)."""
    async with transaction(factory) as session:
        after = await repo.lock_cursor(session)
        if after is None:  # another worker is announcing
            return False
        batch = await repo.next_batch(session, after, batch_size)
        if not batch.read:
            return False
        if await repo.earlier_events_pending(session, batch.announcements):
            return False  # a start is still in the outbox: the end waits for it (the next round)
        last = batch.last_seq
        if batch.announcements:
            results = await publish(batch.announcements)
            failed = [
                a.feed_seq for a, sent in zip(batch.announcements, results, strict=True) if sent is None
            ]
            if failed:  # the cursor stops before the first unacknowledged end; the rest go again next round
                last = min(failed) - 1
        if last > after:
            await repo.advance(session, last)
        return batch.read == batch_size and last == batch.last_seq


async def replay(factory: async_sessionmaker[AsyncSession], since: datetime) -> int:
    """Publish again the clean-up ends announced since ``since`` (after a stream was lost: ``zhifa outbox
    replay``, beside the outbox rows); returns how many. Their ids are unchanged: inboxes drop what they have."""
    async with transaction(factory) as session:
        return await repo.rewind(session, since)
