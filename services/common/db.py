"""Async SQLAlchemy on asyncpg: engine, sessions, naming convention, and the transaction helpers.

Who commits: the HTTP edge (``services.common.edge``) for requests, ``transaction()`` for consumers, the
relay and jobs. Services and repositories only ``flush()``.
"""

from __future__ import annotations

import errno
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy import MetaData
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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
    return create_async_engine(
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
