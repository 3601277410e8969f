"""Under a real `zhifa up`, kill -9 each service, the gateway, NATS and PostgreSQL while clients write: the
supervisor restarts each, readiness returns, and nothing is lost or applied twice (SPEC §8).

Load: diagnostic pings through the gateway, round robin over the four services, each with its own
Idempotency-Key and retried with the same key until accepted, as the mobile app does. Every service records
the pings of the three others, so each accepted ping must end up exactly once in three consumers' tables.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.common import procfs
from services.common.embedded import free_port, port_open
from services.common.registry import SERVICES

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]
ZHIFA = str(Path(sys.executable).parent / "zhifa")
# Ports 29000-29222 (and 29001-29223 for the second `zhifa up`): below the kernel's ephemeral range (32768-60999
# here), where free_port() and every outgoing connection take theirs: 25000 put the services on 33101-33104,
# which another worker's server or a client socket could hold (penalty failed with "Address already in use").
OFFSET = 21000
MARK = "ZHIFA_TEST_SUPERVISED"


@dataclass
class Up:
    proc: subprocess.Popen[bytes]
    var: Path
    pg_port: int
    mark: str

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{8000 + OFFSET}"

    def pid(self, name: str) -> int:
        return int((self.var / "run" / f"{name}.pid").read_text())

    def state(self) -> dict[str, Any]:
        children: dict[str, Any] = json.loads((self.var / "run" / "state.json").read_text())["children"]
        return children

    def events(self, child: str) -> list[dict[str, Any]]:
        lines = (self.var / "logs" / "supervisor.log").read_text().splitlines()
        return [e for e in map(json.loads, lines) if e.get("child") == child]

    def admin(self) -> str:
        token: str = json.loads((self.var / "tokens.json").read_text())["admin"]
        return token


def output(var: Path) -> str:
    return (var.parent / "up.out").read_text(errors="replace")


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    root = tmp_path_factory.mktemp("supervised")
    var, pg_port = root / "var", free_port()
    assert not any(port_open(p + OFFSET) for p in (8000, 8101, 8102, 8103, 8104, 8222))
    env = {**os.environ, "ZHIFA_ENV": "dev", MARK: uuid.uuid4().hex, "ZHIFA_LOG_LEVEL": "WARNING"}
    for info in SERVICES.values():  # redeliver what a killed consumer held after 3 s, not 30 s
        env[f"{info.env_prefix}CONSUMER_ACK_WAIT_S"] = "3"
        env[f"{info.env_prefix}RELAY_POLL_INTERVAL_S"] = "0.2"
    with (root / "up.out").open("wb") as out:
        proc = subprocess.Popen(
            [ZHIFA, "up", "--no-sample", "--var-dir", str(var), "--pg-port", str(pg_port)]
            + ["--nats-port", str(free_port()), "--port-offset", str(OFFSET)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    stack = Up(proc, var, pg_port, env[MARK])
    try:
        deadline = time.monotonic() + 150
        while "Ctrl-C stops everything" not in output(var):
            assert proc.poll() is None, "zhifa up exited:\n" + output(var)[-3000:]
            assert time.monotonic() < deadline, "zhifa up not ready:\n" + output(var)[-3000:]
            time.sleep(0.25)
        yield stack
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # as a service manager would stop it: same as Ctrl-C
        try:
            proc.wait(30)
            left = procfs.carrying(MARK, stack.mark)
        finally:
            procfs.kill_all(procfs.carrying(MARK, stack.mark))
        assert (proc.returncode, left) == (0, []), output(var)[-2000:]


async def send_pings(up: Up, n: int, accepted: dict[str, set[str]], tag: str) -> None:
    prefixes = [s.url_prefix for s in SERVICES.values()]
    headers = {"Authorization": f"Bearer {up.admin()}"}
    async with httpx.AsyncClient(base_url=up.gateway, timeout=5, headers=headers) as http:
        for i in range(n):
            key = f"{tag}-{i}-{uuid.uuid4().hex[:6]}"
            prefix = prefixes[i % len(prefixes)]
            for _attempt in range(400):
                try:
                    r = await http.post(
                        f"/api/v1/{prefix}/diagnostics/ping",
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
            await asyncio.sleep(0.05)


async def effects(up: Up, event_ids: set[str]) -> dict[str, dict[str, int]]:
    """Per service: how many times it recorded each of these events."""
    found: dict[str, dict[str, int]] = {}
    for info in SERVICES.values():
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{up.pg_port}/{info.database_name}")
        try:
            rows = await conn.fetch(
                "SELECT event_id::text, count(*) FROM diagnostic_ping WHERE event_id::text = ANY($1)"
                " GROUP BY event_id",
                list(event_ids),
            )
        finally:
            await conn.close()
        found[info.name] = {r[0]: r[1] for r in rows}
    return found


async def assert_exactly_once(up: Up, accepted: dict[str, set[str]], timeout: float = 60) -> None:
    assert all(len(ids) == 1 for ids in accepted.values()), "a retried request created a second event"
    ids = {e for ids in accepted.values() for e in ids}
    # every ping is recorded by every service that did not send it: len(SERVICES) - 1 rows per event in all
    expected = (len(SERVICES) - 1) * len(ids)
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await effects(up, ids)
        except (OSError, asyncpg.PostgresError):
            found = {}
        if sum(len(f) for f in found.values()) >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # anything wrongly applied twice would land now
    found = await effects(up, ids)
    assert sum(len(f) for f in found.values()) == expected, f"{expected - sum(map(len, found.values()))} lost"
    for service, counts in found.items():
        assert all(c == 1 for c in counts.values()), f"{service} applied an event twice: {counts}"


async def restarted(up: Up, name: str, old_pid: int, timeout: float = 60) -> None:
    """The supervisor started a new process for ``name`` and everything is ready again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid = up.pid(name)
            state = up.state()
        except (OSError, ValueError):
            pid, state = old_pid, {}
        if (
            pid != old_pid
            and procfs.alive(pid)
            and state
            and all(c["state"] == "ready" for c in state.values())
        ):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{name} not restarted:\n{output(up.var)[-2000:]}")


