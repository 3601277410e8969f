"""The kernel's hourly ``partitions`` job run against a fresh migrated database of one service, as that service
runs it (services/common/app.py ``partitions_job``): the shared set-up of every partitioned table's "the job
keeps its partitions in its own service only" test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common import partitions
from services.common.db import create_engine, session_factory
from tests.support.stack import Stack

Statements = list[tuple[str, Any]]
Before = Callable[[AsyncConnection, date], Awaitable[None]]


@asynccontextmanager
async def job_ran(
    stack: Stack, service: str, *, before: Before | None = None
) -> AsyncIterator[tuple[AsyncEngine, date]]:
    """A new database of ``service`` on which the job ran once as ``service``; ``before(conn, today)`` runs
    first (in one transaction: drop a partition the job must make again). Yields the engine and the
    database's China date (``partitions.TODAY``)."""
    from services.common.app import partitions_job
    from services.common.settings import ServiceSettings

    job = partitions_job(ServiceSettings(env="test"))
    engine = create_engine(await stack.anew_database(service), pool_size=1)
    try:
        async with engine.begin() as conn:
            today: date = (await conn.execute(partitions.TODAY)).scalar_one()
            if before is not None:
                await before(conn, today)
        runtime = SimpleNamespace(factory=session_factory(engine), info=SimpleNamespace(name=service))
        await job.fn(runtime)  # type: ignore[arg-type]
        yield engine, today
    finally:
        await engine.dispose()


def captured(engine: AsyncEngine, keep: Callable[[str], bool]) -> Statements:
    """The statements (with their parameters) that ``engine`` sends from now on and ``keep`` selects: what a
    partition test EXPLAINs to see which partitions a read or a write plans."""
    statements: Statements = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if keep(statement):
            statements.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
    return statements


def months_back(day: date, months: int) -> date:
    """The first of the month ``months`` before ``day``'s (counted here, not by the kernel's windows)."""
    start = day.replace(day=1)
    for _ in range(months):
        start = (start - timedelta(days=1)).replace(day=1)
    return start
