"""A consumer draining a backlog: N ``inspection.visit.started`` events waiting in JetStream (as after an
outage) and the notify service started on them, its real consumer (``notify-inspection-visit-started``:
inbox row, notification, NOTIFY, webhook lookup in one transaction each) writing to its real database.

Measured per run: the drain rate (events/s over the inbox rows' transaction times, from the tenth
percentile to the last, so the process's start is left out), the consumer process's CPU per event, its RSS
idle after the drain. With ``ZHIFA_BENCH_BASELINE=<commit>`` the notify service of that commit (before)
alternates with this tree's (after) in the same run, on the same stored events.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench import baseline
from bench.common import PY, cpu_seconds, median, start, stop, store_outbox, wait_http
from services.common import migrate
from services.common.bus import Bus
from services.common.contracts.inspection import VisitStarted
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.common.events import make_envelope
from services.common.outbox import Relay
from services.common.tables import inbox_t, outbox_t

CONSUMER = "notify-inspection-visit-started"
ENTERPRISES = 1_000  # recipients the events are spread over (one notification sequence each)


def _visit(i: int) -> VisitStarted:
    return VisitStarted(
        visit_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        task_kind="key_area",
        enterprise_uscc=f"91210102MABENCH{i % ENTERPRISES:03d}",
        department_codes=["SJ"],
        district_code="210102",
        officer_cert_nos=["辽A-0012340", "辽A-0012341"],
        item_codes=["SJ-SP-001"],
        mode="enterprise_code",
        started_at=datetime.now(UTC),
    )


async def _publish(db_url: str, nats_url: str, n: int) -> None:
    """``n`` events written to an inspection-like outbox and published by its relay (atomic batches)."""
    engine = create_engine(db_url, pool_size=4)
    factory = session_factory(engine)
    await store_outbox(factory, [make_envelope(_visit(i), source="inspection") for i in range(n)])
    bus = Bus(nats_url, name="bench-backlog")
    await bus.start()
    assert await bus.wait_ready(20)
    relay = Relay(service="inspection", factory=factory, bus=bus, database_url=db_url, batch_size=1000)
    try:
        while await relay.drain_once():
            pass
        async with transaction(factory) as s:
            left = await s.scalar(
                sa.select(sa.func.count()).select_from(outbox_t).where(outbox_t.c.published_at.is_(None))
            )
        assert not left, f"{left} events left unpublished"
    finally:
        await bus.close()
        await engine.dispose()


async def _forget_consumers(nats_url: str) -> None:
    """Delete every durable consumer, so that the next service replays the stored events from the start."""
    bus = Bus(nats_url, name="bench-backlog")
    await bus.start()
    assert await bus.wait_ready(20)
    try:
        for stream in await bus.js.streams_info():
            for info in await bus.js.consumers_info(stream.config.name):  # type: ignore[arg-type]
                await bus.js.delete_consumer(stream.config.name, info.name)  # type: ignore[arg-type]
    finally:
        await bus.close()


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


@dataclass
class Drain:
    rate: float  # events/s from the tenth percentile of the inbox rows to the last
    cpu_ms: float  # consumer process CPU per event over the polls that saw the drain after its tenth
    nats_ms: float  # nats-server's CPU per event over the same polls
    rss_idle: float  # MiB, 3 s after the drain
    load: str


async def _count(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            return int(
                await s.scalar(
                    sa.select(sa.func.count()).select_from(inbox_t).where(inbox_t.c.consumer == CONSUMER)
                )
                or 0
            )
    finally:
        await engine.dispose()


async def _rate(url: str, n: int) -> float:
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            times = (
                await s.execute(
                    sa.select(inbox_t.c.received_at)
                    .where(inbox_t.c.consumer == CONSUMER)
                    .order_by(inbox_t.c.received_at)
                )
            ).scalars()
            stamps = [t.timestamp() for t in times]
    finally:
        await engine.dispose()
    assert len(stamps) == n, f"{len(stamps)} inbox rows for {n} events"
    first = n // 10
    return (n - 1 - first) / (stamps[-1] - stamps[first])


def _drain(code: Path | None, pg: EmbeddedPostgres, nats: EmbeddedNats, name: str, n: int) -> Drain:
    """Start the notify service of ``code`` (None: this tree) on a fresh database and wait until its consumer
    of visits has applied the ``n`` stored events."""
    asyncio.run(_forget_consumers(nats.url))
    pg.psql(f'CREATE DATABASE "{name}"')
    url = pg.dsn(name, driver="postgresql+asyncpg")
    migrate.upgrade("notify", url)
    port = free_port()
    env = {
        "ZHIFA_ENV": "dev",
        "ZHIFA_LOG_LEVEL": "WARNING",
        "ZHIFA_NATS_URL": nats.url,
        "ZHIFA_NOTIFY_DATABASE_URL": url,
        **({"PYTHONPATH": str(code)} if code else {}),
    }
    proc = start([PY, "-m", "zhifa.cli", "serve", "notify", "--port", str(port)], env, cwd=str(code or ROOT))
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", 60)
        assert nats.process is not None
        polls: list[tuple[int, float, float]] = []  # (inbox rows, consumer and NATS CPU seconds)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            cpu, nats_cpu = cpu_seconds(proc.pid), cpu_seconds(nats.process.pid)
            polls.append((asyncio.run(_count(url)), cpu, nats_cpu))
            if polls[-1][0] >= n:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"{name}: {polls[-1][0]} of {n} events applied in 900 s")
        from_ = next(p for p in polls if p[0] >= n // 10)
        events = max(1, polls[-1][0] - from_[0])
        cpu_ms = (polls[-1][1] - from_[1]) * 1000 / events
        nats_ms = (polls[-1][2] - from_[2]) * 1000 / events
        time.sleep(3)
        rss = _rss_mib(proc.pid)
        load = baseline.load()
    finally:
        stop(proc)
    return Drain(asyncio.run(_rate(url, n)), cpu_ms, nats_ms, rss, load)


ROOT = Path(__file__).resolve().parent.parent


def run(quick: bool = False) -> str:
    logging.getLogger("services.common.bus").setLevel(logging.ERROR)  # each close says "reconnecting"
    n, rounds = (2_000, 1) if quick else (20_000, 3)
    ref = baseline.commit()
    old = baseline.tree(ref) if ref else None
    variants: list[tuple[str, Path | None]] = [("before", old), ("after", None)] if old else [("", None)]
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-backlog-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    results: dict[str, list[Drain]] = {label: [] for label, _ in variants}
    try:
        pg.start()
        nats.start()
        pg.psql('CREATE DATABASE "inspection_like"')
        source = pg.dsn("inspection_like", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", source)
        asyncio.run(_publish(source, nats.url, n))
        for i in range(rounds):
            order = variants if i % 2 == 0 else variants[::-1]
            for label, code in order:
                drain = _drain(code, pg, nats, f"notify_{label or 'this'}_{i}", n)
                results[label].append(drain)
                print(
                    f"  {label or 'this'} {i + 1}: {drain.rate:,.0f} events/s, {drain.cpu_ms:.2f} ms CPU/event, "
                    f"NATS {drain.nats_ms:.3f} ms/event, "
                    f"RSS {drain.rss_idle:.1f} MiB, load {drain.load}",
                    flush=True,
                )
    finally:
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    return _report(n, rounds, ref, results)


def _report(n: int, rounds: int, ref: str | None, results: dict[str, list[Drain]]) -> str:
    lines = [
        "## A consumer draining a backlog (the inbox's fetch loop)",
        "",
        f"{n:,} `inspection.visit.started` events (for {ENTERPRISES:,} enterprises) stored in JetStream",
        "(`sync_interval: always`) before the notify service starts (its own process, default settings:",
        "`consumer_concurrency` 8, a pool of 10, durable PostgreSQL); its consumer `notify-inspection-visit-started`",
        "records each in one transaction (inbox row, notification, NOTIFY, webhook lookup) and acks it after the",
        "commit. Events/s are counted over the inbox rows' transaction times from the tenth percentile to the",
        "last (the process's start left out); CPU per event is the consumer process's over the same stretch",
        "(0.5 s polls), and nats-server's; RSS 3 s after the drain. "
        + (
            f"Before: the notify service of {ref}, after: this tree, alternating in the same run "
            f"({rounds} rounds, the order reversed every other round), on the same stored events."
            if ref
            else f"{rounds} runs."
        ),
        "",
        "| code | events/s (median) | runs | consumer CPU ms/event | NATS CPU ms/event | RSS idle MiB | "
        "load (1/5/15) after each |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for label, drains in results.items():
        lines.append(
            f"| {label or 'this tree'} | {median([d.rate for d in drains]):,.0f} | "
            f"{', '.join(f'{d.rate:,.0f}' for d in drains)} | {median([d.cpu_ms for d in drains]):.2f} | "
            f"{median([d.nats_ms for d in drains]):.3f} | {median([d.rss_idle for d in drains]):.1f} | {'; '.join(d.load for d in drains)} |"
        )
    if ref and all(results.values()):
        before = median([d.rate for d in results["before"]])
        after = median([d.rate for d in results["after"]])
        lines += ["", f"Drain rate after/before: **{after / before:.2f}×** (medians)."]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
