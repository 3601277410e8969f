"""Test infrastructure: the embedded servers, fresh databases, and services running on real ports."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import shutil
import ssl
import subprocess
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from services.common import clock, httpserver, migrate
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port


@dataclass(frozen=True)
class DatabaseRoles:
    owner_url: str
    service_url: str
    superuser_url: str


@dataclass
class Stack:
    pg: EmbeddedPostgres
    root: Path
    _templates: set[str] = field(default_factory=set)
    _template_lock: threading.Lock = field(default_factory=threading.Lock)

    def new_database(self, service: str, *, migrated: bool = True) -> str:
        """A fresh database; ``migrated``: at the head of the service's migrations, copied from a template
        the session migrated once (``CREATE DATABASE ... TEMPLATE`` is several times faster than running
        Alembic again, and gives the same schema and version table)."""
        name = f"t_{service}_{uuid.uuid4().hex[:10]}"
        if migrated:
            self.pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{self._template(service)}"')
        else:
            self.pg.psql(f'CREATE DATABASE "{name}"')
        return self.pg.dsn(name, driver="postgresql+asyncpg")

    def _template(self, service: str) -> str:
        """The session's migrated template of ``service`` (nobody connects to it after its migration, as
        ``CREATE DATABASE ... TEMPLATE`` requires)."""
        name = f"template_{service}"
        with self._template_lock:
            if name not in self._templates:
                self.pg.psql(f'CREATE DATABASE "{name}"')
                migrate.upgrade(service, self.pg.dsn(name, driver="postgresql+asyncpg"))
                if service == "inspection":
                    self._visit_months(name)
                self._templates.add(name)
        return name

    def _visit_months(self, name: str) -> None:
        """inspection's visits (and outcomes) are partitioned by month (inspection_0010) and the migration of an
        empty database creates the months from today on: the template also keeps the two calendar years
        before this one, as a database in service keeps its past months, for the tests that write past visits
        straight into the table (the service's own writes create a missing month, ``ensure_visit_month``)."""
        from services.common import partitions

        first = date(clock.today().year - 2, 1, 1)
        statements = [
            "SELECT zhifa_create_partition('{parent}'::regclass, '{name}', '{lo}', '{hi}')".format(
                **partitions.create_params(partitions.spec_of(table), start)
            )
            for table in ("visit", "visit_outcome")
            for start in partitions.periods(partitions.spec_of(table), first, clock.today())
        ]
        self.pg.psql("; ".join(statements), database=name)

    async def anew_database(self, service: str, *, migrated: bool = True) -> str:
        return await asyncio.to_thread(self.new_database, service, migrated=migrated)

    def new_sample_database(self, service: str) -> str:
        """A fresh migrated database holding ``services.<service>.sample.load``'s data, copied from a template
        the session loaded once: the inspection sample took 3–11 s to load on the shared 2-core machine, a
        copy 0.2–0.6 s. The copy is what a load right after the migration gives (the same rows, the same
        unpublished outbox rows, the same audit chain), only loaded earlier in the session, on the same day of
        the clock, pinned or not (one template per day). A test that needs a load of its own (the loader's
        idempotence, the sample's activity) still calls the loader."""
        name = f"t_{service}_{uuid.uuid4().hex[:10]}"
        self.pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{self._sample_template(service)}"')
        return self.pg.dsn(name, driver="postgresql+asyncpg")

    def _sample_template(self, service: str) -> str:
        # one per service and day of the (possibly pinned) clock: the sample's tasks and dates are laid out
        # from the day it is loaded on, as they were when each module loaded its own
        name = f"template_{service}_sample_{clock.today():%Y%m%d}"
        with self._template_lock:
            if name in self._templates:
                return name
        migrated = self._template(service)
        with self._template_lock:
            if name not in self._templates:
                self.pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{migrated}"')
                loader = importlib.import_module(f"services.{service}.sample")
                # its own event loop (this runs in a worker thread, or in a sync fixture); the loader
                # disposes of its engine, so nobody is connected when the template is copied
                asyncio.run(loader.load(self.pg.dsn(name, driver="postgresql+asyncpg")))
                self._templates.add(name)
        return name

    async def anew_sample_database(self, service: str) -> str:
        return await asyncio.to_thread(self.new_sample_database, service)

    def new_database_with_roles(self, service: str) -> DatabaseRoles:
        """A migrated database with the production role split (issue #13): the owner migrated it, the
        service role (what the service connects as) has DML only; ``superuser_url`` for what only an
        administrator could do."""
        name = f"t_{service}_{uuid.uuid4().hex[:10]}"
        # a copy of a template provisioned and migrated that way once a session (Alembic from base as the
        # owner took 1–3 s a database; the copy keeps every object's owner and privileges); the database's
        # own owner and grants live outside it, so they are given to the copy again by the same two steps
        self.pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{self._roles_template(service)}"')
        roles = migrate.provision_roles(
            self.pg.dsn(driver="postgresql+asyncpg"), name, f"zhifa_{service}_owner", f"zhifa_{service}"
        )
        migrate.grant_service_role(service, roles.owner_url, roles.service_url)
        superuser = self.pg.dsn(name, driver="postgresql+asyncpg")
        return DatabaseRoles(roles.owner_url, roles.service_url, superuser)

    def _roles_template(self, service: str) -> str:
        name = f"template_{service}_roles"
        with self._template_lock:
            if name not in self._templates:
                self.pg.psql(f'CREATE DATABASE "{name}"')
                roles = migrate.provision_roles(
                    self.pg.dsn(driver="postgresql+asyncpg"),
                    name,
                    f"zhifa_{service}_owner",
                    f"zhifa_{service}",
                )
                migrate.migrate_service(service, roles.service_url, roles.owner_url)
                self._templates.add(name)
        return name

    async def anew_database_with_roles(self, service: str) -> DatabaseRoles:
        return await asyncio.to_thread(self.new_database_with_roles, service)

    def new_nats(self, *, auth: bool = False) -> EmbeddedNats:
        """A fresh NATS server; ``auth``: the production permission model, one user per service (the
        services then need ``nats_credentials(nats, service)``)."""
        nats = EmbeddedNats(
            self.root / f"nats-{uuid.uuid4().hex[:8]}", free_port(), sync_always=False, auth=auth
        )
        nats.start()
        return nats


def nats_credentials(nats: EmbeddedNats, service: str) -> dict[str, str]:
    """Settings overrides that connect ``service`` to an auth-enabled NATS as its own user."""
    from services.common import nats_auth

    return {"nats_user": nats_auth.user_name(service), "nats_password": nats.passwords()[service]}


def settings_for(service: str, **overrides: Any) -> Any:
    module = importlib.import_module(f"services.{service}.settings")
    cls = getattr(module, f"{service.title().replace('_', '')}Settings")
    defaults: dict[str, Any] = {
        "env": "test",
        "log_json": False,
        "relay_poll_interval_s": 0.2,
        "consumer_ack_wait_s": 5.0,
        "port": free_port(),
        "database_pool_size": 5,
        "database_max_overflow": 10,
        # no audit checkpoint unless a test asks for one (tests/e2e/test_audit_checkpoints.py): a signed
        # checkpoint is an outbox row, which would surprise a test counting them
        "audit_checkpoint_entries": 1_000_000,
        "audit_checkpoint_interval_s": 86_400.0,
    }
    defaults.update(overrides)
    return cls(**defaults)


@dataclass
class Running:
    url: str
    app: Any
    settings: Any
    server: uvicorn.Server

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime


@contextlib.asynccontextmanager
async def serve_asgi(app: Any, port: int, settings: Any = None) -> AsyncIterator[uvicorn.Server]:
    """Serve an ASGI app on a real port under the same server configuration as `zhifa serve`."""
    limits = {}
    if settings is not None:
        limits = {
            "max_header_bytes": settings.http_max_header_bytes,
            "max_headers": settings.http_max_headers,
        }
    server = uvicorn.Server(httpserver.config(app, host="127.0.0.1", port=port, **limits))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.025)
    try:
        yield server
    finally:
        server.should_exit = True
        # A graceful stop takes well under a second: uvicorn gives open connections up to 10 s
        # (httpserver.config's timeout_graceful_shutdown), then the lifespan cancels the relay, consumers and
        # jobs. A stop that hangs fails here (tests/common/test_shutdown.py: the relay once ignored its
        # cancellation and the wait had been raised to a minute).
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 12)


