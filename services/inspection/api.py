"""HTTP routes of the inspection service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/inspection", tags=["inspection"])
public_router = APIRouter(prefix="/public/inspection", tags=["inspection: public"])
