"""Settings of the notify service (environment prefix ``ZHIFA_NOTIFY_``) and the context the running service
builds from them (``NotifyContext``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import Field, model_validator

from services.common.settings import settings_class
from services.notify.domain.fanout import Fanout
from services.notify.domain.webhooks import Schedule


class NotifySettings(settings_class("notify")):  # type: ignore[misc]
    """Every field can be set as ``ZHIFA_NOTIFY_<FIELD>``; shared ones as ``ZHIFA_<FIELD>``."""

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/zhifa_notify",
        description="SQLAlchemy URL of the notify database",
    )
    port: int = Field(8105, description="HTTP port")
    heartbeat_s: float = Field(
        15.0, gt=0, description="seconds between SSE heartbeat comments on an idle stream"
    )
    stream_queue_size: int = Field(
        256, ge=1, description="notifications waiting per open stream before a slow client is disconnected"
    )
    stream_send_timeout_s: float = Field(
        30.0, gt=0, description="how long one SSE write may wait for a slow client before it is disconnected"
    )
    stream_batch: int = Field(100, ge=1, le=1000, description="notifications read per query by a stream")
    stream_retry_ms: int = Field(
        3000, ge=100, description="the SSE retry: field (the client's reconnect delay)"
    )
    webhook_retry_base_s: float = Field(
        10.0, gt=0, description="first retry delay of a failed webhook delivery (doubles)"
    )
    webhook_retry_cap_s: float = Field(3600.0, gt=0, description="longest delay between two webhook attempts")
    webhook_retry_window_s: float = Field(
        26 * 3600.0,
        ge=1,
        description="how long a delivery is retried before it is dead-lettered (at least 24 h in production)",
    )
    webhook_timeout_s: float = Field(10.0, gt=0, description="time a receiver has to answer one delivery")
    webhook_concurrency: int = Field(8, ge=1, le=64, description="deliveries in flight at once per worker")
    webhook_poll_s: float = Field(0.5, gt=0, description="how often the worker looks for due deliveries")
    webhook_lease_s: float = Field(
        60.0, gt=0, description="how long a claimed delivery is reserved for its attempt"
    )
    webhook_allow_http_localhost: bool = Field(
        False, description="development only: receivers at http://localhost (refused outside dev and test)"
    )
    webhook_static_hosts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="host -> addresses the webhook resolver answers without DNS (tests; like /etc/hosts)",
    )

    @model_validator(mode="after")
    def _http_only_in_dev(self) -> NotifySettings:
        if self.webhook_allow_http_localhost and not self.is_dev:
            raise ValueError("webhook_allow_http_localhost is for development only (ZHIFA_ENV=dev or test)")
        return self


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class NotifyContext:
    """What the running service resolves once from its settings: the in-process fan-out of the streams,
    the webhooks' retry schedule and the resolver their receivers are checked with."""

    settings: NotifySettings
    fanout: Fanout = field(default_factory=Fanout)
    schedule: Schedule = field(
        default_factory=lambda: Schedule(timedelta(seconds=10), timedelta(hours=1), timedelta(hours=26))
    )
    resolver: Resolver = resolve

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> NotifyContext:
        async def resolver(host: str, port: int) -> list[str]:
            static = {name.lower(): list(found) for name, found in settings.webhook_static_hosts.items()}
            if host.lower() in static:
                return static[host.lower()]
            try:
                return await resolve(host, port)
            except OSError:
                return []

        schedule = Schedule(
            timedelta(seconds=settings.webhook_retry_base_s),
            timedelta(seconds=settings.webhook_retry_cap_s),
            timedelta(seconds=settings.webhook_retry_window_s),
        )
        return cls(settings, Fanout(settings.stream_queue_size), schedule, resolver)
