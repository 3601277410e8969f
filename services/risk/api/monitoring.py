"""HTTP routes of the risk service for monitoring (intake, quarterly reports, rectifications, 12345 leads, enterprise
classes): thin — validate, call one use case, answer its response model."""

from __future__ import annotations

import copy
from datetime import UTC
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import clock, streaming
from services.common.audit_api import CheckpointRead
from services.common.auth import Principal
from services.common.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    cursor_text,
    decode_cursor,
    page_of,
)
from services.risk.deps import (
    AnsweringLead,
    ClassReaderDep,
    ContextDep,
    EnterpriseDep,
    IntegrationDep,
    LeadAnswererDep,
    LeadDep,
    LeadReaderDep,
    LeadWithNote,
    LeadWithReason,
    OfficerOrSupervisorDep,
    RectificationDep,
    RectificationSubmitterDep,
    RectificationWithNote,
    RectificationWithReason,
    RunDep,
    ScopeDep,
    SessionDep,
    SubmittingMeasures,
    SupervisorDep,
    UnitDep,
    UploadDep,
    UploaderDep,
    city_wide,
    lead_supervisor,
    rectification_supervisor,
)
from services.risk.domain import bulk, intake
from services.risk.schemas import (
    ClassificationRunRead,
    ConfigRead,
    DrillDownRead,
    EnterpriseClassRead,
    EvidenceKind,
    EvidenceRead,
    HeatTableRead,
    IntakePath,
    IntakeRead,
    LeadRead,
    OverdueLeadsRead,
    OverviewRead,
    PublishRead,
    ReclassifyWrite,
    RectificationRead,
    ReportRead,
    TransferRead,
    TransferWrite,
    UploadRead,
)
from services.risk.use_cases import checkpoints as checkpoint_cases
from services.risk.use_cases import classes, leads, rectifications, reports, uploads
from services.risk.use_cases import intake as intake_cases
from services.risk.views import config_read, report_csv

router = APIRouter()
public_router = APIRouter()

