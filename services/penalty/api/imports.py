"""Import from a former case system (办案系统): cases with their real dates, JSON or the xlsx template."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from services.penalty.deps import ContextDep, ImporterDep, SessionDep
from services.penalty.schemas import imports as si
from services.penalty.use_cases import import_sheet as case_sheet
from services.penalty.use_cases import imports as case_imports

router = APIRouter()

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
