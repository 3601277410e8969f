"""Routes of the notify service, one router per topic: the caller's notifications and their stream
(``notifications``), the integrations' webhooks (``webhooks``)."""

from services.notify.api.notifications import router
from services.notify.api.webhooks import router as webhooks_router

__all__ = ["router", "webhooks_router"]
