"""HTTP routes of the risk service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.common import streaming
from services.common.fields import UsccText
from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk import service, uploads
from services.risk.deps import (
    ConfigDep,
    IntegrationDep,
    OfficerOrSupervisorDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    SupervisorDep,
    require_city,
    roles,
)
from services.risk.domain import bulk, intake
from services.risk.schemas import (
    AnswerWrite,
    ClassificationRunRead,
    ConfigRead,
    DrillDownRead,
    EnterpriseClassRead,
    HeatTableRead,
    IntakePath,
    IntakeRead,
    LeadRead,
    MeasuresWrite,
    NoteWrite,
    OverdueLeadsRead,
    OverviewRead,
    PublishRead,
    ReasonWrite,
    ReclassifyWrite,
    RectificationRead,
    ReportRead,
    TransferRead,
    TransferWrite,
)
from services.risk.upload_schemas import UploadRead

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
public_router = APIRouter(prefix="/public/risk", tags=["risk: public"])

QuarterPath = Annotated[
    str,
    Path(
        pattern=r"^[0-9]{4}[Qq][1-4]$",
        max_length=6,
        description="a quarter, e.g. 2026Q3",
        examples=["2026Q3"],
    ),
]
UnitPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._\-]*$")]
UsccPath = Annotated[UsccText, Path()]


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
UploaderDep = Annotated[Any, roles("integration", "admin")]


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
    config: ConfigDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Take in one reconsideration outcome, judgment or 12345 lead (idempotent on its external id)."""
    service.check_client(principal, kind.kind, settings.integration_scopes)
    body = await request.body()
    result, stored = await service.intake_one(
        session, kind=kind.kind, body=body, principal=principal, config=config
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
    config: ConfigDep,
    settings: SettingsDep,
    prefer: Annotated[
        str | None,
        Header(max_length=200, description="respond-async: make it a job (202) whatever its size"),
    ] = None,
) -> dict[str, Any]:
    """Take in an NDJSON upload: up to 1 MiB answered at once (200), larger ones as a job (202 and a status URL)."""
    service.check_client(principal, kind.kind, settings.integration_scopes)
    respond_async = bulk.prefers_async(prefer)
    result, queued = await uploads.receive(
        session,
        kind=kind.kind,
        pieces=request.stream(),
        principal=principal,
        config=config,
        limits=uploads.Limits.of(settings),
        respond_async=respond_async,
    )
    if queued:
        response.status_code = 202
        response.headers["Location"] = result["status_url"]
        if respond_async:
            response.headers["Preference-Applied"] = "respond-async"
    return result


@router.get("/intake/uploads/{upload_id}", response_model=UploadRead, tags=["risk: intake"])
async def get_upload(upload_id: uuid.UUID, session: SessionDep, principal: UploaderDep) -> dict[str, Any]:
    """A bulk upload: its state, progress and figures, and the first rejected lines (the sender's own only)."""
    return await uploads.get_upload(session, upload_id=upload_id, principal=principal)


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
async def upload_errors(
    upload_id: uuid.UUID, request: Request, session: SessionDep, principal: UploaderDep
) -> StreamingResponse:
    """The report of a finished upload's rejected lines, as an NDJSON file (line, code, field, detail, issues)."""
    await uploads.finished_upload(session, upload_id=upload_id, principal=principal)
    return StreamingResponse(
        uploads.report_ndjson(request.app.state.runtime.factory, upload_id),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="intake-upload-{upload_id}-errors.ndjson"',
            streaming.STREAM_HEADER.decode(): "1",
        },
    )


# --------------------------------------------------------------------------------------------------- reports


