"""The webhook worker: claims due deliveries (per subject in order), checks the receiver again (its name
may resolve elsewhere now: the SSRF guard runs at delivery too), signs with every secret in force, POSTs,
and records the attempt: delivered on 2xx; otherwise retried with exponential back-off, dead-lettered
once the retry window is over. At least once: a delivery whose attempt was interrupted is claimed again
when its lease ends."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.db import transaction
from services.notify import repository
from services.notify.domain import webhooks
from services.notify.errors import WebhookUrlRefused
from services.notify.models import WebhookDeliveryRow, WebhookEndpointRow
from services.notify.settings import NotifyContext
from services.notify.use_cases.webhooks import check_receiver

log = logging.getLogger(__name__)


async def round_once(factory: async_sessionmaker[AsyncSession], context: NotifyContext) -> int:
    """Claim and attempt one batch of due deliveries; returns how many were attempted."""
    settings = context.settings
    now = clock.now()
    async with transaction(factory) as session:
        lease = now + timedelta(seconds=settings.webhook_lease_s)
        due = await repository.claim_due(session, now, lease, settings.webhook_concurrency)
        jobs = []
        for delivery in due:
            endpoint = await session.get(WebhookEndpointRow, delivery.endpoint_id)
            assert endpoint is not None
            secrets = await repository.secrets_in_force(session, endpoint.id, now)
            jobs.append(
                (delivery.id, delivery.created_at, endpoint.url, _body(delivery), secrets, delivery.attempts)
            )
    if not jobs:
        return 0
    await asyncio.gather(*(_attempt(factory, context, *job) for job in jobs))
    return len(jobs)


def _body(delivery: WebhookDeliveryRow) -> bytes:
    return orjson.dumps(delivery.payload)


async def _post(
    context: NotifyContext, url: str, headers: dict[str, str], body: bytes
) -> tuple[int | None, str | None]:
    try:
        addresses = await check_receiver(context, url)
    except WebhookUrlRefused as exc:
        return None, exc.detail
    from services.notify.use_cases import http_post  # aiohttp, imported when a delivery is first sent

    return await http_post.post(
        url, headers, body, addresses=addresses, timeout_s=context.settings.webhook_timeout_s
    )


async def _attempt(
    factory: async_sessionmaker[AsyncSession],
    context: NotifyContext,
    delivery_id: uuid.UUID,
    created_at: datetime,
    url: str,
    body: bytes,
    secrets: list[str],
    attempts: int,
) -> None:
    timestamp = int(time.time())
    headers = webhooks.headers(secrets, f"msg_{delivery_id}", timestamp, body)
    started = time.perf_counter()
    status_code, error = await _post(context, url, headers, body)
    duration_ms = int((time.perf_counter() - started) * 1000)
    now = clock.now()
    if error is None:
        outcome: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
    else:
        retry_at = context.schedule.next_attempt(created_at, attempts + 1, now)
        outcome = (
            {"status": "dead", "last_error": error}
            if retry_at is None
            else {"next_attempt_at": retry_at, "last_error": error}
        )
        if retry_at is None:
            log.error(
                "webhook delivery %s dead-lettered after %d attempts: %s", delivery_id, attempts + 1, error
            )
    async with transaction(factory) as session:
        await repository.record_attempt(
            session,
            delivery_id,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            outcome=outcome,
        )
