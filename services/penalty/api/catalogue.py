"""The catalogue and the assessment: the public benchmark (行政处罚法 第三十四条), its administration, departments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from services.common.deps import get_context, get_principal
from services.common.errors import BadRequest
from services.common.fields import Day
from services.common.hot import hot_route
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.deps import (
    AdminDep,
    AssessorDep,
    BenchmarkCodePath,
    ContextDep,
    OfficerDep,
    ReaderDep,
    SessionDep,
    SessionOpenerDep,
    VersionPath,
    assessor,
    case_for_update,
    get_session_opener,
)
from services.penalty.models import PenaltyCase
from services.penalty.use_cases import (
    assessment,
    calendar_deadlines,
    catalogue,
)
from services.penalty.use_cases import departments as department_list

router = APIRouter()
public_router = APIRouter()
Format = Annotated[Literal["json", "csv"], Query(description="file format")]


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


# 行政执法公示 (沈法治办发〔2020〕7号 三（三）; 行政处罚法 第四十八条): use_cases.disclosure


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


async def assess(
    code: BenchmarkCodePath,
    body: s.AssessRequest,
    open_session: SessionOpenerDep,
    principal: AssessorDep,
    ctx: ContextDep,
) -> Response:
    """A what-if assessment against the published catalogue; nothing is stored."""
    read = await assessment.assess_what_if(open_session, code=code, body=body, ctx=ctx)
    # Serialised once by pydantic-core from the engine's result (views.assessment_json): FastAPI's second
    # validation of the response model would only cost time (a hot path, issue #16).
    return Response(read, media_type="application/json")


async def _assess_hot(request: Request, body: s.AssessRequest) -> Response:
    """``assess`` without FastAPI's generic handler (services/common/hot.py): its dependencies in its order
    (the session opener, the assessor's role check, the context), the path's code as FastAPI validated it."""
    open_session = await get_session_opener(request)
    principal = await assessor(request, await get_principal(request))
    return await assess(
        request.path_params["code"], body, open_session, principal, await get_context(request)
    )


# The hot path (issue #16 item 3): declared as with ``@router.post``, served by services/common/hot.py on a
# JSON body the model accepts; every other request (and every refusal) is FastAPI's handler's.
router.add_api_route(
    "/benchmarks/{code}/assess",
    assess,
    methods=["POST"],
    response_model=s.AssessmentRead,
    route_class_override=hot_route(s.AssessRequest, _assess_hot),
)


@router.post("/cases/{case_id}/assessment", response_model=s.AssessmentRead)
async def assess_case(
    session: SessionDep,
    principal: OfficerDep,
    step: Annotated[tuple[PenaltyCase, s.CaseAssessmentRequest], case_for_update(s.CaseAssessmentRequest)],
    ctx: ContextDep,
) -> s.AssessmentRead:
    """Assess the case's facts against its benchmark and record the result on the case."""
    row, body = step
    return await assessment.assess_case(session, principal=principal, row=row, body=body, ctx=ctx)


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


@router.get("/admin/deadlines/unknown", response_model=list[s.UnknownDeadlinesRead], tags=["penalty: admin"])
async def unknown_deadlines(session: SessionDep, principal: AdminDep) -> list[s.UnknownDeadlinesRead]:
    """Decisions whose deadlines wait for a year's statutory calendar (issued anyway: 行政处罚法 第六十条);
    entering the year (PUT /admin/calendar/{year}) computes them."""
    return await calendar_deadlines.unknown_deadlines(session)


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
