"""A handler whose write the database refuses for a day past the stored years (a ``*_in_range`` CHECK,
services/common/date_bounds.py: a deadline or a publication's end derived from an event's valid days) is
dead-lettered at its first delivery: every redelivery would be refused the same way, and eight of them with
their back-off only delayed the dead letter an operator has to look at. Real NATS and PostgreSQL; the
handler writes the kernel's calendar table, whose day carries the constraint in every service's database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bus import Bus
from services.common.contracts.diagnostics import PINGS
from services.common.db import create_engine, session_factory, transaction
from services.common.events import Envelope, Event, make_envelope
from services.common.inbox import ConsumerRunner, Subscription
from services.common.tables import calendar_override_t, dead_letter_t, inbox_t
from tests.support.stack import Stack, wait_for

SUBJECT = "inspection.diagnostic.ping"


async def test_a_day_past_the_stored_years_is_dead_lettered_at_once(stack: Stack, bus: Bus) -> None:
    durable_name = f"range-{uuid.uuid4().hex[:8]}"
    calls: list[int] = []

    async def derives_a_day_too_far(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        calls.append(1)
        # 2199-12-31 plus a day: what a deadline counted from the last storable day comes to
        await session.execute(
            sa.insert(calendar_override_t).values(day=date(2200, 1, 1), is_working_day=False, note="推算")
        )

    envelope = make_envelope(
        PINGS["inspection"](ping_id=uuid.uuid4(), origin="inspection", note="range"), source="inspection"
    )
    await bus.js.publish(
        SUBJECT, orjson.dumps(envelope.model_dump(mode="json")), headers={"Nats-Msg-Id": str(envelope.id)}
    )
    engine = create_engine(await stack.anew_database("penalty"), pool_size=2)
    factory = session_factory(engine)
    runner = ConsumerRunner(
        service="penalty",
        factory=factory,
        bus=bus,
        concurrency=2,
        subscriptions=[Subscription(durable_name, SUBJECT, derives_a_day_too_far)],
    )
    consumer = f"penalty-{durable_name}"
    task = asyncio.create_task(runner.run())
    try:

        async def dead_lettered() -> bool:
            async with transaction(factory) as s:
                found = await s.scalar(
                    sa.select(sa.func.count())
                    .select_from(dead_letter_t)
                    .where(dead_letter_t.c.consumer == consumer)
                )
            return bool(found)

        # Retried, the eighth delivery would come after 0.5 + 1 + 2 + ... + 32 s of back-off
        assert await wait_for(dead_lettered, 10)
        await asyncio.sleep(1.0)  # a redelivery (0.5 s back-off after the first) would have run by now
    finally:
        task.cancel()
        await asyncio.wait({task})
    async with transaction(factory) as s:
        letter = (
            await s.execute(
                sa.select(dead_letter_t.c.event_id, dead_letter_t.c.deliveries, dead_letter_t.c.error).where(
                    dead_letter_t.c.consumer == consumer
                )
            )
        ).one()
        inboxed = await s.scalar(
            sa.select(sa.func.count()).select_from(inbox_t).where(inbox_t.c.consumer == consumer)
        )
        stored = await s.scalar(
            sa.select(sa.func.count())
            .select_from(calendar_override_t)
            .where(calendar_override_t.c.day > date(2199, 12, 31))
        )
    await engine.dispose()

    assert len(calls) == 1  # handled once, not redelivered
    assert letter.event_id == str(envelope.id) and letter.deliveries == 1
    assert "ck_calendar_override_day_in_range" in letter.error
    assert inboxed == 0 and stored == 0  # the transaction rolled back whole
