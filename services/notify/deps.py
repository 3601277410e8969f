"""Dependencies of the notify routes: the context, who reads which log, and the load-or-404 aliases."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.deps import get_context, load_or_404, roles
from services.common.errors import Forbidden
from services.notify import repository
from services.notify.domain.recipients import Recipient, of_principal
from services.notify.errors import NotificationNotFound, WebhookDeliveryNotFound, WebhookEndpointNotFound
from services.notify.models import NotificationRow, WebhookDeliveryRow, WebhookEndpointRow
from services.notify.schemas import ReplayWrite, SecretRotation
from services.notify.settings import NotifyContext

ContextDep = Annotated[NotifyContext, Depends(get_context)]

# Enterprises and officers have a notification log (a department head reads its unit's).
ReaderDep = Annotated[Principal, roles("enterprise", "officer")]


async def get_recipient(principal: ReaderDep) -> Recipient:
    recipient = of_principal(principal)
    if recipient is None:  # an officer token without a certificate number cannot pass the kernel's checks
        raise Forbidden("该身份没有通知", detail_en="this identity has no notification log")
    return recipient


RecipientDep = Annotated[Recipient, Depends(get_recipient)]


async def _own_notification(
    session: AsyncSession, recipient: Recipient, notification_id: uuid.UUID
) -> NotificationRow | None:
    return await repository.get(session, recipient, notification_id)


NotificationDep = Annotated[
    NotificationRow,
    load_or_404(
        _own_notification,
        param="notification_id",
        key=Annotated[uuid.UUID, Path(description="the notification id")],
        missing=NotificationNotFound.of,
        scope=RecipientDep,
    ),
]


# ------------------------------------------------------------------------------------------------ webhooks

AdminDep = Annotated[Principal, roles("admin")]
# An integration client reads its own endpoints and deliveries; an administrator every one.
WebhookReaderDep = Annotated[Principal, roles("admin", "integration")]

EndpointDep = Annotated[
    WebhookEndpointRow,
    load_or_404(
        repository.readable_endpoint,
        param="endpoint_id",
        key=Annotated[uuid.UUID, Path(description="the webhook endpoint id")],
        missing=WebhookEndpointNotFound.of,
    ),
]
DeliveryDep = Annotated[
    WebhookDeliveryRow,
    load_or_404(
        repository.readable_delivery,
        param="delivery_id",
        key=Annotated[uuid.UUID, Path(description="the delivery id (the webhook-id without msg_)")],
        missing=WebhookDeliveryNotFound.of,
    ),
]


def endpoint_with(model: type[BaseModel]) -> Any:
    """The endpoint and a request body validated before the lookup."""
    return load_or_404(
        repository.readable_endpoint,
        param="endpoint_id",
        key=Annotated[uuid.UUID, Path(description="the webhook endpoint id")],
        missing=WebhookEndpointNotFound.of,
        body=model,
    )


RotationDep = Annotated[tuple[WebhookEndpointRow, SecretRotation], endpoint_with(SecretRotation)]
ReplayDep = Annotated[tuple[WebhookEndpointRow, ReplayWrite], endpoint_with(ReplayWrite)]
