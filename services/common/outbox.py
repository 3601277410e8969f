"""Transactional outbox (SPEC §1.4): the event row is written in the state change's own transaction, and a
relay publishes pending rows to JetStream with ``Nats-Msg-Id = event id``.

The relay claims rows with ``FOR UPDATE SKIP LOCKED`` (two relays never publish the same row at once),
publishes them concurrently with a bounded number of acks in flight, and marks them sent only after the
JetStream ack. It scans for *unpublished* rows rather than following a sequence high-water mark, so a
transaction that took an early ``seq`` but committed late is still published. A crash between publish and
mark re-publishes the row: the stream's duplicate window and the consumers' inboxes absorb it.

Rows go out in JetStream atomic batches (nats-server ≥ 2.12, streams with ``allow_atomic``): a batch of up
to ``atomic_batch`` messages is stored, fsynced and acknowledged as one, where single publishes cost one
fsync each under ``sync_interval: always`` (docs/benchmarks.md: a few thousand single publishes/s against
about twenty thousand in batches). The server refuses a whole batch when any of its ``Nats-Msg-Id``s was
already stored (a re-publication after a crash between the ack and the mark, or ``zhifa outbox replay``);
the rows of a refused or failed batch are then published one by one, which the duplicate window filters
message by message. So batching changes the cost, never what arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from services.common import metrics
from services.common.bus import Bus
from services.common.db import json_dumps, plain_dsn, transaction
from services.common.events import Envelope, Event, make_envelope
from services.common.logs import request_id_var
from services.common.registry import by_subject
from services.common.tables import outbox_t

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "zhifa_outbox"
PENDING_KEY = "zhifa_outbox_pending"


def add(session: AsyncSession, event: Event, *, at: datetime | None = None) -> Envelope:
    """Stage ``event`` for publication in the caller's transaction; returns its envelope."""
    envelope = make_envelope(
        event, source=by_subject(event.TYPE).name, request_id=request_id_var.get(), at=at
    )
    pending = session.info.setdefault(PENDING_KEY, [])
    pending.append(envelope)
    return envelope


def insert_sql(first: int, *, where: str = "") -> str:
    """``INSERT INTO outbox`` of the rows in ``unnest`` of the five arrays ``row_arrays`` returns, as driver
    parameters ``$first`` … ``$first+4``, in staging order, only ``where`` that condition holds (``WHERE ...``);
    usable as a data-modifying CTE of a bigger statement (a check-in writes its visit and its event in one)."""
    return _insert_sql([f"${first + i}" for i in range(5)], where)


def _insert_sql(p: Sequence[str], where: str = "") -> str:
    return (
        "INSERT INTO outbox (id, type, version, subject, envelope)"
        " SELECT u.id, u.type, u.version, u.subject, CAST(u.envelope AS jsonb)"
        f" FROM unnest(CAST({p[0]} AS uuid[]), CAST({p[1]} AS text[]), CAST({p[2]} AS int[]),"
        f" CAST({p[3]} AS text[]), CAST({p[4]} AS text[]))"
        f" WITH ORDINALITY AS u(id, type, version, subject, envelope, n) {where} ORDER BY u.n"
    )


def insert_one_sql(first: int, *, where: str = "") -> str:
    """``insert_sql`` for exactly one row, its five values as scalar driver parameters ``$first`` …
    ``$first+4`` (``row_values``): the same row, without five one-element arrays that asyncpg encodes element
    by element (each array and element checked against three ``collections.abc`` classes) and PostgreSQL
    unnests (issue #16: ~12 µs of the caller's CPU per statement, docs/benchmarks/checkin-python.md)."""
    p = [f"${first + i}" for i in range(5)]
    return (
        "INSERT INTO outbox (id, type, version, subject, envelope)"
        f" SELECT CAST({p[0]} AS uuid), CAST({p[1]} AS text), CAST({p[2]} AS int), CAST({p[3]} AS text),"
        f" CAST({p[4]} AS jsonb) {where}"
    )


def row_values(envelope: Envelope) -> list[Any]:
    """The parameters of ``insert_one_sql``: the id, type, version, subject and envelope (JSON text)."""
    return [envelope.id, envelope.type, envelope.version, envelope.subject, envelope.model_dump_json()]


