"""HTTP routes of the penalty service: thin — validate, call the service, map to schemas."""

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
from services.penalty import schemas as s
from services.penalty import service
from services.penalty.deps import (
    AdminDep,
    AssessorDep,
    BenchmarkCodePath,
    CaseId,
    ContextDep,
    DocumentId,
    InternalReaderDep,
    LeadId,
    OfficerDep,
    PartyOrOfficerDep,
    PaymentDep,
    ReaderDep,
    SessionDep,
    SupervisorDep,
    VersionPath,
)
from services.penalty.models import PenaltyCase

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
    return await service.list_published(
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
    return await service.published_item(session, code)


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
        await service.export_catalogue(session, fmt="json", published_only=True), "json", "benchmarks"
    )


@public_router.get("/catalogue.csv", response_class=Response, responses=_CSV_FILE)
async def public_catalogue_csv(session: SessionDep) -> Response:
    """The published catalogue as a CSV file (one row per version; nested fields as JSON)."""
    return _file(await service.export_catalogue(session, fmt="csv", published_only=True), "csv", "benchmarks")


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
    return await service.assess_what_if(session, code=code, body=body, ctx=ctx)


@router.post("/cases/{case_id}/assessment", response_model=s.AssessmentRead)
async def assess_case(
    case_id: CaseId,
    body: s.CaseAssessmentRequest,
    session: SessionDep,
    principal: OfficerDep,
    ctx: ContextDep,
) -> s.AssessmentRead:
    """Assess the case's facts against its benchmark and record the result on the case."""
    return await service.assess_case(session, principal=principal, case_id=case_id, body=body, ctx=ctx)


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
    return await service.admin_versions(session, status=status)


@router.post(
    "/admin/benchmarks/drafts", status_code=201, response_model=s.BenchmarkAdminRead, tags=["penalty: admin"]
)
async def draft_benchmark(
    body: s.BenchmarkDraftIn, session: SessionDep, principal: AdminDep
) -> s.BenchmarkAdminRead:
    """Draft a benchmark version (a draft of the same number is replaced; approved ones never are)."""
    row, _ = await service.draft_version(session, principal=principal, data=body.version)
    return service.admin_version_read(row)


@router.post("/admin/benchmarks/import", response_model=s.ImportResultRead, tags=["penalty: admin"])
async def import_benchmarks(
    request: Request, session: SessionDep, principal: AdminDep, format: Format = "json"
) -> s.ImportResultRead:
    """Import a catalogue file (the body, JSON or CSV as exported) as drafts."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("文件须为 UTF-8 编码", code="CATALOGUE_FORMAT_INVALID") from exc
    return await service.import_catalogue(session, principal=principal, text=text, fmt=format)


@router.get(
    "/admin/benchmarks/export", response_class=Response, responses=_EITHER_FILE, tags=["penalty: admin"]
)
async def export_benchmarks(session: SessionDep, principal: AdminDep, format: Format = "json") -> Response:
    """Every version, drafts included, as a JSON or CSV file."""
    text = await service.export_catalogue(session, fmt=format, published_only=False)
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
    row = await service.approve_version(session, principal=principal, code=code, number=version)
    return service.admin_version_read(row)


@router.post(
    "/admin/benchmarks/{code}/versions/{version}/publish",
    response_model=s.BenchmarkAdminRead,
    tags=["penalty: admin"],
)
async def publish_benchmark(
    code: BenchmarkCodePath, version: VersionPath, session: SessionDep, principal: AdminDep
) -> s.BenchmarkAdminRead:
    """Publish an approved version; it becomes immutable and an open predecessor ends the day before."""
    row = await service.publish_version(session, principal=principal, code=code, number=version)
    return service.admin_version_read(row)


@router.delete("/admin/benchmarks/{code}/versions/{version}", status_code=204, tags=["penalty: admin"])
async def delete_benchmark_draft(
    code: BenchmarkCodePath, version: VersionPath, session: SessionDep, principal: AdminDep
) -> Response:
    """Delete a draft (approved and published versions are kept for ever)."""
    await service.delete_draft(session, principal=principal, code=code, number=version)
    return Response(status_code=204)


@router.get("/admin/catalogue", response_model=s.CatalogueMetaRead, tags=["penalty: admin"])
async def get_catalogue_meta(session: SessionDep, principal: AdminDep) -> s.CatalogueMetaRead:
    """The catalogue's title, jurisdiction, tier split and revision."""
    return await service.catalogue_meta(session)


