"""db.database_unavailable: which failures are an outage the client should retry (503), which are bugs."""

from __future__ import annotations

import errno

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from services.common.db import database_unavailable


def wrapped(cls: type[sa_exc.DBAPIError], orig: BaseException, *, invalidated: bool = False) -> BaseException:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)  # type: ignore[arg-type]


def chained(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("name", "exc"),
    [
        ("connection refused while connecting", ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
        ("an OSError with a network errno", OSError(errno.EHOSTUNREACH, "no route to host")),
        ("the server is starting up", asyncpg.exceptions.CannotConnectNowError("starting up")),
        ("too many connections", asyncpg.exceptions.TooManyConnectionsError("too many")),
        ("the connection was lost", asyncpg.exceptions.ConnectionDoesNotExistError("lost")),
        ("administrator shutdown", asyncpg.exceptions.AdminShutdownError("shutdown")),
        ("the pool had no connection free", sa_exc.TimeoutError("QueuePool limit reached")),
        ("SQLAlchemy's OperationalError", wrapped(sa_exc.OperationalError, Exception("x"))),
        ("SQLAlchemy's InterfaceError", wrapped(sa_exc.InterfaceError, Exception("closed"))),
        ("an invalidated connection", wrapped(sa_exc.DBAPIError, Exception("x"), invalidated=True)),
        (
            "a wrapped asyncpg outage",
            wrapped(sa_exc.DBAPIError, asyncpg.exceptions.ConnectionFailureError("x")),
        ),
        ("a timeout", TimeoutError()),
        ("an outage further down the chain", chained(RuntimeError("wrapper"), ConnectionResetError())),
    ],
)
def test_outages(name: str, exc: BaseException) -> None:
    assert database_unavailable(exc), name


@pytest.mark.parametrize(
    ("name", "exc"),
    [
        ("a programming error (a bug)", wrapped(sa_exc.ProgrammingError, Exception("no such table"))),
        ("an integrity error (a conflict)", wrapped(sa_exc.IntegrityError, Exception("duplicate key"))),
        ("a data error (bad input)", wrapped(sa_exc.DataError, Exception("out of range"))),
        ("a missing file", FileNotFoundError(errno.ENOENT, "template")),
        ("a plain bug", KeyError("x")),
        (
            "a wrapped ordinary PostgreSQL error",
            wrapped(sa_exc.DBAPIError, asyncpg.exceptions.RaiseError("x")),
        ),
    ],
)
def test_not_outages(name: str, exc: BaseException) -> None:
    assert not database_unavailable(exc), name
