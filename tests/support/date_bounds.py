"""What the ``*_date_bounds`` migration tests share (services/common/date_bounds.py): a database at the
revision below, statements run and rows read on it, the migration's refusal while a calendar day out of range
is stored, and the CHECK constraints the database holds against those ``models.py`` declares."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import migrate
from services.common.db import asyncpg_url
from tests.support.stack import Stack


async def database_at(stack: Stack, service: str, revision: str) -> str:
    """A fresh database of ``service`` migrated up to ``revision``."""
    url = await stack.anew_database(service, migrated=False)
    await asyncio.to_thread(migrate.upgrade, service, url, revision)
    return url


async def execute(url: str, *statements: str) -> None:
    """Run ``statements`` in one transaction."""
    await migrate.execute_statements(url, list(statements))


async def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(asyncpg_url(url))
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(sa.text(query))).all()]
    finally:
        await engine.dispose()


async def refused(url: str, statement: str) -> bool:
    """Whether the database refuses ``statement`` with a CHECK violation (SQLSTATE 23514)."""
    try:
        await execute(url, statement)
    except sa.exc.IntegrityError as e:
        assert getattr(e.orig, "sqlstate", None) == "23514", e
        return True
    return False


async def version(url: str, service: str) -> str:
    ((revision,),) = await rows(url, f"SELECT version_num FROM {migrate.version_table(service)}")
    return str(revision)


async def refuses_while_a_calendar_day_is_out_of_range(url: str, service: str, below: str) -> None:
    """With ``calendar_override`` holding ``infinity`` and 1899-12-31 (days the calendar cannot mean
    anything by), the upgrade stops naming both rows and leaves the database at ``below``, its rows unchanged;
    with them removed, the caller's upgrade goes through."""
    await execute(
        url,
        "INSERT INTO calendar_override (day, is_working_day, note) VALUES"
        " ('infinity', true, 'x'), ('1899-12-31', false, 'y'), ('2026-10-08', true, 'z')",
    )
    with pytest.raises(RuntimeError) as refusal:
        await asyncio.to_thread(migrate.upgrade, service, url)
    message = str(refusal.value)
    assert (
        "calendar_override.day (refuse): (day) = (1899-12-31): 1899-12-31; (day) = (infinity): infinity"
        in (message)
    ), message
    assert await version(url, service) == below
    assert await rows(url, "SELECT CAST(day AS text) FROM calendar_override ORDER BY day") == [
        ("1899-12-31",),
        ("2026-10-08",),
        ("infinity",),
    ]
    await execute(url, "DELETE FROM calendar_override WHERE day NOT BETWEEN '1900-01-01' AND '2199-12-31'")


async def constraints_in_database(url: str) -> set[tuple[str, str]]:
    """The ``*_in_range`` CHECK constraints defined on a table itself (not those a partition inherits)."""
    found = await rows(
        url,
        "SELECT CAST(conrelid AS regclass)::text, conname FROM pg_constraint"
        " WHERE contype = 'c' AND conislocal AND conname LIKE '%\\_in\\_range'",
    )
    return {(str(table), str(name)) for table, name in found}


async def inherited_constraints(url: str) -> int:
    """The ``*_in_range`` CHECK constraints partitions hold from their parent."""
    ((n,),) = await rows(
        url,
        "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND NOT conislocal AND conname LIKE '%\\_in\\_range'",
    )
    return int(n)


def constraints_in_models(metadata: sa.MetaData) -> set[tuple[str, str]]:
    return {
        (table.name, str(c.name))
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, sa.CheckConstraint) and str(c.name).endswith("_in_range")
    }


async def calendar_day_refused(url: str) -> None:
    """After the upgrade: the kernel's calendar takes the last day and refuses the day after it."""
    await execute(url, "INSERT INTO calendar_override (day, is_working_day) VALUES ('2199-12-31', true)")
    assert await refused(
        url, "INSERT INTO calendar_override (day, is_working_day) VALUES ('2200-01-01', true)"
    )
    assert await refused(url, "INSERT INTO calendar_override (day, is_working_day) VALUES ('infinity', true)")
