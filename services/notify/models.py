"""Tables of the notify service (its own database).

- ``notification``: the per-recipient log. ``seq`` numbers a recipient's notifications 1, 2, 3, ... in
  commit order (the SSE ``id``); ``source_event_id`` is unique per recipient, so an event notifies each of
  its recipients once whatever the redeliveries.
- ``notification_counter``: the last ``seq`` of each recipient. Taking the next number locks the
  recipient's row until commit, so a recipient's notifications commit in the order of their numbers and a
  stream that has sent ``seq`` n never later finds a committed n - 1 it has not sent.
- ``webhook_endpoint``: an integration client's receiver (HTTPS URL) and the event types it subscribed;
  ``webhook_secret``: its signing secrets (a rotated-out one keeps signing until ``expires_at``).
- ``webhook_delivery``: one event for one endpoint (its id is the ``webhook-id``): pending, delivered or
  dead; ``seq`` orders the deliveries of one subject. ``webhook_attempt``: every try and its answer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.date_bounds import bounded_metadata
from services.common.tables import register_kernel_tables

metadata = bounded_metadata()  # every date column in years 1900-2199 (notify_0008_date_bounds)
kernel = register_kernel_tables(metadata)

TZ = sa.DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: TZ, uuid.UUID: UUID(as_uuid=True)}


class NotificationRow(Base):
    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("recipient_kind", "recipient_id", "seq"),
        sa.UniqueConstraint("recipient_kind", "recipient_id", "source_event_id"),
        sa.Index(
            "ix_notification_unread",
            "recipient_kind",
            "recipient_id",
            "seq",
            postgresql_where=sa.text("read_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(sa.Text)
    recipient_id: Mapped[str] = mapped_column(sa.Text)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.Text)
    title: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.Text)
    source_event_id: Mapped[uuid.UUID]
    source_event_type: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    read_at: Mapped[datetime | None]


class NotificationCounterRow(Base):
    __tablename__ = "notification_counter"

    recipient_kind: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)


class WebhookEndpointRow(Base):
    __tablename__ = "webhook_endpoint"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(sa.Text, index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    description: Mapped[str] = mapped_column(sa.Text, server_default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class WebhookSecretRow(Base):
    __tablename__ = "webhook_secret"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("webhook_endpoint.id"), index=True)
    secret: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    expires_at: Mapped[datetime | None]


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index(
            "ix_webhook_delivery_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")
        ),
        sa.Index("ix_webhook_delivery_subject", "endpoint_id", "subject", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), unique=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.Text)
    event_time: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(sa.Text, server_default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttemptRow(Base):
    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[int] = mapped_column(sa.Integer)


notification_t: sa.Table = NotificationRow.__table__  # type: ignore[assignment]
counter_t: sa.Table = NotificationCounterRow.__table__  # type: ignore[assignment]
webhook_delivery_t: sa.Table = WebhookDeliveryRow.__table__  # type: ignore[assignment]
webhook_endpoint_t: sa.Table = WebhookEndpointRow.__table__  # type: ignore[assignment]
