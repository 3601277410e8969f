"""HTTP routes of the penalty service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/penalty", tags=["penalty"])
public_router = APIRouter(prefix="/public/penalty", tags=["penalty: public"])
