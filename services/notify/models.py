"""Tables of the notify service (its own database).

- ``notification``: the per-recipient log. ``seq`` numbers a recipient's notifications 1, 2, 3, ... in
  commit order (the SSE ``id``); ``source_event_id`` is unique per recipient, so an event notifies each of
  its recipients once whatever the redeliveries.
- ``notification_counter``: the last ``seq`` of each recipient. Taking the next number locks the
  recipient's row until commit, so a recipient's notifications commit in the order of their numbers and a
  stream that has sent ``seq`` n never later finds a committed n - 1 it has not sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import make_metadata
from services.common.tables import register_kernel_tables

metadata = make_metadata()
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


notification_t: sa.Table = NotificationRow.__table__  # type: ignore[assignment]
counter_t: sa.Table = NotificationCounterRow.__table__  # type: ignore[assignment]
