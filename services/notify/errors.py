"""Every typed error of the notify service (codes are stable: docs/errors.md). Chinese detail for the users,
``detail_en`` with the same specifics."""

from __future__ import annotations

import uuid

from services.common.errors import BadRequest, Conflict, NotFound


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


class WebhookUrlRefused(BadRequest):
    code = "WEBHOOK_URL_REFUSED"
    title = "推送接收地址不允许"
    title_en = "Webhook receiver refused"

    @classmethod
    def of(cls, url: str, reason: str) -> WebhookUrlRefused:
        return cls(
            f"推送接收地址 {url[:200]} 不允许：{reason}", detail_en=f"receiver {url[:200]} refused: {reason}"
        )


class WebhookEndpointNotFound(NotFound):
    code = "WEBHOOK_ENDPOINT_NOT_FOUND"
    title = "推送订阅不存在"
    title_en = "No such webhook endpoint"

    @classmethod
    def of(cls, endpoint_id: uuid.UUID) -> WebhookEndpointNotFound:
        return cls(f"推送订阅 {endpoint_id} 不存在", detail_en=f"There is no webhook endpoint {endpoint_id}")


class WebhookDeliveryNotFound(NotFound):
    code = "WEBHOOK_DELIVERY_NOT_FOUND"
    title = "推送记录不存在"
    title_en = "No such webhook delivery"

    @classmethod
    def of(cls, delivery_id: uuid.UUID) -> WebhookDeliveryNotFound:
        return cls(f"推送记录 {delivery_id} 不存在", detail_en=f"There is no webhook delivery {delivery_id}")


class WebhookEventTypeUnknown(BadRequest):
    code = "WEBHOOK_EVENT_TYPE_UNKNOWN"
    title = "不可订阅的事件类型"
    title_en = "Event type not subscribable"

    @classmethod
    def of(cls, types: list[str]) -> WebhookEventTypeUnknown:
        listed = "、".join(types)
        return cls(f"以下事件类型不可订阅：{listed}", detail_en=f"not subscribable: {', '.join(types)}")


class WebhookNotDead(Conflict):
    code = "WEBHOOK_DELIVERY_NOT_DEAD"
    title = "该推送未进入死信"
    title_en = "Delivery is not dead-lettered"

    @classmethod
    def of(cls, delivery_id: uuid.UUID) -> WebhookNotDead:
        return cls(
            f"推送记录 {delivery_id} 尚未进入死信队列，无需重试",
            detail_en=f"delivery {delivery_id} is not dead-lettered; it is still retried",
        )
