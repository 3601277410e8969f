"""Request and response models of the notify service: the HTTP contract."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

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
