"""HTTP routes of the risk service, one module per topic: thin — validate, call one use case, return its view.
This module assembles them under the service's two prefixes."""

from __future__ import annotations

from fastapi import APIRouter

from services.risk.api import bulletins, complaints, matters, monitoring, registries, reviews

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
public_router = APIRouter(prefix="/public/risk", tags=["risk: public"])

for _topic in (monitoring, matters, complaints, registries, reviews, bulletins):
    router.include_router(_topic.router)
for _topic in (monitoring, complaints, registries, bulletins):
    public_router.include_router(_topic.public_router)
