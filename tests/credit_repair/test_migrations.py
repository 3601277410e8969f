"""The credit_repair migration: matches the models, and is reversible."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import migrate, partitions
from services.credit_repair.models import metadata
from tests.support.stack import Stack


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: sa.Connection) -> list[object]:
                ctx = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": partitions.include_name}
                )
                return [
                    d
                    for d in compare_metadata(ctx, metadata)
                    if not (d[0] == "remove_table" and d[1].name == "alembic_version_credit_repair")
                ]

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_models_match_the_migration_and_it_reverses(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    assert await _diff(url) == []
    await asyncio.to_thread(migrate.downgrade, "credit_repair", url, "credit_repair_0001")
    assert len(await _diff(url)) > 0  # the tables are gone
    await asyncio.to_thread(migrate.upgrade, "credit_repair", url)
    assert await _diff(url) == []
