"""Async SQLAlchemy on asyncpg: engine, sessions, naming convention, and the transaction helpers.

Who commits: the HTTP edge (``services.common.edge``) for requests, ``transaction()`` for consumers, the
relay and jobs. Services and repositories only ``flush()``.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy import MetaData, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def _json_default(value: Any) -> str:
    """What orjson does not write itself. asyncpg returns its own ``UUID`` subclass (orjson takes only
    ``uuid.UUID`` exactly), so an id read from one row and put in a jsonb document of another needs this;
    a ``Decimal`` is written as its exact text, as pydantic does in JSON mode."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__module__}.{type(value).__qualname__}")


def json_dumps(value: Any) -> str:
    """The engine's JSON serialiser (jsonb and json columns): orjson, with ``_json_default``."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def asyncpg_url(url: str) -> str:
    """Accept postgresql:// and postgres:// URLs and use the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def plain_dsn(url: str) -> str:
    """The URL asyncpg.connect() takes (no SQLAlchemy driver suffix)."""
    return "postgresql://" + asyncpg_url(url)[len("postgresql+asyncpg://") :]


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, app_name: str = "zhifa"
) -> AsyncEngine:
    engine = create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping (a round trip per checkout): a dropped connection fails one transaction, SQLAlchemy
        # then invalidates the whole pool, and callers retry (the edge answers 503, consumers nak).
        pool_pre_ping=False,
        pool_recycle=1800,
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"server_settings": {"application_name": app_name, "timezone": "UTC"}},
    )
    event.listen(engine.sync_engine, "engine_disposed", _close_kept)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a transaction: commit when the block succeeds, roll back when it raises."""
    async with factory() as session:
        async with session.begin():
            yield session


# The transaction is begun the way SQLAlchemy's asyncpg adapter begins it before its own first statement
# (``_start_transaction``: the engine's isolation level, an asyncpg transaction the adapter holds), so that the
# session's COMMIT or ROLLBACK ends this very transaction. Checked at import: an adapter without it fails here,
# not in a request.
_BEGIN: Callable[[Any], Awaitable[None]] = AsyncAdapt_asyncpg_connection._start_transaction


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's transaction, begun if nothing ran in it yet, for statements run
    on it straight, without SQLAlchemy's execution and result layers (issue #16: the check-in's statements,
    the clean-up's announcement rounds). The session still ends the transaction; use the connection only
    until then (never keep it past the session's commit or rollback: the pool hands it to others)."""
    # the session's connection: the pool's checkout and SQLAlchemy's transaction (no I/O yet)
    proxied = (await session.connection()).sync_connection.connection  # type: ignore[union-attr]
    adapted: Any = proxied.dbapi_connection
    if adapted._transaction is None:  # nothing ran in this transaction yet: BEGIN, as the adapter would
        await _BEGIN(adapted)
    raw = proxied.driver_connection
    if raw is None or not raw.is_in_transaction():
        raise RuntimeError("statements on the driver connection must run inside the session's transaction")
    return raw


# ---------------------------------------------------------------------------------------------------------
# A request's transaction on a pooled connection, without an ORM session (issue #16, the check-in)
#
# A session's transaction costs ~0.15 ms of CPU more than the same statements on a connection taken from the
# same pool (the ``AsyncSession``'s transaction, SQLAlchemy's ``Connection`` and its checkout, commit and close:
# 233 against 81 us for BEGIN, one statement and COMMIT, bench in docs/benchmarks/checkin-postgres.md). The
# edge offers its request's session such a connection (``offer_pooled``); a hot path whose every statement runs
# on the driver takes it (``pooled_connection``) instead of the session's, and the edge ends that transaction
# (``commit_pooled``, ``release_pooled``) where it would have committed or rolled back the session. One
# transaction per request stays the rule: once the pooled connection is taken, a statement through the session
# raises instead of opening a second transaction (``_one_transaction``).
#
# Kept between requests (issue #16 item 1, round four): a pooled connection ended cleanly (committed or rolled
# back, open, not in a transaction) is not handed back to SQLAlchemy's pool but kept, still checked out of it,
# for the next request that takes one (``_KEPT``, up to half the pool's size, none of a pool of one). The two
# hand-offs through the pool, each a greenlet switch and the pool's checkout or check-in, cost ~70 us of CPU a
# request (docs/benchmarks/checkin-python.md: 165 against 96 us for BEGIN, SELECT 1 and COMMIT). The kept
# connections stay within the engine's budget (the pool counts them as checked out, so it never opens more than
# ``pool_size + max_overflow``) and the other half of the pool stays the sessions'. A kept connection is taken
# only while it is open and neither the pool nor its record was invalidated since it connected nor is it past
# ``pool_recycle`` (what the pool checks at a checkout); otherwise it goes back to the pool, which replaces it.
# ``engine.dispose()`` closes the kept connections (``_close_kept``).

POOLED = "zhifa_pooled_connection"


