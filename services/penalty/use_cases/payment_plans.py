"""延期、分期缴纳罚款 (行政处罚法 第六十六条第二款; the rules: domain.instalments): the party applies, the agency
approves (the case's last day to pay moves to the deferral's or the last instalment's date through the
procedure's ``GrantDeferral``, and a numbered 延期（分期）缴纳罚款决定书 is issued) or refuses with reasons (a
numbered decision too); the payment platform reports each instalment (``RecordPayment`` of its amount, so the
whole fine executes the decision); the party and the officers see the plan with each instalment's surcharge.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import documents as docs
from services.penalty.domain import enforcement_documents as edocs
from services.penalty.domain import instalments as ins
from services.penalty.domain import procedure as p
from services.penalty.domain.errors import PaymentPlanConflict, PaymentPlanInvalid
from services.penalty.models import CaseEnforcement, PenaltyCase
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import codec, documents
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit, department
from services.penalty.use_cases.timeline import apply, case_of, summary

ARTICLES = [ins.ARTICLE_PLAN, ins.ARTICLE_SURCHARGE, ins.ARTICLE_REMEDY_PAUSE]


def plans_of(enf: CaseEnforcement | None) -> list[ins.PaymentPlan]:
    return [codec.decode(ins.PaymentPlan, x) for x in (enf.plans if enf else [])]


def plan_in_force(enf: CaseEnforcement | None) -> ins.PaymentPlan | None:
    """The last approved plan (a later application may be pending or refused)."""
    plans = plans_of(enf)
    index = ins.in_force(plans)
    return plans[index] if index is not None else None


def _store(enf: CaseEnforcement, plans: list[ins.PaymentPlan]) -> None:
    enf.plans = [codec.to_json(x) for x in plans]
    enf.updated_at = clock.now()


def _payable(case: p.Case) -> date:
    if case.decision is None or case.payment_due is None or case.fine_outstanding_fen == 0:
        raise PaymentPlanConflict(
            "本案没有已送达且尚未缴清的罚款，无须延期或分期缴纳",
            detail_en="The case has no delivered fine outstanding",
            extra={"state": case.state.value},
        )
    if case.state not in (p.CaseState.DELIVERED, p.CaseState.CHANGED):
        raise PaymentPlanConflict(
            "当前案件状态不允许延期或分期缴纳",
            detail_en="The case's state does not allow deferral or instalments",
            extra={"state": case.state.value},
        )
    return case.payment_due


async def apply_for_plan(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.PlanApplicationIn
) -> PenaltyCase:
    """The party's application (the party itself, or an officer taking it down)."""
    today = clock.today()
    if principal.role == "officer":
        await officer_signs(session, principal, today)
    case = case_of(row)
    _payable(case)
    enf = await repo.enforcement_for_update(session, row.id, clock.now())
    plans = plans_of(enf)
    if plans and plans[-1].status is ins.PlanStatus.APPLIED:
        raise PaymentPlanConflict(
            "本案已有尚未决定的延期或分期缴纳申请", detail_en="An application is already pending"
        )
    applied_on = body.applied_on or today
    if applied_on > today:
        raise PaymentPlanInvalid(
            "申请日期不得晚于今日",
            detail_en="The application date cannot be in the future",
            errors=[{"field": "applied_on"}],
        )
    applicant = (
        row.party_name
        if principal.role == "enterprise"
        else f"{row.party_name}（{principal.name or principal.sub}代为登记）"
    )
    plan = ins.apply(
        body.kind, applied_on=applied_on, applicant=applicant, reasons=body.reasons, evidence=body.evidence
    )
    _store(enf, [*plans, plan])
    await audit(
        session,
        principal,
        action="penalty.case.payment_plan_application",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"kind": plan.kind.value, "applied_on": applied_on.isoformat()},
    )
    return row


def _approved(
    plan: ins.PaymentPlan, body: s.PlanDecisionIn, *, current_due: date, outstanding: int
) -> ins.PaymentPlan:
    today = clock.today()
    if not body.approved:
        return ins.refuse(plan, decided_on=today, approved_by=body.approved_by, reasons=body.reasons)
    return ins.approve(
        plan,
        decided_on=today,
        approved_by=body.approved_by,
        reasons=body.reasons,
        current_due=current_due,
        outstanding_fen=outstanding,
        new_due=body.new_due,
        items=[(x.due_on, x.amount_fen) for x in body.instalments],
    )


