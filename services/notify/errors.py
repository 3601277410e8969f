"""Every typed error of the notify service (codes are stable: docs/errors.md). Chinese detail for the users,
``detail_en`` with the same specifics."""

from __future__ import annotations

import uuid

from services.common.errors import BadRequest, NotFound


class NotificationNotFound(NotFound):
    code = "NOTIFICATION_NOT_FOUND"
    title = "通知不存在"
    title_en = "No such notification"

    @classmethod
    def of(cls, notification_id: uuid.UUID) -> NotificationNotFound:
        return cls(f"通知 {notification_id} 不存在", detail_en=f"There is no notification {notification_id}")


class LastEventIdInvalid(BadRequest):
    code = "LAST_EVENT_ID_INVALID"
    title = "Last-Event-ID 无效"
    title_en = "Invalid Last-Event-ID"

    @classmethod
    def of(cls, value: str) -> LastEventIdInvalid:
        return cls(
            f"Last-Event-ID 应为此前收到的通知序号（非负整数），收到 {value[:40]!r}",
            detail_en=f"Last-Event-ID must be the sequence number of a notification received before, got {value[:40]!r}",
        )