@contextlib.asynccontextmanager
async def running_service(service: str, *, role: str = "all", **overrides: Any) -> AsyncIterator[Running]:
    settings = settings_for(service, **overrides)
    module = importlib.import_module(f"services.{service}.app")
    app = module.create_app(settings, role=role)
    async with serve_asgi(app, settings.port, settings) as server:
        yield Running(f"http://127.0.0.1:{settings.port}", app, settings, server)


@contextlib.asynccontextmanager
async def running_services(stack: Stack, names: Iterable[str]) -> AsyncIterator[dict[str, Running]]:
    """Every service of ``names`` on its own fresh database, no NATS (the requests' checks only): the
    module-scoped set the whole-API probes share (HTTP contract, request types, cursors)."""
    async with contextlib.AsyncExitStack() as running:
        yield {
            name: await running.enter_async_context(
                running_service(
                    name, database_url=await stack.anew_database(name), nats_url="nats://127.0.0.1:1"
                )
            )
            for name in names
        }


@contextlib.asynccontextmanager
async def running_gateway(upstreams: dict[str, str], **overrides: Any) -> AsyncIterator[Running]:
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    port = free_port()
    fields = {f"{name}_url": url for name, url in upstreams.items()}
    settings = GatewaySettings(**{"env": "test", "log_json": False, "port": port, **fields, **overrides})
    app = create_app(settings)
    async with serve_asgi(app, port, settings) as server:
        yield Running(f"http://127.0.0.1:{port}", app, settings, server)