async def decide_plan(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    body: s.PlanDecisionIn,
    ctx: PenaltyContext,
) -> PenaltyCase:
    """批准 or 不予批准, with the numbered 决定书; an approval moves the case's last day to pay."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    before = summary(row)
    case = case_of(row)
    current_due = _payable(case)
    enf = await repo.enforcement_for_update(session, row.id, now)
    plans = plans_of(enf)
    if not plans or plans[-1].status is not ins.PlanStatus.APPLIED:
        raise PaymentPlanConflict(
            "本案没有待决定的延期或分期缴纳申请（第六十六条第二款：经当事人申请）",
            detail_en="No application is pending (第六十六条第二款: only on the party's application)",
        )
    decided = _approved(plans[-1], body, current_due=current_due, outstanding=case.fine_outstanding_fen)
    if decided.status is ins.PlanStatus.APPROVED:
        last = decided.last_due
        assert last is not None
        reason = f"{ins.KIND_LABELS[decided.kind]}：{decided.decision_reasons}（{ins.ARTICLE_PLAN}）"
        await apply(
            session,
            row=row,
            case=case,
            command=p.GrantDeferral(decided.approved_by, last, reason),
            principal=principal,
            action="payment_plan",
            now=now,
        )
    dept = await department(session, row.dept_code)
    number = await documents.allocate(session, dept, docs.DocumentKind.PAYMENT_PLAN_DECISION, ctx)
    decision = case.decision
    assert decision is not None
    decided = dataclasses.replace(decided, document_number=number)
    built = edocs.build_payment_plan_decision(
        number=number,
        agency=documents.agency(dept),
        party=documents.party(row),
        decision_no=decision.document_number,
        decided_on=decision.decided_on,
        fine_fen=case.fine_due_fen,
        plan=decided,
        payment=docs.PaymentChannel(dept.bank, dept.account_name, dept.account_no),
        issued_on=today,
    )
    await documents.issue(session, row, built, today, ctx)
    _store(enf, [*plans[:-1], decided])
    await audit(
        session,
        principal,
        action="penalty.case.payment_plan_decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "status": decided.status.value, "document": number},
    )
    return row


async def record_instalment_payment(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.InstalmentPaymentIn
) -> PenaltyCase:
    """One instalment paid in full, reported by the payment platform (or an officer)."""
    today, now = clock.today(), clock.now()
    if principal.role == "officer":
        await officer_signs(session, principal, today)
    before = summary(row)
    enf = await repo.enforcement_for_update(session, row.id, now)
    plans = plans_of(enf)
    index = ins.in_force(plans)
    if index is None:
        raise PaymentPlanConflict(
            "本案没有已批准的延期或分期缴纳方案", detail_en="The case has no approved plan"
        )
    paid_on = body.paid_on or today
    plan, item = ins.record_payment(
        plans[index],
        body.instalment,
        paid_on=paid_on,
        surcharge_fen=body.surcharge_fen,
        receipt_ref=body.receipt_ref,
    )
    await apply(
        session,
        row=row,
        case=case_of(row),
        command=p.RecordPayment(
            paid_on, item.amount_fen, body.surcharge_fen, body.receipt_ref, instalment_due=item.due_on
        ),
        principal=principal,
        action="instalment_payment",
        now=now,
    )
    _store(enf, [*plans[:index], plan, *plans[index + 1 :]])
    await audit(
        session,
        principal,
        action="penalty.case.instalment_payment",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "instalment": item.seq, "paid_fen": item.amount_fen},
    )
    return row


# --------------------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------------------


def _plan_read(
    plan: ins.PaymentPlan, on: date, excluded: tuple[tuple[date, date | None], ...]
) -> s.PaymentPlanRead:
    items = []
    for item in plan.instalments:
        result = ins.instalment_surcharge(item, on, excluded=excluded)
        items.append(
            s.InstalmentRead(
                seq=item.seq,
                due_on=item.due_on,
                amount_fen=item.amount_fen,
                paid_on=item.paid_on,
                surcharge_paid_fen=item.surcharge_paid_fen,
                receipt_ref=item.receipt_ref,
                days_late=result.days_late,
                surcharge_fen=result.amount_fen,
                capped=result.capped,
                explanation=ins.explain_instalment(item, result),
            )
        )
    return s.PaymentPlanRead(
        kind=plan.kind.value,
        kind_label=ins.KIND_LABELS[plan.kind],
        status=plan.status.value,
        applied_on=plan.applied_on,
        applicant=plan.applicant,
        reasons=plan.reasons,
        evidence=list(plan.evidence),
        decided_on=plan.decided_on,
        approved_by=plan.approved_by,
        decision_reasons=plan.decision_reasons,
        previous_due=plan.previous_due,
        document_number=plan.document_number,
        instalments=items,
        surcharge_fen=sum(x.surcharge_fen for x in items),
    )


async def plans_view(session: AsyncSession, row: PenaltyCase, on: date) -> s.PaymentPlansRead:
    case = case_of(row)
    plans = plans_of(await repo.enforcement(session, row.id))
    reads = [_plan_read(x, on, case.surcharge_excluded) for x in plans]
    kind = docs.DocumentKind.PAYMENT_PLAN_DECISION.value
    found = [views.document_ref(d) for d in await repo.case_documents(session, row.id) if d.kind == kind]
    return s.PaymentPlansRead(
        case_id=row.id,
        on=on,
        current=reads[-1] if reads else None,
        history=reads,
        articles=ARTICLES,
        documents=found,
    )
