"""OUTBOUND: builders of the contracts the notify service publishes, and the table PUBLISHED."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.common.contracts import notify
from services.common.events import Event
from services.notify.models import NotificationRow


def notification_read(row: NotificationRow, at: datetime) -> notify.NotificationRead:
    return notify.NotificationRead(
        notification_id=row.id,
        recipient_kind=row.recipient_kind,
        recipient_id=row.recipient_id,
        kind=row.kind,
        source_event_id=row.source_event_id,
        source_event_type=row.source_event_type,
        read_at=at,
    )


PUBLISHED: dict[type[Event], Callable[..., Any]] = {notify.NotificationRead: notification_read}
