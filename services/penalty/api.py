"""HTTP routes of the penalty service: thin — validate, call one use case, return its view."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import BadRequest
from services.common.fields import Day
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.penalty import import_schemas as si
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.deps import (
    AdminDep,
    AssessorDep,
    BenchmarkCodePath,
    CaseDep,
    ContextDep,
    DocumentDep,
    ImporterDep,
    InternalReaderDep,
    LeadDep,
    OfficerDep,
    PartyOrOfficerDep,
    PaymentDep,
    Posted,
    ReaderDep,
    ScopeDep,
    SessionDep,
    SupervisorDep,
    VersionPath,
    case_for_update,
    lead_for_update,
    payable_case,
)
from services.penalty.models import Lead, PenaltyCase
from services.penalty.use_cases import assessment, catalogue, documents, procedure
from services.penalty.use_cases import cases as case_files
from services.penalty.use_cases import consistency as consistency_report
from services.penalty.use_cases import departments as department_list
from services.penalty.use_cases import import_sheet as case_sheet
from services.penalty.use_cases import imports as case_imports
from services.penalty.use_cases import leads as lead_files

router = APIRouter(prefix="/api/v1/penalty", tags=["penalty"])
public_router = APIRouter(prefix="/public/penalty", tags=["penalty: public"])

Format = Annotated[Literal["json", "csv"], Query(description="file format")]
StateQuery = Annotated[str | None, Query(max_length=40, description="only cases in this state")]


# --------------------------------------------------------------------------------------------------------
# Public catalogue (行政处罚法 第三十四条: 裁量基准应当向社会公布)
# --------------------------------------------------------------------------------------------------------


@public_router.get("/benchmarks", response_model=Page[s.BenchmarkVersionRead])
async def public_benchmarks(
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    department: Annotated[str | None, Query(max_length=10)] = None,
    domain: Annotated[str | None, Query(max_length=40)] = None,
    in_force_on: Annotated[Day | None, Query(description="versions in force on this day")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="words of the violation name, or a code")
    ] = None,
) -> Page[s.BenchmarkVersionRead]:
    """The published benchmark versions, filterable by department, domain, date in force and text."""
    return await catalogue.list_published(
        session,
        cursor=cursor,
        limit=limit,
        department_code=department,
        domain=domain,
        in_force_on=in_force_on,
        query=q,
    )


@public_router.get("/benchmarks/{code}", response_model=list[s.BenchmarkVersionRead])
async def public_benchmark(code: BenchmarkCodePath, session: SessionDep) -> list[s.BenchmarkVersionRead]:
    """Every published version of one benchmark item, oldest first."""
    return await catalogue.published_item(session, code)


_JSON_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}}, "description": "the catalogue file"}
}
_CSV_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the catalogue file"}
}
_EITHER_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}, "description": "the catalogue file"}
}


@public_router.get("/catalogue.json", response_class=Response, responses=_JSON_FILE)
async def public_catalogue_json(session: SessionDep) -> Response:
    """The published catalogue as a JSON file (the import format)."""
    return _file(
        await catalogue.export_catalogue(session, fmt="json", published_only=True), "json", "benchmarks"
    )


@public_router.get("/catalogue.csv", response_class=Response, responses=_CSV_FILE)
async def public_catalogue_csv(session: SessionDep) -> Response:
    """The published catalogue as a CSV file (one row per version; nested fields as JSON)."""
    return _file(
        await catalogue.export_catalogue(session, fmt="csv", published_only=True), "csv", "benchmarks"
    )


def _file(text: str, fmt: str, name: str) -> Response:
    media = "application/json" if fmt == "json" else "text/csv"
    return Response(
        text.encode(),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


# --------------------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------------------


@router.post("/benchmarks/{code}/assess", response_model=s.AssessmentRead)
async def assess(
    code: BenchmarkCodePath,
    body: s.AssessRequest,
    session: SessionDep,
    principal: AssessorDep,
    ctx: ContextDep,
) -> s.AssessmentRead:
    """A what-if assessment against the published catalogue; nothing is stored."""
    return await assessment.assess_what_if(session, code=code, body=body, ctx=ctx)


@router.post("/cases/{case_id}/assessment", response_model=s.AssessmentRead)
async def assess_case(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.CaseAssessmentRequest], case_for_update(s.CaseAssessmentRequest)],
    ctx: ContextDep,
) -> s.AssessmentRead:
    """Assess the case's facts against its benchmark and record the result on the case."""
    return await assessment.assess_case(session, principal=principal, row=step.found, body=step.body, ctx=ctx)