def row_arrays(pending: Sequence[Envelope]) -> list[list[Any]]:
    """The parameters of ``insert_sql``: ids, types, versions, subjects and envelopes (JSON text)."""
    return [
        [e.id for e in pending],
        [e.type for e in pending],
        [e.version for e in pending],
        [e.subject for e in pending],
        [e.model_dump_json() for e in pending],
    ]


def take_staged(session: AsyncSession | Session) -> list[Envelope]:
    """The events staged in ``session`` so far, which the caller now writes itself (``insert_sql`` in its own
    statement of the same transaction, with ``WAKE_RELAY``); they are no longer written at commit."""
    return list(session.info.pop(PENDING_KEY, []))


#: Wakes the relay at commit (NOTIFY is transactional; a repeated one in a transaction is sent once).
WAKE_RELAY = f"pg_notify('{NOTIFY_CHANNEL}', '')"

# The staged rows and the relay's wake-up in ONE statement: a separate NOTIFY was one more round trip of every
# write that publishes (issue #16). 1,000 rows a statement keep the parameters' arrays small.
_STAGED_CHUNK = 1000
_WRITE_STAGED = sa.text(
    f"WITH staged AS ({_insert_sql([':ids', ':types', ':versions', ':subjects', ':envelopes'])})"
    f" SELECT {WAKE_RELAY}"
)


