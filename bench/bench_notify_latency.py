"""Check-in → the enterprise's open stream: from the commit of a visit's ``inspection.visit.started`` outbox
row to the arrival of its notification on that enterprise's SSE stream through the gateway, with N streams
connected at once (one per enterprise; target: 1,000 streams, p99 ≤ 1 s).

Path measured: inspection-like outbox commit → NOTIFY → relay publishes (JetStream, fsync always) → the
notify service's consumer records the notification and NOTIFYs → its LISTEN wakes the enterprise's stream →
the stream reads the row and writes the event → the gateway forwards it as it comes → the bench client.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson

from bench.common import PY, median, start, stop, wait_http
from services.common import migrate, outbox
from services.common.bus import Bus
from services.common.contracts.inspection import VisitStarted
from services.common.db import create_engine, session_factory, transaction
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.common.outbox import Relay

RATE = 20  # check-ins per second


def _uscc(i: int) -> str:
    return f"91210102MABENCH{i:03d}"


def _visit(uscc: str) -> VisitStarted:
    return VisitStarted(
        visit_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        task_kind="key_area",
        enterprise_uscc=uscc,
        department_codes=["SJ"],
        district_code="210102",
        officer_cert_nos=["辽A-0012340", "辽A-0012341"],
        item_codes=["SJ-SP-001"],
        mode="enterprise_code",
        started_at=datetime.now(UTC),
    )


async def _listen(
    session: aiohttp.ClientSession, url: str, uscc: str, arrived: dict[str, float], ready: asyncio.Event
) -> None:
    token = mint_dev_token("enterprise", f"bench-{uscc}", 3600, uscc=uscc)
    async with session.get(
        url, headers={"Authorization": f"Bearer {token}"}, timeout=aiohttp.ClientTimeout(total=None)
    ) as r:
        assert r.status == 200, await r.text()
        ready.set()
        async for line in r.content:
            if line.startswith(b"data: "):
                link = orjson.loads(line[6:])["link"]
                arrived.setdefault(link.rsplit("/", 1)[1], time.time())


async def _measure(
    source_url: str, nats_url: str, gateway: str, streams: int, seconds: float
) -> tuple[list[float], int]:
    engine = create_engine(source_url, pool_size=4)
    factory = session_factory(engine)
    bus = Bus(nats_url, name="bench-inspection")
    await bus.start()
    assert await bus.wait_ready(20)
    relay = Relay(service="inspection", factory=factory, bus=bus, database_url=source_url, poll_interval=1.0)
    relay_task = asyncio.create_task(relay.run())
    arrived: dict[str, float] = {}
    committed: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(connector=connector)
    readies = [asyncio.Event() for _ in range(streams)]
    url = f"{gateway}/api/v1/notifications/stream"
    listeners = []
    for i in range(streams):
        listeners.append(asyncio.create_task(_listen(session, url, _uscc(i), arrived, readies[i])))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    connected = sum(1 for t in listeners if not t.done())

    async def check_in(uscc: str) -> str:
        event = _visit(uscc)
        async with transaction(factory) as s:
            outbox.add(s, event)
        committed[str(event.visit_id)] = time.time()
        return str(event.visit_id)

    for i in range(20):  # warm-up
        await check_in(_uscc(i % streams))
        await asyncio.sleep(1 / RATE)
    await asyncio.sleep(3)
    committed.clear()
    rng = random.Random(7)
    n = int(seconds * RATE)
    started = time.perf_counter()
    ids = []
    for i in range(n):
        delay = started + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        ids.append(await check_in(_uscc(rng.randrange(streams))))
    deadline = time.monotonic() + 30
    while not set(ids) <= arrived.keys() and time.monotonic() < deadline:  # noqa: ASYNC110 (a dict filled by callbacks)
        await asyncio.sleep(0.1)
    for t in listeners:
        t.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    await session.close()
    relay_task.cancel()
    await bus.close()
    await engine.dispose()
    return [(arrived[v] - committed[v]) * 1000 for v in ids if v in arrived], connected


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(quick: bool = False) -> str:
    seconds, counts = (10.0, [100]) if quick else (20.0, [100, 1000])
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-notify-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    nats.start()
    rows = []
    procs = []
    try:
        pg.psql('CREATE DATABASE "inspection_like"')
        pg.psql('CREATE DATABASE "notify"')
        source_url = pg.dsn("inspection_like", driver="postgresql+asyncpg")
        notify_url = pg.dsn("notify", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", source_url)
        migrate.upgrade("notify", notify_url)
        port, gw_port = free_port(), free_port()
        env = {
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_NATS_URL": nats.url,
            "ZHIFA_NOTIFY_DATABASE_URL": notify_url,
            "ZHIFA_NOTIFY_DATABASE_POOL_SIZE": "20",
            "ZHIFA_GATEWAY_NOTIFY_URL": f"http://127.0.0.1:{port}",
            "ZHIFA_GATEWAY_POOL_SIZE": "2000",
            "ZHIFA_GATEWAY_RATE_PER_SECOND": "100000",
        }
        procs.append(start([PY, "-m", "zhifa.cli", "serve", "notify", "--port", str(port)], env))
        procs.append(start([PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(gw_port)], env))
        wait_http(f"http://127.0.0.1:{port}/readyz", 60)
        wait_http(f"http://127.0.0.1:{gw_port}/healthz", 60)
        for streams in counts:
            latencies, connected = asyncio.run(
                _measure(source_url, nats.url, f"http://127.0.0.1:{gw_port}", streams, seconds)
            )
            rows.append((streams, connected, latencies, int(seconds * RATE)))
    finally:
        for proc in procs:
            stop(proc)
        nats.stop()
        pg.stop()
    lines = [
        "## Check-in → the enterprise's open stream (notifications, SSE through the gateway)",
        "",
        f"{RATE} check-ins/s for {seconds:.0f} s (open loop), each an `inspection.visit.started` outbox row committed in an",
        "inspection-like database for a random one of N enterprises, each with its stream open through the gateway",
        "(one connection per enterprise); measured from that commit to the arrival of its event on that stream.",
        "Relay (bench process, NOTIFY-driven), notify service (its own process, default settings) and gateway (its",
        "own process) share the machine with durable PostgreSQL, NATS (`sync_interval: always`) and the N clients.",
        "",
        "| streams connected | check-ins | arrived | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for streams, connected, latencies, sent in rows:
        if not latencies:
            lines.append(f"| {connected:,} of {streams:,} | {sent} | 0 | – | – | – | – |")
            continue
        lines.append(
            f"| {connected:,} of {streams:,} | {sent} | {len(latencies)} | {_pct(latencies, 0.5):.0f} | "
            f"{_pct(latencies, 0.95):.0f} | {_pct(latencies, 0.99):.0f} | {max(latencies):.0f} |"
        )
    best = rows[-1]
    p99 = _pct(best[2], 0.99) if best[2] else float("nan")
    lines += [
        "",
        f"Target: p99 ≤ 1 s with 1,000 streams: **p99 {p99:.0f} ms with {best[1]:,} streams** "
        f"(median of p50s {median([_pct(r[2], 0.5) for r in rows if r[2]]):.0f} ms).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
