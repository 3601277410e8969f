"""Request and response models of the notify service: the HTTP contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.common.fields import Instant, StrictInt
from services.notify.domain.recipients import RecipientKind


class NotificationRead(BaseModel):
    id: uuid.UUID
    seq: int = Field(description="the recipient's sequence number: the SSE id, for Last-Event-ID")
    recipient_kind: RecipientKind
    kind: str = Field(description="what happened: visit.started, decision.to_serve, documents.ready, ...")
    title: str
    body: str
    link: str | None = Field(description="the object concerned, an API path (or the document's URL)")
    source_event_type: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None = None
    unread: int = Field(description="how many of the caller's notifications are unread")


class ReadAllResult(BaseModel):
    marked: int = Field(description="notifications marked read by this call")


# ------------------------------------------------------------------------------------------------ webhooks


class EndpointWrite(BaseModel):
    client: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="the integration client (its tokens' `client` claim)",
    )
    url: str = Field(
        min_length=8,
        max_length=2000,
        description="the receiver: https://… (http://localhost only in development)",
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        description="contract types to receive (GET /api/v1/webhooks/event-types)",
    )
    description: str = Field("", max_length=500)


class EndpointRead(BaseModel):
    id: uuid.UUID
    client: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: datetime


class EndpointCreated(EndpointRead):
    secret: str = Field(description="the signing secret (whsec_…): shown once, keep it")


class SecretRotation(BaseModel):
    overlap_hours: StrictInt = Field(
        24, ge=0, le=24 * 30, description="how long the old secret keeps signing beside the new one"
    )


class SecretRotated(BaseModel):
    secret: str = Field(description="the new signing secret (whsec_…): shown once")
    previous_valid_until: datetime


class AttemptRead(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    id: uuid.UUID = Field(description="the webhook-id header (msg_<id>)")
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    subject: str
    event_time: datetime
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryDetail(DeliveryRead):
    attempt_log: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = None


class ReplayWrite(BaseModel):
    since: Instant = Field(description="events from this time (inclusive)")
    until: Instant = Field(description="to this time (exclusive)")


class ReplayResult(BaseModel):
    requeued: int
