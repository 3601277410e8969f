"""Acts (行政处罚法 第二十九条: one act, one fine) in the HTTP contract."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.common.fields import Day
from services.penalty.schemas.base import OptionalText, _In


class ActIn(_In):
    """The act a case is about: name an existing one (``id``), or describe the one the case creates."""

    id: uuid.UUID | None = Field(None, description="an existing act of the same party (第二十九条)")
    started_on: Day | None = Field(None, description="违法行为开始日期")
    ended_on: Day | None = Field(None, description="违法行为结束日期 (a continuing act: the day it stopped)")
    place: OptionalText = Field("", description="违法行为发生地; the case's place when empty")
    facts_summary: OptionalText = Field("", description="违法事实摘要; the case's brief when empty")


class ProvisionRead(BaseModel):
    """One provision the act breaches, as assessed (第二十九条后段): the one that governs and the others."""

    code: str
    version: int
    violation_name: str
    outcome: str
    legal_low_fen: int | None
    legal_high_fen: int | None
    suggested_fine_fen: int | None
    governs: bool


class ActCaseRead(BaseModel):
    case_id: uuid.UUID
    case_no: str
    state: str
    department_code: str
    decision_no: str | None
    decided_on: date | None
    standing_fine_fen: int | None = Field(description="the decided fine while not revoked (第二十九条)")
    provisions: list[ProvisionRead]


class ActRead(BaseModel):
    id: uuid.UUID
    department_code: str
    district_code: str
    party_kind: str
    party_name: str
    party_uscc: str | None
    place: str
    started_on: date | None
    ended_on: date | None
    facts_summary: str
    source: str
    visit_id: uuid.UUID | None
    created_at: datetime
    fined: bool = Field(
        description="a decided, not revoked fine stands on the act: no second one (第二十九条)"
    )
    cases: list[ActCaseRead]
