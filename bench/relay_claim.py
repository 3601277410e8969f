"""CPU of one outbox relay claim of one row (``Relay.drain_once``: claim, publish, mark, commit), the old code
against this tree, alternating, in the same run (issue #16 item 2: an idle worker claims a few rows at a time).

    python -m bench.relay_claim /path/to/old/tree   # e.g. git archive main | tar -x -C /tmp/old

Durable PostgreSQL and NATS (``sync_interval: always``), each run a fresh process and database; 300 claims
measured after 20 of warm-up, the process's CPU clock around ``drain_once`` only. Prints the medians of 3 runs
per tree, their ratio and the load average.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

CLAIMS, WARM, RUNS = 300, 20, 3
ROOT = Path(__file__).resolve().parent.parent


async def _claims(db_url: str, nats_url: str) -> float:
    """CPU milliseconds per one-row claim in this process (whichever tree it imported)."""
    from services.common import outbox
    from services.common.bus import Bus
    from services.common.contracts.diagnostics import PINGS
    from services.common.db import create_engine, session_factory, transaction

    engine = create_engine(db_url, pool_size=4)
    factory = session_factory(engine)
    bus = Bus(nats_url, name="relay-claim-bench")
    await bus.start()
    await bus.wait_ready(20)
    relay = outbox.Relay(service="inspection", factory=factory, bus=bus, database_url=db_url)
    ping = PINGS["inspection"]
    cpu = 0.0
    for i in range(CLAIMS + WARM):
        async with transaction(factory) as session:
            outbox.add(session, ping(ping_id=uuid.uuid4(), origin="inspection", note="bench"))
        started = time.process_time()
        assert await relay.drain_once() == 1
        if i >= WARM:
            cpu += time.process_time() - started
    await bus.close()
    await engine.dispose()
    return cpu / CLAIMS * 1000


def main(old_tree: str) -> None:
    from bench.common import local_servers, run_in_tree
    from services.common import migrate

    found: dict[str, list[float]] = {"old": [], "new": []}
    with local_servers("zhifa-relay-claim-") as (_, pg, nats):
        for rep in range(RUNS):
            for name, tree in (("old", old_tree), ("new", str(ROOT))):
                db = f"claim_{name}_{rep}"
                pg.psql(f'CREATE DATABASE "{db}"')
                url = pg.dsn(db, driver="postgresql+asyncpg")
                migrate.upgrade("inspection", url)
                (cpu_ms,) = run_in_tree(Path(__file__), ["--child", url, nats.url], tree, results=1)
                found[name].append(float(cpu_ms))
    old, new = statistics.median(found["old"]), statistics.median(found["new"])
    print(
        f"CPU ms per one-row claim: old {old:.2f} ({', '.join(f'{x:.2f}' for x in found['old'])}), "
        f"new {new:.2f} ({', '.join(f'{x:.2f}' for x in found['new'])}), new ÷ old ×{new / old:.2f}, "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        import services

        print(services.__file__)
        print(asyncio.run(_claims(sys.argv[2], sys.argv[3])))
    else:
        main(sys.argv[1])
