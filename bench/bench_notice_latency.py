"""两书同达 latency: from a decision's outbox row (committed in a penalty-like database) to its
``credit.notice.issued`` event on the JetStream stream, at 50 decisions per second (target p99 ≤ 250 ms).

Path measured: penalty outbox commit → NOTIFY → penalty relay publishes ``penalty.decision.issued``
(JetStream, fsync always) → credit_repair consumer (its own process) classes the decision, opens the
publication, numbers and renders the 信用修复提示书 (HTML), commits → NOTIFY → credit relay publishes
``credit.notice.issued`` (fsync always) → seen by a subscriber in the bench process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

from bench.common import median, wait_http
from services.common import clock, migrate, outbox
from services.common.bus import Bus
from services.common.contracts.penalty import DecisionIssued
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.common.outbox import Relay
from services.credit_repair.use_cases import rule_sets

RULES = (Path(__file__).resolve().parents[1] / "data" / "sample" / "credit_rules.json").read_text(
    encoding="utf-8"
)
RATE = 50  # decisions per second
USCC = "91210100MACQTKPQ79"


def _decision(i: int) -> DecisionIssued:
    # a mix: mostly published 一般 fines, some 轻微 (unpublished), some 严重 revocations
    kinds, fine = (["fine"], 80_000 * 100)
    if i % 5 == 0:
        kinds, fine = (["fine"], 30_000 * 100)
    elif i % 11 == 0:
        kinds, fine = (["revoke_licence"], 0)
    today = clock.today()
    return DecisionIssued(
        party_kind="organisation",
        party_uscc=USCC,
        party_id_masked=None,
        party_name="沈阳东陵客运有限公司",
        case_id=uuid.uuid4(),
        decision_no=f"沈市监罚〔{today.year}〕{i}号",
        department_code="SJ",
        department_name="沈阳市市场监督管理局",
        district_code="210102",
        domain="食品安全",
        benchmark_code="SY-SJ-0001",
        benchmark_version=1,
        tier="一般",
        kinds=kinds,
        fine_fen=fine,
        confiscation_fen=0,
        procedure="general",
        decided_on=today,
        effective_on=today,
        serious=False,
        outside_tier=False,
        revision=1,
    )


async def _measure(penalty_url: str, nats_url: str, seconds: float, warmup: int) -> list[tuple[float, float]]:
    """Per decision: (commit → notice on the stream, commit → decision on the stream), in ms."""
    engine = create_engine(penalty_url, pool_size=4)
    factory = session_factory(engine)
    bus = Bus(nats_url, name="bench-penalty")
    await bus.start()
    assert await bus.wait_ready(20)
    relay = Relay(service="penalty", factory=factory, bus=bus, database_url=penalty_url, poll_interval=1.0)
    relay_task = asyncio.create_task(relay.run())
    committed: dict[str, float] = {}
    relayed: dict[str, float] = {}
    arrived: dict[str, float] = {}
    got_all = asyncio.Event()
    expected: set[str] = set()

    async def on_notice(msg: object) -> None:
        now = time.time()
        case_id = orjson.loads(msg.data)["subject"]  # type: ignore[attr-defined]
        arrived.setdefault(case_id, now)
        if expected and expected <= arrived.keys():
            got_all.set()

    async def on_decision(msg: object) -> None:
        relayed.setdefault(orjson.loads(msg.data)["subject"], time.time())  # type: ignore[attr-defined]

    sub = await bus.nc.subscribe("credit.notice.issued", cb=on_notice)  # type: ignore[union-attr]
    sub_decisions = await bus.nc.subscribe("penalty.decision.issued", cb=on_decision)  # type: ignore[union-attr]

    async def decide(i: int) -> str:
        event = _decision(i)
        async with transaction(factory) as s:
            outbox.add(s, event)
        committed[str(event.case_id)] = time.time()
        return str(event.case_id)

    # warm up the pools, the consumer and the relays
    for i in range(warmup):
        await decide(i)
        await asyncio.sleep(1 / RATE)
    await asyncio.sleep(2)
    committed.clear()
    relayed.clear()
    arrived.clear()
    n = int(seconds * RATE)
    started = time.perf_counter()
    tasks = []
    for i in range(n):
        # open loop: a decision every 20 ms whatever happened to the previous ones
        delay = started + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(decide(warmup + i)))
    expected.update(await asyncio.gather(*tasks))
    if not expected <= arrived.keys():
        await asyncio.wait_for(got_all.wait(), 60)
    await sub.unsubscribe()
    await sub_decisions.unsubscribe()
    relay_task.cancel()
    await bus.close()
    await engine.dispose()
    return [
        ((arrived[c] - committed[c]) * 1000, (relayed.get(c, arrived[c]) - committed[c]) * 1000)
        for c in expected
    ]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(quick: bool = False) -> str:
    seconds, runs = (10.0, 1) if quick else (30.0, 3)
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-notice-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    nats.start()
    measured: list[list[tuple[float, float]]] = []
    proc = None
    try:
        pg.psql('CREATE DATABASE "penalty_like"')
        pg.psql('CREATE DATABASE "credit"')
        penalty_url = pg.dsn("penalty_like", driver="postgresql+asyncpg")
        credit_url = pg.dsn("credit", driver="postgresql+asyncpg")
        migrate.upgrade("penalty", penalty_url)
        migrate.upgrade("credit_repair", credit_url)

        async def load_rules() -> None:
            engine = create_engine(credit_url, pool_size=1)
            async with transaction(session_factory(engine)) as s:
                await rule_sets.load_rule_set_document(s, RULES, actor="bench")
            await engine.dispose()

        asyncio.run(load_rules())
        port = free_port()
        env = {
            **os.environ,
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_NATS_URL": nats.url,
            "ZHIFA_CREDIT_REPAIR_DATABASE_URL": credit_url,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "zhifa.cli", "serve", "credit_repair", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(root / "credit.log").open("wb"),
            start_new_session=True,
        )
        wait_http(f"http://127.0.0.1:{port}/readyz", 60)
        for _ in range(runs):
            measured.append(asyncio.run(_measure(penalty_url, nats.url, seconds, warmup=50)))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    results = [[total for total, _ in m] for m in measured]
    first_leg = [[leg for _, leg in m] for m in measured]
    p50 = [_pct(r, 0.50) for r in results]
    p95 = [_pct(r, 0.95) for r in results]
    p99 = [_pct(r, 0.99) for r in results]
    worst = [max(r) for r in results]
    count = sum(len(r) for r in results)
    return "\n".join(
        [
            "## Decision → credit repair notice latency (两书同达)",
            "",
            f"{RATE} decisions/s for {seconds:.0f} s (open loop), each a `penalty.decision.issued` outbox row committed in",
            "a penalty-like database; measured from that commit to the arrival of its `credit.notice.issued` on the",
            "CREDIT stream. Penalty relay (bench process) and the credit_repair service (its own process, default",
            "settings: relay NOTIFY-driven with a 0.05 s poll fallback and at most one claim per",
            "`relay_min_interval_s`, 0.05 s, 8 concurrent handlers per consumer) share",
            "this machine with durable PostgreSQL and NATS (`sync_interval: always`). 80 % of the decisions are",
            f"published (notice, publication, feed entry, two events), 20 % unpublished. Median of {runs} run(s);",
            f"{count:,} decisions measured in all.",
            "",
            "| percentile | ms (median of runs) | runs |",
            "|---|---:|---|",
            f"| p50 | {median(p50):.0f} | {', '.join(f'{x:.0f}' for x in p50)} |",
            f"| p95 | {median(p95):.0f} | {', '.join(f'{x:.0f}' for x in p95)} |",
            f"| p99 | {median(p99):.0f} | {', '.join(f'{x:.0f}' for x in p99)} |",
            f"| max | {median(worst):.0f} | {', '.join(f'{x:.0f}' for x in worst)} |",
            "",
            f"Target p99 ≤ 250 ms. Mean {statistics.mean(x for r in results for x in r):.0f} ms, of which the penalty",
            f"side (commit → `penalty.decision.issued` on the stream) takes p50 {median([_pct(r, 0.5) for r in first_leg]):.0f} ms,",
            f"p99 {median([_pct(r, 0.99) for r in first_leg]):.0f} ms; the rest is the credit service (consume, class,",
            "notice, commit, relay).",
            "",
            "The relays' pacing (one claim per 50 ms at most, the first event after a quiet spell at once) is most",
            "of it: at 50 decisions/s each relay claims every 50 ms instead of at every commit, which is what saves",
            'the worker\'s CPU in the production shape ("Check-in through the gateway"). The run before the pacing',
            "(an earlier stop) gave p50 13 ms, p99 22 ms; the first with it (2026-12-06, load ~0.1 at its start) p50 94 ms,",
            "p99 127 ms.",
            "`ZHIFA_<SERVICE>_RELAY_MIN_INTERVAL_S=0` claims at every commit again.",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