QuarterPath = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{4}[Qq][1-4]$",
        max_length=6,
        description="a quarter, e.g. 2026Q3",
        examples=["2026Q3"],
    ),
]


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` inlined (request bodies documented via openapi_extra)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(defs[ref.rsplit("/", 1)[1]]))
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


_RECORD_SCHEMA = {
    "anyOf": [_inline(model.model_json_schema()) for model in intake.MODELS.values()],
    "description": "one record of the kind named in the path (reconsideration, litigation or complaint)",
}
_SINGLE_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": _RECORD_SCHEMA}}}
}
_BULK_BODY = {
    "requestBody": {
        # an empty body is an upload of no lines: answered with lines 0, nothing stored
        "required": False,
        "content": {
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one JSON record per line (NDJSON), up to 64 MiB"}
            },
            # the same body under a generic type (the content type is not checked: every body is NDJSON)
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


# --------------------------------------------------------------------------------------------------- intake


@router.post(
    "/intake/{kind}",
    status_code=201,
    response_model=IntakeRead,
    openapi_extra=_SINGLE_BODY,
    tags=["risk: intake"],
)
async def intake_one(
    kind: IntakePath,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: IntegrationDep,
    context: ContextDep,
) -> IntakeRead:
    """Take in one reconsideration outcome, judgment or 12345 lead (idempotent on its external id)."""
    result, stored = await intake_cases.intake_one(
        session,
        kind=kind.kind,
        body=await request.body(),
        principal=principal,
        config=context.config,
        grants=context.settings.integration_scopes,
    )
    if not stored:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.post(
    "/intake/{kind}/bulk",
    response_model=UploadRead,
    openapi_extra=_BULK_BODY,
    responses={
        202: {
            "model": UploadRead,
            "description": "a job: the body is kept and processed by the worker; poll the Location (status_url)",
        }
    },
    tags=["risk: intake"],
)
async def intake_bulk(
    kind: IntakePath,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: IntegrationDep,
    context: ContextDep,
    prefer: Annotated[
        str | None,
        Header(max_length=200, description="respond-async: make it a job (202) whatever its size"),
    ] = None,
) -> UploadRead:
    """Take in an NDJSON upload: up to 1 MiB answered at once (200), larger ones as a job (202 and a status URL)."""
    respond_async = bulk.prefers_async(prefer)
    result, queued = await uploads.receive(
        session,
        kind=kind.kind,
        pieces=request.stream(),
        principal=principal,
        config=context.config,
        limits=context.limits,
        respond_async=respond_async,
        grants=context.settings.integration_scopes,
    )
    if queued:
        response.status_code = 202
        response.headers["Location"] = result.status_url
        if respond_async:
            response.headers["Preference-Applied"] = "respond-async"
    return result


@router.get("/intake/uploads/{upload_id}", response_model=UploadRead, tags=["risk: intake"])
async def get_upload(principal: UploaderDep, upload: UploadDep) -> UploadRead:
    """A bulk upload: its state, progress and figures, and the first rejected lines (the sender's own only)."""
    return uploads.get_upload(upload)


@router.get(
    "/intake/uploads/{upload_id}/errors",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": "every rejected line (up to the report's limit), one JSON object per line",
        }
    },
    tags=["risk: intake"],
)
async def upload_errors(request: Request, principal: UploaderDep, upload: UploadDep) -> StreamingResponse:
    """The report of a finished upload's rejected lines, as an NDJSON file (line, code, field, detail, issues)."""
    uploads.ensure_finished(upload)
    return StreamingResponse(
        uploads.report_ndjson(request.app.state.runtime.factory, upload.id),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="intake-upload-{upload.id}-errors.ndjson"',
            streaming.STREAM_HEADER.decode(): "1",
        },
    )


# --------------------------------------------------------------------------------------------------- reports


@router.get("/reports/{quarter}", response_model=ReportRead, tags=["risk: reports"])
async def get_report(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, scope: ScopeDep, context: ContextDep
) -> dict[str, Any]:
    """The quarterly 红黄蓝 report: every unit, domain and unit-in-domain with its colour, light and reasons."""
    return await reports.get_report(session, quarter_text=quarter, scope=scope, config=context.config)


@router.post("/reports/{quarter}/publish", response_model=PublishRead, tags=["risk: reports"])
async def publish_report(
    quarter: QuarterPath,
    session: SessionDep,
    principal: Annotated[Principal, city_wide("发布季度报告", "publish a quarter's report")],
    context: ContextDep,
) -> PublishRead:
    """Publish a closed quarter's report: warnings and rectifications for coloured and lit units (idempotent)."""
    return await reports.publish_report(session, quarter_text=quarter, principal=principal, context=context)


@router.get("/reports/{quarter}/heat", response_model=HeatTableRead, tags=["risk: reports"])
async def heat_table(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, scope: ScopeDep, context: ContextDep
) -> HeatTableRead:
    """The domain heat table: domains × units with colour, decisions, corrections and rate."""
    return await reports.get_heat_table(session, quarter_text=quarter, scope=scope, config=context.config)


@router.get(
    "/reports/{quarter}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (UTF-8)"}},
    tags=["risk: reports"],
)
async def export_csv(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, scope: ScopeDep, context: ContextDep
) -> Response:
    """The quarter's report as CSV (units, domains and cells, with the reasons)."""
    document = await reports.get_report(session, quarter_text=quarter, scope=scope, config=context.config)
    return Response(
        report_csv(document).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="risk-{document["quarter"]}.csv"'},
    )


@router.get("/overview/{quarter}", response_model=OverviewRead, tags=["risk: supervision"])
async def city_overview(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, scope: ScopeDep, context: ContextDep
) -> OverviewRead:
    """City overview: colour counts, lit and warned units, open rectifications, leads and enterprise classes."""
    return await reports.get_overview(session, quarter_text=quarter, scope=scope, config=context.config)


@router.get("/units/{unit_code}/quarters/{quarter}", response_model=DrillDownRead, tags=["risk: supervision"])
async def unit_drill_down(
    quarter: QuarterPath,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    unit: UnitDep,
    context: ContextDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"records per list of evidence (at most {MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
) -> DrillDownRead:
    """One unit's quarter: its colour and reasons, and the first page of the cases and records behind every
    number, with each list's total and the cursor of its next page (``.../evidence/{kind}``)."""
    return await reports.get_drill_down(
        session, unit=unit, quarter_text=quarter, config=context.config, limit=limit
    )


@router.get(
    "/units/{unit_code}/quarters/{quarter}/evidence/{kind}",
    response_model=Page[EvidenceRead],
    tags=["risk: supervision"],
)
async def unit_evidence(
    quarter: QuarterPath,
    kind: Annotated[EvidenceKind, Path(description="one list of the drill-down (its field name)")],
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    unit: UnitDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[EvidenceRead]:
    """One list of a unit's drill-down, a page at a time in its order: start from the drill-down's
    ``next_cursors.{kind}`` (or without a cursor, from the first record), then each page's ``next_cursor``."""
    return await reports.get_evidence(
        session, unit=unit, quarter_text=quarter, kind=kind, cursor=cursor, limit=limit
    )


@router.get("/config", response_model=ConfigRead, tags=["risk: supervision"])
async def get_config(principal: SupervisorDep, context: ContextDep) -> ConfigRead:
    """Every version of the thresholds, and the one in effect today."""
    return config_read(context.config, clock.today())


# --------------------------------------------------------------------------------------------------- rectifications


def _deadline_key(item: RectificationRead) -> list[str]:
    return rectifications.cursor_key(item)


@router.get("/rectifications", response_model=Page[RectificationRead], tags=["risk: rectification"])
async def list_rectifications(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["pending", "submitted", "reopened", "closed", "withdrawn"] | None = None,
    quarter: Annotated[str | None, Query(pattern=r"^[0-9]{4}Q[1-4]$")] = None,
    overdue: bool = False,
    pending: bool = False,
) -> Page[RectificationRead]:
    """Rectifications in the caller's scope (a unit sees its own), earliest deadline first."""
    rows = await rectifications.list_rectifications(
        session,
        scope,
        status=status,
        quarter=quarter,
        overdue=overdue,
        after=decode_cursor(cursor),
        limit=limit + 1,
        pending=pending,
    )
    return page_of(rows, limit, _deadline_key)


@router.get("/rectifications/overdue", response_model=Page[RectificationRead], tags=["risk: rectification"])
async def overdue_rectifications(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RectificationRead]:
    """Rectifications waiting for the unit past their deadline (逾期未整改), longest overdue first."""
    rows = await rectifications.list_rectifications(
        session,
        scope,
        status=None,
        quarter=None,
        overdue=True,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, _deadline_key)


@router.get("/rectifications/{warning_id}", response_model=RectificationRead, tags=["risk: rectification"])
async def get_rectification(principal: OfficerOrSupervisorDep, row: RectificationDep) -> RectificationRead:
    """One rectification with its history (404 for another unit's)."""
    return rectifications.get_rectification(row)


@router.post(
    "/rectifications/{warning_id}/submit", response_model=RectificationRead, tags=["risk: rectification"]
)
async def submit_rectification(
    session: SessionDep, principal: RectificationSubmitterDep, scope: ScopeDep, step: SubmittingMeasures
) -> RectificationRead:
    """The warned unit submits its rectification measures (整改措施)."""
    row, body = step
    return await rectifications.submit(
        session, row=row, measures=body.measures, principal=principal, scope=scope
    )


@router.post(
    "/rectifications/{warning_id}/close", response_model=RectificationRead, tags=["risk: rectification"]
)
async def close_rectification(
    session: SessionDep,
    principal: Annotated[Principal, rectification_supervisor("整改销号", "close a rectification")],
    scope: ScopeDep,
    step: RectificationWithNote,
) -> RectificationRead:
    """The supervisor accepts the measures and closes the rectification (销号)."""
    row, body = step
    return await rectifications.close(session, row=row, note=body.note, principal=principal, scope=scope)


@router.post(
    "/rectifications/{warning_id}/reopen", response_model=RectificationRead, tags=["risk: rectification"]
)
async def reopen_rectification(
    session: SessionDep,
    principal: Annotated[Principal, rectification_supervisor("退回重新整改", "send the measures back")],
    scope: ScopeDep,
    step: RectificationWithReason,
    context: ContextDep,
) -> RectificationRead:
    """The supervisor sends the measures back with a reason and a new deadline."""
    row, body = step
    return await rectifications.reopen(
        session, row=row, reason=body.reason, principal=principal, scope=scope, config=context.config
    )


@router.post(
    "/rectifications/{warning_id}/withdraw", response_model=RectificationRead, tags=["risk: rectification"]
)
async def withdraw_rectification(
    session: SessionDep,
    principal: Annotated[Principal, rectification_supervisor("撤回预警", "withdraw a warning")],
    scope: ScopeDep,
    step: RectificationWithReason,
) -> RectificationRead:
    """The supervisor withdraws a warning issued in error."""
    row, body = step
    return await rectifications.withdraw(
        session, row=row, reason=body.reason, principal=principal, scope=scope
    )


# --------------------------------------------------------------------------------------------------- leads


def _lead_key(item: LeadRead) -> list[str]:
    return [item.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(item.id)]


@router.get("/leads", response_model=Page[LeadRead], tags=["risk: 12345 leads"])
async def list_leads(
    session: SessionDep,
    principal: LeadReaderDep,
    scope: ScopeDep,
    context: ContextDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["received", "transferred", "answered", "closed"] | None = None,
    batch: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W[0-9]{2}$")] = None,
) -> Page[LeadRead]:
    """12345 leads in the caller's scope with their deadlines and overdue flags, oldest first (the 12345
    client: the leads it brought in, with their answers)."""
    rows = await leads.list_leads(
        session,
        scope,
        config=context.config,
        status=status,
        batch=batch,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, _lead_key)


@router.get("/leads/overdue", response_model=OverdueLeadsRead, tags=["risk: 12345 leads"])
async def overdue_leads(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep, context: ContextDep
) -> OverdueLeadsRead:
    """Open leads past their transfer, answer or closing deadline, earliest deadline first."""
    return await leads.overdue_leads(session, scope, config=context.config)


@router.get("/leads/pending", response_model=OverdueLeadsRead, tags=["risk: 12345 leads"])
async def pending_leads(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, context: ContextDep
) -> OverdueLeadsRead:
    """Open leads with a pending deadline."""
    return await leads.pending_leads(session, scope, config=context.config)


@router.get("/leads/transfers", response_model=list[TransferRead], tags=["risk: 12345 leads"])
async def list_transfers(
    session: SessionDep,
    principal: SupervisorDep,
    batch: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W[0-9]{2}$")] = None,
    limit: LimitQuery = 50,
) -> list[TransferRead]:
    """Weekly transfers (周移送), newest first."""
    return await leads.list_transfers(session, batch=batch, limit=limit)


@router.post("/leads/transfers", response_model=list[TransferRead], tags=["risk: 12345 leads"])
async def transfer_leads(
    body: TransferWrite,
    session: SessionDep,
    principal: Annotated[Principal, city_wide("线索周移送", "transfer the week's leads")],
    context: ContextDep,
) -> list[TransferRead]:
    """Transfer a finished week's received leads to their departments (one transfer per department)."""
    return await leads.transfer_leads(
        session, batch=body.batch, actor=principal.sub, actor_role=principal.role, config=context.config
    )


@router.get("/leads/{lead_id}", response_model=LeadRead, tags=["risk: 12345 leads"])
async def get_lead(
    session: SessionDep, principal: LeadReaderDep, lead: LeadDep, context: ContextDep
) -> LeadRead:
    """One lead with its history, answer and flags (404 for another unit's, or another client's)."""
    return await leads.get_lead(session, row=lead, config=context.config)


@router.post("/leads/{lead_id}/answer", response_model=LeadRead, tags=["risk: 12345 leads"])
async def answer_lead(
    session: SessionDep, principal: LeadAnswererDep, scope: ScopeDep, step: AnsweringLead, context: ContextDep
) -> LeadRead:
    """The department answers a transferred lead (答复)."""
    lead, body = step
    return await leads.answer(
        session, row=lead, text=body.text, principal=principal, scope=scope, config=context.config
    )


@router.post("/leads/{lead_id}/return", response_model=LeadRead, tags=["risk: 12345 leads"])
async def return_lead(
    session: SessionDep,
    principal: Annotated[Principal, lead_supervisor("退回重办", "return a lead for rework")],
    scope: ScopeDep,
    step: LeadWithReason,
    context: ContextDep,
) -> LeadRead:
    """The supervisor returns an insufficient answer (退回重办) with a new answer deadline."""
    lead, body = step
    return await leads.return_for_rework(
        session, row=lead, reason=body.reason, principal=principal, scope=scope, config=context.config
    )


@router.post("/leads/{lead_id}/close", response_model=LeadRead, tags=["risk: 12345 leads"])
async def close_lead(
    session: SessionDep,
    principal: Annotated[Principal, lead_supervisor("线索办结", "close a lead")],
    scope: ScopeDep,
    step: LeadWithNote,
    context: ContextDep,
) -> LeadRead:
    """The supervisor verifies the answer and closes the lead (办结)."""
    lead, body = step
    return await leads.close(
        session, row=lead, note=body.note, principal=principal, scope=scope, config=context.config
    )


# --------------------------------------------------------------------------------------------------- classes


@router.get("/enterprises", response_model=Page[EnterpriseClassRead], tags=["risk: enterprise classes"])
async def list_enterprises(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    risk_class: Annotated[Literal["A", "B", "C", "D"] | None, Query(alias="class")] = None,
) -> Page[EnterpriseClassRead]:
    """Enterprises with their class, score and reasons, by USCC (a district supervisor sees the district)."""
    after = decode_cursor(cursor)
    rows = await classes.list_enterprises(
        session, scope, risk_class=risk_class, after=cursor_text(after) if after else None, limit=limit + 1
    )
    return page_of(rows, limit, lambda item: item.uscc)


@router.post(
    "/enterprises/reclassify",
    status_code=202,
    response_model=ClassificationRunRead,
    tags=["risk: enterprise classes"],
)
async def request_reclassification(
    body: ReclassifyWrite,
    session: SessionDep,
    principal: Annotated[Principal, city_wide("全量重新分类", "reclassify every enterprise")],
    scope: ScopeDep,
) -> ClassificationRunRead:
    """Queue a full reclassification of every enterprise; the worker runs it (poll the run)."""
    return await classes.request_reclassification(session, principal=principal, scope=scope)


@router.get(
    "/enterprises/reclassify/{run_id}",
    response_model=ClassificationRunRead,
    tags=["risk: enterprise classes"],
)
async def get_run(principal: SupervisorDep, run: RunDep) -> ClassificationRunRead:
    """A reclassification run: its state and figures."""
    return classes.get_run(run)


@router.get("/enterprises/{uscc}", response_model=EnterpriseClassRead, tags=["risk: enterprise classes"])
async def get_enterprise(principal: ClassReaderDep, enterprise: EnterpriseDep) -> EnterpriseClassRead:
    """An enterprise's class A–D with its score and reasons (an enterprise sees only its own)."""
    return classes.get_enterprise(enterprise)


# --------------------------------------------------------------------------------------------------- audit checkpoints

CheckpointService = Annotated[
    Literal["inspection", "penalty", "credit_repair", "risk"],
    Path(description="the service whose audit chain the checkpoints sign"),
]


@public_router.get("/checkpoints/{service}", response_model=Page[CheckpointRead])
async def received_checkpoints(
    service: CheckpointService, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[CheckpointRead]:
    """The signed audit checkpoints of a service's chain as risk received and verified them, newest first:
    the supervisors' copy, to compare with the service's own (GET /public/<service>/audit/checkpoints) and
    to check its chain against (GET /api/v1/<service>/audit/verify?checkpoint_seq=&checkpoint_hash=)."""
    return await checkpoint_cases.listing(session, service, limit=limit, cursor=cursor)