def token(role: str, sub: str | None = None, **claims: Any) -> str:
    defaults: dict[str, dict[str, Any]] = {
        "officer": {"cert_no": "辽A-0100001", "dept_code": "SJ", "district_code": "210102"},
        "enterprise": {"uscc": "91210102MA0P5QXX4Q"},  # a valid check digit (stdnum.cn.uscc)
        "supervisor": {"scope": "city"},
        "integration": {"client": "12345"},
        "admin": {},
    }
    merged = {**defaults[role], **claims}
    return mint_dev_token(role, sub or f"{role}-test", 3600, **merged)


def auth(role: str, sub: str | None = None, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, sub, **claims)}"}


async def wait_for(predicate: Any, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll an async predicate until it returns a truthy value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value {last!r})")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's roots), built once: building it is most of the cost of a new
    ``httpx.AsyncClient`` (~40 ms on the 2-core machine), and the suite makes thousands of clients."""
    return httpx.create_ssl_context()


def client(base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, **{"timeout": 20, "verify": tls_context(), **kwargs})


def remove_in_background(root: Path) -> None:
    """Remove a stopped server's directory without making the session wait: several hundred MiB of
    databases took 2–30 s to delete on the shared 2-core machine, all of it after the last test. A detached
    ``rm -rf`` outlives pytest (falling back to removing it here where there is no ``rm``)."""
    try:
        subprocess.Popen(
            ["rm", "-rf", "--", str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def dedicated_postgres() -> AsyncIterator[EmbeddedPostgres]:
    """A PostgreSQL server of a test's own, to kill and restart without touching the session's.

    Durable: a SIGKILL must not take the last commits with it (the session's server runs without fsync).
    Its own temporary directory, like the session's: pytest's numbered directories are pruned by other
    pytest runs of the same user.
    """
    root = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="zhifa-pg-"))
    await asyncio.to_thread(root.chmod, 0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    await asyncio.to_thread(pg.start)
    try:
        yield pg
    finally:
        await asyncio.to_thread(pg.stop, "immediate")
        await asyncio.to_thread(shutil.rmtree, root, True)


async def migrated_database(pg: EmbeddedPostgres, service: str) -> str:
    """Create ``service``'s database on ``pg``, migrate it, and return its SQLAlchemy URL."""
    await asyncio.to_thread(pg.psql, f'CREATE DATABASE "{service}"')
    url = pg.dsn(service, driver="postgresql+asyncpg")
    await asyncio.to_thread(migrate.upgrade, service, url)
    return url
