"""After the decision: 送达 (行政处罚法 第六十一条; electronic only with consent, 第六十一条第二款; the payment
period of 第六十七条第三款 starts) and 公示 within seven working days (seed 003)."""

from __future__ import annotations

from datetime import datetime

from services.common import clock
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineKind, WorkingDays
from services.penalty.domain.errors import DeliveryConsentMissing
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import advance, check_date, missed, require_text
from services.penalty.domain.procedure.commands import Deliver, RecordPublication
from services.penalty.domain.procedure.events import (
    DecisionDelivered,
    DomainEvent,
    PublicationRecorded,
    Transition,
)
from services.penalty.domain.procedure.records import DeliveryRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.vocabulary import CaseState, DeliveryMethod


def deliver(case: Case, cmd: Deliver, *, now: datetime, calendar: WorkingDays) -> Transition:
    """送达 the decision (第六十一条). A late delivery is recorded and reported, never refused."""
    require(case, TABLE[Deliver])
    today = clock.local_date(now)
    decision = case.decision
    assert decision is not None  # DECIDED implies a decision
    require_text(cmd.recipient, "受送达人")
    check_date(cmd.delivered_on, today, "送达日期", decision.decided_on, "决定日期")
    if cmd.method is DeliveryMethod.ELECTRONIC and not cmd.electronic_consent:
        raise DeliveryConsentMissing(
            "当事人同意并签订确认书的，方可采用传真、电子邮件等方式送达（行政处罚法 第六十一条第二款）"
        )
    # An unknown deadline (decision_deadlines) cannot be missed: the delivery is not marked late.
    late = decision.delivery_due is not None and cmd.delivered_on > decision.delivery_due
    payment_due = (
        deadlines.payment_deadline(cmd.delivered_on, calendar) if case.fine_outstanding_fen > 0 else None
    )
    record = DeliveryRecord(cmd.delivered_on, cmd.method, cmd.recipient, late)
    new = advance(case, state=CaseState.DELIVERED, delivery=record, payment_due=payment_due)
    events: list[DomainEvent] = [
        DecisionDelivered(
            case_id=case.case_id,
            occurred_at=now,
            document_number=decision.document_number,
            delivered_on=cmd.delivered_on,
            method=cmd.method,
            payment_due=payment_due,
        )
    ]
    if late and decision.delivery_due is not None:
        events.append(missed(case, now, DeadlineKind.DELIVERY, decision.delivery_due, cmd.delivered_on))
    return Transition(new, tuple(events))


def record_publication(case: Case, cmd: RecordPublication, *, now: datetime) -> Transition:
    """The decision was published (公示, seed 003), or is exempt from publication with a stated reason."""
    require(case, TABLE[RecordPublication])
    today = clock.local_date(now)
    decision = case.decision
    assert decision is not None
    if cmd.published_on is None:
        require_text(cmd.exempt_reason, "不予公示的理由")
    else:
        check_date(cmd.published_on, today, "公示日期", decision.decided_on, "决定日期")
    new = advance(case, published_on=cmd.published_on, publication_exempt_reason=cmd.exempt_reason)
    events: list[DomainEvent] = [
        PublicationRecorded(
            case_id=case.case_id,
            occurred_at=now,
            published_on=cmd.published_on,
            exempt_reason=cmd.exempt_reason,
        )
    ]
    if (
        decision.publish_by is not None
        and cmd.published_on is not None
        and cmd.published_on > decision.publish_by
    ):
        events.append(missed(case, now, DeadlineKind.PUBLICATION, decision.publish_by, cmd.published_on))
    return Transition(new, tuple(events))