# --------------------------------------------------------------------------------------------------------
# Catalogue administration
# --------------------------------------------------------------------------------------------------------


@router.get("/admin/benchmarks", response_model=list[s.BenchmarkAdminRead], tags=["penalty: admin"])
async def admin_benchmarks(
    session: SessionDep,
    principal: AdminDep,
    status: Annotated[Literal["draft", "approved", "published"] | None, Query()] = None,
) -> list[s.BenchmarkAdminRead]:
    """Every benchmark version with its drafting, approval and publication record."""
    return await catalogue.admin_versions(session, status=status)


@router.post(
    "/admin/benchmarks/drafts", status_code=201, response_model=s.BenchmarkAdminRead, tags=["penalty: admin"]
)
async def draft_benchmark(
    body: s.BenchmarkDraftIn, session: SessionDep, principal: AdminDep
) -> s.BenchmarkAdminRead:
    """Draft a benchmark version (a draft of the same number is replaced; approved ones never are)."""
    row, _ = await catalogue.draft_version(session, principal=principal, data=body.version)
    return views.admin_version_read(row)


@router.post("/admin/benchmarks/import", response_model=s.ImportResultRead, tags=["penalty: admin"])
async def import_benchmarks(
    request: Request, session: SessionDep, principal: AdminDep, format: Format = "json"
) -> s.ImportResultRead:
    """Import a catalogue file (the body, JSON or CSV as exported) as drafts."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            "文件须为 UTF-8 编码",
            code="CATALOGUE_FORMAT_INVALID",
            detail_en="The file must be encoded in UTF-8",
        ) from exc
    return await catalogue.import_catalogue(session, principal=principal, text=text, fmt=format)


@router.get(
    "/admin/benchmarks/export", response_class=Response, responses=_EITHER_FILE, tags=["penalty: admin"]
)
async def export_benchmarks(session: SessionDep, principal: AdminDep, format: Format = "json") -> Response:
    """Every version, drafts included, as a JSON or CSV file."""
    text = await catalogue.export_catalogue(session, fmt=format, published_only=False)
    return _file(text, format, "benchmarks-all")


@router.post(
    "/admin/benchmarks/{code}/versions/{version}/approve",
    response_model=s.BenchmarkAdminRead,
    tags=["penalty: admin"],
)
async def approve_benchmark(
    code: BenchmarkCodePath, version: VersionPath, session: SessionDep, principal: AdminDep
) -> s.BenchmarkAdminRead:
    """Approve a draft (by someone other than its drafter)."""
    row = await catalogue.approve_version(session, principal=principal, code=code, number=version)
    return views.admin_version_read(row)


@router.post(
    "/admin/benchmarks/{code}/versions/{version}/publish",
    response_model=s.BenchmarkAdminRead,
    tags=["penalty: admin"],
)
async def publish_benchmark(
    code: BenchmarkCodePath, version: VersionPath, session: SessionDep, principal: AdminDep
) -> s.BenchmarkAdminRead:
    """Publish an approved version; it becomes immutable and an open predecessor ends the day before."""
    row = await catalogue.publish_version(session, principal=principal, code=code, number=version)
    return views.admin_version_read(row)


@router.delete("/admin/benchmarks/{code}/versions/{version}", status_code=204, tags=["penalty: admin"])
async def delete_benchmark_draft(
    code: BenchmarkCodePath, version: VersionPath, session: SessionDep, principal: AdminDep
) -> Response:
    """Delete a draft (approved and published versions are kept for ever)."""
    await catalogue.delete_draft(session, principal=principal, code=code, number=version)
    return Response(status_code=204)


@router.get("/admin/catalogue", response_model=s.CatalogueMetaRead, tags=["penalty: admin"])
async def get_catalogue_meta(session: SessionDep, principal: AdminDep) -> s.CatalogueMetaRead:
    """The catalogue's title, jurisdiction, tier split and revision."""
    return await catalogue.catalogue_meta(session)


@router.put("/admin/catalogue", response_model=s.CatalogueMetaRead, tags=["penalty: admin"])
async def put_catalogue_meta(
    body: s.CatalogueMetaIn, session: SessionDep, principal: AdminDep, ctx: ContextDep
) -> s.CatalogueMetaRead:
    """Set the catalogue's title, jurisdiction and tier split (jurisdiction configuration)."""
    return await catalogue.set_catalogue_meta(session, principal=principal, body=body, ctx=ctx)


