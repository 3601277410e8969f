"""The body of every service's Alembic ``env.py`` (async, online and offline)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import partitions
from services.common.db import asyncpg_url
from services.common.migrate import lock_key


def run(metadata: MetaData, service: str) -> None:
    config = context.config
    url = str(config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or "")
    version_table = f"alembic_version_{service}"
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            compare_type=True,
            include_name=partitions.include_name,  # the day partitions are not models
        )
        with context.begin_transaction():
            # Concurrent runs (one per starting pod) wait here; the lock ends with the transaction, after
            # which the next run finds the schema at head (services/common/migrate.py).
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(service)})
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(main())
