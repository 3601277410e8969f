"""The body of every service's Alembic ``env.py`` (async, online and offline)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.db import asyncpg_url


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
            connection=connection, target_metadata=metadata, version_table=version_table, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(asyncpg_url(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(main())