@router.get("/departments", response_model=list[s.DepartmentRead])
async def departments(session: SessionDep, principal: ReaderDep) -> list[s.DepartmentRead]:
    """The enforcement departments: names, document abbreviations, remedy bodies, payment channel."""
    return await department_list.list_departments(session)


@router.put("/admin/departments/{code}", response_model=s.DepartmentRead, tags=["penalty: admin"])
async def put_department(
    code: Annotated[str, Path(pattern=r"^[A-Z]{2,4}$", description="department code, e.g. SJ")],
    body: s.DepartmentIn,
    session: SessionDep,
    principal: AdminDep,
) -> s.DepartmentRead:
    """Create or update a department."""
    return await department_list.put_department(session, principal=principal, code=code, body=body)


# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


@router.get("/leads", response_model=Page[s.LeadRead])
async def leads(
    session: SessionDep,
    principal: InternalReaderDep,
    scope: ScopeDep,
    status: Annotated[Literal["open", "confirmed", "dismissed"] | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.LeadRead]:
    """Violations found in inspections, newest first (officers: their department's)."""
    return await lead_files.list_leads(session, scope=scope, status=status, cursor=cursor, limit=limit)


@router.get("/leads/{lead_id}", response_model=s.LeadRead)
async def lead(
    session: SessionDep, principal: InternalReaderDep, found: LeadDep, ctx: ContextDep
) -> s.LeadRead:
    """One lead, with the benchmark items that match its legal basis."""
    return await lead_files.lead_view(session, lead=found, ctx=ctx)


@router.post("/leads/{lead_id}/confirm", status_code=201, response_model=s.CaseRead)
async def confirm_lead(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[Lead, s.LeadConfirmIn], lead_for_update(s.LeadConfirmIn)],
    ctx: ContextDep,
) -> s.CaseRead:
    """Confirm a lead: the case is filed (立案) with the inspection's facts and evidence."""
    row = await lead_files.confirm_lead(
        session, principal=principal, lead=step.found, body=step.body, ctx=ctx
    )
    return await _read(session, principal, row)


