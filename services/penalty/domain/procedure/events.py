"""The domain events a transition produces, and the ``Transition`` itself (the new case and its events).

``event_type`` names each event; the service maps them to the integration contracts it publishes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from services.penalty.domain.deadlines import DeadlineKind
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.vocabulary import (
    ClosureReason,
    CorrectionSource,
    DecisionOutcome,
    DeliveryMethod,
    Finding,
    HearingOutcome,
    ProcedureKind,
    RemedySource,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    event_type: ClassVar[str] = "penalty.case.event"
    case_id: uuid.UUID
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFiled(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.opened"
    dept_code: str
    procedure: ProcedureKind
    filed_on: date
    decision_limit: date


@dataclass(frozen=True, slots=True, kw_only=True)
class InvestigationStarted(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.investigation_started"
    officers: tuple[str, ...]
    converted_from_simple: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.assessed"
    benchmark_code: str
    benchmark_version: int
    tier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseNotified(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.notified"
    notice_index: int
    document_number: str
    served_on: date
    kinds: tuple[str, ...]
    fine_fen: int
    statement_deadline: date
    hearing_offered: bool
    hearing_request_deadline: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementReceived(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.statement_received"
    received_on: date
    late: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementReviewed(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.statement_reviewed"
    adopted: bool
    statements: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RightsWaived(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.rights_waived"
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingRequested(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.requested"
    requested_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingScheduled(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.scheduled"
    notified_on: date
    hearing_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingHeld(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.held"
    held_on: date
    outcome: HearingOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingWithdrawn(DomainEvent):
    event_type: ClassVar[str] = "penalty.hearing.withdrawn"
    withdrawn_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalReviewRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.legal_reviewed"
    passed: bool
    reviewer: str
    reviewed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectiveDiscussionRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.collectively_discussed"
    held_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimitExtended(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.time_limit_extended"
    previous_limit: date
    new_limit: date
    approver: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionIssued(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.issued"
    document_number: str
    outcome: DecisionOutcome
    procedure: ProcedureKind
    kinds: tuple[str, ...]
    fine_fen: int
    confiscation_fen: int
    decided_on: date
    benchmark_code: str | None
    benchmark_version: int | None
    tier: str | None
    outside_tier: bool
    serious: bool
    delivery_due: date | None  # None while the statutory calendar does not cover it (decision_deadlines)
    publish_by: date | None
    revision: int
    restriction_months: int | None = None  # the term of 限制开展生产经营活动 / 限制从业, when fixed


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionDelivered(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.delivered"
    document_number: str
    delivered_on: date
    method: DeliveryMethod
    payment_due: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentDeferred(DomainEvent):
    event_type: ClassVar[str] = "penalty.fine.deferred"
    previous_due: date
    new_due: date
    approved_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FinePaid(DomainEvent):
    event_type: ClassVar[str] = "penalty.fine.paid"
    document_number: str
    paid_on: date
    fine_fen: int
    surcharge_fen: int
    days_late: int
    lawful_surcharge_fen: int  # the maximum surcharge the law allows for this payment date
    outstanding_fen: int
    fully_performed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionExecuted(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.executed"
    executed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RemedyFiled(DomainEvent):
    event_type: ClassVar[str] = "penalty.remedy.filed"
    source: RemedySource
    filed_on: date
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemedyConcluded(DomainEvent):
    event_type: ClassVar[str] = "penalty.remedy.concluded"
    concluded_on: date
    upheld: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRevoked(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.revoked"
    document_number: str
    source: CorrectionSource
    reason: str
    source_document: str
    revoked_on: date
    withdraw_publication_by: date | None
    refund_fen: int  # fine already paid under the revoked decision
    revision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionChanged(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.changed"
    document_number: str
    source: CorrectionSource
    reason: str
    source_document: str
    changed_on: date
    kinds: tuple[str, ...]
    fine_fen: int
    withdraw_publication_by: date | None
    refund_fen: int
    revision: int
    restriction_months: int | None = None  # the changed decision's term of a restriction, when fixed


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionConfirmed(DomainEvent):
    """The decision was confirmed illegal or void (published as penalty.decision.revoked with its outcome)."""

    event_type: ClassVar[str] = "penalty.decision.confirmed"
    document_number: str
    source: CorrectionSource
    finding: Finding
    reason: str
    source_document: str
    confirmed_on: date
    withdraw_publication_by: date | None
    refund_fen: int  # fine paid under a decision void from the start; 0 when confirmed illegal
    revision: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationRecorded(DomainEvent):
    event_type: ClassVar[str] = "penalty.decision.publication_recorded"
    published_on: date | None
    exempt_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseClosed(DomainEvent):
    event_type: ClassVar[str] = "penalty.case.closed"
    reason: ClosureReason
    closed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineMissed(DomainEvent):
    event_type: ClassVar[str] = "penalty.deadline.missed"
    deadline: DeadlineKind
    due_on: date
    detected_on: date
    article: str


@dataclass(frozen=True, slots=True)
class Transition:
    case: Case
    events: tuple[DomainEvent, ...]
