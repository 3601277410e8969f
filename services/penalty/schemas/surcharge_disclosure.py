"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — surcharge_disclosure."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# -- surcharge (行政处罚法 第七十二条第一款第一项, 第七十三条第三款): use_cases/surcharge.py -----------------


class SurchargePauseRead(BaseModel):
    source: str = Field(description="reconsideration | litigation")
    reference: str
    filed_on: date
    concluded_on: date | None = Field(description="None: still running")
    days_excluded: int = Field(description="days of this period between the day after payment_due and `on`")


class SurchargeRead(BaseModel):
    case_id: uuid.UUID
    decision_no: str | None
    on: date
    fine_fen: int = Field(description="the fine in force")
    fine_paid_fen: int
    base_fen: int = Field(description="the outstanding fine the surcharge is computed on")
    payment_due: date | None = Field(description="last day to pay; the surcharge runs from the next day")
    days_overdue: int = Field(description="calendar days after payment_due up to and including `on`")
    days_excluded: int = Field(description="of those, days of recorded reconsideration or litigation")
    days_counted: int
    percent_per_day: int
    amount_fen: int = Field(description="3% of the base per counted day, capped at the base")
    capped: bool
    pauses: list[SurchargePauseRead]
    articles: list[str]
    explanation: str


# -- 行政执法公示 (domain.disclosure, use_cases.disclosure) ------------------------------------------------


class DisclosureExceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ground: Literal["state_secret", "trade_secret", "personal_privacy"] = Field(
        description="国家秘密 (政府信息公开条例 第十四条), 商业秘密 or 个人隐私 (第十五条)"
    )
    reason: Annotated[
        str, Field(min_length=10, max_length=2_000, description="why, in words a reviewer can check")
    ]


class DisclosureRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    revision: int = Field(description="1: the decision; +1 for each change")
    rule: str = Field(description="general_penalty (7 working days) | other (20 working days)")
    status: str = Field(description="pending | published | withdrawn | exempt | superseded")
    timeliness: str = Field(description="on_time | late | overdue | pending | unknown | not_due")
    decision_no: str
    decided_on: date
    due_on: date | None = Field(
        description="last day to publish; None while the calendar year is not entered"
    )
    published_on: date | None
    withdraw_by: date | None
    withdrawn_on: date | None
    withdrawal_reason: str
    exempt_ground: str | None
    exempt_article: str | None
    exempt_reason: str
    exempt_by: str | None
    exempt_at: datetime | None
    public_url: str | None


class PublicDecisionRead(BaseModel):
    id: uuid.UUID
    status: str = Field(description="published | withdrawn (第四十八条第二款: only the reason stays public)")
    decision_no: str
    department_code: str
    agency: str
    decided_on: date
    published_on: date | None
    withdrawn_on: date | None
    withdrawal_reason: str | None
    outcome: str | None
    procedure: str | None
    party_kind: str | None
    party_name: str | None = Field(description="organisations named; natural persons masked")
    party_uscc: str | None
    party_id_masked: str | None
    facts: str | None
    basis: str | None
    penalty: str | None
    change_document: str | None = Field(description="for a changed decision: the document that changed it")


class DisclosureRateRow(BaseModel):
    department_code: str | None = Field(description="None in the total")
    period: str | None = Field(description="month of the decision, YYYY-MM; None in the total")
    due: int = Field(description="on_time + late + overdue: publications whose deadline has come")
    on_time: int
    late: int
    overdue: int
    pending: int = Field(description="not published, deadline not passed (not counted as due)")
    unknown: int = Field(description="deadline unknown: the calendar year is not entered yet")
    exempt: int = Field(description="lawful exceptions recorded (not due)")
    rate: float | None = Field(description="on_time / due; None when nothing is due")


class DisclosureRateRead(BaseModel):
    decided_from: date
    decided_to: date
    as_of: date
    rule: str | None
    rows: list[DisclosureRateRow]
    total: DisclosureRateRow
    basis: str
