"""Routes of the integrations' webhooks: subscriptions and secrets (admin), deliveries and their attempts
(the client its own, the admin all), dead letters and retry (admin), replay by time range."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.common.deps import ScopeDep, SessionDep
from services.common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from services.notify.deps import (
    AdminDep,
    ContextDep,
    DeliveryDep,
    EndpointDep,
    ReplayDep,
    RotationDep,
    WebhookReaderDep,
)
from services.notify.domain.webhooks import SUBSCRIBABLE
from services.notify.schemas import (
    DeliveryDetail,
    DeliveryPage,
    EndpointCreated,
    EndpointRead,
    EndpointWrite,
    ReplayResult,
    SecretRotated,
)
from services.notify.use_cases import webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["notify: webhooks"])
StatusQuery = Annotated[
    Literal["pending", "delivered", "dead"] | None, Query(description="only deliveries in this state")
]


@router.get("/event-types", response_model=list[str])
async def event_types(principal: WebhookReaderDep) -> list[str]:
    """The event types an integration may subscribe to."""
    return list(SUBSCRIBABLE)


@router.post("/endpoints", status_code=201, response_model=EndpointCreated)
async def subscribe(
    body: EndpointWrite, session: SessionDep, principal: AdminDep, context: ContextDep
) -> EndpointCreated:
    """Subscribe an integration client's receiver to event types; answers its signing secret once."""
    return await webhooks.subscribe(session, context, body, principal)


@router.get("/endpoints", response_model=list[EndpointRead])
async def list_endpoints(
    session: SessionDep, principal: WebhookReaderDep, scope: ScopeDep
) -> list[EndpointRead]:
    """The endpoints (an integration client: its own)."""
    return await webhooks.list_endpoints(session, scope)


@router.post("/endpoints/{endpoint_id}/secret", response_model=SecretRotated)
async def rotate_secret(session: SessionDep, principal: AdminDep, loaded: RotationDep) -> SecretRotated:
    """A new signing secret; the old one keeps signing beside it for `overlap_hours`."""
    endpoint, body = loaded
    return await webhooks.rotate(session, endpoint, body, principal)


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=DeliveryPage)
async def endpoint_deliveries(
    session: SessionDep,
    principal: WebhookReaderDep,
    endpoint: EndpointDep,
    status: StatusQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, with their state and attempts so far."""
    return await webhooks.list_deliveries(session, endpoint.id, status, cursor, limit)


@router.post("/endpoints/{endpoint_id}/replay", response_model=ReplayResult)
async def replay(session: SessionDep, principal: WebhookReaderDep, loaded: ReplayDep) -> ReplayResult:
    """Send again every delivery whose event happened in [since, until), in order, with the same webhook-id."""
    endpoint, body = loaded
    return await webhooks.replay(session, endpoint, body, principal)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def delivery(session: SessionDep, principal: WebhookReaderDep, found: DeliveryDep) -> DeliveryDetail:
    """One delivery and every attempt (time, HTTP status or error, duration)."""
    return await webhooks.delivery_detail(session, found)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryDetail)
async def retry(session: SessionDep, principal: AdminDep, found: DeliveryDep) -> DeliveryDetail:
    """Send a dead-lettered delivery again (a new retry window)."""
    return await webhooks.retry(session, found, principal)


@router.get("/dead-letters", response_model=DeliveryPage)
async def dead_letters(
    session: SessionDep, principal: AdminDep, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
) -> DeliveryPage:
    """Deliveries that were retried for the whole window and failed (newest first)."""
    return await webhooks.list_deliveries(session, None, "dead", cursor, limit)
