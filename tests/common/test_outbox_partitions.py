"""The outbox partitioned by China day on ``created_at`` (issue #16 item 6; services/common/partitions.py and
the ``*_outbox_partitions`` migrations): the migration keeps every row, the relay publishes across midnight,
the kernel job keeps days ahead and drops the old sent days, and a day without a partition fails loudly."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common import clock, metrics, migrate, outbox, partitions
from services.common.bus import Bus
from services.common.clock import CHINA
from services.common.contracts.diagnostics import PINGS
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedNats
from services.common.events import make_envelope
from services.common.tables import outbox_t
from tests.support.stack import Stack

DAY = timedelta(days=1)
OUTBOX = partitions.spec_of("outbox")


def _row(created_at: datetime | None = None, published_at: datetime | None = None) -> dict[str, Any]:
    ping = PINGS["inspection"]
    e = make_envelope(ping(ping_id=uuid.uuid4(), origin="inspection", note="t"), source="inspection")
    row: dict[str, Any] = {
        "id": e.id,
        "type": e.type,
        "version": e.version,
        "subject": e.subject,
        "envelope": e.model_dump(mode="json"),
        "published_at": published_at,
    }
    if created_at is not None:
        row["created_at"] = created_at
    return row


async def _db_today(engine: AsyncEngine) -> date:
    async with engine.connect() as conn:
        return (await conn.execute(partitions.TODAY)).scalar_one()


async def _per_day(engine: AsyncEngine) -> dict[date, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT CAST(timezone('Asia/Shanghai', created_at) AS date), count(*) FROM outbox GROUP BY 1"
            )
        )
        return {d: int(n) for d, n in rows.all()}


async def _partitions(engine: AsyncEngine) -> set[date]:
    factory = session_factory(engine)
    async with transaction(factory) as s:
        return await partitions.existing(s, OUTBOX)


async def _is_partitioned(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        kind = await conn.scalar(
            sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = 'outbox'")
        )
    return bool(kind == "p")


def _below_partitions(service: str) -> str:
    """The revision the service's ``*_outbox_parts`` migration follows (later migrations may sit above it)."""
    ((below,),) = [down for rev, down in migrate.revisions(service).items() if rev.endswith("_outbox_parts")]
    return below


async def test_the_migration_keeps_every_row_per_day_down_and_up_again(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    below = _below_partitions("inspection")
    await asyncio.to_thread(migrate.downgrade, "inspection", url, below)  # the unpartitioned outbox
    engine = create_engine(url, pool_size=1)
    try:
        assert not await _is_partitioned(engine)
        today = await _db_today(engine)
        noon = datetime.combine(today, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=12)
        # 3 rows 10 days ago (one never sent), 2 yesterday at 23:59 China time, 1 today (not sent yet)
        rows = [_row(noon - 10 * DAY, noon - 10 * DAY) for _ in range(2)] + [_row(noon - 10 * DAY)]
        rows += [_row(noon - DAY + timedelta(hours=11, minutes=59), noon) for _ in range(2)] + [_row(noon)]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(outbox_t), rows)
        before = await _per_day(engine)
        assert before == {today - 10 * DAY: 3, today - DAY: 2, today: 1}
        max_seq = await _max_seq(engine)

        await asyncio.to_thread(migrate.upgrade, "inspection", url)
        assert await _is_partitioned(engine)
        assert await _per_day(engine) == before
        # partitions from the oldest row's day (10 days ago) to 7 days ahead: 10 + 1 + 7 = 18 days
        assert await _partitions(engine) == {today + i * DAY for i in range(-10, 8)}
        assert await _pending_ids(engine) == {rows[2]["id"], rows[5]["id"]}
        fresh = _row()
        async with engine.begin() as conn:  # the identity goes on after the copied rows
            await conn.execute(sa.insert(outbox_t), [fresh])
        assert await _max_seq(engine) == max_seq + 1

        await asyncio.to_thread(migrate.downgrade, "inspection", url, below)
        assert not await _is_partitioned(engine)
        after = dict(before)
        after[today] += 1
        assert await _per_day(engine) == after
        await asyncio.to_thread(migrate.upgrade, "inspection", url)
        assert await _per_day(engine) == after
        assert await _pending_ids(engine) == {rows[2]["id"], rows[5]["id"], fresh["id"]}
        assert await _max_seq(engine) == max_seq + 1
    finally:
        await engine.dispose()


