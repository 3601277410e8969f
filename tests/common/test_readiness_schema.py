"""A service is ready only on a database migrated to its Alembic head (issue #11, item 15): a pod must never
take traffic on an unmigrated or half-migrated schema. A database *ahead* of the code (the next release
migrated first, expand/contract) keeps the old pods ready, so a rolling update has no gap. Migrations from
several pods at once (an init container per pod) are serialised by an advisory lock."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import migrate
from tests.support.stack import Running, Stack, client, running_service, wait_for

SERVICE = "credit_repair"
NO_NATS = "nats://127.0.0.1:1"


def revisions() -> list[str]:
    """The service's revisions, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(SERVICE, "postgresql://unused"))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


@pytest.fixture
async def database(stack: Stack) -> str:
    return await stack.anew_database(SERVICE, migrated=False)


@pytest.fixture
async def service(database: str) -> AsyncIterator[Running]:
    async with running_service(SERVICE, database_url=database, nats_url=NO_NATS) as svc:
        yield svc


async def readyz(svc: Running) -> tuple[int, dict[str, str]]:
    async with client(svc.url) as http:
        r = await http.get("/readyz")
    return r.status_code, r.json()


async def execute(url: str, sql: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


async def test_an_unmigrated_database_is_not_ready(service: Running) -> None:
    status, body = await readyz(service)
    assert status == 503, body
    assert body["database"] == "up" and body["schema"] == "missing"
    assert "zhifa migrate credit_repair" in body["reason"]


async def test_a_database_behind_the_code_is_not_ready_until_migrated(
    service: Running, database: str
) -> None:
    history = revisions()
    assert len(history) >= 2
    await asyncio.to_thread(migrate.upgrade, SERVICE, database, history[0])
    status, body = await readyz(service)
    assert (status, body["schema"]) == (503, "behind"), body
    assert history[0] in body["reason"] and history[-1] in body["reason"]
    await asyncio.to_thread(migrate.upgrade, SERVICE, database)
    status, body = await readyz(service)
    assert status == 200, body
    assert body["schema"] == "current"


async def test_a_database_ahead_of_the_code_stays_ready_for_a_rolling_update(
    service: Running, database: str
) -> None:
    await asyncio.to_thread(migrate.upgrade, SERVICE, database)
    # The next release's migration ran first (its init container); this pod's code does not know it.
    await execute(database, f"UPDATE alembic_version_{SERVICE} SET version_num = 'f0000000next'")
    status, body = await readyz(service)
    assert (status, body["schema"]) == (200, "ahead"), body


async def test_concurrent_migrations_are_serialised(database: str, tmp_path: Path) -> None:
    # Three pods start at once and each runs `zhifa migrate` in its init container: without a lock the
    # runs race on the tables and the version row, and all but one fail. The processes import everything
    # first and wait for one signal, so that they really start migrating together.
    go = tmp_path / "go"
    code = (
        "import os, sys, time\n"
        "from zhifa.cli import app\n"
        f"open(os.path.join({str(tmp_path)!r}, f'imported-{{os.getpid()}}'), 'w').close()\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.005)\n"
        f"app(['migrate', {SERVICE!r}])\n"
    )
    env = {**os.environ, "ZHIFA_ENV": "test", f"ZHIFA_{SERVICE.upper()}_DATABASE_URL": database}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(3)
    ]

    async def all_imported() -> bool:  # each process says so with a file, then waits for the signal
        names = await asyncio.to_thread(os.listdir, tmp_path)
        return sum(name.startswith("imported-") for name in names) == len(procs)

    await wait_for(all_imported, timeout=60, interval=0.02)  # was a fixed 4 s, too short on a loaded machine
    go.touch()
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    assert [p.returncode for p in procs] == [0, 0, 0], [out.decode()[-1500:] for out, _ in outputs]
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            versions = (
                await conn.execute(sa.text(f"SELECT version_num FROM alembic_version_{SERVICE}"))
            ).all()
    finally:
        await engine.dispose()
    assert [v[0] for v in versions] == [revisions()[-1]]
