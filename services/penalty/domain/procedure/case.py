"""A penalty case: its identity, the procedural records so far, where it stands, and what follows from them
(the decision limit, the penalty in force, the fine outstanding, the deadline facts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineFacts
from services.penalty.domain.procedure.records import (
    ClosureRecord,
    CollectiveDiscussionRecord,
    CorrectionRecord,
    DecisionRecord,
    DeferralRecord,
    DeliveryRecord,
    HearingRecord,
    LegalReviewRecord,
    NoticeRecord,
    PartyRef,
    PaymentRecord,
    RemedyRecord,
    StatementRecord,
    TimeLimitExtension,
    WaiverRecord,
)
from services.penalty.domain.procedure.values import AssessedPenalty, Penalty
from services.penalty.domain.procedure.vocabulary import CaseState, ProcedureKind


@dataclass(frozen=True, slots=True)
class Case:
    """A penalty case: identity, the procedural records so far, and where it stands."""

    case_id: uuid.UUID
    dept_code: str
    party: PartyRef
    procedure: ProcedureKind
    summary: str  # 案由
    filed_on: date
    state: CaseState = CaseState.FILED
    version: int = 1
    officers: tuple[str, ...] = ()
    assessment: AssessedPenalty | None = None
    extensions: tuple[TimeLimitExtension, ...] = ()
    notices: tuple[NoticeRecord, ...] = ()
    statements: tuple[StatementRecord, ...] = ()
    waivers: tuple[WaiverRecord, ...] = ()
    hearings: tuple[HearingRecord, ...] = ()
    legal_reviews: tuple[LegalReviewRecord, ...] = ()
    collective_discussions: tuple[CollectiveDiscussionRecord, ...] = ()
    decision: DecisionRecord | None = None
    delivery: DeliveryRecord | None = None
    payment_due: date | None = None
    deferrals: tuple[DeferralRecord, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    executed_on: date | None = None
    remedies: tuple[RemedyRecord, ...] = ()
    corrections: tuple[CorrectionRecord, ...] = ()
    published_on: date | None = None
    publication_exempt_reason: str = ""
    closure: ClosureRecord | None = None

    # -- derived views ---------------------------------------------------------------------------------

    @property
    def decision_limit(self) -> date:
        """The current last day to decide: 90 days after filing, or the latest extension."""
        if self.extensions:
            return self.extensions[-1].new_limit
        return deadlines.decision_limit(self.filed_on)

    @property
    def notice(self) -> NoticeRecord | None:
        return self.notices[-1] if self.notices else None

    @property
    def current_penalty(self) -> Penalty | None:
        """The penalty in force: the latest change, else the decision; None once revoked, confirmed void or
        not penalised (a finding of illegality records the penalty it leaves in force)."""
        for correction in reversed(self.corrections):
            return None if correction.revoked else correction.penalty
        return self.decision.penalty if self.decision else None

    @property
    def decision_revision(self) -> int:
        """1 for the original decision, +1 for each revocation, change or finding."""
        return (1 + len(self.corrections)) if self.decision else 0

    @property
    def fine_due_fen(self) -> int:
        penalty = self.current_penalty
        return penalty.fine_fen if penalty else 0

    @property
    def fine_paid_fen(self) -> int:
        return sum(p.fine_fen for p in self.payments)

    @property
    def fine_outstanding_fen(self) -> int:
        return max(self.fine_due_fen - self.fine_paid_fen, 0)

    @property
    def surcharge_collected_fen(self) -> int:
        """加处罚款 collected with the payments recorded so far (what the bank took)."""
        return sum(p.surcharge_fen for p in self.payments)

    @property
    def fine_payments(self) -> tuple[tuple[date, int], ...]:
        """Each payment's day and the part of the fine it paid (the surcharge's days run on the rest)."""
        return tuple((p.paid_on, p.fine_fen) for p in self.payments)

    @property
    def surcharge_excluded(self) -> tuple[tuple[date, date | None], ...]:
        return tuple((r.filed_on, r.concluded_on) for r in self.remedies)

    @property
    def deadline_facts(self) -> DeadlineFacts:
        decision = self.decision
        return DeadlineFacts(
            case_id=str(self.case_id),
            filed_on=self.filed_on,
            decision_limit=self.decision_limit,
            decided_on=decision.decided_on if decision else None,
            delivery_due=decision.delivery_due if decision else None,
            delivered_on=self.delivery.delivered_on if self.delivery else None,
            payment_due=self.payment_due,
            fine_outstanding_fen=self.fine_outstanding_fen,
            fine_fen=self.fine_due_fen,
            surcharge_collected_fen=self.surcharge_collected_fen,
            fine_payments=self.fine_payments,
            surcharge_excluded=self.surcharge_excluded,
            publish_by=decision.publish_by if decision else None,
            publication_settled=(
                self.published_on is not None
                or bool(self.publication_exempt_reason)
                or (bool(self.corrections) and self.corrections[-1].ends_publication)
            ),
            open=self.state is not CaseState.CLOSED,
        )

    def surcharge_accrued_on(self, day: date) -> deadlines.Accrued | None:
        """加处罚款 accrued on the fine if the rest of it is paid on ``day`` (None: no fine outstanding), each
        day on what was outstanding that day, less what earlier payments collected (deadlines.accrued_surcharge)."""
        if self.payment_due is None or self.fine_outstanding_fen == 0:
            return None
        return deadlines.accrued_surcharge(
            self.fine_due_fen,
            self.payment_due,
            day,
            paid=self.fine_payments,
            collected_fen=self.surcharge_collected_fen,
            excluded=self.surcharge_excluded,
        )

    def surcharge_on(self, day: date) -> deadlines.Surcharge | None:
        """The lawful maximum surcharge still to add if the outstanding fine is paid on ``day`` (None: no fine
        due): what accrued (never more than the fine: 行政强制法 第四十五条第二款) less what was collected."""
        accrued = self.surcharge_accrued_on(day)
        return accrued.surcharge if accrued is not None else None
