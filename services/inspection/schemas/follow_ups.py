"""Request and response models of the 责令改正 follow-ups (issue #14 item 6)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.common.fields import Day, StrictBool
from services.inspection.schemas import Sha256, Strict


class FollowUpRead(BaseModel):
    follow_up_id: uuid.UUID
    visit_id: uuid.UUID
    item_code: str
    item_name: str
    legal_basis: str
    uscc: str
    enterprise_name: str
    dept_code: str
    district_code: str
    requirement: str = Field(description="what the enterprise was ordered to correct")
    ordered_on: date
    due_on: date
    state: Literal["due", "overdue", "done"] = Field(
        description="due: open, deadline not passed; overdue: open after the deadline; done: result recorded"
    )
    status: Literal["open", "corrected", "not_corrected"]
    checked_on: date | None
    result_notes: str
    evidence_sha256: list[str]
    result_visit_id: uuid.UUID | None
    violation_id: uuid.UUID | None = Field(
        description="not corrected: the inspection.violation.found that became a penalty lead"
    )
    closed_by: str | None
    closed_at: datetime | None


class FollowUpResult(Strict):
    corrected: StrictBool = Field(
        description="true: corrected (整改到位); false: not corrected after the deadline"
    )
    checked_on: Day = Field(description="the day of the follow-up check (复查)")
    notes: str = Field(min_length=2, max_length=1000, examples=["已按要求建立进货查验记录台账"])
    evidence_sha256: list[Sha256] = Field(
        default_factory=list, max_length=20, description="required when not corrected (as for a violation)"
    )
    visit_id: uuid.UUID | None = Field(
        None, description="the follow-up visit, when the check was made on site"
    )
