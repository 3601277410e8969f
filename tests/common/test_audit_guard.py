"""The audit chain is append-only at the database (issue #13): the service's own role cannot change, delete
or truncate audit entries (privileges), and nobody can without first disabling the trigger."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t
from tests.support.stack import DatabaseRoles, Stack, settings_for


@pytest.fixture
async def roles(stack: Stack) -> DatabaseRoles:
    return await stack.anew_database_with_roles("penalty")


@pytest.fixture
async def service_factory(roles: DatabaseRoles) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    # exactly what the service builds from its settings (services/common/app.py build_service_app)
    settings = settings_for("penalty", database_url=roles.service_url, database_owner_url=roles.owner_url)
    engine = create_engine(settings.database_url, pool_size=2, max_overflow=0)
    yield session_factory(engine)
    await engine.dispose()


async def _append(factory: async_sessionmaker[AsyncSession], n: int) -> None:
    for i in range(n):
        async with transaction(factory) as s:
            await audit.append(
                s,
                actor="officer-1",
                actor_role="officer",
                action="case.update",
                entity_type="penalty_case",
                entity_id="c1",
                after={"i": i},
            )


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


async def test_the_service_role_appends_but_cannot_update_delete_or_truncate(
    service_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _append(service_factory, 3)  # INSERT is granted: the service works
    statements = [
        sa.update(audit_t).where(audit_t.c.seq == 2).values(actor="someone-else"),
        sa.delete(audit_t).where(audit_t.c.seq == 3),
        sa.text("TRUNCATE audit_entry"),
        sa.text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"),
    ]
    for statement in statements:
        with pytest.raises(sa_exc.ProgrammingError) as refused:
            async with transaction(service_factory) as s:
                await s.execute(statement)
        # 42501 insufficient_privilege / must be owner: PostgreSQL's own refusal, not ours
        assert _sqlstate(refused.value) == "42501", refused.value
        assert "audit_entry" in str(refused.value)
    async with transaction(service_factory) as s:
        rows = (await s.execute(sa.select(audit_t.c.seq, audit_t.c.actor).order_by(audit_t.c.seq))).all()
        report = await audit.verify(s)
    assert [(r.seq, r.actor) for r in rows] == [(1, "officer-1"), (2, "officer-1"), (3, "officer-1")]
    assert report.valid and report.entries == 3


async def test_even_the_owner_is_stopped_by_the_trigger(
    roles: DatabaseRoles, service_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _append(service_factory, 2)
    engine = create_engine(roles.superuser_url, pool_size=1, max_overflow=0)
    try:
        for url in (roles.owner_url, roles.superuser_url):
            engine2 = create_engine(url, pool_size=1, max_overflow=0)
            try:
                for statement in (
                    sa.update(audit_t).values(actor="x"),
                    sa.delete(audit_t),
                    sa.text("TRUNCATE audit_entry"),
                ):
                    with pytest.raises(sa_exc.DBAPIError) as refused:
                        async with transaction(session_factory(engine2)) as s:
                            await s.execute(statement)
                    assert "append-only" in str(refused.value)
            finally:
                await engine2.dispose()
        async with transaction(session_factory(engine)) as s:
            assert await s.scalar(sa.select(sa.func.count()).select_from(audit_t)) == 2
    finally:
        await engine.dispose()


async def test_the_service_role_cannot_write_the_schema_version(
    service_factory: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(sa_exc.ProgrammingError) as refused:
        async with transaction(service_factory) as s:
            await s.execute(sa.text("UPDATE alembic_version_penalty SET version_num = 'penalty_0001'"))
    assert _sqlstate(refused.value) == "42501"
