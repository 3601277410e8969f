"""The relay claims a burst of commits in few rounds (issue #16 item 2: the production shape).

Every commit that adds outbox rows sends a NOTIFY. A relay that claims at each wake-up does one round (a
transaction: the claim, a JetStream publish with its fsync, the marks, a commit) per committed row when it is
otherwise idle, as the worker process is: in the two-process shape it spent more CPU per check-in than the
one process where the busy loop happened to batch (docs/benchmarks.md, "Check-in through the gateway").
Paced, it claims at most once per ``min_interval``: a steady stream of commits goes out in batches, an event
after a quiet spell still goes at once, and every row still goes out, in ``seq`` order. Under a high rate
the interval grows (``busy_rate``, ``max_interval``): fewer, fuller claims, while light traffic keeps 50 ms.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import sqlalchemy as sa

from services.common import outbox
from services.common.bus import Bus
from services.common.contracts.diagnostics import PINGS
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedNats
from services.common.outbox import Relay
from services.common.settings import ServiceSettings
from services.common.tables import outbox_t
from tests.support.stack import Stack, wait_for

COMMITS = 40
SPACING_S = 0.005  # a commit every few ms: a few hundred check-ins a second


async def _commit_burst(url: str, commits: int = COMMITS, spacing_s: float = SPACING_S) -> float:
    """``commits`` transactions one after another, each adding one outbox row (and its NOTIFY); seconds taken."""
    engine = create_engine(url, pool_size=1, max_overflow=0, app_name="zhifa-pacing-writer")
    factory = session_factory(engine)
    ping = PINGS["inspection"]
    started = time.monotonic()
    try:
        for n in range(commits):
            async with transaction(factory) as session:
                outbox.add(session, ping(ping_id=uuid.uuid4(), origin="inspection", note=f"{n}"))
            await asyncio.sleep(spacing_s)
        return time.monotonic() - started
    finally:
        await engine.dispose()


def counted_rounds(relay: Relay) -> list[int]:
    """The rows each of ``relay``'s rounds published, as they publish (rounds that published nothing left out)."""
    rounds: list[int] = []
    drain = relay.drain_once

    async def counted() -> int:
        published = await drain()
        if published:
            rounds.append(published)
        return published

    relay.drain_once = counted  # type: ignore[method-assign]
    return rounds


async def test_a_stream_of_commits_is_claimed_in_few_rounds_in_order(
    stack: Stack, nats_server: EmbeddedNats
) -> None:
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=4, max_overflow=0, app_name="zhifa-pacing-test")
    factory = session_factory(engine)
    bus = Bus(nats_server.url, name="pacing-test")
    await bus.start()
    assert await bus.wait_ready(10)
    # The relay as a service builds it (services/common/app.py), with the settings' defaults.
    defaults = ServiceSettings()
    relay = Relay(
        service="inspection",
        factory=factory,
        bus=bus,
        database_url=url,
        batch_size=defaults.relay_batch_size,
        atomic_batch=defaults.relay_atomic_batch,
        poll_interval=defaults.relay_poll_interval_s,
        max_interval=defaults.relay_max_interval_s,
        busy_rate=defaults.relay_busy_rate,
    )
    rounds = counted_rounds(relay)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)  # past its first (empty) round: idle, waiting for a NOTIFY
        # The commits come from another thread with its own loop and connections, as from the API process:
        # the relay's loop is otherwise idle, as the worker's is.
        burst_s = await asyncio.to_thread(asyncio.run, _commit_burst(url))

        async def drained() -> bool:
            return sum(rounds) >= COMMITS

        await wait_for(drained, timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
    try:
        assert sum(rounds) == COMMITS
        # 40 commits, one every 5 ms plus its own few ms: burst_s, about half a second. Paced at one claim per
        # 50 ms (ServiceSettings.relay_min_interval_s): at most burst_s / 0.05 claims in the burst's span, plus
        # one at its start and one after its end; e.g. 0.5 s: 0.5 / 0.05 + 2 = 12 claims for 40 commits.
        # Unpaced, an idle relay claims at about every commit (27 and 34 claims in two runs of the old code).
        assert len(rounds) <= burst_s / 0.05 + 2, (len(rounds), burst_s, rounds)
        assert defaults.relay_min_interval_s == 0.05
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(outbox_t.c.envelope, outbox_t.c.published_at).order_by(outbox_t.c.seq)
                )
            ).all()
        # Every row published exactly once, in seq order: marks never go back in time along seq.
        assert [r.envelope["data"]["note"] for r in rows] == [str(n) for n in range(COMMITS)]
        marks = [r.published_at for r in rows]
        assert None not in marks and marks == sorted(marks)
    finally:
        await engine.dispose()


