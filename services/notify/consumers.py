"""Events the notify service consumes: every contract of ``domain.mapping.MAPPING`` and every type an
integration may subscribe to (``domain.webhooks.SUBSCRIBABLE``), one durable consumer each
(``notify-<type with dashes>``), all handled alike: record what the event tells whom, queue its webhooks.
The kernel's inbox applies each event once; the log's unique key backs it. Never rename a consumer (a new
name replays the stream)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events import REGISTRY, Event
from services.common.inbox import Consumers, Delivery
from services.notify.domain.mapping import MAPPING
from services.notify.domain.webhooks import SUBSCRIBABLE
from services.notify.settings import NotifyContext
from services.notify.use_cases import notifications, webhooks

consumers: Consumers[NotifyContext] = Consumers()


async def on_event(session: AsyncSession, event: Event, delivery: Delivery[NotifyContext]) -> None:
    await notifications.record(session, delivery.envelope, event)
    await webhooks.enqueue(session, delivery.envelope)


_SUBSCRIBABLE = [c for c in REGISTRY.all() if c.TYPE in SUBSCRIBABLE and c not in MAPPING]
for _contract in [*MAPPING, *_SUBSCRIBABLE]:
    consumers.consumes(_contract, name=_contract.TYPE.replace(".", "-"))(on_event)
