"""Kill NATS, a service process and PostgreSQL (SIGKILL, no warning) under load and restart each: nothing is
lost and nothing is applied twice (SPEC §8).

Load: a client posts diagnostic pings to the inspection service, each with its own Idempotency-Key, and
retries on any failure with the same key, as the mobile app does. The penalty service consumes every ping.
At the end every accepted ping must be in penalty's table exactly once, and no ping may have two event ids
(a retry that created a second event).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.common import migrate
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from tests.support.stack import token

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]
ZHIFA = str(Path(sys.executable).parent / "zhifa")


@dataclass
class Cluster:
    root: Path
    pg: EmbeddedPostgres
    nats: EmbeddedNats
    urls: dict[str, str] = field(default_factory=dict)
    dbs: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_service(self, name: str) -> None:
        port = int(self.urls[name].rsplit(":", 1)[1])
        env = {
            **os.environ,
            "ZHIFA_ENV": "test",
            "ZHIFA_NATS_URL": self.nats.url,
            "ZHIFA_LOG_LEVEL": "WARNING",
            f"ZHIFA_{name.upper()}_DATABASE_URL": self.dbs[name],
            f"ZHIFA_{name.upper()}_RELAY_POLL_INTERVAL_S": "0.2",
            f"ZHIFA_{name.upper()}_CONSUMER_ACK_WAIT_S": "3",
        }
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [ZHIFA, "serve", name, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill_service(self, name: str) -> None:
        self.procs[name].kill()
        self.procs[name].wait(10)


async def ready(url: str, timeout: float = 30) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(int(timeout * 10)):
            try:
                if (await http.get(url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} not up")


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    root = tmp_path_factory.mktemp("faults")
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    nats.start()
    c = Cluster(root, pg, nats)
    for name in ("inspection", "penalty"):
        pg.psql(f'CREATE DATABASE "{name}"')
        c.dbs[name] = pg.dsn(name, driver="postgresql+asyncpg")
        await asyncio.to_thread(migrate.upgrade, name, c.dbs[name])
        c.urls[name] = f"http://127.0.0.1:{free_port()}"
        c.start_service(name)
        await ready(c.urls[name])
    try:
        yield c
    finally:
        for p in c.procs.values():
            p.kill()
        nats.stop()
        pg.stop("immediate")


async def send_pings(
    c: Cluster, n: int, accepted: dict[str, set[str]], *, tag: str, interval: float = 0.02
) -> None:
    headers = {"Authorization": f"Bearer {token('admin', 'fault-client')}"}
    async with httpx.AsyncClient(base_url=c.urls["inspection"], timeout=5, headers=headers) as http:
        for i in range(n):
            key = f"{tag}-{i}-{uuid.uuid4().hex[:6]}"
            for _attempt in range(600):
                try:
                    r = await http.post(
                        "/api/v1/inspection/diagnostics/ping",
                        json={"note": tag},
                        headers={"Idempotency-Key": key},
                    )
                    if r.status_code == 202:
                        accepted.setdefault(key, set()).add(r.json()["event_id"])
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"ping {key} never accepted")
            await asyncio.sleep(interval)


async def penalty_counts(c: Cluster) -> dict[str, int]:
    conn = await asyncpg.connect(c.pg.dsn("penalty"))
    try:
        rows = await conn.fetch("SELECT event_id::text, count(*) FROM diagnostic_ping GROUP BY event_id")
    finally:
        await conn.close()
    return {r[0]: r[1] for r in rows}


async def settle(c: Cluster, accepted: dict[str, set[str]], timeout: float = 90) -> dict[str, int]:
    expected = {e for ids in accepted.values() for e in ids}
    for _ in range(int(timeout * 4)):
        try:
            counts = await penalty_counts(c)
        except (OSError, asyncpg.PostgresError):
            counts = {}
        if expected <= counts.keys():
            await asyncio.sleep(2)  # anything wrongly applied twice would land now
            return await penalty_counts(c)
        await asyncio.sleep(0.25)
    missing = expected - (await penalty_counts(c)).keys()
    raise AssertionError(f"{len(missing)} of {len(expected)} events never arrived")


def assert_exactly_once(accepted: dict[str, set[str]], counts: dict[str, int], tag_ids: set[str]) -> None:
    assert all(len(ids) == 1 for ids in accepted.values()), "a retried request created a second event"
    for event_id in tag_ids:
        assert counts.get(event_id) == 1, f"{event_id} applied {counts.get(event_id, 0)} times"


async def test_kill_consumer_service_mid_load(cluster: Cluster) -> None:
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(cluster, 150, accepted, tag="kill-service"))
    await asyncio.sleep(1.0)
    cluster.kill_service("penalty")
    await asyncio.sleep(1.5)
    cluster.start_service("penalty")
    await load
    counts = await settle(cluster, accepted)
    assert_exactly_once(accepted, counts, {e for ids in accepted.values() for e in ids})


async def test_kill_producer_service_mid_load(cluster: Cluster) -> None:
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(cluster, 150, accepted, tag="kill-producer"))
    await asyncio.sleep(1.0)
    cluster.kill_service("inspection")
    await asyncio.sleep(1.0)
    cluster.start_service("inspection")
    await load
    counts = await settle(cluster, accepted)
    assert_exactly_once(accepted, counts, {e for ids in accepted.values() for e in ids})


async def test_kill_nats_mid_load(cluster: Cluster) -> None:
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(cluster, 150, accepted, tag="kill-nats"))
    await asyncio.sleep(1.0)
    cluster.nats.kill()
    await asyncio.sleep(2.0)
    cluster.nats.start()
    await load
    counts = await settle(cluster, accepted)
    assert_exactly_once(accepted, counts, {e for ids in accepted.values() for e in ids})


async def test_kill_postgres_mid_load(cluster: Cluster) -> None:
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(cluster, 150, accepted, tag="kill-pg"))
    await asyncio.sleep(1.0)
    cluster.pg.kill()
    await asyncio.sleep(1.5)
    await asyncio.to_thread(cluster.pg.start)  # crash recovery replays the WAL
    await load
    counts = await settle(cluster, accepted)
    assert_exactly_once(accepted, counts, {e for ids in accepted.values() for e in ids})
