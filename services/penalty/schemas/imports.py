"""The HTTP contract of the case import (``POST /admin/cases/import``): one case of a former case system
(办案系统) per row, each step with its real date, and the per-row report.

A row's shape is checked row by row (a malformed row is refused in the report with its row number, the others
go on); the procedure then checks the steps (services.penalty.domain.replay).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.common.fields import Day, StrictBool, StrictInt
from services.common.money import Fen
from services.penalty.domain import procedure as p
from services.penalty.schemas import (
    BenchmarkCode,
    CertNo,
    FactsIn,
    LongText,
    OptionalText,
    PartyIn,
    PenaltyIn,
    ShortText,
    Text,
    _In,
)

#: At most this many rows per request. One request is one transaction, and a case costs about 20 statements
#: (its row, each step with its events, the consistency copy, the key, the audit entry): 100 rows take a few
#: seconds, inside the gateway's upstream timeout (15 s by default). Split a larger file; sending a file
#: again is harmless (idempotent).
MAX_ROWS = 100

SourceCaseNo = Annotated[
    str, Field(min_length=1, max_length=100, description="the former system's case number")
]


class ImportNoticeIn(_In):
    document_number: ShortText = Field(description="告知书文号 as issued")
    served_on: Day = Field(description="the day the notice was served (告知)")
    facts: list[Text] | None = Field(
        None, max_length=50, description="违法事实; the case's facts when omitted"
    )
    proposed: PenaltyIn | None = Field(None, description="the proposed penalty; the decided one when omitted")
    hearing_offered: StrictBool | None = Field(None, description="defaults to whether the law requires it")
    statement_working_days: StrictInt = Field(5, ge=1, le=30)
    outside_range_reason: OptionalText = ""


class ImportStatementIn(_In):
    received_on: Day
    content: LongText
    review_opinion: Text = Field(description="复核意见 (第四十五条第一款)")
    adopted: StrictBool = False


class ImportWaiverIn(_In):
    declared_on: Day
    statement: StrictBool = False
    hearing: StrictBool = False


class ImportHearingIn(_In):
    requested_on: Day
    notified_on: Day = Field(description="the day the party was told when the hearing is")
    held_on: Day
    presider: ShortText
    outcome: p.HearingOutcome = p.HearingOutcome.HELD
    transcript_ref: OptionalText = ""


class ImportExtensionIn(_In):
    approved_on: Day
    new_limit: Day
    approver: ShortText
    basis: Text
    reason: Text


class ImportReviewIn(_In):
    reviewed_on: Day
    reviewer: ShortText
    passed: StrictBool = True
    opinion: Text


class ImportDiscussionIn(_In):
    held_on: Day
    participants: list[ShortText] = Field(min_length=1, max_length=30)
    minutes_ref: ShortText


class ImportDecisionIn(_In):
    document_number: ShortText = Field(description="决定书文号 as issued")
    decided_on: Day
    penalty: PenaltyIn
    facts: list[Text] | None = Field(None, max_length=50)
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    outside_range_reason: OptionalText = ""
    serious: StrictBool = False


class ImportDeliveryIn(_In):
    delivered_on: Day
    method: p.DeliveryMethod = p.DeliveryMethod.DIRECT
    recipient: ShortText
    electronic_consent: StrictBool = False


class ImportPaymentIn(_In):
    paid_on: Day
    fine_fen: Annotated[Fen, Field(ge=1)]
    surcharge_fen: Fen = 0
    receipt_ref: OptionalText = ""


class ImportExecutionIn(_In):
    executed_on: Day
    note: Text


class ImportCaseIn(_In):
    """One case of the former system with each step's real date (only the steps it reached)."""

    source_case_no: SourceCaseNo
    dept_code: Annotated[str, Field(min_length=1, max_length=10)]
    district_code: Annotated[str, Field(pattern=r"^\d{6}$", description="行政区划代码")]
    party: PartyIn
    benchmark_code: BenchmarkCode
    procedure: p.ProcedureKind = p.ProcedureKind.GENERAL
    summary: OptionalText = ""
    facts_brief: Text = Field(description="简要案情")
    officers: list[CertNo] = Field(min_length=1, max_length=10, description="执法证号 of the officers")
    approved_by: ShortText = Field(description="立案审批负责人")
    filed_on: Day = Field(description="立案日期")
    investigated_on: Day | None = Field(None, description="调查取证 start; the filing day when omitted")
    facts: FactsIn = Field(
        description="the facts the discretion engine assesses (decision_date: the decision)"
    )
    extension: ImportExtensionIn | None = None
    notice: ImportNoticeIn | None = None
    statement: ImportStatementIn | None = None
    waiver: ImportWaiverIn | None = None
    hearing: ImportHearingIn | None = None
    legal_review: ImportReviewIn | None = None
    collective_discussion: ImportDiscussionIn | None = None
    decision: ImportDecisionIn | None = None
    delivery: ImportDeliveryIn | None = None
    published_on: Day | None = None
    payments: list[ImportPaymentIn] = Field(default_factory=list, max_length=20)
    execution: ImportExecutionIn | None = None


class CaseImportIn(_In):
    """The JSON import: the rows, each checked on its own (a malformed row is refused in the report)."""

    cases: list[dict[str, Any]] = Field(description=f"at most {MAX_ROWS} rows (more: 413 IMPORT_TOO_LARGE)")


class ImportRowRead(BaseModel):
    row: int = Field(description="1-based: the JSON array index + 1, or the spreadsheet's row number")
    source_case_no: str | None
    dept_code: str | None
    status: Literal["accepted", "refused"]
    created: bool = Field(description="False for a row imported before (nothing was written again)")
    case_id: uuid.UUID | None
    state: str | None
    decided_on: date | None = None
    code: str | None = None
    message: str | None = Field(None, description="the refusal, in Chinese")
    step: str | None = Field(None, description="the step refused (立案, 告知, 决定 ...)")
    step_on: date | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class ImportSummaryRead(BaseModel):
    rows: int
    accepted: int
    created: int
    unchanged: int
    refused: int


class CaseImportRead(BaseModel):
    summary: ImportSummaryRead
    rows: list[ImportRowRead]
