"""After the decision (issue #17): deferral and instalments (行政处罚法 第六十六条第二款), the enforcement stage
with every date and its article, the 催告书 and the application to the court (行政强制法 第五十三条, 第五十四条),
each department's coercive power (第十三条, 第四十六条)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.common import clock
from services.penalty import schemas as s
from services.penalty.deps import (
    AdminDep,
    ContextDep,
    CourtApplicationStep,
    EnforcementDecisionStep,
    InstalmentPaymentStep,
    InternalReaderDep,
    OfficerDep,
    PartyOrOfficerDep,
    PaymentDep,
    PlanApplicationStep,
    PlanDecisionStep,
    ReaderDep,
    ReminderDeliveryStep,
    ReminderStep,
    SessionDep,
    SurchargeCaseDep,
)
from services.penalty.use_cases import enforcement, payment_plans

router = APIRouter()
DeptCode = Annotated[str, Path(pattern=r"^[A-Z]{2,4}$", description="department code, e.g. SJ")]


# --------------------------------------------------------------------------------------------------------
# Deferral and instalments
# --------------------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/payment-plan", response_model=s.PaymentPlansRead)
async def payment_plan(
    session: SessionDep, principal: ReaderDep, step: SurchargeCaseDep
) -> s.PaymentPlansRead:
    """The applications for deferral or instalments and the approved plan, each instalment's surcharge on ``on``."""
    found, query = step
    return await payment_plans.plans_view(session, found, query["on"] or clock.today())


@router.post("/cases/{case_id}/payment-plan/application", status_code=201, response_model=s.PaymentPlansRead)
async def apply_for_plan(
    session: SessionDep, principal: PartyOrOfficerDep, step: PlanApplicationStep
) -> s.PaymentPlansRead:
    """The party applies for deferral or instalments (确有经济困难, with evidence: 第六十六条第二款)."""
    row, body = step
    row = await payment_plans.apply_for_plan(session, principal=principal, row=row, body=body)
    return await payment_plans.plans_view(session, row, clock.today())


@router.post("/cases/{case_id}/payment-plan/decision", response_model=s.PaymentPlansRead)
async def decide_plan(
    session: SessionDep, principal: OfficerDep, ctx: ContextDep, step: PlanDecisionStep
) -> s.PaymentPlansRead:
    """The agency approves (dates and amounts summing to the fine) or refuses with reasons; numbered 决定书."""
    row, body = step
    row = await payment_plans.decide_plan(session, principal=principal, row=row, body=body, ctx=ctx)
    return await payment_plans.plans_view(session, row, clock.today())


@router.post("/cases/{case_id}/payment-plan/payments", response_model=s.PaymentPlansRead)
async def pay_instalment(
    session: SessionDep, principal: PaymentDep, step: InstalmentPaymentStep
) -> s.PaymentPlansRead:
    """The payment platform reports one instalment paid (its amount; the surcharge collected)."""
    row, body = step
    row = await payment_plans.record_instalment_payment(session, principal=principal, row=row, body=body)
    return await payment_plans.plans_view(session, row, clock.today())


# --------------------------------------------------------------------------------------------------------
# Enforcement
# --------------------------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/enforcement", response_model=s.EnforcementRead)
async def enforcement_dates(
    session: SessionDep, principal: ReaderDep, step: SurchargeCaseDep
) -> s.EnforcementRead:
    """The enforcement stage on ``on``: every date with its article (复议、诉讼期限, 申请法院强制执行的期间, 催告)."""
    found, query = step
    return await enforcement.enforcement_view(session, found, query["on"] or clock.today())


@router.post("/cases/{case_id}/enforcement/reminder", status_code=201, response_model=s.EnforcementRead)
async def issue_reminder(
    session: SessionDep, principal: OfficerDep, ctx: ContextDep, step: ReminderStep
) -> s.EnforcementRead:
    """Issue the numbered 催告书 (行政强制法 第三十五条) of a decision in default."""
    row, body = step
    row = await enforcement.issue_reminder(session, principal=principal, row=row, body=body, ctx=ctx)
    return await enforcement.enforcement_view(session, row, clock.today())


@router.post("/cases/{case_id}/enforcement/reminder/delivery", response_model=s.EnforcementRead)
async def deliver_reminder(
    session: SessionDep, principal: OfficerDep, step: ReminderDeliveryStep
) -> s.EnforcementRead:
    """Record the 催告书's delivery and receipt (行政强制法 第三十八条); the ten days of 第五十四条 start."""
    row, body = step
    row = await enforcement.deliver_reminder(session, principal=principal, row=row, body=body)
    return await enforcement.enforcement_view(session, row, clock.today())


@router.post(
    "/cases/{case_id}/enforcement/court-application", status_code=201, response_model=s.EnforcementRead
)
async def apply_to_court(
    session: SessionDep, principal: OfficerDep, ctx: ContextDep, step: CourtApplicationStep
) -> s.EnforcementRead:
    """Apply to the court with the numbered 强制执行申请书, inside the window (行政强制法 第五十三条至第五十五条)."""
    row, body = step
    row = await enforcement.apply_to_court(session, principal=principal, row=row, body=body, ctx=ctx)
    return await enforcement.enforcement_view(session, row, clock.today())


@router.post("/cases/{case_id}/enforcement/decision", status_code=201, response_model=s.EnforcementRead)
async def decide_enforcement(
    session: SessionDep, principal: OfficerDep, ctx: ContextDep, step: EnforcementDecisionStep
) -> s.EnforcementRead:
    """With the department's own coercive power: the numbered 行政强制执行决定书 after the 催告 (第四十六条, 第三十七条)."""
    row, body = step
    row = await enforcement.decide_enforcement(session, principal=principal, row=row, body=body, ctx=ctx)
    return await enforcement.enforcement_view(session, row, clock.today())


@router.get("/departments/{code}/enforcement", response_model=s.DepartmentPowerRead)
async def department_power(
    code: DeptCode, session: SessionDep, principal: InternalReaderDep
) -> s.DepartmentPowerRead:
    """Whether the department has coercive power of its own (default: none, it applies to the court)."""
    return await enforcement.department_power(session, code)


@router.put(
    "/admin/departments/{code}/enforcement", response_model=s.DepartmentPowerRead, tags=["penalty: admin"]
)
async def set_department_power(
    code: DeptCode, body: s.DepartmentPowerIn, session: SessionDep, principal: AdminDep
) -> s.DepartmentPowerRead:
    """Set the department's coercive power (行政强制法 第十三条: only where a law grants it, named in ``basis``)."""
    return await enforcement.set_department_power(session, principal=principal, dept_code=code, body=body)
