"""Events published by the credit repair service (两书同达, 信用修复)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from services.common.events import Event, contract

CreditClass = Literal["轻微", "一般", "严重"]
EndReason = Literal[
    "repaired",
    "expired",
    "revoked",
    "changed",
    "confirmed_illegal",
    "cleanup_simple_procedure",
    "cleanup_warning",
    "cleanup_circulated_criticism",
    "cleanup_small_fine",
    "cleanup_expired",
    "cleanup_revoked",
    "cleanup_repaired",
    "cleanup_reclassified",
    "confirmed_void",
]


@contract
class NoticeIssued(Event):
    TYPE = "credit.notice.issued"
    notice_id: uuid.UUID
    notice_no: str
    case_id: uuid.UUID
    decision_no: str
    party_uscc: str | None
    credit_class: CreditClass
    published: bool
    publication_starts_on: date | None
    earliest_repair_on: date | None
    publication_ends_on: date | None
    document_url: str  # the PDF (rendered on first request)
    issued_at: datetime
    html_url: str | None = None  # the same notice as HTML
    department_code: str | None = None

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class PublicationStarted(Event):
    TYPE = "credit.publication.started"
    publication_id: uuid.UUID
    record_id: uuid.UUID
    case_id: uuid.UUID
    party_uscc: str | None
    department_code: str
    credit_class: CreditClass
    starts_on: date
    earliest_repair_on: date  # equals ends_on when the publication can never end early
    ends_on: date
    never_early: bool = False

    def subject_id(self) -> str:
        return str(self.publication_id)


@contract
class PublicationEnded(Event):
    TYPE = "credit.publication.ended"
    publication_id: uuid.UUID
    record_id: uuid.UUID
    case_id: uuid.UUID
    party_uscc: str | None
    department_code: str
    reason: str
    ended_at: datetime

    def subject_id(self) -> str:
        return str(self.publication_id)


@contract
class RepairCompleted(Event):
    TYPE = "credit.repair.completed"
    repair_id: uuid.UUID
    record_id: uuid.UUID
    case_id: uuid.UUID
    party_uscc: str | None
    accepted_at: datetime

    def subject_id(self) -> str:
        return str(self.repair_id)
