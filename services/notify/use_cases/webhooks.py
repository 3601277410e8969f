"""Webhooks for integration clients: subscriptions (admin), secret rotation with overlap, the queue of
deliveries an event makes, what a client sees of its deliveries, dead letters, retry and replay."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.errors import BadRequest
from services.common.events import Envelope
from services.common.pagination import cursor_int, decode_cursor, encode_cursor
from services.notify import repository, views
from services.notify.domain import webhooks
from services.notify.errors import WebhookEventTypeUnknown, WebhookNotDead
from services.notify.models import WebhookDeliveryRow, WebhookEndpointRow
from services.notify.schemas import (
    DeliveryDetail,
    DeliveryPage,
    EndpointCreated,
    EndpointRead,
    EndpointWrite,
    ReplayResult,
    ReplayWrite,
    SecretRotated,
    SecretRotation,
)
from services.notify.settings import NotifyContext


async def check_receiver(context: NotifyContext, url: str) -> list[str]:
    """The receiver's URL and every address its host resolves to must be allowed (SSRF guard); returns
    those addresses (the delivery connects to them and nowhere else: no second lookup to rebind)."""
    allow = context.settings.webhook_allow_http_localhost
    target = webhooks.parse_url(url, allow_http_localhost=allow)
    addresses = await context.resolver(target.host, target.port)
    webhooks.check_addresses(url, target, addresses, allow_loopback=allow)
    return addresses


async def subscribe(
    session: AsyncSession, context: NotifyContext, body: EndpointWrite, principal: Principal
) -> EndpointCreated:
    unknown = sorted(set(body.event_types) - set(webhooks.SUBSCRIBABLE))
    if unknown:
        raise WebhookEventTypeUnknown.of(unknown)
    await check_receiver(context, body.url)
    row = WebhookEndpointRow(
        id=uuid.uuid4(),
        client=body.client,
        url=body.url,
        event_types=sorted(set(body.event_types)),
        description=body.description,
        created_by=principal.sub,
        created_at=clock.now(),
        active=True,
    )
    secret = webhooks.new_secret()
    await repository.add_endpoint(session, row, secret)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="webhook.subscribed",
        entity_type="webhook_endpoint",
        entity_id=str(row.id),
        after={"client": row.client, "url": row.url, "event_types": row.event_types},
    )
    return EndpointCreated(**views.endpoint_read(row).model_dump(), secret=secret)


async def rotate(
    session: AsyncSession, endpoint: WebhookEndpointRow, body: SecretRotation, principal: Principal
) -> SecretRotated:
    now = clock.now()
    until = now + timedelta(hours=body.overlap_hours)
    secret = webhooks.new_secret()
    await repository.rotate_secret(session, endpoint.id, secret, until)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="webhook.secret_rotated",
        entity_type="webhook_endpoint",
        entity_id=str(endpoint.id),
        after={"previous_valid_until": until.isoformat()},
    )
    return SecretRotated(secret=secret, previous_valid_until=until)


async def enqueue(session: AsyncSession, envelope: Envelope) -> int:
    """Queue the event for every endpoint subscribed to its type; returns how many were new."""
    if envelope.type not in webhooks.SUBSCRIBABLE:
        return 0
    return await repository.enqueue(
        session,
        {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "subject": envelope.subject,
            "event_time": envelope.time,
            "payload": envelope.model_dump(mode="json"),
        },
    )


async def list_endpoints(session: AsyncSession, scope: Scope) -> list[EndpointRead]:
    return [views.endpoint_read(r) for r in await repository.endpoints(session, scope)]


def _before(cursor: str | None) -> int | None:
    key = decode_cursor(cursor)
    return None if not cursor else cursor_int(key)  # a seq past bigint failed in the database: a 500


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID | None, status: str | None, cursor: str | None, limit: int
) -> DeliveryPage:
    rows = list(await repository.deliveries(session, endpoint_id, status, _before(cursor), limit + 1))
    next_cursor = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
    return DeliveryPage(items=[views.delivery_read(r) for r in rows[:limit]], next_cursor=next_cursor)


async def delivery_detail(session: AsyncSession, delivery: WebhookDeliveryRow) -> DeliveryDetail:
    return views.delivery_detail(delivery, await repository.attempts(session, delivery.id))


async def retry(session: AsyncSession, delivery: WebhookDeliveryRow, principal: Principal) -> DeliveryDetail:
    """Send a dead-lettered delivery again, with a new retry window."""
    if delivery.status != "dead":
        raise WebhookNotDead.of(delivery.id)
    await repository.requeue(session, delivery, clock.now())
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="webhook.retried",
        entity_type="webhook_delivery",
        entity_id=str(delivery.id),
    )
    return await delivery_detail(session, delivery)


async def replay(
    session: AsyncSession, endpoint: WebhookEndpointRow, body: ReplayWrite, principal: Principal
) -> ReplayResult:
    if body.until <= body.since:
        raise BadRequest(
            "replay 的 until 必须晚于 since",
            code="WEBHOOK_REPLAY_RANGE_INVALID",
            detail_en="until must be after since",
        )
    count = await repository.replay(session, endpoint.id, body.since, body.until, clock.now())
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="webhook.replayed",
        entity_type="webhook_endpoint",
        entity_id=str(endpoint.id),
        after={"since": body.since.isoformat(), "until": body.until.isoformat(), "requeued": count},
    )
    return ReplayResult(requeued=count)
