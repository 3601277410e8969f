"""Request and response models of officers' qualifications (issue #14 item 5): the training ledger, exams and
random quizzes, the retraining suspension, daily appraisal, and the public certificate lookup."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from services.common.fields import Day, StrictBool
from services.inspection.domain import qualifications as q
from services.inspection.schemas import Strict


def _hours(value: Decimal) -> Decimal:
    problem = q.hours_problem(value)
    if problem is not None:
        raise PydanticCustomError("invalid_hours", problem[0])
    return value


Hours = Annotated[
    Decimal,
    Field(
        gt=0,
        le=q.MAX_HOURS_PER_COURSE,
        description="学时, in steps of 0.5 (0.5 to 200)",
        examples=[4, 2.5],
        allow_inf_nan=False,
    ),
    AfterValidator(_hours),
]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class TrainingWrite(Strict):
    course: Text = Field(examples=["行政处罚法专题培训"])
    hours: Hours
    held_on: Day
    provider: Text = Field(examples=["沈阳市司法局"])
    certificate_ref: str = Field("", max_length=100, description="结业证书编号 or the record's reference")


class TrainingImport(TrainingWrite):
    """A row of a training import: the officer by certificate number (执法证号)."""

    cert_no: str = Field(min_length=1, max_length=20, examples=["辽A-0012340"])


class TrainingRead(BaseModel):
    training_id: uuid.UUID
    officer_id: uuid.UUID
    course: str
    hours: float
    held_on: date
    provider: str
    certificate_ref: str
    recorded_by: str
    recorded_at: datetime


class TrainingImportResult(BaseModel):
    created: int
    officers: int


class TrainingSummary(BaseModel):
    officer_id: uuid.UUID
    year: int
    hours: float
    required: float = Field(description="学时 required a year (辽政办发〔2023〕18号 二(一)2: 60 by default)")
    shortfall: float
    met: bool
    courses: int


class ExamWrite(Strict):
    kind: Literal["exam", "quiz"] = Field(description="exam: 考试; quiz: 随机抽考")
    held_on: Day
    score: Decimal | None = Field(None, ge=0, le=100, max_digits=4, decimal_places=1)
    passed: StrictBool
    examiner: Text


class ExamRead(BaseModel):
    exam_id: uuid.UUID
    officer_id: uuid.UUID
    kind: str
    held_on: date
    score: float | None
    passed: bool
    examiner: str
    lifted_retraining: bool = Field(description="this exam ended a retraining suspension")
    recorded_by: str
    recorded_at: datetime


class RetrainingWrite(Strict):
    reason: str = Field(min_length=2, max_length=500, examples=["随机抽考不合格"])
    suspended_on: Day | None = Field(None, description="the day of the suspension (default today)")
    return_date: Day = Field(description="planned return date (SPEC §2.1: a retraining suspension has one)")


class AppraisalWrite(Strict):
    appraised_on: Day
    appraiser: Text
    rating: Literal["优秀", "合格", "基本合格", "不合格"]
    notes: str = Field("", max_length=1000)


class AppraisalRead(BaseModel):
    appraisal_id: uuid.UUID
    officer_id: uuid.UUID
    appraised_on: date
    appraiser: str
    rating: str
    notes: str
    recorded_by: str
    recorded_at: datetime


class PublicOfficerRead(BaseModel):
    """What anyone may check about a certificate shown at the door (names masked, SPEC §1.6)."""

    cert_no: str
    name: str = Field(description="masked: the first character kept (张*)")
    dept_code: str
    department: str
    status: Literal["on_duty", "retraining", "suspended", "revoked", "expired"]
    status_zh: str = Field(examples=["在岗", "暂停执法（轮训）", "注销"])
    valid_until: date | None
