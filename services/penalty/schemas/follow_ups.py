"""责令改正 ordered in a penalty decision and its follow-up (issue #14 item 6; 行政处罚法 第二十八条第一款)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.common.fields import Day
from services.penalty.schemas.base import Text, _In


class CorrectionIn(_In):
    """责令当事人限期改正违法行为 (第二十八条第一款): what to correct and by when."""

    content: Text = Field(examples=["建立并执行进货查验记录制度"])
    deadline: Day = Field(description="the day the correction is due; not before the decision")


class FollowUpRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    decision_no: str
    dept_code: str
    district_code: str
    party_name: str
    party_uscc: str | None
    content: str = Field(description="what the party was ordered to correct")
    ordered_on: date
    due_on: date
    state: Literal["due", "overdue", "done"] = Field(
        description="due: open, deadline not passed; overdue: open after the deadline; done: result recorded"
    )
    status: Literal["open", "corrected", "not_corrected"]
    result_note: str
    checked_on: date | None
    closed_by: str | None
    closed_at: datetime | None


class FollowUpResultIn(_In):
    result: Literal["corrected", "not_corrected"] = Field(
        description="corrected (整改到位); not_corrected only after the deadline (逾期不改正)"
    )
    note: Text = Field(examples=["已按要求建立进货查验记录台账"])
