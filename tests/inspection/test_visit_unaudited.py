"""The visits waiting for the auditor live in ``visit_unaudited`` (inspection_0013, issue #16 item 1), not in
``visit.audited_at``: the migration queues the visits not audited yet and only them; the auditor appends each
queued visit once, oldest first, leaves a visit another auditor holds alone (SKIP LOCKED) and gives back a
batch whose transaction fails; the downgrade gives ``audited_at`` back (the chain's time for a visit the
auditor appended, ``recorded_at`` for one written audited, NULL for one still queued)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bench import province, province_inspection
from services.common import migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t
from services.inspection.repository import visits as visit_repo
from services.inspection.use_cases import entry
from tests.support.stack import Stack

BELOW = "inspection_0012_date_bounds"  # visit.audited_at and ix_visit_unaudited
PLAN = province.Plan(enterprises=10, cities=1, years=3, seed=3, until=datetime(2026, 12, 31).date())
COLUMNS = (
    "visit_id", "task_id", "task_kind", "uscc", "district_code", "mode", "status", "started_at", "recorded_at",
    "dept_codes", "cert_nos", "officers", "item_codes", "started_by",
)  # fmt: skip
T0 = datetime(2025, 3, 3, 2, tzinfo=UTC)


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _visit(n: int, recorded_minutes: int) -> tuple[object, ...]:
    """Visit ``n`` (its id ``n``), started at T0 + n hours, recorded ``recorded_minutes`` after T0."""
    task = province_inspection.task_id("random", 1, "2101", "SJ")  # PLAN's year 1 is 2025
    return (uuid.UUID(int=n, version=4), task, "random", province.uscc_of(PLAN, n), "210102", "entry_code",
            "in_progress", T0 + timedelta(hours=n), T0 + timedelta(minutes=recorded_minutes), ["SJ"],
            ["LN210102SJ001"], "[]", ["SJ-0001"], f"officer-{n}")  # fmt: skip


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n, version=4)


async def test_the_queue_from_the_migration_to_the_auditor_and_back(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
    conn = await asyncpg.connect(_dsn(url))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
        await province_inspection.month_partitions(conn, "visit", date(2025, 3, 1), date(2025, 3, 1))
        # recorded in the order 4, 0, 2 (minutes 1, 2, 3); 1 and 3 already audited
        rows = [_visit(0, 2), _visit(1, 5), _visit(2, 3), _visit(3, 4), _visit(4, 1)]
        await conn.copy_records_to_table("visit", records=rows, columns=COLUMNS)
        await conn.execute(
            "UPDATE visit SET audited_at = recorded_at WHERE visit_id = ANY($1)", [_id(1), _id(3)]
        )
    finally:
        await conn.close()

    await asyncio.to_thread(migrate.upgrade, "inspection", url)
    conn = await asyncpg.connect(_dsn(url))
    try:
        queued = await conn.fetch("SELECT * FROM visit_unaudited ORDER BY recorded_at, visit_id")
        assert [(r["visit_id"], r["recorded_at"], r["started_at"]) for r in queued] == [
            (_id(4), T0 + timedelta(minutes=1), T0 + timedelta(hours=4)),
            (_id(0), T0 + timedelta(minutes=2), T0),
            (_id(2), T0 + timedelta(minutes=3), T0 + timedelta(hours=2)),
        ]
        gone = await conn.fetchrow(
            "SELECT to_regclass('ix_visit_unaudited') AS ix,"
            " (SELECT count(*) FROM pg_attribute WHERE attrelid = 'visit'::regclass AND attname = 'audited_at'"
            "  AND NOT attisdropped) AS col"
        )
        assert (gone["ix"], gone["col"]) == (None, 0)
    finally:
        await conn.close()

    engine = create_engine(url, pool_size=2)
    factory = session_factory(engine)
    try:
        # Two auditors: the first holds the oldest visit (4); the second skips it and appends 0 and 2; the
        # first then fails (rollback): visit 4 is queued again.
        async with factory() as first, factory() as second:
            await first.begin()
            held = await visit_repo.claim_unaudited(first, 1)
            assert [(r.visit_id, r.started_by) for r in held] == [(_id(4), "officer-4")]
            async with second.begin():
                assert await entry.audit_visit_starts(second, limit=10) == 2
            await first.rollback()
        conn = await asyncpg.connect(_dsn(url))
        try:
            assert [r[0] for r in await conn.fetch("SELECT visit_id FROM visit_unaudited")] == [_id(4)]
            # a visit written after the upgrade by a statement that names no queue (as the previous release's
            # check-in, or a hand-written INSERT): the trigger queues it, recorded after 4
            await conn.copy_records_to_table("visit", records=[_visit(5, 9)], columns=COLUMNS)
            assert [
                tuple(r) for r in await conn.fetch("SELECT * FROM visit_unaudited ORDER BY recorded_at")
            ] == [
                (T0 + timedelta(minutes=1), _id(4), T0 + timedelta(hours=4)),
                (T0 + timedelta(minutes=9), _id(5), T0 + timedelta(hours=5)),
            ]
        finally:
            await conn.close()

        async with transaction(factory) as s:  # the real auditor, a batch of 1, then the rest
            assert await entry.audit_visit_starts(s, limit=1) == 1
        async with transaction(factory) as s:
            assert await entry.audit_visit_starts(s, limit=10) == 1
        async with transaction(factory) as s:
            assert await entry.audit_visit_starts(s, limit=10) == 0
        async with transaction(factory) as s:
            chain = (
                await s.execute(
                    sa.select(audit_t.c.entity_id, audit_t.c.at)
                    .where(audit_t.c.entity_type == "visit")
                    .order_by(audit_t.c.seq)
                )
            ).all()
    finally:
        await engine.dispose()
    # each queued visit once: 0 and 2 by the second auditor, then 4 and 5 in the queue's order
    assert [e for e, _ in chain] == [str(_id(n)) for n in (0, 2, 4, 5)]
    at = dict(chain)

    # visit 5 is queued again, by hand, to be still unaudited at the downgrade
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("INSERT INTO visit_unaudited SELECT recorded_at, visit_id, started_at FROM visit"
                           " WHERE visit_id = $1", _id(5))  # fmt: skip
    finally:
        await conn.close()
    await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
    conn = await asyncpg.connect(_dsn(url))
    try:
        back = dict(await conn.fetch("SELECT visit_id, audited_at FROM visit"))
        restored = await conn.fetchrow(
            "SELECT to_regclass('ix_visit_unaudited') IS NOT NULL AS ix, to_regclass('visit_unaudited') AS queue"
        )
    finally:
        await conn.close()
    assert back == {
        _id(0): at[str(_id(0))],  # its entry's time in the chain
        _id(1): T0 + timedelta(minutes=5),  # written audited: its recorded_at
        _id(2): at[str(_id(2))],
        _id(3): T0 + timedelta(minutes=4),
        _id(4): at[str(_id(4))],
        _id(5): None,  # still queued
    }
    assert (restored["ix"], restored["queue"]) == (True, None)


async def test_the_auditors_plan_reads_the_queue_and_the_visits_by_key(stack: Stack) -> None:
    """A backlog of 20,000 queued visits (an outage of the worker) in a month of 20,000: the auditor's
    statement deletes the locked rows by their ctid and reads each visit by its primary key in its month (a
    nested loop), not by a hash join over the queue or the month's partition."""
    url = await stack.anew_database("inspection")
    conn = await asyncpg.connect(_dsn(url))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
        await province_inspection.month_partitions(conn, "visit", date(2025, 3, 1), date(2025, 3, 1))
        rows = [
            _visit(n, n % 600)[:7] + (T0,) + _visit(n, n % 600)[8:] for n in range(20_000)
        ]  # all started at T0
        await conn.copy_records_to_table("visit", records=rows, columns=COLUMNS)  # each queued by the trigger
        assert await conn.fetchval("SELECT count(*) FROM visit_unaudited") == 20_000
        await conn.execute("ANALYZE")
        sql = str(
            visit_repo.claim_unaudited_statement(500).compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
        )
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {sql}"))
    finally:
        await conn.close()
    assert "Tid Scan on visit_unaudited" in plan, plan
    assert "Nested Loop" in plan and "Index Scan using visit_202503_pkey" in plan, plan
    # (the other months' partitions, empty, are scanned in the plan and pruned at each row)
    assert "Hash Join" not in plan and "Seq Scan on visit_unaudited" not in plan, plan
    assert "Seq Scan on visit_202503" not in plan, plan


