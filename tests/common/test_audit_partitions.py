"""The audit chain's ``audit_entry`` partitioned by China month on ``at`` (issue #16 item 6; docs/scaling.md,
"The audit chain"; the ``*_audit_parts`` migrations, services/common/tables.py ``audit_partitioned``): the
migration keeps every entry and the chain, every partition is append-only (TRUNCATE included, which PostgreSQL
does not clone), the job creates missing months as the DML-only role, and the tail read is bounded."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common import audit, migrate, partitions
from services.common.clock import CHINA
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t
from tests.support.stack import Stack

AUDIT = partitions.spec_of("audit_entry")
SERVICES = ("inspection", "penalty", "credit_repair", "risk", "notify")


def _chain(stamps: list[datetime], *, after: tuple[int, str] = (0, audit.GENESIS)) -> list[dict[str, Any]]:
    """Entries at the given instants, chained after ``after`` exactly as ``append`` chains them."""
    seq, prev = after
    rows: list[dict[str, Any]] = []
    for at in stamps:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "actor": "officer-1",
            "actor_role": "officer",
            "action": "case.update",
            "entity_type": "penalty_case",
            "entity_id": f"c{seq % 3}",
            "before": None,
            "after": {"n": seq},
            "request_id": None,
            "prev_hash": prev,
        }
        row["hash"] = prev = audit.entry_hash(**row)
        rows.append(row)
    return rows


async def _db_month(engine: AsyncEngine) -> date:
    async with engine.connect() as conn:
        today = (await conn.execute(partitions.TODAY)).scalar_one()
    return date(today.year, today.month, 1)


async def _per_month(engine: AsyncEngine) -> dict[date, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT CAST(date_trunc('month', timezone('Asia/Shanghai', at)) AS date), count(*)"
                " FROM audit_entry GROUP BY 1"
            )
        )
        return {d: int(n) for d, n in rows.all()}


async def _is_partitioned(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        kind = await conn.scalar(
            sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = 'audit_entry'")
        )
    return bool(kind == "p")


async def _months(engine: AsyncEngine) -> set[date]:
    async with transaction(session_factory(engine)) as s:
        return await partitions.existing(s, AUDIT)


def _month(month: date, k: int) -> date:
    """The first of the month ``k`` months from ``month`` (a first), either way."""
    n = month.year * 12 + month.month - 1 + k
    return date(n // 12, n % 12 + 1, 1)


def _noon(month: date, day: int = 15) -> datetime:
    return datetime.combine(month.replace(day=day), datetime.min.time(), tzinfo=CHINA) + timedelta(hours=12)


def _below_partitions(service: str) -> str:
    ((below,),) = [down for rev, down in migrate.revisions(service).items() if rev.endswith("_audit_parts")]
    return below


async def _verify(engine: AsyncEngine) -> audit.ChainReport:
    async with transaction(session_factory(engine)) as s:
        return await audit.verify(s)


async def test_the_migration_keeps_every_entry_per_month_and_the_chain_down_and_up_again(
    stack: Stack,
) -> None:
    url = await stack.anew_database("penalty")
    below = _below_partitions("penalty")
    await asyncio.to_thread(migrate.downgrade, "penalty", url, below)  # one table, as on main
    engine = create_engine(url, pool_size=2)
    try:
        assert not await _is_partitioned(engine)
        month = await _db_month(engine)
        m14, m2, m1 = _month(month, -14), _month(month, -2), _month(month, -1)
        # 2 entries 14 months ago, 1 two months ago, 3 last month (the last at 23:59 China on its last day:
        # 15:59 UTC, still last month in China), 2 this month (01:00 and 02:00 China on the 1st: the day before
        # in UTC, this month in China): 2 + 1 + 3 + 2 = 8 entries
        last_day = _month(m1, 1) - timedelta(days=1)
        late = datetime.combine(last_day, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=23, minutes=59)
        stamps = [_noon(m14, 3), _noon(m14, 20), _noon(m2), _noon(m1, 2), _noon(m1, 9), late]
        stamps += [_noon(month, 1) - timedelta(hours=11), _noon(month, 1) - timedelta(hours=10)]
        rows = _chain(stamps)
        async with engine.begin() as conn:
            await conn.execute(sa.insert(audit_t), rows)
        before = await _per_month(engine)
        assert before == {m14: 2, m2: 1, m1: 3, month: 2}

        await asyncio.to_thread(migrate.upgrade, "penalty", url)
        assert await _is_partitioned(engine)
        assert await _per_month(engine) == before
        # months from the oldest entry's (14 ago) to 3 ahead: 14 + 1 + 3 = 18 partitions
        assert await _months(engine) == {_month(month, i) for i in range(-14, 4)}
        report = await _verify(engine)
        assert (report.valid, report.entries, report.last_hash) == (True, 8, rows[-1]["hash"])
        async with transaction(session_factory(engine)) as s:  # the chain goes on after the copied entries
            assert (
                await audit.append(
                    s, actor="a", actor_role="officer", action="x", entity_type="t", entity_id="1"
                )
                == 9
            )

        await asyncio.to_thread(migrate.downgrade, "penalty", url, below)
        assert not await _is_partitioned(engine)
        after = {**before, month: before[month] + 1}
        assert await _per_month(engine) == after
        assert (await _verify(engine)).entries == 9
        await asyncio.to_thread(migrate.upgrade, "penalty", url)
        assert await _per_month(engine) == after
        report = await _verify(engine)
        assert (report.valid, report.entries) == (True, 9)
    finally:
        await engine.dispose()


async def _refusals(url: str, table: str) -> list[str]:
    """What each of UPDATE, DELETE and TRUNCATE of ``table`` raised (as ``url``'s role); "" when it passed."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    out: list[str] = []
    try:
        for statement in (
            f"UPDATE {table} SET actor = 'someone-else'",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            try:
                async with transaction(session_factory(engine)) as s:
                    await s.execute(sa.text(statement))
                out.append("")
            except sa_exc.DBAPIError as refused:
                out.append(str(refused.orig))
    finally:
        await engine.dispose()
    return out


async def test_every_partition_refuses_update_delete_and_truncate_even_for_the_owner(stack: Stack) -> None:
    roles = await stack.anew_database_with_roles("penalty")
    engine = create_engine(roles.service_url, pool_size=2)
    factory = session_factory(engine)
    try:
        month = await _db_month(engine)
        async with transaction(factory) as s:  # two entries this month, as the service writes them
            for i in range(2):
                await audit.append(
                    s, actor="a", actor_role="officer", action="x", entity_type="t", entity_id=str(i)
                )
        # a month six ahead has no partition (the migration and the job keep three): the DML-only role creates
        # it through the owner's SECURITY DEFINER function, which gives it its own TRUNCATE trigger
        far = _month(month, 6)
        async with transaction(factory) as s:
            assert await partitions.ensure_partition(s, "audit_entry", _noon(far)) is True
        this_month, new_month = (partitions.partition_name(AUDIT, m) for m in (month, far))
        for url in (roles.owner_url, roles.superuser_url):
            for table in (this_month, "audit_entry"):  # they hold the two entries
                refused = await _refusals(url, table)
                assert all("append-only" in r for r in refused), (url, table, refused)
            # the new month is empty: no row for UPDATE or DELETE to refuse, but TRUNCATE is a statement
            assert "append-only" in (await _refusals(url, new_month))[2]
        async with transaction(factory) as s:
            assert await s.scalar(sa.select(sa.func.count()).select_from(audit_t)) == 2
            assert (await audit.verify(s)).valid
    finally:
        await engine.dispose()


async def test_the_job_creates_a_missing_month_as_the_service_role_guarded_like_the_others(
    stack: Stack,
) -> None:
    roles = await stack.anew_database_with_roles("risk")
    engine = create_engine(roles.service_url, pool_size=2)
    factory = session_factory(engine)
    try:
        month = await _db_month(engine)
        ahead = _month(month, 3)
        admin = create_engine(roles.superuser_url, pool_size=1)
        try:
            async with admin.begin() as conn:  # the last month ahead gone (a stopped job)
                await conn.execute(sa.text(f"DROP TABLE {partitions.partition_name(AUDIT, ahead)}"))
        finally:
            await admin.dispose()
        first = await partitions.maintain(factory, AUDIT, service="t-audit")
        second = await partitions.maintain(factory, AUDIT, service="t-audit")
        assert (first.created, second.created, first.dropped) == (1, 0, 0)
        assert {_month(month, i) for i in range(4)} <= await _months(engine)
        # empty, like every month ahead: TRUNCATE (a statement) is what its own trigger refuses
        refused = await _refusals(roles.owner_url, partitions.partition_name(AUDIT, ahead))
        assert "append-only" in refused[2], refused
    finally:
        await engine.dispose()


def test_the_tail_read_starts_at_the_previous_china_month() -> None:
    # 2026-03-01 00:30 China (2026-02-28 16:30 UTC) is in March: the bound is 2026-02-01 00:00 China
    assert audit.tail_since(datetime(2026, 2, 28, 16, 30, tzinfo=UTC)) == datetime(2026, 2, 1, tzinfo=CHINA)
    # 2026-01-31 15:59 UTC is 23:59 China, still January: the bound is 2025-12-01 00:00 China
    assert audit.tail_since(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == datetime(2025, 12, 1, tzinfo=CHINA)


async def test_the_tail_falls_back_to_older_months_and_at_never_goes_back(stack: Stack) -> None:
    engine = create_engine(await stack.anew_database("notify"), pool_size=2)
    factory = session_factory(engine)
    try:
        month = await _db_month(engine)
        old = _month(month, -5)  # nothing in the current or the previous month: the whole table is read
        async with transaction(factory) as s:
            await partitions.ensure_partition(s, "audit_entry", _noon(old))
        rows = _chain([_noon(old, 3), _noon(old, 4)])
        async with engine.begin() as conn:
            await conn.execute(sa.insert(audit_t), rows)
        async with transaction(factory) as s:
            seq = await audit.append(
                s, actor="a", actor_role="officer", action="x", entity_type="t", entity_id="1"
            )
        assert seq == 3
        # an entry stamped next month (a clock that ran ahead, then was set back): the next entry is not
        # stamped before it, so ``at`` never goes backwards along ``seq``
        async with transaction(factory) as s:
            tail = (await s.execute(sa.select(audit_t.c.seq, audit_t.c.hash).where(audit_t.c.seq == 3))).one()
        ahead = _noon(_month(month, 1), 2)
        async with engine.begin() as conn:
            await conn.execute(sa.insert(audit_t), _chain([ahead], after=(tail.seq, tail.hash)))
        async with transaction(factory) as s:
            assert (
                await audit.append(
                    s, actor="a", actor_role="officer", action="x", entity_type="t", entity_id="1"
                )
                == 5
            )
            assert (await audit.append_many(s, [audit.AuditEntry("a", "officer", "y", "t", "2")] * 2)) == [
                6,
                7,
            ]
        async with transaction(factory) as s:
            stamps = list((await s.scalars(sa.select(audit_t.c.at).order_by(audit_t.c.seq))).all())
            report = await audit.verify(s)
        assert stamps == sorted(stamps) and stamps[-1] >= ahead
        assert (report.valid, report.entries) == (True, 7)
    finally:
        await engine.dispose()


@pytest.mark.slow
async def test_every_service_has_its_audit_chain_partitioned_with_months_ahead(stack: Stack) -> None:
    assert AUDIT.service is None  # the kernel's: the job keeps it in every service
    for service in SERVICES:
        engine = create_engine(await stack.anew_database(service), pool_size=1)
        try:
            assert await _is_partitioned(engine), service
            month = await _db_month(engine)
            assert {_month(month, i) for i in range(4)} <= await _months(engine), service
            done = await partitions.maintain(session_factory(engine), AUDIT, service=service)
            assert (done.created, done.dropped) == (0, 0)
        finally:
            await engine.dispose()
