"""Events published by the inspection service (扫码入企)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from services.common.events import Event, contract

TaskKind = Literal["random", "joint", "complaint", "key_area"]
VisitMode = Literal["entry_code", "enterprise_code", "emergency", "backfilled"]


@contract
class VisitStarted(Event):
    TYPE = "inspection.visit.started"
    visit_id: uuid.UUID
    task_id: uuid.UUID
    task_kind: TaskKind
    enterprise_uscc: str
    department_codes: list[str]
    district_code: str
    officer_cert_nos: list[str]
    item_codes: list[str]
    mode: VisitMode
    started_at: datetime

    def subject_id(self) -> str:
        return str(self.visit_id)


@contract
class VisitCompleted(Event):
    TYPE = "inspection.visit.completed"
    visit_id: uuid.UUID
    task_id: uuid.UUID
    task_kind: TaskKind
    enterprise_uscc: str
    department_codes: list[str]
    district_code: str
    mode: VisitMode
    started_at: datetime
    completed_at: datetime
    outcomes: dict[str, int]  # outcome -> number of items

    def subject_id(self) -> str:
        return str(self.visit_id)


@contract
class ViolationFound(Event):
    TYPE = "inspection.violation.found"
    violation_id: uuid.UUID
    visit_id: uuid.UUID
    enterprise_uscc: str
    enterprise_name: str
    item_code: str
    item_name: str
    legal_basis: str
    description: str
    evidence_hashes: list[str]
    officer_cert_nos: list[str]
    department_code: str
    district_code: str
    found_at: datetime

    def subject_id(self) -> str:
        return str(self.violation_id)


@contract
class VisitRated(Event):
    TYPE = "inspection.visit.rated"
    visit_id: uuid.UUID
    enterprise_uscc: str
    department_codes: list[str]
    district_code: str
    stars: int
    tags: list[str]
    anonymous: bool
    rated_at: datetime

    def subject_id(self) -> str:
        return str(self.visit_id)


@contract
class EntryRefused(Event):
    """An entry refused at the door (every refusal, SPEC §2.3).

    ``counts_against_unit`` and ``attempt_ref`` were added later with defaults, so events written before them
    still parse: a consumer reading ``None`` decides by ``code`` (docs/risk-model.md §2, "Refused entries").
    """

    TYPE = "inspection.entry.refused"
    refusal_id: uuid.UUID
    code: str
    task_id: uuid.UUID | None
    enterprise_uscc: str | None
    department_code: str | None
    district_code: str | None
    officer_cert_nos: list[str]
    detail: str
    refused_at: datetime
    counts_against_unit: bool | None = Field(
        None,
        description="false when the refusal is the caller's own doing (a used code presented again by the "
        "enterprise that used it, a code that does not verify) and says nothing about the officers",
    )
    attempt_ref: str | None = Field(
        None,
        description="the entry attempt the refusal belongs to (the entry code's id when a code was "
        "presented): refusals of one attempt count once; null: the refusal is an attempt of its own",
    )

    def subject_id(self) -> str:
        return str(self.refusal_id)


@contract
class OfficerChanged(Event):
    TYPE = "inspection.officer.changed"
    officer_id: uuid.UUID
    cert_no: str
    department_code: str
    status: Literal["active", "suspended", "revoked", "expired"]
    auxiliary: bool
    valid_until: date | None
    reason: str = ""
    changed_at: datetime
    revision: int

    def subject_id(self) -> str:
        return self.cert_no


@contract
class EnterpriseRegistered(Event):
    TYPE = "inspection.enterprise.registered"
    uscc: str
    name: str
    district_code: str
    industry: str
    registered_at: datetime

    def subject_id(self) -> str:
        return self.uscc


@contract
class CorrectionFollowUpOverdue(Event):
    """An order to correct (责令改正) of a visit still unchecked after its deadline (issue #14 item 6): the
    department has not verified the correction — the 以罚代管 the seeds forbid (辽政办发〔2023〕18号 二(二)9).
    Published once per follow-up, the day after the deadline or later."""

    TYPE = "inspection.correction.follow_up_overdue"
    follow_up_id: uuid.UUID
    visit_id: uuid.UUID
    enterprise_uscc: str
    item_code: str
    department_code: str
    district_code: str
    ordered_on: date
    due_on: date
    detected_on: date

    def subject_id(self) -> str:
        return str(self.follow_up_id)
