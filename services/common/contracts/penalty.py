"""Events published by the penalty service (裁量基准, 行政处罚程序)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from services.common.events import Event, contract

PartyKind = Literal["organisation", "individual"]
ProcedureKind = Literal["simple", "general"]
Tier = Literal["不予处罚", "减轻", "从轻", "一般", "从重"]


class _Party(Event):
    party_kind: PartyKind
    party_uscc: str | None  # organisations
    party_id_masked: str | None  # natural persons: never the full 居民身份证号
    party_name: str


@contract
class CaseOpened(_Party):
    TYPE = "penalty.case.opened"
    case_id: uuid.UUID
    case_no: str
    department_code: str
    district_code: str
    domain: str
    benchmark_code: str | None
    source: Literal["inspection", "complaint", "direct"]
    violation_id: uuid.UUID | None
    opened_at: datetime

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class DecisionIssued(_Party):
    TYPE = "penalty.decision.issued"
    case_id: uuid.UUID
    decision_no: str
    department_code: str
    department_name: str
    district_code: str
    domain: str
    benchmark_code: str
    benchmark_version: int
    tier: Tier
    kinds: list[str]  # penalty kinds (警告, 罚款, 吊销许可证件, ...)
    fine_fen: int
    confiscation_fen: int
    procedure: ProcedureKind
    decided_on: date
    effective_on: date
    serious: bool  # the department marked the decision serious (严重失信)
    outside_tier: bool  # fine outside the assessed tier (with reasons and legal review)
    revision: int
    restriction_months: int | None = Field(
        None,
        ge=1,
        description="the term in months of a 限制开展生产经营活动 or 限制从业 in ``kinds``, when the decision fixes "
        "one; null: no such kind, a restriction without a term in months (终身), or an event written before "
        "the field existed (added later with a default, so those still parse)",
    )

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class DecisionRevoked(Event):
    TYPE = "penalty.decision.revoked"
    case_id: uuid.UUID
    decision_no: str
    party_uscc: str | None
    department_code: str
    district_code: str
    source: Literal["reconsideration", "litigation", "self_correction"]
    reason: str
    revoked_on: date  # the day of the revoking (or confirming, see ``outcome``) document
    revision: int
    # Also published when a reconsideration body or a court confirms the decision illegal or void without
    # revoking it (行政复议法 第六十五条、第六十七条; 行政诉讼法 第七十四条、第七十五条): its publications end all
    # the same (行政处罚法 第四十八条第二款). Optional, so an event written before it reads as a revocation.
    outcome: Literal["revoked", "confirmed_illegal", "confirmed_void"] = "revoked"

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class DecisionChanged(Event):
    TYPE = "penalty.decision.changed"
    case_id: uuid.UUID
    decision_no: str
    party_uscc: str | None
    department_code: str
    district_code: str
    source: Literal["reconsideration", "litigation", "self_correction"]
    reason: str
    kinds: list[str]
    fine_fen: int
    changed_on: date
    revision: int
    restriction_months: int | None = Field(
        None,
        ge=1,
        description="the term in months of a 限制开展生产经营活动 or 限制从业 in ``kinds``, when the decision fixes "
        "one; null: no such kind, a restriction without a term in months (终身), or an event written before "
        "the field existed (added later with a default, so those still parse)",
    )

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class FinePaid(Event):
    TYPE = "penalty.fine.paid"
    case_id: uuid.UUID
    decision_no: str
    party_uscc: str | None
    fine_fen: int
    surcharge_fen: int
    paid_on: date
    fully_performed: bool

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class DeadlineMissed(Event):
    TYPE = "penalty.deadline.missed"
    case_id: uuid.UUID
    department_code: str
    district_code: str
    deadline: Literal["decision", "delivery", "publication", "payment", "hearing"]
    due_on: date
    detected_on: date

    def subject_id(self) -> str:
        return f"{self.case_id}:{self.deadline}"


@contract
class EnforcementWindowMissed(Event):
    """The three months to apply to the court for enforcement (行政强制法 第五十三条) ran out with the fine unpaid
    and no application: reported once per case to the department and its supervisors (risk counts it)."""

    TYPE = "penalty.enforcement.window_missed"
    case_id: uuid.UUID
    department_code: str
    district_code: str
    decision_no: str
    outstanding_fen: int
    window_closed_on: date
    detected_on: date

    def subject_id(self) -> str:
        return str(self.case_id)


@contract
class CollectionOverdue(Event):
    """A fine collected on the spot not handed to the agency, or not paid into the designated bank, within
    the 二日 (working days) of 行政处罚法 第七十一条 and 第八十五条; once per collection and stage."""

    TYPE = "penalty.collection.overdue"
    collection_id: uuid.UUID
    case_id: uuid.UUID
    decision_no: str
    department_code: str
    district_code: str
    stage: Literal["handover", "banking"]
    amount_fen: int
    receipt_no: str
    collected_on: date
    due_on: date
    detected_on: date

    def subject_id(self) -> str:
        return f"{self.collection_id}:{self.stage}"


@contract
class CorrectionFollowUpOverdue(Event):
    """An order to correct (责令改正, 行政处罚法 第二十八条第一款) of a penalty decision still unchecked after its
    deadline (issue #14 item 6): the 以罚代管 the seeds forbid (辽政办发〔2023〕18号 二(二)9). Published once per
    follow-up, the day after the deadline or later; risk counts it as the unit's overdue follow-up."""

    TYPE = "penalty.correction.follow_up_overdue"
    follow_up_id: uuid.UUID
    case_id: uuid.UUID
    decision_no: str
    party_uscc: str | None
    department_code: str
    district_code: str
    ordered_on: date
    due_on: date
    detected_on: date

    def subject_id(self) -> str:
        return str(self.follow_up_id)
