"""Events the credit_repair service consumes (its published contracts live in services/common/contracts)."""

from __future__ import annotations

from services.common.inbox import Subscription


def subscriptions() -> list[Subscription]:
    """The consumers this service runs (besides the kernel's diagnostic pings)."""
    return []