@router.post("/leads/{lead_id}/dismiss", response_model=s.LeadRead)
async def dismiss_lead(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[Lead, s.LeadDismissIn], lead_for_update(s.LeadDismissIn)],
) -> s.LeadRead:
    """Dismiss a lead with the reason no case is opened."""
    return await lead_files.dismiss_lead(session, principal=principal, lead=step.found, body=step.body)


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
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.InvestigationIn], case_for_update(s.InvestigationIn)],
) -> s.CaseRead:
    """Start the investigation (调查取证) with at least two certified officers."""
    row = await procedure.start_investigation(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/notice", response_model=s.CaseRead)
async def notify(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.NoticeIn], case_for_update(s.NoticeIn)],
    ctx: ContextDep,
) -> s.CaseRead:
    """Serve the notice of the proposed penalty (告知书, and 听证告知书 where a hearing applies)."""
    row = await procedure.notify(session, principal=principal, row=step.found, body=step.body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements", response_model=s.CaseRead)
async def record_statement(
    session: SessionDep,
    principal: PartyOrOfficerDep,
    step: Annotated[Posted[PenaltyCase, s.StatementIn], case_for_update(s.StatementIn)],
) -> s.CaseRead:
    """The party's statement and defence (陈述申辩), submitted by the party or recorded by an officer."""
    row = await procedure.record_statement(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements/review", response_model=s.CaseRead)
async def review_statements(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.StatementReviewIn], case_for_update(s.StatementReviewIn)],
) -> s.CaseRead:
    """Review (复核) the party's statements; adopted ones must be followed."""
    row = await procedure.review_statements(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/waiver", response_model=s.CaseRead)
async def waive_rights(
    session: SessionDep,
    principal: PartyOrOfficerDep,
    step: Annotated[Posted[PenaltyCase, s.WaiverIn], case_for_update(s.WaiverIn)],
) -> s.CaseRead:
    """The party expressly gives up statement and/or hearing."""
    row = await procedure.waive_rights(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/request", response_model=s.CaseRead)
async def request_hearing(
    session: SessionDep,
    principal: PartyOrOfficerDep,
    step: Annotated[Posted[PenaltyCase, s.HearingRequestIn], case_for_update(s.HearingRequestIn)],
) -> s.CaseRead:
    """The party asks for a hearing (within 5 working days of the notice)."""
    row = await procedure.request_hearing(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/schedule", response_model=s.CaseRead)
async def schedule_hearing(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.HearingScheduleIn], case_for_update(s.HearingScheduleIn)],
) -> s.CaseRead:
    """Notify the party of the hearing at least 7 working days ahead, with a presider not on the case."""
    row = await procedure.schedule_hearing(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/record", response_model=s.CaseRead)
async def record_hearing(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.HearingRecordIn], case_for_update(s.HearingRecordIn)],
) -> s.CaseRead:
    """Record the hearing: held with a transcript, or the party absent."""
    row = await procedure.record_hearing(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/withdraw", response_model=s.CaseRead)
async def withdraw_hearing(
    session: SessionDep,
    principal: PartyOrOfficerDep,
    step: Annotated[Posted[PenaltyCase, s.HearingWithdrawIn], case_for_update(s.HearingWithdrawIn)],
) -> s.CaseRead:
    """The party withdraws its hearing request."""
    row = await procedure.withdraw_hearing(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/legal-review", response_model=s.CaseRead)
async def record_legal_review(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.LegalReviewIn], case_for_update(s.LegalReviewIn)],
) -> s.CaseRead:
    """Record the legal review (法制审核) of a proposed decision; the caller is the reviewer."""
    row = await procedure.record_legal_review(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/collective-discussion", response_model=s.CaseRead)
async def record_collective_discussion(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.CollectiveDiscussionIn], case_for_update(s.CollectiveDiscussionIn)],
) -> s.CaseRead:
    """Record the heads' collective discussion (负责人集体讨论) and its conclusion."""
    row = await procedure.record_collective_discussion(
        session, principal=principal, row=step.found, body=step.body
    )
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/extension", response_model=s.CaseRead)
async def extend_time_limit(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.ExtensionIn], case_for_update(s.ExtensionIn)],
) -> s.CaseRead:
    """Record an approved extension of the 90-day limit, with the provision that allows it."""
    row = await procedure.extend_time_limit(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/decision", response_model=s.CaseRead)
async def decide(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.DecisionIn], case_for_update(s.DecisionIn)],
    ctx: ContextDep,
) -> s.CaseRead:
    """Issue the penalty decision (行政处罚决定书), numbered per department and year."""
    row = await procedure.decide(session, principal=principal, row=step.found, body=step.body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/no-penalty-decision", response_model=s.CaseRead)
async def decide_no_penalty(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.NoPenaltyDecisionIn], case_for_update(s.NoPenaltyDecisionIn)],
    ctx: ContextDep,
) -> s.CaseRead:
    """Issue a 不予行政处罚决定书 with the education the law requires."""
    row = await procedure.decide_no_penalty(
        session, principal=principal, row=step.found, body=step.body, ctx=ctx
    )
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/delivery", response_model=s.DeliveryRead)
async def deliver(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.DeliveryIn], case_for_update(s.DeliveryIn)],
) -> s.DeliveryRead:
    """Deliver the decision together with the credit repair notice (两书同达); 409 until the notice exists."""
    row, document, notice = await procedure.deliver(
        session, principal=principal, row=step.found, body=step.body
    )
    return s.DeliveryRead(
        case=await _read(session, principal, row),
        decision_document=views.document_ref(document),
        credit_notice=views.credit_notice_read(notice),
    )