@router.put("/admin/catalogue", response_model=s.CatalogueMetaRead, tags=["penalty: admin"])
async def put_catalogue_meta(
    body: s.CatalogueMetaIn, session: SessionDep, principal: AdminDep, ctx: ContextDep
) -> s.CatalogueMetaRead:
    """Set the catalogue's title, jurisdiction and tier split (jurisdiction configuration)."""
    return await service.set_catalogue_meta(session, principal=principal, body=body, ctx=ctx)


@router.get("/departments", response_model=list[s.DepartmentRead])
async def departments(session: SessionDep, principal: ReaderDep) -> list[s.DepartmentRead]:
    """The enforcement departments: names, document abbreviations, remedy bodies, payment channel."""
    return await service.list_departments(session)


@router.put("/admin/departments/{code}", response_model=s.DepartmentRead, tags=["penalty: admin"])
async def put_department(
    code: Annotated[str, Path(pattern=r"^[A-Z]{2,4}$", description="department code, e.g. SJ")],
    body: s.DepartmentIn,
    session: SessionDep,
    principal: AdminDep,
) -> s.DepartmentRead:
    """Create or update a department."""
    return await service.put_department(session, principal=principal, code=code, body=body)


# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


@router.get("/leads", response_model=Page[s.LeadRead])
async def leads(
    session: SessionDep,
    principal: InternalReaderDep,
    status: Annotated[Literal["open", "confirmed", "dismissed"] | None, Query()] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.LeadRead]:
    """Violations found in inspections, newest first (officers: their department's)."""
    return await service.list_leads(session, principal=principal, status=status, cursor=cursor, limit=limit)


@router.get("/leads/{lead_id}", response_model=s.LeadRead)
async def lead(
    lead_id: LeadId, session: SessionDep, principal: InternalReaderDep, ctx: ContextDep
) -> s.LeadRead:
    """One lead, with the benchmark items that match its legal basis."""
    return await service.get_lead(session, principal=principal, lead_id=lead_id, ctx=ctx)


