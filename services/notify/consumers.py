"""Events the notify service consumes: every contract of ``domain.mapping.MAPPING``, one durable consumer
each (``notify-<type with dashes>``), all handled by the one use case that records what the event tells.
The kernel's inbox applies each event once; the log's unique key backs it. Never rename a consumer (a new
name replays the stream)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events import Event
from services.common.inbox import Consumers, Delivery
from services.notify.domain.mapping import MAPPING
from services.notify.settings import NotifyContext
from services.notify.use_cases import notifications

consumers: Consumers[NotifyContext] = Consumers()


async def on_event(session: AsyncSession, event: Event, delivery: Delivery[NotifyContext]) -> None:
    await notifications.record(session, delivery.envelope, event)


for _contract in MAPPING:
    consumers.consumes(_contract, name=_contract.TYPE.replace(".", "-"))(on_event)
