"""The penalty migrations: reversible, and the hand-written tables equal the models (alembic compare_metadata)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import migrate, partitions
from services.common.db import asyncpg_url
from services.penalty.models import metadata
from tests.support.stack import Stack


async def _diff(url: str) -> list[Any]:
    engine = create_async_engine(asyncpg_url(url))
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": partitions.include_name}
                )
                diff = compare_metadata(context, metadata)
                # the version table is Alembic's own, not a model
                return [
                    d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version_penalty")
                ]

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_models_match_the_migrations(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    assert await _diff(url) == []


async def test_downgrade_and_upgrade_again(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    await asyncio.to_thread(migrate.downgrade, "penalty", url, "penalty_0001")
    await asyncio.to_thread(migrate.upgrade, "penalty", url)
    assert await _diff(url) == []


async def test_published_versions_are_immutable_in_the_database(stack: Stack) -> None:
    """Defence in depth behind the service's check: the trigger refuses edits of a published row."""
    url = await stack.anew_database("penalty")
    engine = create_async_engine(asyncpg_url(url))
    insert = sa.text(
        "INSERT INTO benchmark_version (code, version, status, effective_from, department_code, domain, "
        "violation_name, approving_document, body, drafted_by) VALUES ('SY-SJ-9999', 1, 'published', "
        "'2026-01-01', 'SJ', 'd', 'v', 'doc', '{}'::jsonb, 't')"
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(insert)
        for statement in (
            "UPDATE benchmark_version SET body = '{\"x\": 1}'::jsonb",
            "UPDATE benchmark_version SET status = 'draft'",
            "DELETE FROM benchmark_version",
        ):
            with pytest.raises(sa.exc.IntegrityError):
                async with engine.begin() as conn:
                    await conn.execute(sa.text(statement))
        # closing the period once, when a successor is published, is the one change allowed
        async with engine.begin() as conn:
            await conn.execute(sa.text("UPDATE benchmark_version SET effective_to = '2026-06-30'"))
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(sa.text("UPDATE benchmark_version SET effective_to = '2026-07-31'"))
    finally:
        await engine.dispose()
