"""How a rectification's or a lead's history is written: one JSON object per step, timestamps exactly as
pydantic writes them into an event envelope (so a step and an event about it show the same time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.common.events import json_time
from services.common.workdays import PENDING_NOTE


def step_json(at: datetime, actor: str, from_status: str | None, to_status: str, note: str) -> dict[str, Any]:
    """One step of a history: when, who, from which state to which, and a note."""
    return {
        "at": json_time(at),
        "actor": actor,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
    }


def with_pending(note: str, due: date | None, deadline: str = "期限") -> str:
    """A step's note, saying so when the deadline (``deadline``: its name) the step set is pending."""
    return note if due is not None else f"{note}（{deadline}：{PENDING_NOTE}）" if note else PENDING_NOTE
