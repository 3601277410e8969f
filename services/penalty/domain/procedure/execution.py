"""Execution: 暂缓缴纳 (行政处罚法 第六十六条第二款), payment of the fine with the lawful late surcharge
(第六十七条第三款, 第七十二条第一款第一项), and 执行完毕 of the other kinds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common import clock
from services.common.errors import BadRequest
from services.common.money import format_yuan
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineKind
from services.penalty.domain.errors import FineOutstanding, InvalidDate, InvalidTransition, PaymentExceedsFine
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import advance, check_date, missed, require_text
from services.penalty.domain.procedure.commands import GrantDeferral, RecordExecution, RecordPayment
from services.penalty.domain.procedure.events import (
    DecisionExecuted,
    DomainEvent,
    FinePaid,
    PaymentDeferred,
    Transition,
)
from services.penalty.domain.procedure.records import DeferralRecord, PaymentRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.vocabulary import CaseState, DecisionOutcome


def grant_deferral(case: Case, cmd: GrantDeferral, *, now: datetime) -> Transition:
    """暂缓缴纳 on the party's application (第六十六条第二款): moves the payment date, and so the surcharge."""
    require(case, TABLE[GrantDeferral])
    if case.payment_due is None or case.fine_outstanding_fen == 0:
        raise InvalidTransition("本案没有待缴纳的罚款")
    require_text(cmd.approved_by, "批准人")
    require_text(cmd.reason, "当事人确有经济困难的理由", "行政处罚法 第六十六条第二款")
    if cmd.new_due <= case.payment_due:
        raise InvalidDate(f"暂缓后的缴纳期限须晚于原期限（{case.payment_due.isoformat()}）")
    record = DeferralRecord(cmd.approved_by, case.payment_due, cmd.new_due, cmd.reason)
    new = advance(case, payment_due=cmd.new_due, deferrals=(*case.deferrals, record))
    event = PaymentDeferred(
        case_id=case.case_id,
        occurred_at=now,
        previous_due=case.payment_due,
        new_due=cmd.new_due,
        approved_by=cmd.approved_by,
    )
    return Transition(new, (event,))


def record_payment(case: Case, cmd: RecordPayment, *, now: datetime) -> Transition:
    """缴纳罚款 (第六十七条第三款). Paying the whole fine executes the decision.

    The surcharge is what the bank collected; the event also carries the lawful maximum for the payment date
    (第七十二条第一款第一项) so a supervisor can see a waived or an excessive surcharge: for an instalment of an
    approved plan, its own (3% of its amount a day after its own due date, remedy days left out), as the plan's
    schedule and ``GET /surcharge`` count it, not the whole fine's, whose last day is the last instalment's.
    """
    require(case, TABLE[RecordPayment])
    today = clock.local_date(now)
    decision = case.decision
    assert decision is not None
    outstanding = case.fine_outstanding_fen
    if outstanding == 0 or case.payment_due is None:
        raise InvalidTransition("本案没有待缴纳的罚款")
    if cmd.fine_fen <= 0 or cmd.surcharge_fen < 0:
        raise BadRequest("缴纳金额须为正数", code="PROCEDURE_PAYMENT_INVALID")
    if cmd.fine_fen > outstanding:
        raise PaymentExceedsFine(
            f"本次缴纳罚款{format_yuan(cmd.fine_fen)}元，超过尚欠罚款{format_yuan(outstanding)}元"
        )
    delivered_on = case.delivery.delivered_on if case.delivery else decision.decided_on
    check_date(cmd.paid_on, today, "缴款日期", delivered_on, "送达日期")
    whole = case.surcharge_on(cmd.paid_on)
    assert whole is not None  # a fine is outstanding and has a last day to pay
    lawful = (
        whole
        if cmd.instalment_due is None
        else deadlines.surcharge(
            cmd.fine_fen, cmd.instalment_due, cmd.paid_on, excluded=case.surcharge_excluded
        )
    )
    remaining = outstanding - cmd.fine_fen
    payment = PaymentRecord(cmd.paid_on, cmd.fine_fen, cmd.surcharge_fen, cmd.receipt_ref)
    changes: dict[str, Any] = {"payments": (*case.payments, payment)}
    events: list[DomainEvent] = [
        FinePaid(
            case_id=case.case_id,
            occurred_at=now,
            document_number=decision.document_number,
            paid_on=cmd.paid_on,
            fine_fen=cmd.fine_fen,
            surcharge_fen=cmd.surcharge_fen,
            days_late=lawful.days_late,
            lawful_surcharge_fen=lawful.amount_fen,
            outstanding_fen=remaining,
            fully_performed=remaining == 0,
        )
    ]
    if whole.days_late > 0 and not any(p.paid_on > case.payment_due for p in case.payments):
        events.append(missed(case, now, DeadlineKind.PAYMENT, case.payment_due, cmd.paid_on))
    if remaining == 0:
        changes.update(state=CaseState.EXECUTED, executed_on=cmd.paid_on)
        events.append(DecisionExecuted(case_id=case.case_id, occurred_at=now, executed_on=cmd.paid_on))
    return Transition(advance(case, **changes), tuple(events))


def record_execution(case: Case, cmd: RecordExecution, *, now: datetime) -> Transition:
    """执行完毕 of a decision without a fine still outstanding (e.g. 警告, 吊销许可证件 carried out)."""
    require(case, TABLE[RecordExecution])
    today = clock.local_date(now)
    decision = case.decision
    assert decision is not None
    if decision.outcome is DecisionOutcome.NO_PENALTY:
        raise InvalidTransition("不予行政处罚决定无须执行，送达后可直接结案")
    if case.fine_outstanding_fen:
        raise FineOutstanding(f"尚欠罚款{format_yuan(case.fine_outstanding_fen)}元，缴清后方为执行完毕")
    require_text(cmd.note, "执行情况")
    delivered_on = case.delivery.delivered_on if case.delivery else decision.decided_on
    check_date(cmd.executed_on, today, "执行完毕日期", delivered_on, "送达日期")
    new = advance(case, state=CaseState.EXECUTED, executed_on=cmd.executed_on)
    event = DecisionExecuted(case_id=case.case_id, occurred_at=now, executed_on=cmd.executed_on)
    return Transition(new, (event,))
