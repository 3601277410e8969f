"""Events published by the notify service (the per-recipient notification log, issue #15)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from services.common.events import Event, contract

RecipientKind = Literal["enterprise", "officer", "department"]


@contract
class NotificationRead(Event):
    """``notify.notification.read``: the recipient opened (marked read) a notification. For a notification of
    a document to be served this is the receipt of the electronic notice (行政处罚法 第六十一条 allows
    electronic service when the party agreed and signed a confirmation, 第二款); the producer of the source event may project it."""

    TYPE = "notify.notification.read"
    notification_id: uuid.UUID
    recipient_kind: RecipientKind
    recipient_id: str
    kind: str
    source_event_id: uuid.UUID
    source_event_type: str
    read_at: datetime

    def subject_id(self) -> str:
        return str(self.notification_id)
