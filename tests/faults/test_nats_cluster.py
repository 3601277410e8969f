"""Kill -9 the JetStream stream leader of a three-node NATS cluster under load (issue #16, item 7).

Production runs NATS as three servers with streams replicated three ways (deploy/k8s/overlays/prod). Here
three ``nats-server`` processes form a JetStream cluster on local ports (every write fsynced); inspection and
penalty run as real processes given all three URLs and ``ZHIFA_NATS_STREAM_REPLICAS=3``. Load: clients post
diagnostic pings to inspection (each with its own Idempotency-Key, retried with the same key on any failure);
inspection's relay publishes them in atomic batches to the INSPECTION stream, penalty's consumer applies each
into its inbox-guarded table. Mid-load the INSPECTION stream's leader (stream info ``cluster.leader``) is
SIGKILLed. Then: every accepted ping is applied exactly once, the stream has a new leader, and the two service
processes are the ones started at the beginning (they continued on the new leader without a restart).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from services.common import migrate
from services.common.embedded import EmbeddedNatsCluster, EmbeddedPostgres, NatsStartError, free_port
from tests.support.stack import token, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]
ZHIFA = str(Path(sys.executable).parent / "zhifa")
SERVICES = ("inspection", "penalty")


@dataclass
class Platform:
    root: Path
    pg: EmbeddedPostgres
    nats: EmbeddedNatsCluster
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_service(self, name: str) -> None:
        port = int(self.urls[name].rsplit(":", 1)[1])
        env = {
            **os.environ,
            "ZHIFA_ENV": "test",
            "ZHIFA_NATS_URL": self.nats.url,  # all three: the client fails over
            "ZHIFA_NATS_STREAM_REPLICAS": "3",
            "ZHIFA_LOG_LEVEL": "WARNING",
            f"ZHIFA_{name.upper()}_DATABASE_URL": self.pg.dsn(name, driver="postgresql+asyncpg"),
            f"ZHIFA_{name.upper()}_RELAY_POLL_INTERVAL_S": "0.2",
            f"ZHIFA_{name.upper()}_CONSUMER_ACK_WAIT_S": "3",
        }
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [ZHIFA, "serve", name, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def ready(url: str, timeout: float = 40) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if (await http.get(url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} not up")


@pytest.fixture(scope="module")
async def platform() -> AsyncIterator[Platform]:
    # Not pytest's tmp_path: concurrent pytest runs on the machine prune each other's base directories.
    root = Path(tempfile.mkdtemp(prefix="zhifa-nats-cluster-"))
    os.chmod(root, 0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    cluster = EmbeddedNatsCluster(root)
    p = Platform(root, pg, cluster)
    try:
        await asyncio.to_thread(cluster.start)
        for name in SERVICES:
            pg.psql(f'CREATE DATABASE "{name}"')
            await asyncio.to_thread(migrate.upgrade, name, pg.dsn(name, driver="postgresql+asyncpg"))
            p.urls[name] = f"http://127.0.0.1:{free_port()}"
            p.start_service(name)
        for name in SERVICES:
            await ready(p.urls[name])
        yield p
    finally:
        for proc in p.procs.values():
            proc.kill()
        cluster.stop()
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


async def stream_leader(servers: str, stream: str, timeout: float = 30) -> str:
    """The server name leading ``stream`` (waits while the stream has none, e.g. during an election)."""
    nc = await nats.connect(servers=servers.split(","), connect_timeout=2)
    try:
        js = nc.jetstream(timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                info = await js.stream_info(stream)
                if info.cluster is not None and info.cluster.leader:
                    assert info.config.num_replicas == 3
                    return info.cluster.leader
            except Exception:  # no leader yet: the API times out or answers 503
                pass
            await asyncio.sleep(0.2)
    finally:
        await nc.close()
    raise AssertionError(f"stream {stream} has no leader")


async def send_pings(p: Platform, stop: asyncio.Event, accepted: dict[str, set[str]], tag: str) -> None:
    """Ping until ``stop``; each ping retried with its key until accepted (as the mobile app does)."""
    headers = {"Authorization": f"Bearer {token('admin', 'cluster-client')}"}
    async with httpx.AsyncClient(base_url=p.urls["inspection"], timeout=5, headers=headers) as http:
        while not stop.is_set():
            key = f"{tag}-{uuid.uuid4().hex}"
            for _attempt in range(300):
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


async def applied(p: Platform) -> dict[str, int]:
    conn = await asyncpg.connect(p.pg.dsn("penalty"))
    try:
        rows = await conn.fetch("SELECT event_id::text, count(*) FROM diagnostic_ping GROUP BY event_id")
    finally:
        await conn.close()
    return {r[0]: r[1] for r in rows}


async def _some(accepted: dict[str, set[str]], more_than: int) -> bool:
    return len(accepted) > more_than


async def test_kill_stream_leader_under_load(platform: Platform) -> None:
    p = platform
    started = {name: proc.pid for name, proc in p.procs.items()}
    accepted: dict[str, set[str]] = {}
    stop = asyncio.Event()
    load = [asyncio.create_task(send_pings(p, stop, accepted, f"leader-{i}")) for i in range(4)]
    await asyncio.sleep(3.0)
    await wait_for(lambda: _some(accepted, 0), timeout=60)  # a busy machine may take longer to start the load
    before_kill = len(accepted)
    leader = await stream_leader(p.nats.url, "INSPECTION")
    p.nats.node(leader).kill()  # SIGKILL
    await asyncio.sleep(6.0)
    await wait_for(lambda: _some(accepted, before_kill), timeout=60)  # and to accept pings on the new leader
    stop.set()
    await asyncio.gather(*load)

    new_leader = await stream_leader(p.nats.url, "INSPECTION")
    assert new_leader != leader
    expected = {e for ids in accepted.values() for e in ids}
    assert before_kill > 0 and len(accepted) > before_kill, "no load before or after the kill"
    assert all(len(ids) == 1 for ids in accepted.values()), "a retried request created a second event"
    deadline = time.monotonic() + 30
    counts = await applied(p)
    while not expected <= counts.keys() and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        counts = await applied(p)
    missing = expected - counts.keys()
    assert not missing, f"{len(missing)} of {len(expected)} events never applied"
    await asyncio.sleep(2)  # anything wrongly applied twice would land now
    counts = await applied(p)
    twice = {e: n for e, n in counts.items() if n != 1}
    assert not twice, f"applied more than once: {twice}"
    assert counts.keys() == expected, "an event nobody sent was applied"
    # Neither service was restarted: the same processes, still running, carried on over the new leader.
    assert {name: proc.pid for name, proc in p.procs.items()} == started
    assert all(proc.poll() is None for proc in p.procs.values())
    print(
        f"killed {leader}, new leader {new_leader}; {before_kill} pings before the kill, {len(expected)} in all"
    )


async def test_a_member_whose_port_was_taken_starts_again_on_new_ports() -> None:
    """Between choosing a free port and binding it another process may take it (the suite starts many
    servers): that member exits at start. The cluster starts again on new ports, and the error of a start
    that keeps failing carries the member's log."""
    root = Path(tempfile.mkdtemp(prefix="zhifa-nats-taken-"))
    cluster = EmbeddedNatsCluster(root)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", cluster.nodes[1].port))
        squatter.listen()
        taken = cluster.nodes[1].port
        try:
            await asyncio.to_thread(cluster.start, 30)
            assert taken not in [n.port for n in cluster.nodes]
            assert all(n.process is not None and n.process.poll() is None for n in cluster.nodes)
        finally:
            cluster.stop()
        again = EmbeddedNatsCluster(root / "again")
        again.nodes[0].port = taken
        try:
            with pytest.raises(NatsStartError, match="address already in use"):
                await asyncio.to_thread(again.start, 30, 1)
        finally:
            again.stop()
            shutil.rmtree(root, ignore_errors=True)
