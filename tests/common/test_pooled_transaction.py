"""db.offer_pooled / pooled_connection: a request's transaction on a connection of the engine's pool, without
an ORM session (issue #16, the check-in), ended by the edge; one transaction per request still."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from services.common import db, outbox
from services.common.contracts.diagnostics import PINGS
from services.common.edge import RequestContext
from services.common.tables import outbox_t
from tests.support.stack import Stack


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