async def test_a_claim_after_a_quiet_spell_goes_at_once_and_one_right_after_another_waits() -> None:
    """Pacing delays only a claim that follows another within ``min_interval``: the first event after a quiet
    spell is claimed at once (its latency unchanged), the next one within 50 ms waits the rest of the 50 ms."""
    bus = Bus("nats://127.0.0.1:4222", name="pacing-test-2")  # never started: no claim is made here
    relay = Relay(service="inspection", factory=None, bus=bus, database_url="", min_interval=0.05)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    relay._last_claim = loop.time() - 1.0  # the last claim a second ago
    started = loop.time()
    await relay._pace()
    assert loop.time() - started < 0.01
    relay._last_claim = loop.time() - 0.01  # the last claim 10 ms ago: 40 ms to wait
    started = loop.time()
    await relay._pace()
    assert 0.035 <= loop.time() - started < 0.2


async def test_the_relay_claims_on_its_own_connection_and_opens_a_new_one_when_it_is_lost(
    stack: Stack, nats_server: EmbeddedNats
) -> None:
    """The claim runs on the relay's own connection (not the pool's): killed by the server between two rounds,
    the next round fails, the one after opens a new connection, and every row goes out once."""
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=2, max_overflow=0, app_name="zhifa-pacing-test")
    factory = session_factory(engine)
    bus = Bus(nats_server.url, name="pacing-test-3")
    await bus.start()
    assert await bus.wait_ready(10)
    relay = Relay(service="inspection", factory=factory, bus=bus, database_url=url)
    ping = PINGS["inspection"]

    async def commit(note: str) -> None:
        async with transaction(factory) as session:
            outbox.add(session, ping(ping_id=uuid.uuid4(), origin="inspection", note=note))

    try:
        await commit("1")
        assert await relay.drain_once() == 1
        async with engine.connect() as conn:
            killed = await conn.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'zhifa-inspection-relay' AND datname = current_database()"
                )
            )
        assert killed == 1
        await commit("2")
        failed = 0
        for _ in range(3):
            try:
                if await relay.drain_once() == 1:
                    break
            except Exception:
                failed += 1
        else:
            raise AssertionError("the relay never published the second row")
        assert failed <= 1
        async with engine.connect() as conn:
            pending = await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        assert pending == 0
    finally:
        await relay.close()
        await bus.close()
        await engine.dispose()


def test_the_interval_grows_with_the_rate_above_the_busy_rate_up_to_its_cap() -> None:
    """0.05 s up to 100 events/s, then in proportion to the rate (the round's rows over the time since the
    round before it began), at most 0.2 s; a first round or one after a quiet spell measures a low rate."""
    bus = Bus("nats://127.0.0.1:4222", name="pacing-test-4")  # never started
    relay = Relay(service="inspection", factory=None, bus=bus, database_url="")  # type: ignore[arg-type]
    defaults = ServiceSettings()
    assert (relay.min_interval, relay.max_interval, relay.busy_rate) == (0.05, 0.2, 100.0)
    assert (defaults.relay_max_interval_s, defaults.relay_busy_rate) == (0.2, 100.0)
    # 2 rows in 0.05 s: 40/s, light: 0.05. 5 rows in 0.05 s: 100/s, the busy rate itself: 0.05.
    assert relay.next_interval(2, 0.05) == 0.05
    assert relay.next_interval(5, 0.05) == 0.05
    # 10 rows in 0.05 s: 200/s, twice the busy rate: 0.05 x 2 = 0.1. 45 rows in 0.15 s: 300/s: 0.15.
    assert abs(relay.next_interval(10, 0.05) - 0.1) < 1e-9
    assert abs(relay.next_interval(45, 0.15) - 0.15) < 1e-9
    # 90 rows in 0.2 s: 450/s, 0.225 s by the rate, capped at 0.2.
    assert relay.next_interval(90, 0.2) == 0.2
    # The first round (no round before it) and a round after 3 quiet seconds (1 row: 0.33/s): 0.05.
    assert relay.next_interval(1, float("inf")) == 0.05
    assert relay.next_interval(1, 3.0) == 0.05
    # max_interval at or below min_interval: fixed pacing, as before.
    fixed = Relay(service="inspection", factory=None, bus=bus, database_url="", max_interval=0.05)  # type: ignore[arg-type]
    assert fixed.next_interval(90, 0.2) == 0.05


