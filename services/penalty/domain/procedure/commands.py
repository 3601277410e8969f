"""The commands a case accepts, one per procedural step, and their union ``Command``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from services.penalty.domain import deadlines
from services.penalty.domain.procedure.records import PartyRef
from services.penalty.domain.procedure.values import AssessedPenalty, Penalty
from services.penalty.domain.procedure.vocabulary import (
    ClosureReason,
    CorrectionSource,
    DeliveryMethod,
    Finding,
    HearingOutcome,
    ProcedureKind,
    RemedySource,
)


@dataclass(frozen=True, slots=True)
class FileCase:
    case_id: uuid.UUID
    dept_code: str
    party: PartyRef
    procedure: ProcedureKind
    summary: str
    approved_by: str  # 立案审批: the head who approved the filing
    officers: tuple[str, ...] = ()  # the officers on the spot (simple procedure); general: StartInvestigation


@dataclass(frozen=True, slots=True)
class StartInvestigation:
    officers: tuple[str, ...]  # names or certificate numbers; at least two (第四十二条)


@dataclass(frozen=True, slots=True)
class RecordAssessment:
    assessed: AssessedPenalty


@dataclass(frozen=True, slots=True)
class Notify:
    document_number: str
    facts: str
    reasons: tuple[str, ...]  # 说理, one line per rule applied
    basis: str  # 违法依据 and 处罚依据
    proposed: Penalty
    benchmark_code: str  # the benchmark cited in the notice; must be the assessed one
    served_on: date
    hearing_offered: bool
    statement_working_days: int = deadlines.DEFAULT_STATEMENT_WORKING_DAYS
    outside_range_reason: str = ""
    renotice_reason: str = ""  # required for a re-notice: why the proposal changed
    new_evidence: str = ""  # required when a re-notice is heavier after the party defended (第四十五条第二款)


@dataclass(frozen=True, slots=True)
class RecordStatement:
    content: str
    received_on: date


@dataclass(frozen=True, slots=True)
class ReviewStatements:
    opinion: str  # 复核意见 (第四十五条第一款)
    adopted: bool


@dataclass(frozen=True, slots=True)
class WaiveRights:
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True)
class RequestHearing:
    requested_on: date


@dataclass(frozen=True, slots=True)
class ScheduleHearing:
    notified_on: date
    hearing_on: date
    presider: str
    # the names the case's investigators are known by (those who acted on it: the case keeps no roster of
    # names), so a presider named by name is checked as one named by certificate number
    investigator_names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RecordHearing:
    held_on: date
    outcome: HearingOutcome
    transcript_ref: str


@dataclass(frozen=True, slots=True)
class WithdrawHearing:
    withdrawn_on: date


@dataclass(frozen=True, slots=True)
class RecordLegalReview:
    reviewer: str
    passed: bool
    opinion: str
    reviewed_on: date
    proposal: Penalty


@dataclass(frozen=True, slots=True)
class RecordCollectiveDiscussion:
    held_on: date
    participants: tuple[str, ...]
    minutes_ref: str
    conclusion: Penalty


@dataclass(frozen=True, slots=True)
class ExtendTimeLimit:
    new_limit: date
    approver: str
    basis: str
    reason: str


@dataclass(frozen=True, slots=True)
class Decide:
    document_number: str
    penalty: Penalty
    facts: str
    reasons: tuple[str, ...]
    basis: str
    outside_range_reason: str = ""
    serious: bool = False


@dataclass(frozen=True, slots=True)
class DecideNoPenalty:
    document_number: str
    facts: str
    reasons: tuple[str, ...]
    basis: str  # e.g. 行政处罚法 第三十三条第一款


@dataclass(frozen=True, slots=True)
class Deliver:
    delivered_on: date
    method: DeliveryMethod
    recipient: str
    electronic_consent: bool = False


@dataclass(frozen=True, slots=True)
class GrantDeferral:
    approved_by: str
    new_due: date
    reason: str


@dataclass(frozen=True, slots=True)
class RecordPayment:
    paid_on: date
    fine_fen: int
    surcharge_fen: int = 0
    receipt_ref: str = ""
    # an instalment of an approved plan (第六十六条第二款): its own last day to pay, from which its lawful
    # surcharge runs on its own amount (domain.instalments.instalment_surcharge), not the whole fine's
    instalment_due: date | None = None


@dataclass(frozen=True, slots=True)
class RecordExecution:
    executed_on: date
    note: str


@dataclass(frozen=True, slots=True)
class FileRemedy:
    source: RemedySource
    filed_on: date
    reference: str


@dataclass(frozen=True, slots=True)
class ConcludeRemedy:
    concluded_on: date
    upheld: bool


@dataclass(frozen=True, slots=True)
class Revoke:
    source: CorrectionSource
    reason: str
    source_document: str  # 复议决定书 / 判决书 文号, or the internal correction record
    effective_on: date


@dataclass(frozen=True, slots=True)
class Change:
    source: CorrectionSource
    reason: str
    source_document: str
    effective_on: date
    penalty: Penalty
    contrary_third_party_request: bool = False


@dataclass(frozen=True, slots=True)
class ConfirmUnlawful:
    """A reconsideration decision or a judgment confirms the decision illegal or void without revoking it."""

    source: RemedySource  # only a reconsideration body or a court confirms (行政复议法; 行政诉讼法)
    finding: Finding
    reason: str
    source_document: str  # 复议决定书 / 判决书 文号
    effective_on: date  # the confirming document's date


@dataclass(frozen=True, slots=True)
class RecordPublication:
    published_on: date | None
    exempt_reason: str = ""


@dataclass(frozen=True, slots=True)
class Close:
    reason: ClosureReason
    note: str


Command: TypeAlias = (
    StartInvestigation
    | RecordAssessment
    | Notify
    | RecordStatement
    | ReviewStatements
    | WaiveRights
    | RequestHearing
    | ScheduleHearing
    | RecordHearing
    | WithdrawHearing
    | RecordLegalReview
    | RecordCollectiveDiscussion
    | ExtendTimeLimit
    | Decide
    | DecideNoPenalty
    | Deliver
    | GrantDeferral
    | RecordPayment
    | RecordExecution
    | FileRemedy
    | ConcludeRemedy
    | Revoke
    | Change
    | ConfirmUnlawful
    | RecordPublication
    | Close
)
