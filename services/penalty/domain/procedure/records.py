"""The records a case keeps of each procedural step (notices, statements, waivers, hearings, reviews,
discussions, extensions, the decision, delivery, payments, deferrals, remedies, corrections, closure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.penalty.domain.procedure.values import AssessedPenalty, Penalty
from services.penalty.domain.procedure.vocabulary import (
    ClosureReason,
    CorrectionSource,
    DecisionOutcome,
    DeliveryMethod,
    Finding,
    HearingOutcome,
    PartyKind,
    RemedySource,
)


@dataclass(frozen=True, slots=True)
class PartyRef:
    name: str
    kind: PartyKind


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    index: int  # 1 for the first notice, 2 for a re-notice, ...
    document_number: str
    facts: str
    reasons: tuple[str, ...]
    basis: str
    proposed: Penalty
    assessment: AssessedPenalty
    served_on: date
    statement_deadline: date
    hearing_offered: bool
    hearing_request_deadline: date | None
    outside_range_reason: str
    renotice_reason: str
    new_evidence: str


@dataclass(frozen=True, slots=True)
class StatementRecord:
    notice_index: int
    content: str
    received_on: date
    late: bool
    review_opinion: str = ""
    adopted: bool | None = None

    @property
    def reviewed(self) -> bool:
        return bool(self.review_opinion)


@dataclass(frozen=True, slots=True)
class WaiverRecord:
    notice_index: int
    statement: bool
    hearing: bool
    declared_on: date


@dataclass(frozen=True, slots=True)
class HearingRecord:
    notice_index: int
    requested_on: date
    notified_on: date | None = None
    hearing_on: date | None = None
    presider: str = ""
    held_on: date | None = None
    outcome: HearingOutcome | None = None
    transcript_ref: str = ""
    withdrawn_on: date | None = None

    @property
    def concluded(self) -> bool:
        return self.outcome is not None or self.withdrawn_on is not None


@dataclass(frozen=True, slots=True)
class LegalReviewRecord:
    reviewer: str
    passed: bool
    opinion: str
    reviewed_on: date
    proposal: Penalty


@dataclass(frozen=True, slots=True)
class CollectiveDiscussionRecord:
    held_on: date
    participants: tuple[str, ...]
    minutes_ref: str
    conclusion: Penalty


@dataclass(frozen=True, slots=True)
class TimeLimitExtension:
    previous_limit: date
    new_limit: date
    approver: str
    basis: str  # the law, regulation or rule that allows the extension (第六十条 "另有规定")
    reason: str
    approved_on: date


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    document_number: str
    outcome: DecisionOutcome
    penalty: Penalty | None  # None for 不予行政处罚
    facts: str
    reasons: tuple[str, ...]
    basis: str
    decided_on: date
    outside_range_reason: str
    outside_tier: bool
    delivery_due: date | None  # None while unknown (see decision_deadlines)
    publish_by: date | None  # general-procedure penalty decisions only (seed 003)
    serious: bool
    # The year whose statutory calendar is missing, while the deadlines above are unknown (行政处罚法
    # 第六十条: the decision is not held back for it), and why, in words (procedure.decision_deadlines).
    deadlines_unknown_year: int | None = None
    deadlines_unknown: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivered_on: date
    method: DeliveryMethod
    recipient: str
    late: bool


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    paid_on: date
    fine_fen: int
    surcharge_fen: int
    receipt_ref: str


@dataclass(frozen=True, slots=True)
class DeferralRecord:
    approved_by: str
    previous_due: date
    new_due: date
    reason: str


@dataclass(frozen=True, slots=True)
class RemedyRecord:
    source: RemedySource
    filed_on: date
    reference: str
    concluded_on: date | None = None
    upheld: bool | None = None


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    revoked: bool  # True: 撤销; False: 变更, or a finding below
    source: CorrectionSource
    reason: str
    source_document: str
    effective_on: date
    penalty: Penalty | None  # the penalty after a change; in force after a finding (None once void)
    withdraw_publication_by: date | None
    # 确认违法 / 确认无效 by reconsideration or a court; None for 撤销 and 变更 (and every record kept before)
    finding: Finding | None = None

    @property
    def ends_publication(self) -> bool:
        """Whether the decision's publication ends with no new one (行政处罚法 第四十八条第二款): revoked,
        confirmed illegal or confirmed void; a change is published anew."""
        return self.revoked or self.finding is not None


@dataclass(frozen=True, slots=True)
class ClosureRecord:
    reason: ClosureReason
    note: str
    closed_on: date
