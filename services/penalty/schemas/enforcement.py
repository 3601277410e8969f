"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — after the
decision: deferral and instalments (行政处罚法 第六十六条第二款), enforcement (行政强制法 第四十六条, 第五十三条,
第五十四条)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from services.common.fields import Day, StrictBool, StrictInt
from services.common.money import Fen
from services.penalty.domain import instalments as ins
from services.penalty.domain import procedure as p
from services.penalty.schemas.base import OptionalText, ShortText, Text, _In
from services.penalty.schemas.cases import DocumentRef

# --------------------------------------------------------------------------------------------------------
# Deferral and instalments
# --------------------------------------------------------------------------------------------------------


class PlanApplicationIn(_In):
    kind: ins.PlanKind = Field(description="deferral (延期缴纳) or instalments (分期缴纳)")
    reasons: Text = Field(description="why the party is in real economic difficulty (确有经济困难)")
    evidence: Annotated[list[ShortText], Field(min_length=1, max_length=20)] = Field(
        description="references to the evidence of hardship"
    )
    applied_on: Day | None = None


class InstalmentIn(_In):
    due_on: Day
    amount_fen: Annotated[Fen, Field(ge=1)]


class PlanDecisionIn(_In):
    approved: StrictBool
    approved_by: ShortText = Field(description="the agency head who approved or refused (负责人)")
    reasons: Text
    new_due: Day | None = Field(None, description="a deferral: the new last day to pay")
    instalments: Annotated[list[InstalmentIn], Field(max_length=ins.MAX_INSTALMENTS)] = Field(
        default_factory=list, description="instalments: dates and amounts in fen adding up to the fine"
    )


class InstalmentPaymentIn(_In):
    instalment: Annotated[StrictInt, Field(ge=1, le=ins.MAX_INSTALMENTS)]
    paid_on: Day | None = None
    surcharge_fen: Fen = 0
    receipt_ref: OptionalText = ""


class InstalmentRead(BaseModel):
    seq: int
    due_on: date
    amount_fen: int
    paid_on: date | None
    surcharge_paid_fen: int
    receipt_ref: str
    days_late: int
    surcharge_fen: int  # the lawful surcharge of this instalment on ``on`` (or on the day it was paid)
    capped: bool
    explanation: str


class PaymentPlanRead(BaseModel):
    kind: str
    kind_label: str
    status: str
    applied_on: date
    applicant: str
    reasons: str
    evidence: list[str]
    decided_on: date | None
    approved_by: str
    decision_reasons: str
    previous_due: date | None
    document_number: str
    instalments: list[InstalmentRead]
    surcharge_fen: int


class PaymentPlansRead(BaseModel):
    case_id: uuid.UUID
    on: date
    current: PaymentPlanRead | None
    history: list[PaymentPlanRead]
    articles: list[str]
    documents: list[DocumentRef]


# --------------------------------------------------------------------------------------------------------
# Enforcement
# --------------------------------------------------------------------------------------------------------


class ReminderIn(_In):
    compliance_days: Annotated[StrictInt, Field(ge=1, le=60)] = Field(
        10, description="days after delivery to perform (行政强制法 第三十五条第一项)"
    )


class ReminderDeliveryIn(_In):
    delivered_on: Day | None = None
    method: p.DeliveryMethod
    recipient: ShortText


class CourtApplicationIn(_In):
    applied_on: Day | None = None
    court: ShortText | None = Field(None, description="default: the department's court")


class EnforcementDecisionIn(_In):
    decided_on: Day | None = None
    method: ShortText = Field(description="强制执行的方式, e.g. 划拨存款 (行政强制法 第三十七条第二款第三项)")
    carried_out_on: Day | None = Field(None, description="强制执行的时间 (default: the decision's day)")


class DepartmentPowerIn(_In):
    coercive_power: StrictBool
    basis: OptionalText = Field("", description="the law granting the power (行政强制法 第十三条)")


class DepartmentPowerRead(BaseModel):
    dept_code: str
    coercive_power: bool
    basis: str
    explanation: str


class DateLineRead(BaseModel):
    key: str
    label: str
    on: date | None
    article: str
    note: str


class ReminderRead(BaseModel):
    number: str
    issued_on: date
    compliance_days: int
    delivered_on: date | None
    method: str
    recipient: str
    comply_by: date | None


class CourtApplicationRead(BaseModel):
    number: str
    applied_on: date
    court: str


class EnforcementRead(BaseModel):
    case_id: uuid.UUID
    decision_no: str | None
    on: date
    stage: str
    stage_label: str
    coercive_power: bool
    fine_fen: int
    outstanding_fen: int
    surcharge_fen: int
    dates: list[DateLineRead]
    reminder_from: date | None
    application_from: date | None
    application_until: date | None
    window_missed: bool
    reminder: ReminderRead | None
    application: CourtApplicationRead | None
    documents: list[DocumentRef]
    explanation: list[str]