async def _max_seq(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT max(seq) FROM outbox")) or 0)


async def _pending_ids(engine: AsyncEngine) -> set[uuid.UUID]:
    async with engine.connect() as conn:
        return set(
            (await conn.execute(sa.text("SELECT id FROM outbox WHERE published_at IS NULL"))).scalars()
        )


async def test_a_day_without_a_partition_fails_loudly_until_ensure_partition_creates_it(stack: Stack) -> None:
    engine = create_engine(await stack.anew_database("inspection"), pool_size=1)
    factory = session_factory(engine)
    try:
        long_ago = datetime(2025, 3, 1, 9, 30, tzinfo=CHINA)  # no partition: there is no default partition
        with pytest.raises(Exception, match="no partition of relation"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(outbox_t), [_row(long_ago)])
        async with transaction(factory) as s:
            assert await partitions.ensure_partition(s, "outbox", long_ago) is True
            assert await partitions.ensure_partition(s, "outbox", long_ago + timedelta(hours=14)) is False
            await s.execute(sa.insert(outbox_t), [_row(long_ago)])
        # 2025-03-01 09:30 China is 01:30 UTC: the partition is the China day 2025-03-01
        assert date(2025, 3, 1) in await _partitions(engine)
        assert await _per_day(engine) == {date(2025, 3, 1): 1}
    finally:
        await engine.dispose()


async def test_the_job_keeps_seven_days_ahead_in_the_databases_time_idempotently(stack: Stack) -> None:
    engine = create_engine(await stack.anew_database("inspection"), pool_size=2)
    factory = session_factory(engine)
    try:
        today = await _db_today(engine)
        async with engine.begin() as conn:  # the days after today gone (an old migration, a stopped job)
            for day in sorted(await _partitions(engine)):
                if day > today:
                    await conn.execute(sa.text(f"DROP TABLE {partitions.partition_name(OUTBOX, day)}"))
        assert await _partitions(engine) == {today}
        # The application's clock a quarter ahead (ZHIFA_CLOCK_AT in tests and `make run`) moves nothing: the
        # outbox's created_at is the database's now(), and so is the job's today.
        clock.set_offset(timedelta(days=92))
        try:
            first = await partitions.maintain(factory, OUTBOX, service="t-ahead")
            second = await partitions.maintain(factory, OUTBOX, service="t-ahead")
            async with transaction(factory) as s:
                s.info.setdefault(outbox.PENDING_KEY, []).append(_envelope())
        finally:
            clock.reset()
        assert (first.created, first.ahead_days) == (7, 7)  # today + 1 … today + 7
        assert (second.created, second.ahead_days) == (0, 7)
        assert await _partitions(engine) == {today + i * DAY for i in range(8)}
        assert metrics.PARTITIONS_AHEAD_DAYS.labels("t-ahead", "outbox")._value.get() == 7
        assert await _per_day(engine) == {today: 1}
    finally:
        await engine.dispose()


def _envelope() -> Any:
    ping = PINGS["inspection"]
    return make_envelope(ping(ping_id=uuid.uuid4(), origin="inspection", note="t"), source="inspection")


async def test_the_service_role_with_dml_only_runs_the_job(stack: Stack) -> None:
    """In production the service connects as a role without DDL (issue #13): the job goes through the
    owner's two SECURITY DEFINER functions, and the drop function refuses any other table."""
    roles = await stack.anew_database_with_roles("inspection")
    engine = create_engine(roles.service_url, pool_size=2)
    factory = session_factory(engine)
    try:
        today = await _db_today(engine)
        old = datetime.combine(today - 20 * DAY, datetime.min.time(), tzinfo=CHINA)
        async with transaction(factory) as s:
            assert await partitions.ensure_partition(s, "outbox", old) is True
            await s.execute(sa.insert(outbox_t), [_row(old, old)])
        done = await partitions.maintain(factory, OUTBOX, service="t-role")
        assert done.dropped == 1
        with pytest.raises(Exception, match="not a partition of the outbox"):
            async with transaction(factory) as s:
                await s.execute(sa.text("SELECT zhifa_drop_outbox_partition('audit_entry')"))
    finally:
        await engine.dispose()


async def test_the_relay_publishes_across_midnight(stack: Stack, nats_server: EmbeddedNats) -> None:
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=4)
    factory = session_factory(engine)
    bus = Bus(nats_server.url, name="partitions-test")
    await bus.start()
    assert await bus.wait_ready(10)
    try:
        today = await _db_today(engine)
        midnight = datetime.combine(today, datetime.min.time(), tzinfo=CHINA)
        before, after = midnight - timedelta(seconds=1), midnight  # 23:59:59 yesterday, 00:00:00 today
        rows = [_row(before) for _ in range(3)] + [_row(after) for _ in range(3)]
        async with transaction(factory) as s:
            await partitions.ensure_partition(s, "outbox", before)
            await s.execute(sa.insert(outbox_t), rows)
        relay = outbox.Relay(service="inspection", factory=factory, bus=bus, database_url=url, batch_size=4)
        published = await relay.drain_once() + await relay.drain_once()
        assert published == 6
        assert await _pending_ids(engine) == set()
        assert await _per_day(engine) == {today - DAY: 3, today: 3}
    finally:
        await bus.close()
        await engine.dispose()