async def test_every_inserted_visit_is_queued_once_and_follows_a_move_to_another_month(stack: Stack) -> None:
    """The queue is kept by triggers on ``visit`` (inspection_0013), not by the check-in's statement: a visit
    written by any INSERT or COPY is queued; a correction that moves visits to another month (an UPDATE across
    partitions: a DELETE and an INSERT in the partitions) queues none again: the one still queued follows to
    its new month, the one already appended stays out. Each is appended once."""
    url = await stack.anew_database("inspection")
    conn = await asyncpg.connect(_dsn(url))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
        await province_inspection.month_partitions(conn, "visit", date(2025, 3, 1), date(2025, 4, 1))
        await conn.copy_records_to_table("visit", records=[_visit(0, 1), _visit(1, 2)], columns=COLUMNS)
        queued = [tuple(r) for r in await conn.fetch("SELECT * FROM visit_unaudited ORDER BY recorded_at")]
        assert queued == [
            (T0 + timedelta(minutes=1), _id(0), T0),
            (T0 + timedelta(minutes=2), _id(1), T0 + timedelta(hours=1)),
        ]
    finally:
        await conn.close()
    engine = create_engine(url, pool_size=2)
    factory = session_factory(engine)
    try:
        async with transaction(factory) as s:  # visit 0, the oldest, appended
            assert await entry.audit_visit_starts(s, limit=1) == 1
        conn = await asyncpg.connect(_dsn(url))
        try:
            # both moved from March to April in one statement (T0 is 2025-03-03 02:00 UTC; + 31 days)
            await conn.execute(
                "UPDATE visit SET started_at = started_at + interval '31 days' WHERE visit_id = ANY($1)",
                [_id(0), _id(1)],
            )
            assert {r[0] for r in await conn.fetch("SELECT tableoid::regclass::text FROM visit")} == {
                "visit_202504"
            }
            queued = [tuple(r) for r in await conn.fetch("SELECT * FROM visit_unaudited")]
            assert queued == [(T0 + timedelta(minutes=2), _id(1), T0 + timedelta(hours=1, days=31))]
        finally:
            await conn.close()
        async with transaction(factory) as s:
            assert await entry.audit_visit_starts(s, limit=10) == 1
        async with transaction(factory) as s:
            assert await entry.audit_visit_starts(s, limit=10) == 0
            chain = (
                (
                    await s.execute(
                        sa.select(audit_t.c.entity_id)
                        .where(audit_t.c.entity_type == "visit")
                        .order_by(audit_t.c.seq)
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert chain == [str(_id(0)), str(_id(1))]