class PooledTransaction:
    """The engine the request's pooled connection comes from, and that connection once taken."""

    __slots__ = ("engine", "fairy")

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.fairy: PoolProxiedConnection | None = None


def offer_pooled(session: AsyncSession) -> None:
    """The edge's request session may hand its transaction to a pooled connection of its own engine."""
    bind = session.bind
    if isinstance(bind, AsyncEngine):
        session.info[POOLED] = PooledTransaction(bind)


async def pooled_connection(session: AsyncSession) -> Any:
    """The request's pooled asyncpg connection, not yet in a transaction (the caller sends BEGIN), when the
    edge offered one and the session has not begun a transaction of its own; None otherwise."""
    offered: PooledTransaction | None = session.info.get(POOLED)
    if offered is None or offered.fairy is not None or session.in_transaction():
        return None
    sync_engine = offered.engine.sync_engine
    fairy = await _take_kept(sync_engine)
    if fairy is None:
        fairy = await greenlet_spawn(sync_engine.pool.connect)
    offered.fairy = fairy
    raw = fairy.driver_connection
    if raw is None or raw.is_in_transaction():  # never: the pool resets a connection before handing it out
        await release_pooled(session)
        return None
    return raw


def pooled_info(session: AsyncSession) -> dict[Any, Any]:
    """The held pooled connection's own ``info``, kept with it across checkouts (a prepared statement's name)."""
    return _held(session).info


def pooled_dbapi(session: AsyncSession) -> Any:
    """SQLAlchemy's adapter of the held pooled connection (its isolation level, as the session's would BEGIN)."""
    return _held(session).dbapi_connection


def pooled_connection_of(session: AsyncSession) -> Any:
    """The asyncpg connection of the request's held pooled transaction."""
    return _held(session).driver_connection


def holds_pooled(session: AsyncSession) -> bool:
    """Whether the request's transaction is on its pooled connection (taken and not yet ended)."""
    offered: PooledTransaction | None = session.info.get(POOLED)
    return offered is not None and offered.fairy is not None


def _held(session: AsyncSession) -> PoolProxiedConnection:
    offered: PooledTransaction | None = session.info.get(POOLED)
    if offered is None or offered.fairy is None:
        raise RuntimeError("the request holds no pooled connection")
    return offered.fairy


#: The channels to NOTIFY once the request's pooled transaction has committed (``notify_after_commit``).
NOTIFY_AFTER_COMMIT = "zhifa_notify_after_commit"


def notify_after_commit(session: AsyncSession, channel: str) -> None:
    """NOTIFY ``channel`` (an identifier) right after the request's pooled transaction commits, in the COMMIT's
    own message (``commit_pooled``), instead of inside the transaction: PostgreSQL serialises the commits of
    notifying transactions on one lock held through the commit record's flush, so no two of them share a WAL
    fsync; the NOTIFY's own transaction writes nothing and waits for no flush (issue #16 item 1,
    docs/benchmarks/checkin-postgres.md "Round three"). A rollback sends nothing."""
    session.info.setdefault(NOTIFY_AFTER_COMMIT, set()).add(channel)


async def commit_pooled(session: AsyncSession) -> None:
    """COMMIT the request's pooled transaction and return the connection to the pool. A constraint checked at
    COMMIT raises as SQLAlchemy's ``IntegrityError`` would through the session (the edge's 409 or 422). The
    channels ``notify_after_commit`` named are notified in the same message, after the COMMIT; a NOTIFY that
    fails then (its queue full) is logged, not raised: the transaction has committed, and the listener polls."""
    raw = _held(session).driver_connection
    channels = sorted(session.info.pop(NOTIFY_AFTER_COMMIT, ()))
    try:
        if raw is not None and raw.is_in_transaction():
            await raw.execute("".join(["COMMIT", *(f"; NOTIFY {c}" for c in channels)]))
    except asyncpg.exceptions.ProgramLimitExceededError as exc:
        if not channels or raw is None or raw.is_in_transaction() or "NOTIFY" not in str(exc):
            raise
        log.warning("NOTIFY after commit failed: %s", exc)
    except asyncpg.exceptions.IntegrityConstraintViolationError as exc:
        raise sa_exc.IntegrityError("COMMIT", None, exc) from exc
    except asyncpg.exceptions.DataError as exc:
        raise sa_exc.DataError("COMMIT", None, exc) from exc
    finally:
        await release_pooled(session)


async def release_pooled(session: AsyncSession) -> None:
    """Roll back what is still open on the request's pooled connection and return it to the pool (a broken
    connection is closed, not returned); nothing when the request holds none."""
    offered: PooledTransaction | None = session.info.get(POOLED)
    fairy = offered.fairy if offered is not None else None
    session.info.pop(NOTIFY_AFTER_COMMIT, None)
    if offered is None or fairy is None:
        return
    offered.fairy = None
    raw = fairy.driver_connection
    ended = False  # the transaction ended here, on an open connection: it may be kept for the next request
    try:
        if raw is None or raw.is_closed():
            fairy.invalidate()
        elif raw.is_in_transaction():
            try:
                await raw.execute("ROLLBACK")
            except Exception:
                fairy.invalidate()  # never hand a connection on with a transaction open
                raise
            ended = True
        else:
            ended = True
    finally:
        if not (ended and _keep(offered.engine.sync_engine, fairy)):
            await greenlet_spawn(fairy.close)


