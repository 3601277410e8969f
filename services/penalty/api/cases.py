"""A case from filing to closure: every procedural step (行政处罚法 第五章), the surcharge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.deps import (
    CaseDep,
    ChangeStep,
    CloseStep,
    CollectiveDiscussionStep,
    ConfirmationStep,
    ContextDep,
    DecisionStep,
    DeferralStep,
    DeliveryStep,
    EconomicImpactStep,
    ExecutionStep,
    ExtensionStep,
    HearingRecordStep,
    HearingRequestStep,
    HearingScheduleStep,
    HearingWithdrawStep,
    InternalReaderDep,
    InvestigationStep,
    LegalReviewStep,
    NoPenaltyDecisionStep,
    NoticeStep,
    OfficerDep,
    PartyOrOfficerDep,
    PaymentDep,
    PaymentStep,
    PublicationStep,
    ReaderDep,
    RemedyConcludeStep,
    RemedyStep,
    RevocationStep,
    ScopeDep,
    SessionDep,
    StatementReviewStep,
    StatementStep,
    SurchargeCaseDep,
    WaiverStep,
)
from services.penalty.models import PenaltyCase
from services.penalty.use_cases import cases as case_files
from services.penalty.use_cases import (
    impact,
    procedure,
)
from services.penalty.use_cases import surcharge as surcharges

router = APIRouter()
StateQuery = Annotated[str | None, Query(max_length=40, description="only cases in this state")]


# --------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------


async def _read(session: AsyncSession, principal: Principal, row: PenaltyCase) -> s.CaseRead:
    return await case_files.case_view(session, principal=principal, row=row)


@router.post("/cases", status_code=201, response_model=s.CaseRead)
async def open_case(
    body: s.CaseOpenIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """File a case directly (立案), numbered with the department's 立案审批表 number."""
    row = await case_files.open_case(session, principal=principal, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.get("/cases", response_model=Page[s.CaseSummaryRead])
async def cases(
    session: SessionDep,
    principal: ReaderDep,
    scope: ScopeDep,
    state: StateQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.CaseSummaryRead]:
    """Cases the caller may see, newest first (officers: their department's; enterprises: their own)."""
    return await case_files.list_cases(session, scope=scope, state=state, cursor=cursor, limit=limit)


@router.get("/cases/{case_id}", response_model=s.CaseRead)
async def case(session: SessionDep, principal: ReaderDep, found: CaseDep) -> s.CaseRead:
    """One case: state, deadlines, decision, documents and the credit notice."""
    return await _read(session, principal, found)


@router.get("/cases/{case_id}/steps", response_model=list[s.StepReadOut])
async def case_steps(
    session: SessionDep, principal: InternalReaderDep, found: CaseDep
) -> list[s.StepReadOut]:
    """The case's timeline: every procedure step with who did it and what it produced."""
    return await case_files.case_steps(session, row=found)


@router.get("/cases/{case_id}/decision", response_model=s.DecisionViewRead)
async def decision_view(session: SessionDep, principal: ReaderDep, found: CaseDep) -> s.DecisionViewRead:
    """The decision with both documents of 两书同达: the decision and the credit repair notice."""
    return await case_files.decision_view(session, row=found)


@router.post("/cases/{case_id}/investigation", response_model=s.CaseRead)
async def start_investigation(
    session: SessionDep, principal: OfficerDep, step: InvestigationStep
) -> s.CaseRead:
    """Start the investigation (调查取证) with at least two certified officers."""
    row, body = step
    row = await procedure.start_investigation(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/notice", response_model=s.CaseRead)
async def notify(session: SessionDep, principal: OfficerDep, step: NoticeStep, ctx: ContextDep) -> s.CaseRead:
    """Serve the notice of the proposed penalty (告知书, and 听证告知书 where a hearing applies)."""
    row, body = step
    row = await procedure.notify(session, principal=principal, row=row, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements", response_model=s.CaseRead)
async def record_statement(
    session: SessionDep, principal: PartyOrOfficerDep, step: StatementStep
) -> s.CaseRead:
    """The party's statement and defence (陈述申辩), submitted by the party or recorded by an officer."""
    row, body = step
    row = await procedure.record_statement(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements/review", response_model=s.CaseRead)
async def review_statements(
    session: SessionDep, principal: OfficerDep, step: StatementReviewStep
) -> s.CaseRead:
    """Review (复核) the party's statements; adopted ones must be followed."""
    row, body = step
    row = await procedure.review_statements(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/waiver", response_model=s.CaseRead)
async def waive_rights(session: SessionDep, principal: PartyOrOfficerDep, step: WaiverStep) -> s.CaseRead:
    """The party expressly gives up statement and/or hearing."""
    row, body = step
    row = await procedure.waive_rights(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/request", response_model=s.CaseRead)
async def request_hearing(
    session: SessionDep, principal: PartyOrOfficerDep, step: HearingRequestStep
) -> s.CaseRead:
    """The party asks for a hearing (within 5 working days of the notice)."""
    row, body = step
    row = await procedure.request_hearing(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/schedule", response_model=s.CaseRead)
async def schedule_hearing(
    session: SessionDep, principal: OfficerDep, step: HearingScheduleStep
) -> s.CaseRead:
    """Notify the party of the hearing at least 7 working days ahead, with a presider not on the case."""
    row, body = step
    row = await procedure.schedule_hearing(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/record", response_model=s.CaseRead)
async def record_hearing(session: SessionDep, principal: OfficerDep, step: HearingRecordStep) -> s.CaseRead:
    """Record the hearing: held with a transcript, or the party absent."""
    row, body = step
    row = await procedure.record_hearing(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/withdraw", response_model=s.CaseRead)
async def withdraw_hearing(
    session: SessionDep, principal: PartyOrOfficerDep, step: HearingWithdrawStep
) -> s.CaseRead:
    """The party withdraws its hearing request."""
    row, body = step
    row = await procedure.withdraw_hearing(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/legal-review", response_model=s.CaseRead)
async def record_legal_review(
    session: SessionDep, principal: OfficerDep, step: LegalReviewStep
) -> s.CaseRead:
    """Record the legal review (法制审核) of a proposed decision; the caller is the reviewer."""
    row, body = step
    row = await procedure.record_legal_review(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/economic-impact", status_code=201, response_model=s.EconomicImpactRead)
async def record_economic_impact(
    session: SessionDep, principal: OfficerDep, step: EconomicImpactStep
) -> s.EconomicImpactRead:
    """Record the 涉企行政执法案件经济影响评估 of an enterprise case (seed 000, 004): a flagged case is decided
    only after one (ECONOMIC_IMPACT_ASSESSMENT_MISSING)."""
    row, body = step
    return await impact.record(session, principal=principal, row=row, body=body)


@router.get("/cases/{case_id}/economic-impact", response_model=list[s.EconomicImpactRead])
async def economic_impacts(
    session: SessionDep, principal: InternalReaderDep, row: CaseDep
) -> list[s.EconomicImpactRead]:
    """The economic impact assessments recorded for the case (officers, supervisors, admins)."""
    return await impact.list_for(session, row)


@router.post("/cases/{case_id}/collective-discussion", response_model=s.CaseRead)
async def record_collective_discussion(
    session: SessionDep, principal: OfficerDep, step: CollectiveDiscussionStep
) -> s.CaseRead:
    """Record the heads' collective discussion (负责人集体讨论) and its conclusion."""
    row, body = step
    row = await procedure.record_collective_discussion(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/extension", response_model=s.CaseRead)
async def extend_time_limit(session: SessionDep, principal: OfficerDep, step: ExtensionStep) -> s.CaseRead:
    """Record an approved extension of the 90-day limit, with the provision that allows it."""
    row, body = step
    row = await procedure.extend_time_limit(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/decision", response_model=s.CaseRead)
async def decide(
    session: SessionDep, principal: OfficerDep, step: DecisionStep, ctx: ContextDep
) -> s.CaseRead:
    """Issue the penalty decision (行政处罚决定书), numbered per department and year."""
    row, body = step
    row = await procedure.decide(session, principal=principal, row=row, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/no-penalty-decision", response_model=s.CaseRead)
async def decide_no_penalty(
    session: SessionDep, principal: OfficerDep, step: NoPenaltyDecisionStep, ctx: ContextDep
) -> s.CaseRead:
    """Issue a 不予行政处罚决定书 with the education the law requires."""
    row, body = step
    row = await procedure.decide_no_penalty(session, principal=principal, row=row, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/delivery", response_model=s.DeliveryRead)
async def deliver(session: SessionDep, principal: OfficerDep, step: DeliveryStep) -> s.DeliveryRead:
    """Deliver the decision together with the credit repair notice (两书同达); 409 until the notice exists."""
    row, body = step
    row, document, notice = await procedure.deliver(session, principal=principal, row=row, body=body)
    return s.DeliveryRead(
        case=await _read(session, principal, row),
        decision_document=views.document_ref(document),
        credit_notice=views.credit_notice_read(notice),
    )


@router.post("/cases/{case_id}/deferral", response_model=s.CaseRead)
async def grant_deferral(session: SessionDep, principal: OfficerDep, step: DeferralStep) -> s.CaseRead:
    """Approve a deferred payment (暂缓缴纳) on the party's application."""
    row, body = step
    row = await procedure.grant_deferral(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/payments", response_model=s.CaseRead)
async def record_payment(session: SessionDep, principal: PaymentDep, step: PaymentStep) -> s.CaseRead:
    """Record a fine payment (from an officer or the revenue system); the whole fine executes the decision."""
    row, body = step
    row = await procedure.record_payment(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/execution", response_model=s.CaseRead)
async def record_execution(session: SessionDep, principal: OfficerDep, step: ExecutionStep) -> s.CaseRead:
    """Record that a decision without an outstanding fine has been carried out."""
    row, body = step
    row = await procedure.record_execution(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies", response_model=s.CaseRead)
async def file_remedy(session: SessionDep, principal: OfficerDep, step: RemedyStep) -> s.CaseRead:
    """Record that the party applied for reconsideration or sued (the surcharge stops meanwhile)."""
    row, body = step
    row = await procedure.file_remedy(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies/conclude", response_model=s.CaseRead)
async def conclude_remedy(session: SessionDep, principal: OfficerDep, step: RemedyConcludeStep) -> s.CaseRead:
    """Record the end of a reconsideration or lawsuit that left the decision standing."""
    row, body = step
    row = await procedure.conclude_remedy(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.get("/cases/{case_id}/surcharge", response_model=s.SurchargeRead)
async def surcharge(session: SessionDep, principal: ReaderDep, step: SurchargeCaseDep) -> s.SurchargeRead:
    """加处罚款 if the fine is paid on ``on``: 3% a day after the last day to pay (under an instalment plan, on
    each overdue instalment from its own due date), capped, remedies excluded."""
    found, query = step
    return await surcharges.surcharge_view(session, found, query["on"] or clock.today())


@router.post("/cases/{case_id}/revocation", response_model=s.CaseRead)
async def revoke(session: SessionDep, principal: OfficerDep, step: RevocationStep) -> s.CaseRead:
    """Revoke the decision (reconsideration, litigation or self-correction)."""
    row, body = step
    row = await procedure.revoke(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/change", response_model=s.CaseRead)
async def change(session: SessionDep, principal: OfficerDep, step: ChangeStep) -> s.CaseRead:
    """Change the decision; never to the party's disadvantage."""
    row, body = step
    row = await procedure.change(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/confirmation", response_model=s.CaseRead)
async def confirm_unlawful(session: SessionDep, principal: OfficerDep, step: ConfirmationStep) -> s.CaseRead:
    """Record that reconsideration or a court confirmed the decision illegal or void (its publication ends)."""
    row, body = step
    row = await procedure.confirm_unlawful(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/publication", response_model=s.CaseRead)
async def record_publication(session: SessionDep, principal: OfficerDep, step: PublicationStep) -> s.CaseRead:
    """The officer's note of a publication or exemption (kept; the public record is /public/penalty/decisions)."""
    row, body = step
    row = await procedure.record_publication(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/closure", response_model=s.CaseRead)
async def close(session: SessionDep, principal: OfficerDep, step: CloseStep) -> s.CaseRead:
    """Close the case (结案) with its reason."""
    row, body = step
    row = await procedure.close(session, principal=principal, row=row, body=body)
    return await _read(session, principal, row)