@router.post("/leads/{lead_id}/confirm", status_code=201, response_model=s.CaseRead)
async def confirm_lead(
    lead_id: LeadId, body: s.LeadConfirmIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """Confirm a lead: the case is filed (立案) with the inspection's facts and evidence."""
    row = await service.confirm_lead(session, principal=principal, lead_id=lead_id, body=body, ctx=ctx)
    return await service.case_read(session, principal=principal, row=row)


@router.post("/leads/{lead_id}/dismiss", response_model=s.LeadRead)
async def dismiss_lead(
    lead_id: LeadId, body: s.LeadDismissIn, session: SessionDep, principal: OfficerDep
) -> s.LeadRead:
    """Dismiss a lead with the reason no case is opened."""
    return await service.dismiss_lead(session, principal=principal, lead_id=lead_id, body=body)


# --------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------


@router.post("/cases", status_code=201, response_model=s.CaseRead)
async def open_case(
    body: s.CaseOpenIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """File a case directly (立案), numbered with the department's 立案审批表 number."""
    row = await service.open_case(session, principal=principal, body=body, ctx=ctx)
    return await service.case_read(session, principal=principal, row=row)


@router.get("/cases", response_model=Page[s.CaseSummaryRead])
async def cases(
    session: SessionDep,
    principal: ReaderDep,
    state: StateQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.CaseSummaryRead]:
    """Cases the caller may see, newest first (officers: their department's; enterprises: their own)."""
    return await service.list_cases(session, principal=principal, state=state, cursor=cursor, limit=limit)


@router.get("/cases/{case_id}", response_model=s.CaseRead)
async def case(case_id: CaseId, session: SessionDep, principal: ReaderDep) -> s.CaseRead:
    """One case: state, deadlines, decision, documents and the credit notice."""
    return await service.get_case(session, principal=principal, case_id=case_id)


@router.get("/cases/{case_id}/steps", response_model=list[s.StepReadOut])
async def case_steps(
    case_id: CaseId, session: SessionDep, principal: InternalReaderDep
) -> list[s.StepReadOut]:
    """The case's timeline: every procedure step with who did it and what it produced."""
    return await service.case_steps(session, principal=principal, case_id=case_id)


@router.get("/cases/{case_id}/decision", response_model=s.DecisionViewRead)
async def decision_view(case_id: CaseId, session: SessionDep, principal: ReaderDep) -> s.DecisionViewRead:
    """The decision with both documents of 两书同达: the decision and the credit repair notice."""
    return await service.decision_view(session, principal=principal, case_id=case_id)


async def _read(session: AsyncSession, principal: Principal, row: PenaltyCase) -> s.CaseRead:
    return await service.case_read(session, principal=principal, row=row)


@router.post("/cases/{case_id}/investigation", response_model=s.CaseRead)
async def start_investigation(
    case_id: CaseId, body: s.InvestigationIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Start the investigation (调查取证) with at least two certified officers."""
    row = await service.start_investigation(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/notice", response_model=s.CaseRead)
async def notify(
    case_id: CaseId, body: s.NoticeIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """Serve the notice of the proposed penalty (告知书, and 听证告知书 where a hearing applies)."""
    row = await service.notify(session, principal=principal, case_id=case_id, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements", response_model=s.CaseRead)
async def record_statement(
    case_id: CaseId, body: s.StatementIn, session: SessionDep, principal: PartyOrOfficerDep
) -> s.CaseRead:
    """The party's statement and defence (陈述申辩), submitted by the party or recorded by an officer."""
    row = await service.record_statement(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/statements/review", response_model=s.CaseRead)
async def review_statements(
    case_id: CaseId, body: s.StatementReviewIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Review (复核) the party's statements; adopted ones must be followed."""
    row = await service.review_statements(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/waiver", response_model=s.CaseRead)
async def waive_rights(
    case_id: CaseId, body: s.WaiverIn, session: SessionDep, principal: PartyOrOfficerDep
) -> s.CaseRead:
    """The party expressly gives up statement and/or hearing."""
    row = await service.waive_rights(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/request", response_model=s.CaseRead)
async def request_hearing(
    case_id: CaseId, body: s.HearingRequestIn, session: SessionDep, principal: PartyOrOfficerDep
) -> s.CaseRead:
    """The party asks for a hearing (within 5 working days of the notice)."""
    row = await service.request_hearing(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/schedule", response_model=s.CaseRead)
async def schedule_hearing(
    case_id: CaseId, body: s.HearingScheduleIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Notify the party of the hearing at least 7 working days ahead, with a presider not on the case."""
    row = await service.schedule_hearing(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/record", response_model=s.CaseRead)
async def record_hearing(
    case_id: CaseId, body: s.HearingRecordIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record the hearing: held with a transcript, or the party absent."""
    row = await service.record_hearing(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/hearing/withdraw", response_model=s.CaseRead)
async def withdraw_hearing(
    case_id: CaseId, body: s.HearingWithdrawIn, session: SessionDep, principal: PartyOrOfficerDep
) -> s.CaseRead:
    """The party withdraws its hearing request."""
    row = await service.withdraw_hearing(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/legal-review", response_model=s.CaseRead)
async def record_legal_review(
    case_id: CaseId, body: s.LegalReviewIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record the legal review (法制审核) of a proposed decision; the caller is the reviewer."""
    row = await service.record_legal_review(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/collective-discussion", response_model=s.CaseRead)
async def record_collective_discussion(
    case_id: CaseId, body: s.CollectiveDiscussionIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record the heads' collective discussion (负责人集体讨论) and its conclusion."""
    row = await service.record_collective_discussion(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/extension", response_model=s.CaseRead)
async def extend_time_limit(
    case_id: CaseId, body: s.ExtensionIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record an approved extension of the 90-day limit, with the provision that allows it."""
    row = await service.extend_time_limit(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/decision", response_model=s.CaseRead)
async def decide(
    case_id: CaseId, body: s.DecisionIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """Issue the penalty decision (行政处罚决定书), numbered per department and year."""
    row = await service.decide(session, principal=principal, case_id=case_id, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/no-penalty-decision", response_model=s.CaseRead)
async def decide_no_penalty(
    case_id: CaseId, body: s.NoPenaltyDecisionIn, session: SessionDep, principal: OfficerDep, ctx: ContextDep
) -> s.CaseRead:
    """Issue a 不予行政处罚决定书 with the education the law requires."""
    row = await service.decide_no_penalty(session, principal=principal, case_id=case_id, body=body, ctx=ctx)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/delivery", response_model=s.DeliveryRead)
async def deliver(
    case_id: CaseId, body: s.DeliveryIn, session: SessionDep, principal: OfficerDep
) -> s.DeliveryRead:
    """Deliver the decision together with the credit repair notice (两书同达); 409 until the notice exists."""
    row, document, notice = await service.deliver(session, principal=principal, case_id=case_id, body=body)
    return s.DeliveryRead(
        case=await _read(session, principal, row),
        decision_document=service.document_ref(document),
        credit_notice=service.credit_notice_read(notice),
    )


@router.post("/cases/{case_id}/deferral", response_model=s.CaseRead)
async def grant_deferral(
    case_id: CaseId, body: s.DeferralIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Approve a deferred payment (暂缓缴纳) on the party's application."""
    row = await service.grant_deferral(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/payments", response_model=s.CaseRead)
async def record_payment(
    case_id: CaseId, body: s.PaymentIn, session: SessionDep, principal: PaymentDep
) -> s.CaseRead:
    """Record a fine payment (from an officer or the revenue system); the whole fine executes the decision."""
    row = await service.record_payment(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/execution", response_model=s.CaseRead)
async def record_execution(
    case_id: CaseId, body: s.ExecutionIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record that a decision without an outstanding fine has been carried out."""
    row = await service.record_execution(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies", response_model=s.CaseRead)
async def file_remedy(
    case_id: CaseId, body: s.RemedyIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record that the party applied for reconsideration or sued (the surcharge stops meanwhile)."""
    row = await service.file_remedy(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/remedies/conclude", response_model=s.CaseRead)
async def conclude_remedy(
    case_id: CaseId, body: s.RemedyConcludeIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record the end of a reconsideration or lawsuit that left the decision standing."""
    row = await service.conclude_remedy(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/revocation", response_model=s.CaseRead)
async def revoke(
    case_id: CaseId, body: s.RevocationIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Revoke the decision (reconsideration, litigation or self-correction)."""
    row = await service.revoke(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/change", response_model=s.CaseRead)
async def change(case_id: CaseId, body: s.ChangeIn, session: SessionDep, principal: OfficerDep) -> s.CaseRead:
    """Change the decision; never to the party's disadvantage."""
    row = await service.change(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/publication", response_model=s.CaseRead)
async def record_publication(
    case_id: CaseId, body: s.PublicationIn, session: SessionDep, principal: OfficerDep
) -> s.CaseRead:
    """Record the decision's publication (公示), or why it is exempt."""
    row = await service.record_publication(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


@router.post("/cases/{case_id}/closure", response_model=s.CaseRead)
async def close(case_id: CaseId, body: s.CloseIn, session: SessionDep, principal: OfficerDep) -> s.CaseRead:
    """Close the case (结案) with its reason."""
    row = await service.close(session, principal=principal, case_id=case_id, body=body)
    return await _read(session, principal, row)


# --------------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------------


@router.get("/documents/{document_id}.html", response_class=HTMLResponse)
async def document_html(document_id: DocumentId, session: SessionDep, principal: ReaderDep) -> Response:
    """A document as HTML."""
    html = await service.document_html(session, principal=principal, document_id=document_id)
    return HTMLResponse(html)


@router.get(
    "/documents/{document_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the PDF, CJK fonts embedded"}},
)
async def document_pdf(
    document_id: DocumentId, session: SessionDep, principal: ReaderDep, ctx: ContextDep
) -> Response:
    """A document as PDF (rendered on the first request, then served from the database)."""
    number, pdf = await service.document_pdf(session, principal=principal, document_id=document_id, ctx=ctx)
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
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500, description="flags listed per kind")] = 100,
) -> s.ConsistencyRead:
    """类案不同罚: fines outside their tier, districts off the city's median, same facts with different tiers."""
    return await service.consistency(session, principal=principal, ctx=ctx, limit=limit)
