"""The NATS JetStream connection of a long-lived service (SPEC §1.4).

nats-py's defaults suit short scripts, not services that run for months: it gives up reconnecting after
about two minutes (60 attempts × 2 s) and notices a dead link only after two missed pings two minutes
apart. Here: reconnect forever, ping every 5 s, keep retrying the *first* connection in the background
(nats-py raises instead of retrying when no server answers at start-up), and treat publish errors as
transient — the outbox keeps the row and the relay retries (the first publish after a reconnect can fail).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from services.common import metrics
from services.common.registry import SERVICES

log = logging.getLogger(__name__)

# Longer than the relay's retry horizon, so a row re-published after a crash is still recognised.
DUPLICATE_WINDOW = timedelta(hours=2)


def stream_configs(replicas: int) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=info.stream,
            subjects=[f"{info.subject_prefix}.>"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            discard=DiscardPolicy.OLD,
            max_age=timedelta(days=30).total_seconds(),
            duplicate_window=DUPLICATE_WINDOW.total_seconds(),
            num_replicas=replicas,
            allow_atomic=True,  # the relay's atomic batches (services/common/outbox.py)
        )
        for info in SERVICES.values()
    ]


async def ensure_streams(js: JetStreamContext, configs: Iterable[StreamConfig]) -> None:
    """Create the streams, or bring an existing stream's configuration up to date (idempotent)."""
    for config in configs:
        try:
            await js.stream_info(config.name)  # type: ignore[arg-type]
        except NotFoundError:
            try:
                await js.add_stream(config)
                continue
            except Exception:  # another process created it first
                log.debug("add_stream %s raced; updating instead", config.name)
        await js.update_stream(config)


@dataclass(frozen=True)
class Credentials:
    """How a service authenticates to NATS and verifies it (services/common/nats_auth.py)."""

    user: str | None = None
    password: str | None = None
    creds_file: Path | None = None
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None

    @property
    def authenticated(self) -> bool:
        return self.creds_file is not None or bool(self.user and self.password)

    def connect_options(self, servers: list[str]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.creds_file is not None:
            options["user_credentials"] = str(self.creds_file)
        elif self.user and self.password:
            options["user"], options["password"] = self.user, self.password
        if self.tls_ca_file is not None or any(s.startswith("tls://") for s in servers):
            context = ssl.create_default_context(
                cafile=str(self.tls_ca_file) if self.tls_ca_file is not None else None
            )
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if self.tls_cert_file is not None and self.tls_key_file is not None:
                context.load_cert_chain(str(self.tls_cert_file), str(self.tls_key_file))
            options["tls"] = context
        return options


class Bus:
    """A NATS connection that comes up whenever it can and stays up.

    With credentials (a service's own NATS user) it creates and updates only ``own_streams``: the other
    services' streams are theirs (a consumer waits until its producer created the stream). Without, as on
    the unauthenticated local test servers, it ensures every stream, so a consumer can start first.
    """

    def __init__(
        self,
        servers: str,
        *,
        name: str,
        stream_replicas: int = 1,
        ping_interval: int = 5,
        credentials: Credentials | None = None,
        own_streams: Iterable[str] | None = None,
    ) -> None:
        self.servers = [s.strip() for s in servers.split(",") if s.strip()]
        self.name = name
        self.stream_replicas = stream_replicas
        self.ping_interval = ping_interval
        self.credentials = credentials or Credentials()
        self.own_streams = set(own_streams) if own_streams is not None else None
        self.nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("NATS is not connected yet")
        return self._js

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._connect_forever(), name=f"{self.name}-nats-connect")

    async def wait_ready(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _on_disconnected(self) -> None:
        metrics.NATS_CONNECTED.labels(self.name).set(0)
        log.warning("NATS disconnected; reconnecting")

    async def _on_reconnected(self) -> None:
        metrics.NATS_CONNECTED.labels(self.name).set(1)
        log.info("NATS reconnected")

    async def _on_error(self, exc: Exception) -> None:
        log.warning("NATS error: %s", exc)

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                nc = await nats.connect(
                    servers=self.servers,
                    name=self.name,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    ping_interval=self.ping_interval,
                    max_outstanding_pings=3,
                    connect_timeout=2,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    error_cb=self._on_error,
                    **self.credentials.connect_options(self.servers),
                )
                js = nc.jetstream(timeout=5)
                configs = stream_configs(self.stream_replicas)
                if self.credentials.authenticated and self.own_streams is not None:
                    configs = [c for c in configs if c.name in self.own_streams]
                await ensure_streams(js, configs)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("NATS not reachable yet (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self.nc, self._js = nc, js
            metrics.NATS_CONNECTED.labels(self.name).set(1)
            self._ready.set()
            log.info("NATS connected to %s", nc.connected_url.netloc if nc.connected_url else self.servers)
            return

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.nc is not None and not self.nc.is_closed:
            # No drain: the consumers are cancelled before this, so what is still queued for them will not be
            # processed (JetStream redelivers it after the ack wait), and a drain waited for it until its
            # timeout. Only send what is buffered.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.flush(), 1)
            await self.nc.close()
