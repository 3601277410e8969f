"""db.offer_pooled / pooled_connection: a request's transaction on a connection of the engine's pool, without
an ORM session (issue #16, the check-in), ended by the edge; one transaction per request still."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from services.common import db, outbox
from services.common.contracts.diagnostics import PINGS
from services.common.edge import RequestContext
from services.common.tables import outbox_t
from tests.support.stack import Stack, dedicated_postgres, migrated_database


async def test_the_pooled_transaction_commits_rolls_back_and_refuses_a_second_transaction(
    stack: Stack,
) -> None:
    url = await stack.anew_database("inspection")
    engine = db.create_engine(url, pool_size=1, max_overflow=0)
    factory = db.session_factory(engine)
    pool = engine.sync_engine.pool
    try:
        async with factory() as setup, setup.begin():
            await setup.execute(sa.text("CREATE TABLE pooled_probe (n int PRIMARY KEY)"))

        # committed: the row is there, the one connection is back in the pool, idle
        session = factory()
        assert await db.pooled_connection(session) is None  # not offered: the session's own transaction
        db.offer_pooled(session)
        raw = await db.pooled_connection(session)
        assert raw is not None and not raw.is_in_transaction()
        await raw.execute("BEGIN; INSERT INTO pooled_probe VALUES (1)")
        assert db.holds_pooled(session) and pool.checkedout() == 1  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="second transaction"):
            await session.execute(sa.text("SELECT 1"))  # would need a second connection of a pool of one
        await session.rollback()
        await db.commit_pooled(session)
        assert not db.holds_pooled(session) and pool.checkedout() == 0  # type: ignore[attr-defined]
        await session.close()

        # left open: the release rolls it back before the pool takes the connection back
        session = factory()
        db.offer_pooled(session)
        raw = await db.pooled_connection(session)
        await raw.execute("BEGIN; INSERT INTO pooled_probe VALUES (2)")
        await db.release_pooled(session)
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert not raw.is_in_transaction()
        await session.close()

        # once the session has begun a transaction of its own, the request stays on it
        session = factory()
        db.offer_pooled(session)
        assert await session.scalar(sa.text("SELECT count(*) FROM pooled_probe")) == 1
        assert await db.pooled_connection(session) is None
        await session.close()
    finally:
        await engine.dispose()


async def test_the_edge_commits_the_pooled_transaction_with_its_staged_events(stack: Stack) -> None:
    """The edge's commit of a request on its pooled connection writes what was staged by ``outbox.add`` in
    the same transaction, as the session's commit would; its rollback drops them and the transaction."""
    url = await stack.anew_database("inspection")
    engine = db.create_engine(url, pool_size=1, max_overflow=0)
    factory = db.session_factory(engine)
    try:
        pings = []
        for commit in (True, False):
            ctx = RequestContext(factory)
            session = ctx.get_session()
            raw = await db.pooled_connection(session)
            await raw.execute("BEGIN")
            ping = PINGS["inspection"](ping_id=uuid.uuid4(), origin="inspection", note="pooled")
            pings.append(outbox.add(session, ping).id)
            await (ctx.commit() if commit else ctx.rollback())
            assert not db.holds_pooled(session) and outbox.PENDING_KEY not in session.info
        async with db.transaction(factory) as s:
            stored = (await s.execute(sa.select(outbox_t.c.id, outbox_t.c.type))).all()
        assert [(row.id, row.type) for row in stored] == [(pings[0], "inspection.diagnostic.ping")]
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------------------
# Kept between requests (issue #16 item 1): up to half the pool's connections, ended cleanly, are kept checked
# out for the next request; none is ever handed on in a transaction, closed, or past a restart.


async def _request(factory: Any, statements: str) -> Any:
    """One request on its pooled connection, as the edge runs it: BEGIN and ``statements``, then its commit."""
    ctx = RequestContext(factory)
    session = ctx.get_session()
    try:
        raw = await db.pooled_connection(session)
        assert raw is not None
        await raw.execute(f"BEGIN; {statements}")
        await ctx.commit()
    finally:
        await db.release_pooled(session)  # the edge's finally
        await session.close()
    return raw


