"""HTTP routes of the risk service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
public_router = APIRouter(prefix="/public/risk", tags=["risk: public"])