@sa.event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Staged events are inserted in the committing transaction itself, so none can be forgotten."""
    pending = take_staged(session)
    for i in range(0, len(pending), _STAGED_CHUNK):
        ids, types, versions, subjects, envelopes = row_arrays(pending[i : i + _STAGED_CHUNK])
        session.execute(
            _WRITE_STAGED,
            {"ids": ids, "types": types, "versions": versions, "subjects": subjects, "envelopes": envelopes},
        )


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


PublishHook = Callable[[list[str]], Awaitable[None]]


class Relay:
    """Publishes pending outbox rows of one service database."""

    def __init__(
        self,
        *,
        service: str,
        factory: async_sessionmaker[AsyncSession],
        bus: Bus,
        database_url: str,
        batch_size: int = 500,
        max_in_flight: int = 256,
        poll_interval: float = 1.0,
        atomic_batch: int = 250,
        batches_in_flight: int = 4,
        min_interval: float = 0.05,
        max_interval: float = 0.2,
        busy_rate: float = 100.0,
    ) -> None:
        self.service = service
        self.factory = factory
        self.bus = bus
        self.database_url = database_url
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.poll_interval = poll_interval
        # The server allows 1,000 messages per batch and 50 open batches per stream (shared by every relay
        # of the service); 0 or 1 turns batching off.
        self.atomic_batch = min(atomic_batch, 1000)
        self.batches_in_flight = max(1, batches_in_flight)
        # At most one claim per ``min_interval`` seconds (after a full batch the next claim goes at once).
        # Every commit that adds rows NOTIFYs; claiming at each wake-up cost an idle worker one transaction, one
        # JetStream publish (an fsync) and one commit per row, more CPU per check-in than the whole rest of the
        # worker (docs/benchmarks.md, "Check-in through the gateway"). Paced, a stream of commits goes out in
        # batches and an event after a quiet spell still goes at once; it adds at most the interval (below) to an
        # event's way out under load, and changes neither what is published nor its order.
        self.min_interval = max(0.0, min_interval)
        # Adaptive pacing: above ``busy_rate`` events/s (measured over the last round) the interval grows in
        # proportion to the rate, up to ``max_interval``. A claim costs the worker about 2 ms of CPU and NATS an
        # fsync whatever it carries, so at a high rate fewer, fuller claims cost less per event; below the rate
        # (and after a quiet spell, whose round measures a low rate) the interval is ``min_interval``, so light
        # traffic keeps its latency. ``max_interval`` <= ``min_interval`` turns it off.
        self.max_interval = max(self.min_interval, max_interval)
        self.busy_rate = max(busy_rate, 1e-9)
        self._interval = self.min_interval
        self._last_claim = float("-inf")
        self._listen_conn: asyncpg.Connection | None = None
        self._wake = asyncio.Event()
        self._conn: asyncpg.Connection | None = None
        self._last_gauge = datetime.min.replace(tzinfo=UTC)
        # Test hook: runs after the JetStream acks and before the rows are marked sent.
        self.after_publish: PublishHook | None = None

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name=f"{self.service}-outbox-listen")
        try:
            await self.bus.wait_ready()
            published = 0
            while True:
                if published < self.batch_size:
                    await self._pace()
                # Cleared before the round, so a NOTIFY that arrives while this round runs wakes the next one.
                self._wake.clear()
                try:
                    previous, self._last_claim = self._last_claim, asyncio.get_running_loop().time()
                    published = await self.drain_once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("outbox relay round failed: %s", exc)
                    published = 0
                    await asyncio.sleep(self.poll_interval)
                self._interval = self.next_interval(published, self._last_claim - previous)
                if published >= self.batch_size:
                    continue
                try:
                    await self._maybe_purge()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database is away: housekeeping waits for the next round
                    log.warning("outbox housekeeping failed: %s", exc)
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives
                # as the NOTIFY wakes it (CPython gh-86296), and the relay ran on after the service stopped.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await self._wake.wait()
        finally:
            listener.cancel()
            await self.close()

    def next_interval(self, published: int, since_previous: float) -> float:
        """The pacing interval after a round that published ``published`` rows ``since_previous`` seconds
        after the round before it began: ``min_interval`` up to ``busy_rate`` events/s, then in proportion to
        the rate, at most ``max_interval`` (e.g. 0.05 s up to 100/s, 0.1 s at 200/s, 0.2 s from 400/s)."""
        if since_previous <= 0 or self.max_interval <= self.min_interval:
            return self.min_interval
        rate = published / since_previous
        return min(self.max_interval, max(self.min_interval, self.min_interval * rate / self.busy_rate))

    async def _pace(self) -> None:
        """Wait until the pacing interval has passed since the last claim began: the commits (and NOTIFYs)
        of the wait are claimed together by the next round. Meanwhile the LISTEN connection is not read:
        the wait's NOTIFYs queue in its socket and are read at once after it, one wake-up of the loop
        instead of one per commit (hundreds a second at the machine's limit)."""
        wait = self._last_claim + self._interval - asyncio.get_running_loop().time()
        if wait > 0:
            # asyncpg's own transport (not public API): without it the connection is read as before.
            transport: Any = getattr(self._listen_conn, "_transport", None)
            paused = False
            if transport is not None:
                with contextlib.suppress(Exception):
                    transport.pause_reading()
                    paused = True
            try:
                await asyncio.sleep(wait)
            finally:
                if paused:
                    with contextlib.suppress(Exception):
                        transport.resume_reading()

    async def _connection(self) -> asyncpg.Connection:
        """The relay's own connection (opened on first use, and again after a failure), whose ``jsonb`` values
        are decoded as the engine's are (``services.common.db``)."""
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(
                plain_dsn(self.database_url),
                server_settings={"application_name": f"zhifa-{self.service}-relay", "timezone": "UTC"},
            )
            await conn.set_type_codec(
                "jsonb", schema="pg_catalog", encoder=json_dumps, decoder=orjson.loads, format="text"
            )
            self._conn = conn
        return self._conn

    async def close(self) -> None:
        """Close the relay's own connection (``run`` does when it ends)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)

    async def _listen(self) -> None:
        """LISTEN for commits that added rows; the polling interval covers a lost connection."""
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(plain_dsn(self.database_url))
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                self._listen_conn = conn
                while not conn.is_closed():  # noqa: ASYNC110 (asyncpg offers no wait-for-close)
                    await asyncio.sleep(5)
            except asyncio.CancelledError:
                self._listen_conn = None
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
                raise
            except Exception as exc:
                log.debug("outbox LISTEN connection lost: %s", exc)
            self._listen_conn = None
            await asyncio.sleep(self.poll_interval)

    async def drain_once(self) -> int:
        """Claim, publish and mark one batch; returns how many rows were marked sent."""
        if not self.bus.connected:
            return 0
        conn = await self._connection()
        try:
            async with conn.transaction():
                rows = [_Claimed(*r) for r in await conn.fetch(_CLAIM, self.batch_size)]
                if not rows:
                    metrics.OUTBOX_PENDING.labels(self.service).set(0)
                    return 0
                results = await self._publish_all(rows)
                sent = [r for r in results if r is not None]
                if self.after_publish is not None:
                    await self.after_publish(sent)
                if sent:
                    await conn.execute(_MARK_SENT, *_claimed(rows, sent))
                failed = [str(r.id) for r, ok in zip(rows, results, strict=True) if ok is None]
                if failed:
                    await conn.execute(_MARK_FAILED, *_claimed(rows, failed))
        except BaseException:
            # A lost or broken connection (or a cancellation mid-statement): the next round opens a new one.
            self._conn = None
            with contextlib.suppress(Exception):
                conn.terminate()
            raise
        metrics.OUTBOX_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            await asyncio.sleep(min(self.poll_interval, 1.0))
        return len(sent)

    async def publish(self, rows: Sequence[Any]) -> list[str | None]:
        """Publish rows that are not outbox rows (``id``, ``type`` and ``envelope`` attributes) as a round
        publishes claimed ones; per row its id once acknowledged, or None. For a service that builds a bulk
        change's events from its own tables (credit_repair's clean-up ends, from its feed)."""
        return await self._publish_all(rows)

    async def _publish_all(self, rows: Sequence[Any]) -> list[str | None]:
        """Publish ``rows``; per row its id once JetStream acknowledged it, or None (retried next round).
        Atomic batches first; the rows of a batch the server refused, or of a lone last row, go singly."""
        size = self.atomic_batch
        if size < 2 or len(rows) < 2:
            return await self._publish_singly(rows)
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        gate = asyncio.Semaphore(self.batches_in_flight)

        async def batched(chunk: Sequence[Any]) -> bool:
            if len(chunk) < 2:
                return False
            async with gate:
                stored = await self._publish_batch(chunk)
            metrics.OUTBOX_BATCHES.labels(self.service, "stored" if stored else "split").inc()
            return stored

        outcomes = await asyncio.gather(*(batched(c) for c in chunks))
        rest = [row for chunk, stored in zip(chunks, outcomes, strict=True) if not stored for row in chunk]
        singly = dict(zip((row.id for row in rest), await self._publish_singly(rest), strict=True))
        return [singly[row.id] if row.id in singly else str(row.id) for row in rows]

    async def _publish_batch(self, rows: Sequence[Any]) -> bool:
        """One atomic batch of two or more rows (ADR-50: the batch headers ride on the messages themselves);
        True when the server stored it."""
        nc = self.bus.nc
        if nc is None:
            return False
        batch_id = uuid.uuid4().hex
        first, *middle, last = rows

        def headers(seq: int, row: Any) -> dict[str, str]:
            return {"Nats-Msg-Id": str(row.id), "Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(seq)}

        try:
            # The start is acknowledged with an empty reply, or refused (e.g. a server without batches).
            reply = await nc.request(
                first.type, orjson.dumps(first.envelope), headers=headers(1, first), timeout=5
            )
            if reply.data:
                log.debug("atomic batch refused at its start: %s", reply.data[:200])
                return False
            for seq, row in enumerate(middle, start=2):
                await nc.publish(row.type, orjson.dumps(row.envelope), headers=headers(seq, row))
            commit = {**headers(len(rows), last), "Nats-Batch-Commit": "1"}
            reply = await nc.request(last.type, orjson.dumps(last.envelope), headers=commit, timeout=5)
            ack = orjson.loads(reply.data)
        except Exception as exc:  # timeouts, a lost connection: the rows go singly (or next round)
            log.debug("atomic batch of %d failed: %s", len(rows), exc)
            return False
        if "error" in ack:  # e.g. 10201: it repeats a stored message id (a re-publication after a crash)
            log.debug("atomic batch of %d refused: %s", len(rows), ack["error"])
            return False
        return int(ack.get("count", 0)) == len(rows)

    async def _publish_singly(self, rows: Sequence[Any]) -> list[str | None]:
        semaphore = asyncio.Semaphore(self.max_in_flight)
        js = self.bus.js

        async def publish(row: Any) -> str | None:
            async with semaphore:
                try:
                    await js.publish(
                        row.type,
                        orjson.dumps(row.envelope),
                        headers={"Nats-Msg-Id": str(row.id)},
                        timeout=5,
                    )
                except Exception as exc:
                    metrics.OUTBOX_PUBLISH_ERRORS.labels(self.service).inc()
                    log.warning("publish of %s failed (will retry): %s", row.id, exc)
                    return None
                return str(row.id)

        return list(await asyncio.gather(*(publish(r) for r in rows)))

    async def _maybe_purge(self) -> None:
        """Housekeeping: refresh the backlog gauges every 15 s. The retention is no longer a ``DELETE`` here:
        the kernel's ``partitions`` job drops the outbox's old day partitions (services/common/partitions.py)."""
        now = datetime.now(UTC)
        if now - self._last_gauge >= timedelta(seconds=15):
            self._last_gauge = now
            async with transaction(self.factory) as session:
                status = await backlog(session)
            metrics.OUTBOX_PENDING.labels(self.service).set(status.pending)
            metrics.OUTBOX_OLDEST_PENDING.labels(self.service).set(status.oldest_pending_seconds)


class _Claimed(NamedTuple):
    id: uuid.UUID
    type: str
    envelope: Any
    created_at: datetime


# The relay's three statements, on its own connection (``Relay._connection``: prepared once, no pool, ORM or
# dialect between them; a round of single-row claims cost an idle worker more CPU in SQLAlchemy's session and
# result machinery than in the publication itself). created_at is claimed too: the marks name the days of the
# claimed rows, so they are pruned to those day partitions instead of probing every partition's primary key.
_CLAIM = (
    "SELECT id, type, envelope, created_at FROM outbox WHERE published_at IS NULL"
    " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED"
)
_WHERE_CLAIMED = "id = ANY(CAST($1 AS uuid[])) AND created_at >= $2 AND created_at <= $3"
_MARK_SENT = f"UPDATE outbox SET published_at = now() WHERE {_WHERE_CLAIMED}"
_MARK_FAILED = (
    f"UPDATE outbox SET attempts = attempts + 1, last_error = 'publish failed' WHERE {_WHERE_CLAIMED}"
)


def _claimed(rows: Sequence[_Claimed], ids: Sequence[str]) -> tuple[list[uuid.UUID], datetime, datetime]:
    """The parameters of ``_WHERE_CLAIMED`` for the rows ``ids`` of the claimed ``rows``: their ids, and the
    bounds of the days they were created in (the outbox is partitioned by day on ``created_at``)."""
    chosen = set(ids)
    picked = [r for r in rows if str(r.id) in chosen]
    created = [r.created_at for r in picked]
    return [r.id for r in picked], min(created), max(created)


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_pending_seconds: float
    sent_kept: int


async def backlog(session: AsyncSession) -> Backlog:
    """How many events wait for publication, and how long the oldest has waited."""
    row = (
        await session.execute(
            sa.select(
                sa.func.count().filter(outbox_t.c.published_at.is_(None)),
                sa.func.min(outbox_t.c.created_at).filter(outbox_t.c.published_at.is_(None)),
                sa.func.count().filter(outbox_t.c.published_at.is_not(None)),
            )
        )
    ).one()
    oldest = (datetime.now(UTC) - row[1]).total_seconds() if row[1] is not None else 0.0
    return Backlog(int(row[0]), max(0.0, oldest), int(row[2]))


async def replay(factory: async_sessionmaker[AsyncSession], since: datetime) -> int:
    """Mark rows created since ``since`` for re-publication (after a stream was lost); returns the count."""
    async with transaction(factory) as session:
        result = await session.execute(
            sa.update(outbox_t)
            .where(outbox_t.c.created_at >= since, outbox_t.c.published_at.is_not(None))
            .values(published_at=None)
        )
        await session.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def pending_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count()).select_from(outbox_t).where(outbox_t.c.published_at.is_(None))
        )
        or 0
    )