async def test_a_cleanly_ended_pooled_connection_is_kept_for_the_next_request(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    engine = db.create_engine(url, pool_size=4, max_overflow=0)
    factory = db.session_factory(engine)
    pool = engine.sync_engine.pool
    try:
        first = await _request(factory, "CREATE TABLE kept_probe (n int PRIMARY KEY)")
        assert pool.checkedout() == 1  # type: ignore[attr-defined]  # kept: still checked out of the pool
        assert await _request(factory, "INSERT INTO kept_probe VALUES (1)") is first  # the same connection
        assert pool.checkedout() == 1  # type: ignore[attr-defined]

        # three requests at once: three connections; afterwards half the pool (2 of 4) is kept, one goes back
        ctxs = [RequestContext(factory) for _ in range(3)]
        raws = [await db.pooled_connection(c.get_session()) for c in ctxs]
        assert len({id(r) for r in raws}) == 3 and pool.checkedout() == 3  # type: ignore[attr-defined]
        for n, (ctx, raw) in enumerate(zip(ctxs, raws, strict=True)):
            await raw.execute(f"BEGIN; INSERT INTO kept_probe VALUES ({10 + n})")
            await ctx.commit()
        assert pool.checkedout() == 2 and pool.checkedin() == 1  # type: ignore[attr-defined]  # of 3 opened

        # a request the edge rolls back: its transaction is undone before the connection is kept
        ctx = RequestContext(factory)
        raw = await db.pooled_connection(ctx.get_session())
        await raw.execute("BEGIN; INSERT INTO kept_probe VALUES (99)")
        await ctx.rollback()
        assert not raw.is_in_transaction() and pool.checkedout() == 2  # type: ignore[attr-defined]

        # a session of the request still gets a connection of the pool's other half
        async with db.transaction(factory) as s:
            assert await s.scalar(sa.text("SELECT count(*) FROM kept_probe")) == 4
    finally:
        await engine.dispose()
    assert await _others_connected(url) == 0  # dispose closed the kept connections


async def _others_connected(url: str) -> int:
    """Connections to the database of ``url`` other than the one asking."""
    probe = await asyncpg.connect(db.plain_dsn(url))
    try:
        count: int = await probe.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return count
    finally:
        await probe.close()


async def test_a_cancelled_request_leaves_no_transaction_on_a_kept_connection(stack: Stack) -> None:
    """The client went away mid-statement: the edge's rollback and release still end the transaction (asyncpg
    waits for the server's cancellation first), so the next request's connection is idle and sees nothing."""
    url = await stack.anew_database("inspection")
    engine = db.create_engine(url, pool_size=2, max_overflow=0)
    factory = db.session_factory(engine)
    pool = engine.sync_engine.pool
    try:
        await _request(factory, "CREATE TABLE cancel_probe (n int)")
        started = asyncio.Event()

        async def slow_request() -> None:
            ctx = RequestContext(factory)
            session = ctx.get_session()
            try:
                raw = await db.pooled_connection(session)
                await raw.execute("BEGIN; INSERT INTO cancel_probe VALUES (1)")
                started.set()
                await raw.execute("SELECT pg_sleep(30)")
            except BaseException:
                await ctx.rollback()  # as the edge's ``except BaseException``
                raise
            finally:
                await db.release_pooled(session)

        for _ in range(3):
            started.clear()
            task = asyncio.create_task(slow_request())
            await started.wait()
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert pool.checkedout() == 1  # type: ignore[attr-defined]  # kept, or back in the pool: not lost
        raw = await _request(factory, "SELECT 1")
        assert await raw.fetchval("SELECT count(*) FROM cancel_probe") == 0
        async with db.transaction(factory) as s:
            busy = await s.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            )
        assert busy == 0
    finally:
        await engine.dispose()


async def test_a_kept_connection_is_not_handed_out_after_a_postgresql_restart() -> None:
    """A restart closes every connection: the next request takes a new one instead of failing on a kept one."""
    async with dedicated_postgres() as pg:
        url = await migrated_database(pg, "inspection")
        engine = db.create_engine(url, pool_size=4, max_overflow=0)
        factory = db.session_factory(engine)
        pool = engine.sync_engine.pool
        try:
            before = await _request(factory, "CREATE TABLE restart_probe (n int)")
            assert pool.checkedout() == 1  # type: ignore[attr-defined]
            await asyncio.to_thread(pg.stop, "fast")
            await asyncio.to_thread(pg.start)
            after = await _request(factory, "INSERT INTO restart_probe VALUES (1)")  # the first try succeeds
            assert after is not before and before.is_closed()
            assert await after.fetchval("SELECT count(*) FROM restart_probe") == 1
            assert pool.checkedout() == 1  # type: ignore[attr-defined]  # the dead one went back to the pool
        finally:
            await engine.dispose()
