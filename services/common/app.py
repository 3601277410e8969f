"""The composition root shared by every service: ``build_service_app`` wires settings, database, NATS,
token verification, the edge middleware, problem handlers, health, metrics, diagnostics and the audit
chain around a service's own routers, consumers and jobs.

Roles (``zhifa serve <service> --role``): ``api`` serves HTTP only; ``worker`` runs the outbox relay, the
consumers and the jobs and serves only health and metrics; ``all`` (the default) does both in one process.
A service's ``create_app`` gives a worker no routers: it does not even import its routes, their schemas and
dependencies (0.4–2.3 MiB of a worker process at idle, penalty's most; docs/benchmarks.md, "Idle memory per
process").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.responses import Response

import services.common.contracts  # noqa: F401  (registers every contract)
from services.common import (
    audit,
    audit_api,
    checkpoints,
    clock,
    jobs,
    lazy,
    logs,
    metrics,
    migrate,
    openapi,
    outbox,
    partitions,
    problems,
    routing,
)
from services.common.auth import Principal, TokenVerifier
from services.common.bus import Bus, Credentials
from services.common.calendar_store import next_year_missing
from services.common.contracts.diagnostics import PINGS, Ping
from services.common.db import create_engine, session_factory, transaction
from services.common.deps import AdminDep, SessionDep
from services.common.edge import EdgeMiddleware
from services.common.errors import BadRequest, Conflict, NotFound
from services.common.fields import Day, StrictInt
from services.common.inbox import ConsumerRunner, Consumers, Delivery
from services.common.jobs import Periodic
from services.common.outbox import Relay
from services.common.pagination import CursorQuery, LimitQuery, Page, cursor_int, decode_cursor, page_of
from services.common.registry import SERVICES, ServiceInfo, by_subject
from services.common.settings import ServiceSettings
from services.common.tables import calendar_override_t, calendar_year_t, dead_letter_t, diagnostic_ping_t
from services.common.workdays import PACKAGE_YEARS

log = logging.getLogger(__name__)

Role = Literal["api", "worker", "all"]


@dataclass
class Runtime:
    """What a running service process holds; available as ``app.state.runtime``."""

    info: ServiceInfo
    settings: ServiceSettings
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    bus: Bus
    verifier: TokenVerifier
    context: Any = None
    checkpoint_keys: checkpoints.CheckpointKeys | None = None
    relay: Relay | None = None
    consumers: ConsumerRunner | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


async def supervise(name: str, start: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a background loop forever: if it ever returns or raises, log it at error level and restart it.

    A relay or consumer that died silently would stop the event flow while the API kept answering.
    """
    delay = 1.0
    while True:
        started = asyncio.get_running_loop().time()
        try:
            await start()
            log.error("background task %s returned; restarting", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s crashed; restarting in %.0fs", name, delay)
        if asyncio.get_running_loop().time() - started > 60:
            delay = 1.0
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


CalendarHook = Callable[[AsyncSession, int, Principal], Awaitable[object]]


@dataclass
class ServiceParts:
    """What a service brings to the composition root.

    ``context`` is the service's own configuration object (``app.state.runtime.context``), handed to its
    declared consumers (``Delivery.context``) and jobs (``runtime.context``).
    """

    info: ServiceInfo
    settings: ServiceSettings
    routers: Sequence[APIRouter] = ()
    context: Any = None
    #: Routers matched before every other route, the health and kernel routes included (the router tries
    #: routes in order, each try costs a few microseconds): a service's hot path (inspection's check-in).
    #: Their paths must not overlap any other route's.
    hot_routers: Sequence[APIRouter] = ()
    consumers: Consumers[Any] | None = None
    periodic: Sequence[Periodic] = ()
    description: str = ""
    on_startup: Sequence[Callable[[Runtime], Awaitable[None]]] = ()
    #: kind → how to load the object through its access rule, for GET .../audit/entities/{kind}/{id}
    audit_entities: Mapping[str, audit_api.AuditKind] = field(default_factory=dict)
    # Called in the transaction of PUT /admin/calendar/{year}, after the year is stored: deadlines that
    # waited for that year's statutory calendar can be computed at once (session, year, the administrator).
    on_calendar_year: Sequence[CalendarHook] = ()


class PingRequest(BaseModel):
    note: str = Field("", max_length=200, description="free text carried to every other service")


class PingRead(BaseModel):
    ping_id: uuid.UUID
    event_id: uuid.UUID
    type: str


class PingReceivedRead(BaseModel):
    event_id: uuid.UUID
    source: str
    note: str
    received_at: str


YearPath = Annotated[int, FastAPIPath(ge=2000, le=2100, description="calendar year")]


class CalendarYearWrite(BaseModel):
    source: str = Field(
        min_length=2, max_length=200, description="the State Council notice, e.g. 国办发明电〔2026〕7号"
    )
    days_off: list[Day] = Field(default_factory=list, description="weekdays that are holidays")
    working_days: list[Day] = Field(
        default_factory=list, description="weekend days that are working days (调休)"
    )


class CalendarYearRead(BaseModel):
    year: int
    source: str
    days_off: list[date]
    working_days: list[date]
    covered_by_package: bool


class ClockWrite(BaseModel):
    offset_seconds: StrictInt = Field(
        ge=0, le=20 * 365 * 86400, description="how far ahead of real time the clock runs"
    )


class ClockRead(BaseModel):
    now: datetime
    offset_seconds: int


class OutboxStatusRead(BaseModel):
    pending: int = Field(description="events written but not yet acknowledged by JetStream")
    oldest_pending_seconds: float
    sent_kept: int = Field(description="sent events kept for `zhifa outbox replay`")
    nats_connected: bool


class DeadLetterRead(BaseModel):
    id: int
    consumer: str
    event_id: str | None
    nats_subject: str
    error: str
    deliveries: int
    created_at: datetime
    resolved_at: datetime | None
    payload: str


class DeadLetterAction(BaseModel):
    note: str = Field("", max_length=500, description="why (kept in the audit chain)")


async def _record_ping(session: AsyncSession, event: Ping, delivery: Delivery[Any]) -> None:
    envelope = delivery.envelope
    await session.execute(
        sa.insert(diagnostic_ping_t).values(event_id=envelope.id, source=envelope.source, note=event.note)
    )


def ping_consumers(info: ServiceInfo) -> Consumers[Any]:
    """Every service records the diagnostic pings of every other service (durable consumer
    ``<service>-ping-from-<other>``, subject ``<other's prefix>.diagnostic.ping``)."""
    consumers: Consumers[Any] = Consumers()
    for other in SERVICES.values():
        if other.name != info.name:
            consumers.consumes(PINGS[other.name], name=f"ping-from-{other.name}")(_record_ping)
    return consumers


def _kernel_router(
    info: ServiceInfo, info_is_dev: bool, calendar_hooks: Sequence[CalendarHook] = ()
) -> APIRouter:
    """The operations every service has (diagnostics, outbox, dead letters, clock, calendar).

    Long on purpose: each route is a short closure over the service's ``info``; split into one function
    per route they would only pass ``info`` around."""
    router = APIRouter(prefix=f"/api/v1/{info.url_prefix}", tags=[f"{info.name}: operations"])

    @router.post("/diagnostics/ping", status_code=202, response_model=PingRead)
    async def post_ping(body: PingRequest, session: SessionDep, principal: AdminDep) -> PingRead:
        """Publish a diagnostic ping through the outbox; every other service records it (checks the event spine)."""
        ping = PINGS[info.name](ping_id=uuid.uuid4(), origin=info.name, note=body.note)
        envelope = outbox.add(session, ping)
        return PingRead(ping_id=ping.ping_id, event_id=envelope.id, type=envelope.type)

    @router.get("/diagnostics/pings", response_model=list[PingReceivedRead])
    async def list_pings(session: SessionDep, principal: AdminDep) -> list[PingReceivedRead]:
        """Pings this service has received from the others, newest first (at most 100)."""
        rows = (
            await session.execute(
                sa.select(diagnostic_ping_t).order_by(diagnostic_ping_t.c.id.desc()).limit(100)
            )
        ).all()
        return [
            PingReceivedRead(
                event_id=r.event_id, source=r.source, note=r.note, received_at=r.received_at.isoformat()
            )
            for r in rows
        ]

    @router.get("/admin/calendar/{year}", response_model=CalendarYearRead)
    async def get_calendar_year(year: YearPath, session: SessionDep, principal: AdminDep) -> CalendarYearRead:
        """The administrator's working-day overrides for a year (on top of the statutory package)."""
        return await _calendar_year(session, year)

    @router.put("/admin/calendar/{year}", response_model=CalendarYearRead)
    async def put_calendar_year(
        year: int, body: CalendarYearWrite, session: SessionDep, principal: AdminDep
    ) -> CalendarYearRead:
        """Enter a year's holiday arrangement the statutory package does not cover yet."""
        if not 2000 <= year <= 2100:
            raise BadRequest(
                f"年度 {year} 超出范围（2000–2100）",
                code="CALENDAR_YEAR_INVALID",
                detail_en=f"The year {year} is outside 2000–2100",
            )
        wrong = [d for d in [*body.days_off, *body.working_days] if d.year != year]
        if wrong:
            raise BadRequest(
                f"日期 {wrong[0]} 不属于 {year} 年",
                code="CALENDAR_DATE_OUTSIDE_YEAR",
                detail_en=f"{wrong[0]} is not in {year}",
            )
        before = (await _calendar_year(session, year)).model_dump(mode="json")
        await session.execute(
            sa.delete(calendar_override_t).where(sa.extract("year", calendar_override_t.c.day) == year)
        )
        rows = [{"day": d, "is_working_day": False, "note": body.source} for d in body.days_off]
        rows += [{"day": d, "is_working_day": True, "note": body.source} for d in body.working_days]
        if rows:
            await session.execute(sa.insert(calendar_override_t), rows)
        await session.execute(
            pg_insert(calendar_year_t)
            .values(year=year, source=body.source)
            .on_conflict_do_update(index_elements=["year"], set_={"source": body.source})
        )
        for hook in calendar_hooks:
            await hook(session, year, principal)
        after = await _calendar_year(session, year)
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="calendar.year.set",
            entity_type="calendar_year",
            entity_id=str(year),
            before=before,
            after=after.model_dump(mode="json"),
        )
        return after

    @router.get("/admin/outbox", response_model=OutboxStatusRead)
    async def outbox_status(request: Request, session: SessionDep, principal: AdminDep) -> OutboxStatusRead:
        """The outbox backlog: how many events wait for publication and for how long."""
        status = await outbox.backlog(session)
        return OutboxStatusRead(**status.__dict__, nats_connected=request.app.state.runtime.bus.connected)

    @router.get("/admin/dead-letters", response_model=Page[DeadLetterRead])
    async def list_dead_letters(
        session: SessionDep,
        principal: AdminDep,
        limit: LimitQuery = 50,
        cursor: CursorQuery = None,
        include_resolved: bool = False,
    ) -> Page[DeadLetterRead]:
        """Events a consumer gave up on after bounded redelivery, newest first."""
        after = decode_cursor(cursor)
        if after is not None:
            after = cursor_int(after)  # an id past bigint failed in the database: a 500
        query = sa.select(dead_letter_t).order_by(dead_letter_t.c.id.desc()).limit(limit + 1)
        if not include_resolved:
            query = query.where(dead_letter_t.c.resolved_at.is_(None))
        if after is not None:
            query = query.where(dead_letter_t.c.id < after)
        rows = [DeadLetterRead(**r._mapping) for r in (await session.execute(query)).all()]
        return page_of(rows, limit, key=lambda r: r.id)

    @router.post("/admin/dead-letters/{dead_letter_id}/retry", response_model=DeadLetterRead)
    async def retry_dead_letter(
        dead_letter_id: Annotated[int, FastAPIPath(ge=1, le=2**62)],
        body: DeadLetterAction,
        request: Request,
        session: SessionDep,
        principal: AdminDep,
    ) -> DeadLetterRead:
        """Publish a dead-lettered event again; consumers that already applied it ignore it (inbox)."""
        row = await _open_dead_letter(session, dead_letter_id)
        # Handled again here, not re-published: this service may not publish into the producer's stream
        # (services/common/nats_auth.py). A new failure becomes a new dead letter.
        redelivery: ConsumerRunner = request.app.state.redelivery
        if not await redelivery.redeliver(row.consumer, row.nats_subject, row.payload.encode()):
            raise Conflict(
                f"死信 {dead_letter_id} 的消费者 {row.consumer} 已不存在，无法重试，请核实后丢弃",
                code="DEAD_LETTER_CONSUMER_GONE",
                detail_en=f"consumer {row.consumer} no longer exists: discard the dead letter instead",
            )
        return await _resolve_dead_letter(session, row, principal, "dead_letter.retried", body.note)

    @router.post("/admin/dead-letters/{dead_letter_id}/discard", response_model=DeadLetterRead)
    async def discard_dead_letter(
        dead_letter_id: Annotated[int, FastAPIPath(ge=1, le=2**62)],
        body: DeadLetterAction,
        session: SessionDep,
        principal: AdminDep,
    ) -> DeadLetterRead:
        """Mark a dead-lettered event as handled by hand (the note says how)."""
        row = await _open_dead_letter(session, dead_letter_id)
        return await _resolve_dead_letter(session, row, principal, "dead_letter.discarded", body.note)

    if info_is_dev:

        @router.get("/admin/clock", response_model=ClockRead)
        async def get_clock(principal: AdminDep) -> ClockRead:
            """The service clock (dev and test only)."""
            return ClockRead(now=clock.now(), offset_seconds=int(clock.offset().total_seconds()))

        @router.put("/admin/clock", response_model=ClockRead)
        async def put_clock(body: ClockWrite, principal: AdminDep) -> ClockRead:
            """Move the service clock forward (dev and test only), to exercise periods without waiting."""
            clock.set_offset(timedelta(seconds=body.offset_seconds))
            return ClockRead(now=clock.now(), offset_seconds=body.offset_seconds)

    return router


