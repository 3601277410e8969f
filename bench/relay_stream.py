"""CPU of a worker's relay per event under a steady stream of commits, the old code against this tree,
alternating, in the same run (issue #16 item 2: production's worker claimed 19-20 times a second at the
check-in bench's rate, one process 5-10).

    python -m bench.relay_stream /path/to/old/tree   # e.g. git archive main | tar -x -C /tmp/old

A writer process commits ``RATE`` single-event transactions a second (each its outbox row and its NOTIFY,
as a check-in does) for ``SECONDS`` s from ``WRITERS`` connections; a relay process (``Relay.run``: pacing,
LISTEN, claims, atomic batches, marks) of the tree under test publishes them to JetStream. Measured in the
relay process over the writer's span: CPU (its own clock), claims and rows published. PostgreSQL without
fsync (the writer must keep the rate on shared cores; the relay's side is measured), NATS with
``sync_interval: always``. Prints the medians of ``RUNS`` runs per tree, the ratio and the load average.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

RATE, SECONDS, WRITERS, RUNS = 450, 8, 8, 3
#: Set to the minimum (0.05) to keep the interval fixed in the new tree: what the LISTEN pause alone saves.
MAX_INTERVAL_ENV = "ZHIFA_BENCH_RELAY_MAX_INTERVAL_S"


async def _write(db_url: str) -> None:
    """``RATE`` commits a second, open loop, each one outbox row."""
    from services.common import outbox
    from services.common.contracts.diagnostics import PINGS
    from services.common.db import create_engine, session_factory, transaction

    engine = create_engine(db_url, pool_size=WRITERS, max_overflow=0)
    factory = session_factory(engine)
    ping = PINGS["inspection"]
    started = time.perf_counter()

    async def writer(k: int) -> None:
        for i in range(k, RATE * SECONDS, WRITERS):
            delay = started + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            async with transaction(factory) as session:
                outbox.add(session, ping(ping_id=uuid.uuid4(), origin="inspection", note=str(i)))

    await asyncio.gather(*(writer(k) for k in range(WRITERS)))
    await engine.dispose()


async def _relay(db_url: str, nats_url: str) -> tuple[float, int, int]:
    """CPU ms of this process over the writer's span, claims that published rows, rows published."""
    from services.common import outbox
    from services.common.bus import Bus
    from services.common.db import create_engine, session_factory

    engine = create_engine(db_url, pool_size=2)
    bus = Bus(nats_url, name="relay-stream-bench")
    await bus.start()
    await bus.wait_ready(20)
    relay = outbox.Relay(service="inspection", factory=session_factory(engine), bus=bus, database_url=db_url)
    if os.environ.get(MAX_INTERVAL_ENV):
        relay.max_interval = float(os.environ[MAX_INTERVAL_ENV])  # an attribute: the old relay ignores it
    counts = [0, 0]
    drain = relay.drain_once

    async def counted() -> int:
        published = await drain()
        if published:
            counts[0] += 1
            counts[1] += published
        return published

    relay.drain_once = counted  # type: ignore[method-assign]
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(1.0)
    writer = await asyncio.create_subprocess_exec(sys.executable, __file__, "--writer", db_url)
    cpu = time.process_time()
    await writer.wait()
    cpu = time.process_time() - cpu
    await asyncio.sleep(1.0)  # the last rows go out before the relay stops
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await bus.close()
    await engine.dispose()
    return cpu * 1000, counts[0], counts[1]


def main(old_tree: str) -> None:
    from bench.common import local_servers, run_in_tree
    from services.common import migrate

    found: dict[str, list[tuple[float, int, int]]] = {"old": [], "new": []}
    root_tree = str(Path(__file__).resolve().parent.parent)
    with local_servers("zhifa-relay-stream-", durable=False) as (_, pg, nats):
        for rep in range(RUNS):
            for name, tree in (("old", old_tree), ("new", root_tree)):
                db = f"stream_{name}_{rep}"
                pg.psql(f'CREATE DATABASE "{db}"')
                url = pg.dsn(db, driver="postgresql+asyncpg")
                migrate.upgrade("inspection", url)
                cpu, claims, rows = run_in_tree(Path(__file__), ["--relay", url, nats.url], tree, results=3)
                found[name].append((float(cpu), int(claims), int(rows)))
    per_event = {k: [cpu / rows for cpu, _, rows in v] for k, v in found.items()}
    claims_s = {k: [claims / SECONDS for _, claims, _ in v] for k, v in found.items()}
    for name in found:
        print(
            f"{name}: CPU ms per event {statistics.median(per_event[name]):.3f} "
            f"({', '.join(f'{x:.3f}' for x in per_event[name])}), claims/s {statistics.median(claims_s[name]):.1f} "
            f"({', '.join(f'{x:.1f}' for x in claims_s[name])}), rows {[r for _, _, r in found[name]]}"
        )
    if os.environ.get(MAX_INTERVAL_ENV):
        print(f"{MAX_INTERVAL_ENV}={os.environ[MAX_INTERVAL_ENV]} (the new tree's relay)")
    ratio = statistics.median(per_event["new"]) / statistics.median(per_event["old"])
    print(
        f"{RATE} events/s for {SECONDS} s; new ÷ old ×{ratio:.2f} CPU per event; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    if sys.argv[1] == "--writer":
        asyncio.run(_write(sys.argv[2]))
    elif sys.argv[1] == "--relay":
        import services

        print(services.__file__)
        print("\n".join(map(str, asyncio.run(_relay(sys.argv[2], sys.argv[3])))))
    else:
        main(sys.argv[1])
