"""HTTP routes of the credit_repair service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/credit", tags=["credit_repair"])
public_router = APIRouter(prefix="/public/credit", tags=["credit_repair: public"])