async def _open_dead_letter(session: AsyncSession, dead_letter_id: int) -> Any:
    row = (
        await session.execute(
            sa.select(dead_letter_t).where(dead_letter_t.c.id == dead_letter_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(
            f"死信 {dead_letter_id} 不存在",
            code="DEAD_LETTER_NOT_FOUND",
            detail_en=f"There is no dead letter {dead_letter_id}",
        )
    if row.resolved_at is not None:
        raise Conflict(
            f"死信 {dead_letter_id} 已处理",
            code="DEAD_LETTER_RESOLVED",
            detail_en=f"Dead letter {dead_letter_id} is already resolved",
        )
    return row


async def _resolve_dead_letter(
    session: AsyncSession, row: Any, principal: Any, action: str, note: str
) -> DeadLetterRead:
    resolved = (
        await session.execute(
            sa.update(dead_letter_t)
            .where(dead_letter_t.c.id == row.id)
            .values(resolved_at=sa.func.now())
            .returning(*dead_letter_t.c)
        )
    ).one()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type="dead_letter",
        entity_id=str(row.id),
        before={"resolved_at": None},
        after={"note": note, "consumer": row.consumer, "event_id": row.event_id},
    )
    return DeadLetterRead(**resolved._mapping)


async def _calendar_year(session: AsyncSession, year: int) -> CalendarYearRead:
    rows = (
        await session.execute(
            sa.select(calendar_override_t)
            .where(sa.extract("year", calendar_override_t.c.day) == year)
            .order_by(calendar_override_t.c.day)
        )
    ).all()
    source = await session.scalar(sa.select(calendar_year_t.c.source).where(calendar_year_t.c.year == year))
    return CalendarYearRead(
        year=year,
        source=source or "",
        covered_by_package=year in PACKAGE_YEARS,
        days_off=[r.day for r in rows if not r.is_working_day],
        working_days=[r.day for r in rows if r.is_working_day],
    )


def _health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        schema: migrate.SchemaState | None = None
        try:
            async with runtime.engine.connect() as conn:
                schema = await asyncio.wait_for(migrate.schema_state(conn, runtime.info.name), 2)
        except Exception:
            schema = None
        db_ok = schema is not None
        nats_ok = runtime.bus.connected
        # Ready only on a schema at this code's Alembic head (or ahead of it: a newer release migrated first),
        # never on an unmigrated database. NATS down does not take the API out of rotation: writes still
        # succeed into the outbox and drain on reconnect (SPEC §1.4). It is reported, and alerting watches it
        # and the outbox backlog.
        ready = schema is not None and schema.ready
        status = "ok" if ready and nats_ok else ("degraded" if ready else "unavailable")
        body = {
            "status": status,
            "database": "up" if db_ok else "down",
            "schema": schema.status if schema is not None else "unknown",
            "nats": "up" if nats_ok else "down",
        }
        if schema is not None and not schema.ready:
            body["reason"] = schema.reason(runtime.info.name)
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics_endpoint() -> Response:
        data, content_type = metrics.render()
        return Response(data, media_type=content_type)

    return router


async def _warn_if_next_year_uncovered(factory: async_sessionmaker[AsyncSession]) -> None:
    """From November on, say loudly when next year's holiday arrangement is not loaded yet."""
    try:
        async with transaction(factory) as session:
            missing = await next_year_missing(session, clock.today())
    except Exception:  # the database may still be starting; readiness reports it
        return
    if missing is not None:
        log.warning(
            "no statutory holiday arrangement for %d: working-day deadlines in %d are not computed (left pending, "
            "or refused where a date is needed at once) until an administrator "
            "enters it (PUT /api/v1/<prefix>/admin/calendar/%d, see docs/operations.md)",
            missing,
            missing,
            missing,
        )


def durable_consumers(app: FastAPI) -> list[tuple[str, str]]:
    """(stream, durable consumer name) of every subscription of a service application: what its workers
    pull from, and what their autoscaler watches (deploy/k8s/components/keda)."""
    runner: ConsumerRunner = app.state.redelivery
    return [(by_subject(sub.subject).stream, runner.durable_name(sub)) for sub in runner.subscriptions]


def checkpoint_job(settings: ServiceSettings) -> Periodic:
    """The kernel's job signing the audit chain's head when due (services/common/checkpoints.py)."""
    policy = checkpoints.Policy(
        every_entries=settings.audit_checkpoint_entries,
        every=timedelta(seconds=settings.audit_checkpoint_interval_s),
    )

    async def sign(runtime: Runtime) -> bool:
        assert runtime.checkpoint_keys is not None
        async with transaction(runtime.factory) as session:
            signed = await checkpoints.sign_head(session, runtime.info.name, runtime.checkpoint_keys, policy)
        if signed is not None:
            log.info("audit chain signed at entry %d (%s)", signed.seq, signed.kid)
        return False

    return jobs.periodic("audit-checkpoint", every=settings.audit_checkpoint_poll_s, fn=sign)


def partitions_job(settings: ServiceSettings) -> Periodic:
    """The kernel's job keeping the partitioned tables' coming partitions, and dropping the outbox's days past
    ``outbox_retention_days`` (services/common/partitions.py): at start-up (a job's first round runs at once)
    and every ``partitions_interval_s``."""
    specs = partitions.registry(outbox_retention_days=settings.outbox_retention_days)

    async def maintain(runtime: Runtime) -> bool:
        for spec in specs:
            if spec.service not in (None, runtime.info.name):
                continue  # another service's table
            done = await partitions.maintain(runtime.factory, spec, service=runtime.info.name)
            if done.created or done.dropped or done.kept_unsent:
                log.info("partitions of %s: %s", spec.table, done)
        return False

    return jobs.periodic("partitions", every=settings.partitions_interval_s, fn=maintain)


def build_service_app(parts: ServiceParts, role: Role = "all") -> FastAPI:
    """Compose a service: engine, bus, keys, relay, consumers, jobs, lifespan, middleware, routers.

    Long on purpose: it is the one place that says in which order a service starts and stops."""
    info, settings = parts.info, parts.settings
    if settings.env != "test":
        logs.configure(info.name, settings.log_level, settings.log_json)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        app_name=f"zhifa-{info.name}",
    )
    factory = session_factory(engine)
    verifier = TokenVerifier.from_settings(settings)
    bus = Bus(
        settings.nats_url,
        name=f"zhifa-{info.name}",
        stream_replicas=settings.nats_stream_replicas,
        credentials=Credentials(
            user=settings.nats_user,
            password=settings.nats_password,
            creds_file=settings.nats_creds_file,
            tls_ca_file=settings.nats_tls_ca_file,
            tls_cert_file=settings.nats_tls_cert_file,
            tls_key_file=settings.nats_tls_key_file,
        ),
        own_streams=[info.stream],
    )
    runtime = Runtime(
        info=info,
        settings=settings,
        engine=engine,
        factory=factory,
        bus=bus,
        verifier=verifier,
        context=parts.context,
        checkpoint_keys=checkpoints.keys_from_settings(settings),
    )
    declared = [
        *ping_consumers(info).subscriptions(parts.context),
        *(parts.consumers.subscriptions(parts.context) if parts.consumers is not None else []),
    ]

    def consumers_of() -> ConsumerRunner:
        return ConsumerRunner(
            service=info.name,
            factory=factory,
            bus=bus,
            subscriptions=declared,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_s,
            concurrency=settings.consumer_concurrency,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        await _warn_if_next_year_uncovered(factory)
        for hook in parts.on_startup:
            await hook(runtime)
        if role in ("api", "all"):
            lazy.warm_hot_routes(app)  # their first real request builds nothing (services/common/lazy.py)
        if role in ("worker", "all"):
            runtime.relay = Relay(
                service=info.name,
                factory=factory,
                bus=bus,
                database_url=settings.database_url,
                batch_size=settings.relay_batch_size,
                max_in_flight=settings.relay_max_in_flight,
                atomic_batch=settings.relay_atomic_batch,
                poll_interval=settings.relay_poll_interval_s,
                min_interval=settings.relay_min_interval_s,
                max_interval=settings.relay_max_interval_s,
                busy_rate=settings.relay_busy_rate,
            )
            runtime.consumers = consumers_of()
            relay, consumers = runtime.relay, runtime.consumers
            background: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
                (f"{info.name}-relay", relay.run),
                (f"{info.name}-consumers", consumers.run),
            ]
            for name, start in background:
                runtime.tasks.append(asyncio.create_task(supervise(name, start), name=name))
            for job in [*parts.periodic, checkpoint_job(settings), partitions_job(settings)]:
                if job.is_enabled(parts.context):
                    name = f"{info.name}-{job.name}"
                    runtime.tasks.append(asyncio.create_task(jobs.run(job, runtime), name=name))
                else:
                    log.info("job %s is disabled by configuration", job.name)
        try:
            yield
        finally:
            for task in runtime.tasks:
                task.cancel()
            for task in runtime.tasks:
                with contextlib.suppress(BaseException):
                    await task
            await bus.close()
            await engine.dispose()

    app = FastAPI(
        title=f"zhifa {info.name}",
        version="1.0",
        description=parts.description,
        lifespan=lifespan,
        docs_url="/docs" if settings.is_dev else None,
        redoc_url=None,
        generate_unique_id_function=openapi.operation_ids(info.name),
        # The platform's telemetry is its Prometheus metrics and JSON logs. FastAPI's native OpenTelemetry
        # otherwise asks on every request whether a tracer, meter or logger provider is configured (~7 µs).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    app.state.redelivery = consumers_of()  # dead-letter retries, in the API process too
    app.state.verifier = verifier
    app.state.factory = factory
    problems.install(app)
    if role in ("api", "all"):
        for router in parts.hot_routers:
            app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    app.add_middleware(
        EdgeMiddleware,
        service=info.name,
        factory=factory,
        verifier=verifier,
        max_body_bytes=settings.max_body_bytes,
        bulk_max_body_bytes=settings.bulk_max_body_bytes,
        idempotency_ttl=timedelta(hours=max(24, settings.idempotency_ttl_hours)),
    )
    app.include_router(_health_router())
    if role in ("api", "all"):
        app.include_router(
            _kernel_router(info, settings.is_dev, parts.on_calendar_year),
            responses=problems.PROBLEM_RESPONSES,
        )
        app.include_router(
            audit_api.api_router(info, parts.audit_entities), responses=problems.PROBLEM_RESPONSES
        )
        app.include_router(audit_api.public_router(info), responses=problems.PROBLEM_RESPONSES)
        for router in parts.routers:
            app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    routing.install(app.router)
    openapi.install(app)
    return app