@router.post("/cases/{case_id}/deferral", response_model=s.CaseRead)
async def grant_deferral(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.DeferralIn], case_for_update(s.DeferralIn)],
) -> s.CaseRead:
    """Approve a deferred payment (暂缓缴纳) on the party's application."""
    row = await procedure.grant_deferral(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/payments", response_model=s.CaseRead)
async def record_payment(
    session: SessionDep,
    principal: PaymentDep,
    step: Annotated[Posted[PenaltyCase, s.PaymentIn], payable_case(s.PaymentIn)],
) -> s.CaseRead:
    """Record a fine payment (from an officer or the revenue system); the whole fine executes the decision."""
    row = await procedure.record_payment(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/execution", response_model=s.CaseRead)
async def record_execution(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.ExecutionIn], case_for_update(s.ExecutionIn)],
) -> s.CaseRead:
    """Record that a decision without an outstanding fine has been carried out."""
    row = await procedure.record_execution(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies", response_model=s.CaseRead)
async def file_remedy(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.RemedyIn], case_for_update(s.RemedyIn)],
) -> s.CaseRead:
    """Record that the party applied for reconsideration or sued (the surcharge stops meanwhile)."""
    row = await procedure.file_remedy(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies/conclude", response_model=s.CaseRead)
async def conclude_remedy(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.RemedyConcludeIn], case_for_update(s.RemedyConcludeIn)],
) -> s.CaseRead:
    """Record the end of a reconsideration or lawsuit that left the decision standing."""
    row = await procedure.conclude_remedy(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/revocation", response_model=s.CaseRead)
async def revoke(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.RevocationIn], case_for_update(s.RevocationIn)],
) -> s.CaseRead:
    """Revoke the decision (reconsideration, litigation or self-correction)."""
    row = await procedure.revoke(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/change", response_model=s.CaseRead)
async def change(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.ChangeIn], case_for_update(s.ChangeIn)],
) -> s.CaseRead:
    """Change the decision; never to the party's disadvantage."""
    row = await procedure.change(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/publication", response_model=s.CaseRead)
async def record_publication(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.PublicationIn], case_for_update(s.PublicationIn)],
) -> s.CaseRead:
    """Record the decision's publication (公示), or why it is exempt."""
    row = await procedure.record_publication(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/closure", response_model=s.CaseRead)
async def close(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[Posted[PenaltyCase, s.CloseIn], case_for_update(s.CloseIn)],
) -> s.CaseRead:
    """Close the case (结案) with its reason."""
    row = await procedure.close(session, principal=principal, row=step.found, body=step.body)
    return await _read(session, principal, row)


# --------------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------------


@router.get("/documents/{document_id}.html", response_class=HTMLResponse)
async def document_html(principal: ReaderDep, document: DocumentDep) -> Response:
    """A document as HTML."""
    return HTMLResponse(document.html)


@router.get(
    "/documents/{document_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the PDF, CJK fonts embedded"}},
)
async def document_pdf(
    session: SessionDep, principal: ReaderDep, document: DocumentDep, ctx: ContextDep
) -> Response:
    """A document as PDF (rendered on the first request, then served from the database)."""
    number, pdf = await documents.pdf(session, document=document, ctx=ctx)
    filename = quote(f"{number}.pdf")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{filename}"},
    )


# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


@router.get("/consistency", response_model=s.ConsistencyRead)
async def consistency(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500, description="flags listed per kind")] = 100,
) -> s.ConsistencyRead:
    """类案不同罚: fines outside their tier, districts off the city's median, same facts with different tiers."""
    return await consistency_report.consistency(session, scope=scope, ctx=ctx, limit=limit)


# --------------------------------------------------------------------------------------------------------
# Import from a former case system (办案系统): cases with their real dates
# --------------------------------------------------------------------------------------------------------

_XLSX_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {case_sheet.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
_XLSX_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {case_sheet.MEDIA_TYPE: {}}, "description": "the import template"}
}


@router.post("/imports/cases", response_model=si.CaseImportRead, tags=["penalty: import"])
async def import_cases(
    body: si.CaseImportIn, session: SessionDep, principal: ImporterDep, ctx: ContextDep
) -> si.CaseImportRead:
    """Import cases of a former case system with each step's real date; a report per row."""
    rows = [(number, row) for number, row in enumerate(body.cases, start=1)]
    return await case_imports.import_cases(session, principal=principal, ctx=ctx, rows=rows)


@router.post(
    "/imports/cases.xlsx",
    response_model=si.CaseImportRead,
    tags=["penalty: import"],
    openapi_extra=_XLSX_BODY,
)
async def import_cases_xlsx(
    request: Request, session: SessionDep, principal: ImporterDep, ctx: ContextDep
) -> si.CaseImportRead:
    """Import a filled-in xlsx template (the body); rows are numbered as in the spreadsheet."""
    rows = case_sheet.read(await request.body(), content_type=request.headers.get("content-type"))
    return await case_imports.import_cases(session, principal=principal, ctx=ctx, rows=rows)


@router.get(
    "/imports/cases/template.xlsx", response_class=Response, responses=_XLSX_FILE, tags=["penalty: import"]
)
async def import_template(principal: ImporterDep) -> Response:
    """The xlsx import template: Chinese headers, an example row and a sheet explaining every column."""
    return Response(
        case_sheet.template(),
        media_type=case_sheet.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="case-import-template.xlsx"'},
    )
