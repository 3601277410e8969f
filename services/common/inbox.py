"""Idempotent consumers (SPEC §1.4): durable JetStream pull consumers with an inbox table.

Each message is handled in one database transaction that first inserts ``(consumer, event_id)`` into the
inbox; a redelivered event finds its row and is acknowledged without running the handler again. The ack
is sent only after the commit. Failures are retried with ``nak(delay)`` back-off up to a bound, then the
message is terminated and kept as a dead letter in the consumer's own database (plus a metric and an
error-level log line). A concurrent redelivery (a handler that outlived the ack wait) waits on the inbox
row's unique key and then sees it, so it is applied once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

import orjson
import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import metrics
from services.common.bus import Bus
from services.common.date_bounds import out_of_range
from services.common.db import transaction
from services.common.events import REGISTRY, Envelope, Event
from services.common.logs import request_id_var
from services.common.registry import by_subject
from services.common.tables import dead_letter_t, inbox_t

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, Event], Awaitable[None]]


class PoisonMessage(Exception):
    """The message can never be handled (unparseable, unknown contract): dead-letter it at once."""


@dataclass(frozen=True)
class Subscription:
    """One handler for one event type (or a wildcard within one producer's stream)."""

    name: str
    subject: str
    handler: Handler


@dataclass(frozen=True)
class _Metadata:
    num_delivered: int


@dataclass
class Redelivery:
    """A dead-lettered message handed to its handler again inside this process, not through NATS: a
    service may not publish into the producer's stream (services/common/nats_auth.py). It counts as the
    last delivery, so a new failure is dead-lettered at once; ack, nak and term have nothing to answer."""

    subject: str
    data: bytes
    deliveries: int

    @property
    def metadata(self) -> _Metadata:
        return _Metadata(self.deliveries)

    async def ack(self) -> None:
        return None

    async def nak(self, delay: float | None = None) -> None:
        return None

    async def term(self) -> None:
        return None


Context = TypeVar("Context")
Contract = TypeVar("Contract", bound=Event)


@dataclass(frozen=True, slots=True)
class Delivery(Generic[Context]):
    """What a declared handler gets besides its session and its typed event."""

    envelope: Envelope
    context: Context


TypedHandler = Callable[[AsyncSession, Contract, Delivery[Context]], Awaitable[None]]


@dataclass(frozen=True)
class Declared:
    name: str
    contract: type[Event]
    handler: Callable[..., Awaitable[None]]


class Consumers(Generic[Context]):
    """A service's consumers, declared once where they are written:

        consumers: Consumers[CreditRepairContext] = Consumers()

        @consumers.consumes(penalty.DecisionIssued, name="decision-issued")
        async def on_decision_issued(session, event: penalty.DecisionIssued, delivery) -> None: ...

    ``name`` is the durable consumer's name (``<service>-<name>``) and the inbox key: renaming it makes a
    new consumer that replays the stream, so it is explicit and never derived from the function's name.
    The handler receives the contract class it declared; an event of the same type in another version
    is a poison message (dead-lettered), never a surprise ``AttributeError``.
    """

    def __init__(self) -> None:
        self.declared: list[Declared] = []

    def consumes(
        self, contract: type[Contract], *, name: str
    ) -> Callable[[TypedHandler[Contract, Context]], TypedHandler[Contract, Context]]:
        if any(d.name == name for d in self.declared):
            raise ValueError(f"consumer {name!r} declared twice")

        def register(handler: TypedHandler[Contract, Context]) -> TypedHandler[Contract, Context]:
            self.declared.append(Declared(name, contract, handler))
            return handler

        return register

    def subscriptions(self, context: Context) -> list[Subscription]:
        """The declared consumers bound to the running service's context."""
        return [_bind(declared, context) for declared in self.declared]


def _bind(declared: Declared, context: Any) -> Subscription:
    contract, handler = declared.contract, declared.handler

    async def typed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        if not isinstance(event, contract):
            raise PoisonMessage(
                f"{declared.name} handles {contract.TYPE} v{contract.VERSION}, got v{envelope.version}"
            )
        await handler(session, event, Delivery(envelope, context))

    return Subscription(declared.name, contract.TYPE, typed)


#: The inbox row, built once: a statement built anew for each event cost its construction and its cache key
#: (SQLAlchemy memoises the key on the statement object) every time (docs/benchmarks/consumer-profile.md).
_INBOX_INSERT = (
    pg_insert(inbox_t)
    .values(
        consumer=sa.bindparam("consumer"),
        event_id=sa.bindparam("event_id"),
        event_type=sa.bindparam("event_type"),
    )
    .on_conflict_do_nothing()
    .returning(inbox_t.c.event_id)
)


def backoff(delivery: int) -> float:
    """Seconds before redelivery number ``delivery + 1``: 0.5, 1, 2, 4, ... capped at 60."""
    return float(min(60.0, 0.5 * 2 ** max(0, delivery - 1)))


class ConsumerRunner:
    """Runs every subscription of one service process."""

    def __init__(
        self,
        *,
        service: str,
        factory: async_sessionmaker[AsyncSession],
        bus: Bus,
        subscriptions: list[Subscription],
        max_deliver: int = 8,
        ack_wait: float = 30.0,
        concurrency: int = 8,
    ) -> None:
        self.service = service
        self.factory = factory
        self.bus = bus
        self.subscriptions = subscriptions
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.concurrency = concurrency

    def durable_name(self, sub: Subscription) -> str:
        # NATS consumer names may not contain "." (SPEC writes <service>.<handler>).
        return f"{self.service}-{sub.name}".replace(".", "-")

    async def run(self) -> None:
        await self.bus.wait_ready()
        async with asyncio.TaskGroup() as group:
            for sub in self.subscriptions:
                group.create_task(self._run_subscription(sub), name=self.durable_name(sub))

    async def _run_subscription(self, sub: Subscription) -> None:
        durable = self.durable_name(sub)
        stream = by_subject(sub.subject).stream
        while True:
            try:
                psub = await self.bus.js.pull_subscribe(
                    sub.subject,
                    durable=durable,
                    stream=stream,
                    config=ConsumerConfig(
                        durable_name=durable,
                        ack_policy=AckPolicy.EXPLICIT,
                        deliver_policy=DeliverPolicy.ALL,
                        ack_wait=self.ack_wait,
                        max_deliver=-1,  # bounded by us, so the last failure becomes a dead letter
                        max_ack_pending=max(1000, self.concurrency * 4),
                        filter_subject=sub.subject,
                    ),
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot create consumer %s yet: %s", durable, exc)
                await asyncio.sleep(1)
        await self._fetch_loop(sub, psub, durable)

    async def _fetch_loop(self, sub: Subscription, psub: Any, durable: str) -> None:
        """Fetch up to as many messages as there are free slots in one pull request while fewer than
        ``concurrency`` are being handled, each handled in its own task. Idle, a subscription holds one
        pending fetch: one worker per unit of concurrency, each polling, held ~140 KiB per subscription
        (2.4 MiB in risk's 17; docs/benchmarks.md, "Idle memory per process"). A backlog is fetched a batch
        a request, not a message a round trip; the server answers a pull as soon as it has sent what it had
        (``no_wait``), so a lone event is not held back for the batch (docs/benchmarks.md, "A consumer
        draining a backlog"). Up to ``concurrency`` messages are handled at once, never more."""
        free = self.concurrency
        freed = asyncio.Event()
        fetched: deque[Msg] = deque()  # what a fetch gave beyond the free slots
        handling: set[asyncio.Task[None]] = set()
        failed: list[BaseException] = []
        loop = asyncio.current_task()

        def done(task: asyncio.Task[None]) -> None:
            # What escapes ``handle`` (a lost NATS link while acking) stops the subscription, as it stopped
            # the worker that met it before, and with it the runner's task group.
            nonlocal free
            free += 1
            freed.set()
            handling.discard(task)
            if not task.cancelled() and task.exception() is not None and not failed and loop is not None:
                failed.append(task.exception())  # type: ignore[arg-type]
                loop.cancel()

        try:
            while True:
                while not free:
                    freed.clear()
                    await freed.wait()
                if not fetched:
                    try:
                        fetched.extend(await psub.fetch(batch=free, timeout=5))
                    except (FetchTimeoutError, TimeoutError):
                        if loop is not None and loop.cancelling():
                            # nats-py's fetch now and then answers a cancellation with its TimeoutError: taken
                            # for an empty fetch, the loop fetched on and a process's stop waited on it for good
                            raise asyncio.CancelledError from None
                        continue
                    except Exception as exc:
                        if loop is not None and loop.cancelling():
                            raise asyncio.CancelledError from None  # the same, turned into a closed connection
                        log.debug("fetch on %s failed: %s", durable, exc)
                        await asyncio.sleep(0.5)
                        continue
                # nats-py's fetch also returns whatever a lapsed earlier pull left queued: more than asked for
                while fetched and free:
                    free -= 1
                    task = asyncio.create_task(self.handle(sub, fetched.popleft(), durable))
                    handling.add(task)
                    task.add_done_callback(done)
        except asyncio.CancelledError:
            if failed:
                raise failed[0] from None
            raise
        finally:
            for task in handling:
                task.cancel()

    async def redeliver(self, durable: str, subject: str, payload: bytes) -> bool:
        """Handle a dead-lettered message again (the inbox keeps it idempotent); False when no subscription
        of this service has that consumer name."""
        for sub in self.subscriptions:
            if self.durable_name(sub) == durable:
                await self.handle(sub, Redelivery(subject, payload, self.max_deliver), durable)  # type: ignore[arg-type]
                return True
        return False

    async def handle(self, sub: Subscription, msg: Msg, durable: str) -> None:
        delivered = msg.metadata.num_delivered or 1
        try:
            envelope, event = parse(msg.data)
        except PoisonMessage as exc:
            await self._dead_letter(msg, durable, None, str(exc), delivered)
            return
        token = request_id_var.set(envelope.request_id)
        try:
            async with transaction(self.factory) as session:
                inserted = await session.scalar(
                    _INBOX_INSERT,
                    {"consumer": durable, "event_id": envelope.id, "event_type": envelope.type},
                )
                if inserted is not None:
                    await sub.handler(session, envelope, event)
            await msg.ack()
            if inserted is None:
                metrics.INBOX_DUPLICATES.labels(durable).inc()
            else:
                metrics.INBOX_PROCESSED.labels(durable).inc()
        except asyncio.CancelledError:
            raise
        except PoisonMessage as exc:
            await self._dead_letter(msg, durable, str(envelope.id), str(exc), delivered)
        except Exception as exc:
            metrics.CONSUMER_FAILURES.labels(durable).inc()
            if delivered >= self.max_deliver or out_of_range(exc):  # a derived day past 2199: no retry helps
                await self._dead_letter(msg, durable, str(envelope.id), repr(exc), delivered)
            else:
                log.warning(
                    "handler %s failed on delivery %d (will retry): %r",
                    durable,
                    delivered,
                    exc,
                    extra={"event_id": str(envelope.id), "consumer": durable},
                )
                await msg.nak(delay=backoff(delivered))
        finally:
            request_id_var.reset(token)

    async def _dead_letter(
        self, msg: Msg, durable: str, event_id: str | None, error: str, deliveries: int
    ) -> None:
        try:
            async with transaction(self.factory) as session:
                await session.execute(
                    sa.insert(dead_letter_t).values(
                        consumer=durable,
                        event_id=event_id,
                        nats_subject=msg.subject,
                        payload=msg.data.decode("utf-8", "replace"),
                        error=error[:4000],
                        deliveries=deliveries,
                    )
                )
        except Exception as exc:  # the database is down: keep the message, it will come back
            log.warning("cannot record dead letter for %s yet: %s", durable, exc)
            await msg.nak(delay=backoff(deliveries))
            return
        await msg.term()
        metrics.DEAD_LETTERS.labels(durable).inc()
        log.error(
            "event dead-lettered by %s after %d deliveries: %s",
            durable,
            deliveries,
            error,
            extra={"event_id": event_id, "consumer": durable},
        )


def parse(data: bytes) -> tuple[Envelope, Event]:
    """The envelope and its typed contract, or PoisonMessage."""
    try:
        envelope = Envelope.model_validate(orjson.loads(data))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PoisonMessage(f"not an event envelope: {exc}") from exc
    contract = REGISTRY.get(envelope.type, envelope.version)
    if contract is None:
        raise PoisonMessage(f"unknown contract {envelope.type} v{envelope.version}")
    try:
        event = contract.model_validate(envelope.data)
    except ValidationError as exc:
        raise PoisonMessage(f"data does not match {envelope.type} v{envelope.version}: {exc}") from exc
    return envelope, event


ACK_WAIT_DEFAULT = timedelta(seconds=30)
