"""CPU of the relay's LISTEN connection per NOTIFY (issue #16 item 2): every commit that writes events
NOTIFYs the relay, hundreds a second at the machine's limit, also while the relay waits out its interval.

    python -m bench.relay_notify

A writer process sends ``RATE`` NOTIFYs a second for ``SECONDS`` s to a PostgreSQL (embedded, no fsync: the
listener's side is measured); this process LISTENs as the relay does (``Relay._listen``) and counts its CPU
clock over the writer's span, three ways, alternating, ``RUNS`` times: no LISTEN (the baseline: the loop
alone), LISTEN read as each NOTIFY arrives (the relay before: one loop wake-up each), and the relay pacing in
``max_interval`` slices (``Relay._pace``: the connection is not read during the wait). Prints the medians, the
extra microseconds per NOTIFY over the baseline and the load average.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

RATE, SECONDS, RUNS, SLICE_S = 450, 6, 3, 0.2


async def _writer(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    for i in range(RATE * SECONDS):
        delay = started + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await conn.execute("SELECT pg_notify('zhifa_outbox', '')")
    await conn.close()


async def _listener(dsn: str, mode: str) -> tuple[float, int]:
    """CPU seconds of this process over the writer's span, and how many of its slices a NOTIFY woke."""
    from services.common.bus import Bus
    from services.common.outbox import Relay

    relay = Relay(
        service="inspection",
        factory=None,
        bus=Bus("nats://127.0.0.1:1", name="relay-notify-bench"),
        database_url=dsn,
    )  # type: ignore[arg-type]
    relay._interval = SLICE_S
    wakes = 0
    listener = asyncio.create_task(relay._listen()) if mode != "none" else None
    writer = await asyncio.create_subprocess_exec(sys.executable, __file__, "--writer", dsn)
    await asyncio.sleep(0.3)  # the LISTEN connection is open, the writer under way
    cpu = time.process_time()
    loop = asyncio.get_running_loop()
    while writer.returncode is None:
        if mode == "paced":
            relay._last_claim = loop.time()
            await relay._pace()
        else:
            await asyncio.sleep(SLICE_S)
        if relay._wake.is_set():
            wakes += 1
            relay._wake.clear()
    cpu = time.process_time() - cpu
    await writer.wait()
    if listener is not None:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    return cpu, wakes


def main() -> None:
    from services.common.embedded import EmbeddedPostgres, free_port

    root = Path(tempfile.mkdtemp(prefix="zhifa-relay-notify-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    found: dict[str, list[float]] = {"none": [], "read as it arrives": [], "paced": []}
    try:
        for _ in range(RUNS):
            for mode in found:
                cpu, _wakes = asyncio.run(_listener(pg.dsn(), mode.split()[0]))
                found[mode].append(cpu * 1000)
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(found["none"])
    for mode, runs in found.items():
        cpu = statistics.median(runs)
        extra = (cpu - base) / (RATE * SECONDS) * 1000
        print(f"{mode}: CPU {cpu:.1f} ms ({', '.join(f'{x:.1f}' for x in runs)}), {extra:.1f} us per NOTIFY")
    print(f"{RATE} NOTIFYs/s for {SECONDS} s, {RUNS} runs, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--writer"]:
        asyncio.run(_writer(sys.argv[2]))
    else:
        main()
