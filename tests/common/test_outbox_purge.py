"""The relay's retention purge (services/common/outbox.py ``purge``): only rows published before the bound go,
whatever their age otherwise; its added ``created_at`` bound (for the BRIN index, issue #16 item 4) keeps
no row that the published-before rule alone would have deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.common.db import create_engine, session_factory, transaction
from services.common.outbox import purge
from services.common.tables import outbox_t
from tests.support.stack import Stack

BOUND = datetime(2026, 12, 1, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


async def test_the_purge_deletes_exactly_the_rows_published_before_the_bound(stack: Stack) -> None:
    engine = create_engine(await stack.anew_database("inspection"), pool_size=1)
    factory = session_factory(engine)
    rows = {  # subject: (created_at, published_at)
        "sent long ago": (BOUND - 10 * DAY, BOUND - 9 * DAY),
        "sent just before the bound": (BOUND - 2 * HOUR, BOUND - HOUR),
        "never sent": (BOUND - 10 * DAY, None),
        "old, sent late (a replay)": (BOUND - 10 * DAY, BOUND + HOUR),
        "new": (BOUND + HOUR, BOUND + 2 * HOUR),
    }
    try:
        async with transaction(factory) as s:
            await s.execute(
                sa.insert(outbox_t),
                [
                    {
                        "id": uuid.uuid4(),
                        "type": "diagnostics.ping",
                        "version": 1,
                        "subject": subject,
                        "envelope": {},
                        "created_at": created,
                        "published_at": published,
                    }
                    for subject, (created, published) in rows.items()
                ],
            )
        assert await purge(factory, BOUND) == 2
        async with transaction(factory) as s:
            left = set((await s.scalars(sa.select(outbox_t.c.subject))).all())
        assert left == {"never sent", "old, sent late (a replay)", "new"}
    finally:
        await engine.dispose()