async def test_a_fast_stream_is_claimed_in_fewer_fuller_rounds_and_a_lone_event_after_it_keeps_50_ms(
    stack: Stack, nats_server: EmbeddedNats
) -> None:
    """A stream far above the busy rate is claimed at most once per ``max_interval``, not once per 50 ms;
    every row goes out once, in ``seq`` order; after it, two events 20 ms apart each leave within about
    50 ms (the second is not held for ``max_interval``)."""
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=4, max_overflow=0, app_name="zhifa-pacing-test")
    factory = session_factory(engine)
    bus = Bus(nats_server.url, name="pacing-test-5")
    await bus.start()
    assert await bus.wait_ready(10)
    relay = Relay(service="inspection", factory=factory, bus=bus, database_url=url, batch_size=1000)
    # Set as attributes (not constructor arguments), so the same test runs against a relay without adaptive
    # pacing, where it fails on the count of rounds. A busy rate of 20/s: the commits below (one about every
    # 2-4 ms, 250-500/s, and never below 80/s) take the interval to its 0.2 s cap.
    relay.max_interval, relay.busy_rate = 0.2, 20.0
    rounds = counted_rounds(relay)
    commits = 200
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
        burst_s = await asyncio.to_thread(asyncio.run, _commit_burst(url, commits, 0.001))

        async def drained() -> bool:
            return sum(rounds) >= commits

        await wait_for(drained, timeout=10)
        assert sum(rounds) == commits
        # E.g. a 0.6 s burst: at 0.05 s a claim, about 0.6 / 0.05 = 12 claims (13-14 with the first and the
        # last); at 0.2 s (reached after the first two or three claims), about 0.6 / 0.2 + 3 = 6.
        assert len(rounds) <= burst_s / 0.2 + 4, (len(rounds), burst_s, rounds)
        assert len(rounds) < burst_s / 0.05, (len(rounds), burst_s, rounds)
        await asyncio.sleep(0.5)  # a quiet spell: the interval goes back to 0.05 s after the next round
        before = len(rounds)
        await asyncio.to_thread(asyncio.run, _commit_burst(url, 2, 0.02))

        async def both() -> bool:
            return sum(rounds) >= commits + 2

        await wait_for(both, timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(outbox_t.c.envelope, outbox_t.c.created_at, outbox_t.c.published_at).order_by(
                        outbox_t.c.seq
                    )
                )
            ).all()
        notes = [r.envelope["data"]["note"] for r in rows]
        assert notes == [str(n) for n in range(commits)] + ["0", "1"]
        marks = [r.published_at for r in rows]
        assert None not in marks and marks == sorted(marks)
        # The two lone events: the first claimed at once, the second within the 50 ms interval of the first's
        # round (plus a round's few ms); held for the 0.2 s cap, it would take 0.15 s or more.
        waits = [(r.published_at - r.created_at).total_seconds() for r in rows[-2:]]
        assert max(waits) < 0.12, (waits, rounds[before:])
    finally:
        await engine.dispose()


async def test_the_notifies_of_a_paced_wait_are_read_after_it_in_one_go(stack: Stack) -> None:
    """While the relay waits out its interval its LISTEN connection is not read (one loop wake-up for the
    wait's NOTIFYs, not one per commit); the NOTIFYs are not lost: right after the wait they wake the relay."""
    url = await stack.anew_database("inspection")
    bus = Bus("nats://127.0.0.1:4222", name="pacing-test-6")  # never started: no claim is made here
    relay = Relay(service="inspection", factory=None, bus=bus, database_url=url)  # type: ignore[arg-type]
    wakes: list[float] = []
    listener = asyncio.create_task(relay._listen())
    engine = create_engine(url, pool_size=1, max_overflow=0, app_name="zhifa-pacing-notifier")
    loop = asyncio.get_running_loop()

    async def notify() -> None:
        async with engine.connect() as conn:
            await conn.execute(sa.text(f"SELECT {outbox.WAKE_RELAY}"))
            await conn.commit()

    async def watch() -> None:
        while True:
            await relay._wake.wait()
            wakes.append(loop.time())
            relay._wake.clear()

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.sleep(0.5)  # LISTENing
        await notify()
        await asyncio.sleep(0.2)
        assert len(wakes) == 1  # outside a wait, a NOTIFY wakes the relay as it arrives
        relay._last_claim, relay._interval = loop.time(), 0.4
        started = loop.time()
        pace = asyncio.create_task(relay._pace())
        for _ in range(3):
            await notify()
        await asyncio.sleep(0.2)
        assert len(wakes) == 1  # three NOTIFYs sent 0.2 s ago and more, none read during the wait
        await pace
        await asyncio.sleep(0.1)
        assert len(wakes) == 2 and wakes[1] >= started + 0.4  # read after it, waking the relay once
    finally:
        watcher.cancel()
        listener.cancel()
        await asyncio.gather(watcher, listener, return_exceptions=True)
        await engine.dispose()
