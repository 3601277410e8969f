"""The outbox's retention (issue #16 item 6): no ``DELETE`` any more, the kernel's ``partitions`` job drops
each China day partition that ended ``outbox_retention_days`` ago or more **and** holds no unpublished row
(services/common/partitions.py ``maintain``); a day with a stuck unsent row is kept and counted in
``zhifa_partitions_kept_unsent``, because an unsent event must never disappear."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from services.common import metrics, partitions
from services.common.clock import CHINA
from services.common.contracts.diagnostics import PINGS
from services.common.db import create_engine, session_factory, transaction
from services.common.events import make_envelope
from services.common.tables import outbox_t
from tests.support.stack import Stack

DAY = timedelta(days=1)


def _row(subject: str, created_at: datetime, published_at: datetime | None) -> dict[str, Any]:
    ping = PINGS["inspection"]
    e = make_envelope(ping(ping_id=uuid.uuid4(), origin="inspection", note="t"), source="inspection")
    return {
        "id": e.id,
        "type": e.type,
        "version": e.version,
        "subject": subject,
        "envelope": e.model_dump(mode="json"),
        "created_at": created_at,
        "published_at": published_at,
    }


async def test_the_retention_drops_old_sent_days_and_keeps_a_day_with_an_unsent_row(stack: Stack) -> None:
    engine = create_engine(await stack.anew_database("inspection"), pool_size=2)
    factory = session_factory(engine)
    spec = partitions.registry(outbox_retention_days=14)[0]
    try:
        async with engine.connect() as conn:
            today = (await conn.execute(partitions.TODAY)).scalar_one()

        def at(days_ago: int, hour: int = 10) -> datetime:
            return datetime.combine(today - days_ago * DAY, time(hour), tzinfo=CHINA)

        # With a retention of 14 days, the day D goes once D + 1 (its end) <= today - 14, i.e. D <= today - 15:
        # every row is kept 14 whole days at least.
        rows = [
            _row("sent, day -16", at(16), at(16, 11)),
            _row("sent late (a replay), day -16", at(16, 23), at(1)),  # sent now: its day may go
            _row("never sent, day -15", at(15), None),
            _row("sent, day -15", at(15), at(15, 11)),
            _row("sent, day -14", at(14), at(14, 11)),  # its day ended 13 days ago: kept
            _row("sent, day -13", at(13), at(13, 11)),
        ]
        async with transaction(factory) as s:
            for days_ago in (16, 15, 14, 13):
                await partitions.ensure_partition(s, "outbox", at(days_ago))
            await s.execute(sa.insert(outbox_t), rows)

        done = await partitions.maintain(factory, spec, service="t-retention")
        assert (done.dropped, done.kept_unsent) == (1, 1)  # day -16 dropped; day -15 kept for its unsent row
        assert metrics.PARTITIONS_KEPT_UNSENT.labels("t-retention", "outbox")._value.get() == 1
        async with transaction(factory) as s:
            left = set((await s.scalars(sa.select(outbox_t.c.subject))).all())
            have = await partitions.existing(s, spec)
        assert left == {"never sent, day -15", "sent, day -15", "sent, day -14", "sent, day -13"}
        assert today - 16 * DAY not in have
        assert {today - n * DAY for n in (15, 14, 13)} <= have

        # once the stuck row is sent, the next round drops its day too
        async with transaction(factory) as s:
            await s.execute(sa.update(outbox_t).values(published_at=sa.func.now()))
        again = await partitions.maintain(factory, spec, service="t-retention")
        assert (again.dropped, again.kept_unsent) == (1, 0)
        assert metrics.PARTITIONS_KEPT_UNSENT.labels("t-retention", "outbox")._value.get() == 0
        async with transaction(factory) as s:
            left = set((await s.scalars(sa.select(outbox_t.c.subject))).all())
        assert left == {"sent, day -14", "sent, day -13"}
    finally:
        await engine.dispose()