@router.get("/reports/{quarter}", response_model=ReportRead, tags=["risk: reports"])
async def get_report(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """The quarterly 红黄蓝 report: every unit, domain and unit-in-domain with its colour, light and reasons."""
    return await service.get_report(session, quarter_text=quarter, principal=principal, config=config)


@router.post("/reports/{quarter}/publish", response_model=PublishRead, tags=["risk: reports"])
async def publish_report(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """Publish a closed quarter's report: warnings and rectifications for coloured and lit units (idempotent)."""
    return await service.publish_report(session, quarter_text=quarter, principal=principal, config=config)


@router.get("/reports/{quarter}/heat", response_model=HeatTableRead, tags=["risk: reports"])
async def heat_table(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """The domain heat table: domains × units with colour, decisions, corrections and rate."""
    return await service.heat_table(session, quarter_text=quarter, principal=principal, config=config)


@router.get(
    "/reports/{quarter}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (UTF-8)"}},
    tags=["risk: reports"],
)
async def export_csv(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> Response:
    """The quarter's report as CSV (units, domains and cells, with the reasons)."""
    document = await service.get_report(session, quarter_text=quarter, principal=principal, config=config)
    return Response(
        service.report_csv(document).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="risk-{document["quarter"]}.csv"'},
    )


@router.get("/overview/{quarter}", response_model=OverviewRead, tags=["risk: supervision"])
async def city_overview(
    quarter: QuarterPath, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """City overview: colour counts, lit and warned units, open rectifications, leads and enterprise classes."""
    return await service.overview(session, quarter_text=quarter, principal=principal, config=config)


@router.get("/units/{unit_code}/quarters/{quarter}", response_model=DrillDownRead, tags=["risk: supervision"])
async def unit_drill_down(
    unit_code: UnitPath,
    quarter: QuarterPath,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
) -> dict[str, Any]:
    """One unit's quarter: its colour and reasons, and the cases and records behind every number."""
    return await service.drill_down(
        session, unit_code=unit_code, quarter_text=quarter, principal=principal, config=config
    )


@router.get("/config", response_model=ConfigRead, tags=["risk: supervision"])
async def get_config(principal: SupervisorDep, config: ConfigDep) -> dict[str, Any]:
    """Every version of the thresholds, and the one in effect today."""
    return service.config_document(config)


# --------------------------------------------------------------------------------------------------- rectifications


def _deadline_key(item: dict[str, Any]) -> list[str]:
    return [item["deadline"].isoformat(), str(item["warning_id"])]


@router.get("/rectifications", response_model=Page[RectificationRead], tags=["risk: rectification"])
async def list_rectifications(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["pending", "submitted", "reopened", "closed", "withdrawn"] | None = None,
    quarter: Annotated[str | None, Query(pattern=r"^[0-9]{4}Q[1-4]$")] = None,
    overdue: bool = False,
) -> Page[Any]:
    """Rectifications in the caller's scope (a unit sees its own), earliest deadline first."""
    rows = await service.list_rectifications(
        session,
        principal=principal,
        status=status,
        quarter=quarter,
        overdue=overdue,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, _deadline_key)


@router.get("/rectifications/overdue", response_model=Page[RectificationRead], tags=["risk: rectification"])
async def overdue_rectifications(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[Any]:
    """Rectifications waiting for the unit past their deadline (逾期未整改), longest overdue first."""
    rows = await service.list_rectifications(
        session,
        principal=principal,
        status=None,
        quarter=None,
        overdue=True,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, _deadline_key)


@router.get("/rectifications/{warning_id}", response_model=RectificationRead, tags=["risk: rectification"])
async def get_rectification(
    warning_id: uuid.UUID, session: SessionDep, principal: OfficerOrSupervisorDep
) -> dict[str, Any]:
    """One rectification with its history (404 for another unit's)."""
    return await service.get_rectification(session, warning_id=warning_id, principal=principal)


@router.post(
    "/rectifications/{warning_id}/submit", response_model=RectificationRead, tags=["risk: rectification"]
)
async def submit_rectification(
    warning_id: uuid.UUID, body: MeasuresWrite, session: SessionDep, principal: OfficerOrSupervisorDep
) -> dict[str, Any]:
    """The warned unit submits its rectification measures (整改措施)."""
    return await service.submit_rectification(
        session, warning_id=warning_id, measures=body.measures, principal=principal
    )


@router.post(
    "/rectifications/{warning_id}/close", response_model=RectificationRead, tags=["risk: rectification"]
)
async def close_rectification(
    warning_id: uuid.UUID, body: NoteWrite, session: SessionDep, principal: OfficerOrSupervisorDep
) -> dict[str, Any]:
    """The supervisor accepts the measures and closes the rectification (销号)."""
    return await service.close_rectification(
        session, warning_id=warning_id, note=body.note, principal=principal
    )


@router.post(
    "/rectifications/{warning_id}/reopen", response_model=RectificationRead, tags=["risk: rectification"]
)
async def reopen_rectification(
    warning_id: uuid.UUID,
    body: ReasonWrite,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
) -> dict[str, Any]:
    """The supervisor sends the measures back with a reason and a new deadline."""
    return await service.reopen_rectification(
        session, warning_id=warning_id, reason=body.reason, principal=principal, config=config
    )


@router.post(
    "/rectifications/{warning_id}/withdraw", response_model=RectificationRead, tags=["risk: rectification"]
)
async def withdraw_rectification(
    warning_id: uuid.UUID, body: ReasonWrite, session: SessionDep, principal: OfficerOrSupervisorDep
) -> dict[str, Any]:
    """The supervisor withdraws a warning issued in error."""
    return await service.withdraw_rectification(
        session, warning_id=warning_id, reason=body.reason, principal=principal
    )


# --------------------------------------------------------------------------------------------------- leads


def _lead_key(item: dict[str, Any]) -> list[str]:
    return [item["received_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(item["id"])]


@router.get("/leads", response_model=Page[LeadRead], tags=["risk: 12345 leads"])
async def list_leads(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Literal["received", "transferred", "answered", "closed"] | None = None,
    batch: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W[0-9]{2}$")] = None,
) -> Page[Any]:
    """12345 leads in the caller's scope with their deadlines and overdue flags, oldest first."""
    rows = await service.list_leads(
        session,
        principal=principal,
        config=config,
        status=status,
        batch=batch,
        after=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page_of(rows, limit, _lead_key)


@router.get("/leads/overdue", response_model=OverdueLeadsRead, tags=["risk: 12345 leads"])
async def overdue_leads(
    session: SessionDep, principal: OfficerOrSupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """Open leads past their transfer, answer or closing deadline, earliest deadline first."""
    return await service.overdue_leads(session, principal=principal, config=config)


@router.get("/leads/transfers", response_model=list[TransferRead], tags=["risk: 12345 leads"])
async def list_transfers(
    session: SessionDep,
    principal: SupervisorDep,
    batch: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W[0-9]{2}$")] = None,
    limit: LimitQuery = 50,
) -> list[Any]:
    """Weekly transfers (周移送), newest first."""
    return await service.list_transfers(session, batch=batch, limit=limit)


@router.post("/leads/transfers", response_model=list[TransferRead], tags=["risk: 12345 leads"])
async def transfer_leads(
    body: TransferWrite, session: SessionDep, principal: SupervisorDep, config: ConfigDep
) -> list[dict[str, Any]]:
    """Transfer a finished week's received leads to their departments (one transfer per department)."""
    require_city(principal, "线索周移送")
    return await service.transfer_leads(
        session, batch=body.batch, actor=principal.sub, actor_role=principal.role, config=config
    )


@router.get("/leads/{lead_id}", response_model=LeadRead, tags=["risk: 12345 leads"])
async def get_lead(
    lead_id: uuid.UUID, session: SessionDep, principal: OfficerOrSupervisorDep, config: ConfigDep
) -> dict[str, Any]:
    """One lead with its history and flags (404 for another unit's)."""
    return await service.get_lead(session, lead_id=lead_id, principal=principal, config=config)


@router.post("/leads/{lead_id}/answer", response_model=LeadRead, tags=["risk: 12345 leads"])
async def answer_lead(
    lead_id: uuid.UUID,
    body: AnswerWrite,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
) -> dict[str, Any]:
    """The department answers a transferred lead (答复)."""
    return await service.answer_lead(
        session, lead_id=lead_id, text=body.text, principal=principal, config=config
    )


@router.post("/leads/{lead_id}/return", response_model=LeadRead, tags=["risk: 12345 leads"])
async def return_lead(
    lead_id: uuid.UUID,
    body: ReasonWrite,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
) -> dict[str, Any]:
    """The supervisor returns an insufficient answer (退回重办) with a new answer deadline."""
    return await service.return_lead(
        session, lead_id=lead_id, reason=body.reason, principal=principal, config=config
    )


@router.post("/leads/{lead_id}/close", response_model=LeadRead, tags=["risk: 12345 leads"])
async def close_lead(
    lead_id: uuid.UUID,
    body: NoteWrite,
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    config: ConfigDep,
) -> dict[str, Any]:
    """The supervisor verifies the answer and closes the lead (办结)."""
    return await service.close_lead(
        session, lead_id=lead_id, note=body.note, principal=principal, config=config
    )


# --------------------------------------------------------------------------------------------------- classes


@router.get("/enterprises", response_model=Page[EnterpriseClassRead], tags=["risk: enterprise classes"])
async def list_enterprises(
    session: SessionDep,
    principal: SupervisorDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    risk_class: Annotated[Literal["A", "B", "C", "D"] | None, Query(alias="class")] = None,
) -> Page[Any]:
    """Enterprises with their class, score and reasons, by USCC (a district supervisor sees the district)."""
    after = decode_cursor(cursor)
    rows = await service.list_enterprises(
        session,
        principal=principal,
        risk_class=risk_class,
        after=str(after) if after else None,
        limit=limit + 1,
    )
    return page_of(rows, limit, lambda item: item["uscc"])


@router.post(
    "/enterprises/reclassify",
    status_code=202,
    response_model=ClassificationRunRead,
    tags=["risk: enterprise classes"],
)
async def request_reclassification(
    body: ReclassifyWrite, session: SessionDep, principal: SupervisorDep
) -> dict[str, Any]:
    """Queue a full reclassification of every enterprise; the worker runs it (poll the run)."""
    return await service.request_reclassification(session, principal=principal)


@router.get(
    "/enterprises/reclassify/{run_id}",
    response_model=ClassificationRunRead,
    tags=["risk: enterprise classes"],
)
async def get_run(run_id: uuid.UUID, session: SessionDep, principal: SupervisorDep) -> dict[str, Any]:
    """A reclassification run: its state and figures."""
    return await service.get_run(session, run_id=run_id)


@router.get("/enterprises/{uscc}", response_model=EnterpriseClassRead, tags=["risk: enterprise classes"])
async def get_enterprise(
    uscc: UsccPath,
    session: SessionDep,
    principal: Annotated[Any, roles("supervisor", "admin", "officer", "enterprise")],
) -> dict[str, Any]:
    """An enterprise's class A–D with its score and reasons (an enterprise sees only its own)."""
    return await service.get_enterprise(session, uscc=uscc, principal=principal)


__all__ = ["PrincipalDep", "public_router", "router"]
