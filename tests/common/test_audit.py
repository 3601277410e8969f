"""The audit chain stays one chain under concurrent appends, and tampering is detected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t
from tests.support.stack import Stack


@pytest.fixture
async def factory(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await stack.anew_database("penalty"), pool_size=20, max_overflow=10)
    yield session_factory(engine)
    await engine.dispose()


async def append_one(factory: async_sessionmaker[AsyncSession], i: int, *, fail: bool = False) -> None:
    async with transaction(factory) as s:
        await audit.append(
            s,
            actor=f"u{i}",
            actor_role="officer",
            action="case.update",
            entity_type="case",
            entity_id=str(i % 7),
            before={"n": i},
            after={"n": i + 1},
        )
        await asyncio.sleep(0.001 * (i % 5))
        if fail:
            raise RuntimeError("rolled back")


async def test_concurrent_appends_form_one_chain(factory: async_sessionmaker[AsyncSession]) -> None:
    results = await asyncio.gather(
        *(append_one(factory, i, fail=(i % 10 == 3)) for i in range(60)), return_exceptions=True
    )
    failed = sum(1 for r in results if isinstance(r, Exception))
    assert failed == 6  # i = 3, 13, 23, 33, 43, 53
    async with transaction(factory) as s:
        report = await audit.verify(s)
        seqs = list((await s.scalars(sa.select(audit_t.c.seq).order_by(audit_t.c.seq))).all())
    assert report.valid and report.entries == 54
    assert seqs == list(range(1, 55))  # no gaps from the rolled-back appends


async def test_tampering_is_detected(factory: async_sessionmaker[AsyncSession]) -> None:
    for i in range(5):
        await append_one(factory, i)
    async with transaction(factory) as s:
        # as the administrator would: the append-only trigger first (this database's URL is a superuser's)
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        await s.execute(sa.update(audit_t).where(audit_t.c.seq == 3).values(after={"n": 999}))
    async with transaction(factory) as s:
        report = await audit.verify(s)
    assert not report.valid and report.first_broken_seq == 3


async def test_deleted_entry_is_detected(factory: async_sessionmaker[AsyncSession]) -> None:
    for i in range(4):
        await append_one(factory, i)
    async with transaction(factory) as s:
        await s.execute(sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        await s.execute(sa.delete(audit_t).where(audit_t.c.seq == 2))
    async with transaction(factory) as s:
        report = await audit.verify(s)
    assert not report.valid and report.first_broken_seq == 2
