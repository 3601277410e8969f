"""Settings of the notify service (environment prefix ``ZHIFA_NOTIFY_``) and the context the running service
builds from them (``NotifyContext``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field

from services.common.settings import settings_class
from services.notify.domain.fanout import Fanout


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


@dataclass(frozen=True)
class NotifyContext:
    """What the running service resolves once from its settings: the in-process fan-out of the streams."""

    settings: NotifySettings
    fanout: Fanout = field(default_factory=Fanout)

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> NotifyContext:
        return cls(settings, Fanout(settings.stream_queue_size))