#: Per engine, the pooled connections kept between requests (checked out of its pool), the last ended first.
_KEPT: weakref.WeakKeyDictionary[Engine, list[PoolProxiedConnection]] = weakref.WeakKeyDictionary()


def _keep(engine: Engine, fairy: PoolProxiedConnection) -> bool:
    """Keep ``fairy`` (open, no transaction) for the next request, if fewer than half the pool are kept (none
    of a pool of one: the sessions' connection)."""
    raw = fairy.driver_connection
    if raw is None or raw.is_closed() or raw.is_in_transaction() or not fairy.is_valid:
        return False
    size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 0
    kept = _KEPT.get(engine)
    if kept is None:
        kept = _KEPT[engine] = []
    if len(kept) >= size // 2:
        return False
    kept.append(fairy)
    return True


def _usable(engine: Engine, fairy: PoolProxiedConnection) -> bool:
    """What the pool checks before it hands a connection out: open, not invalidated since it connected (the
    pool's or the record's own), not past ``pool_recycle``."""
    raw = fairy.driver_connection
    record = getattr(fairy, "_connection_record", None)
    if raw is None or raw.is_closed() or record is None or record._is_hard_or_soft_invalidated():
        return False
    recycle: float = engine.pool._recycle
    return recycle < 0 or time.time() - record.starttime <= recycle


async def _take_kept(engine: Engine) -> PoolProxiedConnection | None:
    """A kept connection fit for a transaction, or None; one that is not goes back to the pool (which
    replaces it at its next checkout), a closed one invalidated first."""
    kept = _KEPT.get(engine)
    while kept:
        fairy = kept.pop()
        if _usable(engine, fairy):
            return fairy
        raw = fairy.driver_connection
        if raw is None or raw.is_closed():
            fairy.invalidate()
        await greenlet_spawn(fairy.close)
    return None


def _close_kept(engine: Engine) -> None:
    """``engine.dispose()``: the kept connections are closed and given back to the pool they came from."""
    kept = _KEPT.pop(engine, [])
    for fairy in kept:
        try:
            fairy.invalidate()
            fairy.close()
        except Exception as exc:  # the connection was broken already
            log.info("closing a kept pooled connection failed: %s", exc)


@event.listens_for(Session, "after_transaction_create")
def _one_transaction(session: Session, transaction: Any) -> None:
    """A request whose transaction is on its pooled connection cannot open a second one through the session
    (raised before the session takes a connection from the pool, where it could wait for its own request's)."""
    offered: PooledTransaction | None = session.info.get(POOLED)
    if offered is not None and offered.fairy is not None:
        raise RuntimeError(
            "this request's transaction runs on its pooled driver connection: a statement through the "
            "session would run in a second transaction"
        )


# Socket errors that mean "the server is not there" (as opposed to, say, a missing file).
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.EADDRNOTAVAIL,
    }
)
_ASYNCPG_OUTAGES = (
    asyncpg.exceptions.PostgresConnectionError,  # connection refused, lost, rejected
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, crash recovery, cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
)


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free within pool_timeout
        return True
    if isinstance(exc, (*_ASYNCPG_OUTAGES, TimeoutError, ConnectionError, socket.gaierror)):
        return True
    return isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS


def violated_constraint(exc: sa_exc.IntegrityError) -> str:
    """The name of the constraint a write broke, as the driver reports it ('' when it does not say).
    SQLAlchemy's asyncpg dialect wraps asyncpg's error: the name is on the driver's exception."""
    driver = getattr(exc.orig, "driver_exception", exc.orig)
    return str(getattr(driver, "constraint_name", "") or "")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database is unreachable or dropped the connection: an outage the caller
    should retry (503), not a bug (500) or bad input (4xx).

    SQLAlchemy wraps what the driver raises on an open connection (``OperationalError``, ``InterfaceError``,
    ``connection_invalidated``), but not what asyncpg raises while connecting (``OSError``,
    ``CannotConnectNowError`` while the server starts up), nor its own pool timeout; the whole cause chain
    is looked at.
    """
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, sa_exc.DBAPIError):
            if current.connection_invalidated:
                return True
            if isinstance(
                current,
                sa_exc.ProgrammingError | sa_exc.NotSupportedError | sa_exc.DataError | sa_exc.IntegrityError,
            ):
                return False
            if isinstance(current, sa_exc.OperationalError | sa_exc.InterfaceError):
                return True
        elif _is_outage(current):
            return True
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        seen += 1
    return False
