"""The notify service's periodic jobs (services.common.jobs runs them in the worker role)."""

from __future__ import annotations

from services.common.app import Runtime
from services.common.jobs import Periodic, periodic
from services.notify.settings import NotifyContext
from services.notify.use_cases import dispatch


async def deliver_webhooks(runtime: Runtime) -> bool:
    """One round of due webhook deliveries; True when there may be more at once."""
    context: NotifyContext = runtime.context
    attempted = await dispatch.round_once(runtime.factory, context)
    return attempted >= context.settings.webhook_concurrency


def _poll(context: NotifyContext) -> float:
    return context.settings.webhook_poll_s


JOBS: list[Periodic] = [periodic("webhook-deliveries", every=_poll, fn=deliver_webhooks)]