@pytest.fixture
async def ready(up: Up) -> AsyncIterator[Up]:
    await restarted(up, "gateway", -1)  # every child ready before a scenario starts
    yield up


@pytest.mark.parametrize("victim", [*SERVICES, "gateway"])
async def test_a_killed_service_is_restarted_and_nothing_is_lost(ready: Up, victim: str) -> None:
    up = ready
    restarts_before = up.state()[victim]["restarts"]
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(up, 40, accepted, tag=f"kill-{victim}"))
    await asyncio.sleep(0.8)
    old, seen = up.pid(victim), len(up.events(victim))
    os.kill(old, signal.SIGKILL)
    await restarted(up, victim, old)
    await load
    await assert_exactly_once(up, accepted)
    assert up.state()[victim]["restarts"] == restarts_before + 1
    assert up.state()[victim]["last_exit"] == "killed by SIGKILL"
    assert_reported(up, victim, seen, "killed by SIGKILL")
    async with httpx.AsyncClient(timeout=5) as http:
        assert (await http.get(up.gateway + "/readyz")).status_code == 200


@pytest.mark.parametrize("server", ["nats", "postgres"])
async def test_a_killed_server_is_restarted_and_the_services_recover(ready: Up, server: str) -> None:
    up = ready
    accepted: dict[str, set[str]] = {}
    load = asyncio.create_task(send_pings(up, 40, accepted, tag=f"kill-{server}"))
    await asyncio.sleep(0.8)
    services = {name: up.pid(name) for name in SERVICES}
    old, seen = up.pid(server), len(up.events(server))
    os.kill(old, signal.SIGKILL)
    await restarted(up, server, old)
    await load
    await assert_exactly_once(up, accepted)
    assert_reported(up, server, seen, "killed by SIGKILL" if server == "nats" else "is gone")
    assert {name: up.pid(name) for name in SERVICES} == services  # they reconnected; none was restarted


READINESS_REPORTS = frozenset({"ready", "not_ready", "degraded"})


def assert_reported(up: Up, child: str, seen: int, how: str) -> None:
    """The supervisor logged the death (the first event after the ``seen`` before it, readiness reports
    aside: ``ready``, ``not_ready`` or ``degraded`` may be written between the kill and the supervisor
    noticing the exit) and a restart."""
    events = up.events(child)[seen:]
    while events and events[0]["event"] in READINESS_REPORTS:
        events = events[1:]
    assert events and events[0]["event"] == "exited" and how in events[0]["exit"], events
    assert "restarted" in [e["event"] for e in events], events


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ZHIFA, *args], capture_output=True, text=True, timeout=60, check=False)


async def test_a_second_zhifa_up_on_the_same_var_dir_is_refused(ready: Up) -> None:
    up = ready
    result = await asyncio.to_thread(run, "up", "--var-dir", str(up.var), "--port-offset", str(OFFSET + 1))
    assert result.returncode == 1
    assert f"another `zhifa up` (pid {up.proc.pid}) is running" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


async def test_status_lists_every_process(ready: Up) -> None:
    result = await asyncio.to_thread(run, "status", "--var-dir", str(ready.var))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"supervisor pid {ready.proc.pid}: running")
    for name in ("postgres", "nats", *SERVICES, "gateway"):
        assert any(line.split()[:2] == [name, "ready"] for line in lines[1:]), result.stdout
