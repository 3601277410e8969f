"""The registries' bulk imports (items, officers, enterprises; all or nothing, admin) and their templates
(issue #15 item 4). A bulk body is JSON, CSV (UTF-8 or GB18030/GBK) or xlsx, with English or the template's
Chinese headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.common import ledger
from services.inspection import schemas as s
from services.inspection.deps import AdminDep, SessionDep
from services.inspection.use_cases import imports

CSV_OR_JSON: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/csv": {"schema": {"type": "string"}},
            ledger.XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {ledger.XLSX: {}}, "description": "the template: Chinese headers and one example row"}
}

router = APIRouter()
REGISTRIES = "inspection: registries"
Row = TypeVar("Row", bound=BaseModel)


async def _rows(
    request: Request, model: type[Row], csv_row: Callable[[dict[str, str]], dict[str, Any]]
) -> list[Row]:
    """The bulk body's rows, each validated with ``model`` (any problem refuses the whole import)."""
    return imports.parse_rows(request.headers.get("content-type", ""), await request.body(), model, csv_row)


@router.post("/items/bulk", response_model=s.ImportResult, openapi_extra=CSV_OR_JSON, tags=[REGISTRIES])
async def import_items(request: Request, session: SessionDep, principal: AdminDep) -> s.ImportResult:
    """Import items from JSON or CSV: new codes, new versions, unchanged rows; all or nothing (admin)."""
    rows = await _rows(request, s.ItemWrite, imports.item_csv_row)
    return await imports.import_items(session, principal=principal, rows=rows)


@router.post("/officers/bulk", response_model=s.ImportResult, openapi_extra=CSV_OR_JSON, tags=[REGISTRIES])
async def import_officers(request: Request, session: SessionDep, principal: AdminDep) -> s.ImportResult:
    """Import officers from JSON or CSV; status changes follow the certificate rules; all or nothing (admin)."""
    rows = await _rows(request, s.OfficerImport, imports.officer_csv_row)
    return await imports.import_officers(session, principal=principal, rows=rows)


@router.post("/enterprises/bulk", response_model=s.ImportResult, openapi_extra=CSV_OR_JSON, tags=[REGISTRIES])
async def import_enterprises(request: Request, session: SessionDep, principal: AdminDep) -> s.ImportResult:
    """Import enterprises from JSON or CSV (USCCs checked); all or nothing (admin)."""
    rows = await _rows(request, s.EnterpriseImport, imports.enterprise_csv_row)
    return await imports.import_enterprises(session, principal=principal, rows=rows)


def _template(registry: Literal["items", "officers", "enterprises"]) -> Response:
    title = imports.TEMPLATES[registry][0]
    return ledger.response(imports.template_xlsx(registry), f"{title}.xlsx")


@router.get(
    "/items/bulk/template.xlsx",
    response_class=Response,
    responses=XLSX_RESPONSE,
    tags=["inspection: registries"],
)
async def items_template(principal: AdminDep) -> Response:
    """The item import's template (xlsx, Chinese headers, one example row; admin)."""
    return _template("items")


@router.get(
    "/officers/bulk/template.xlsx",
    response_class=Response,
    responses=XLSX_RESPONSE,
    tags=["inspection: registries"],
)
async def officers_template(principal: AdminDep) -> Response:
    """The officer import's template (xlsx, Chinese headers, one example row; admin)."""
    return _template("officers")


@router.get(
    "/enterprises/bulk/template.xlsx",
    response_class=Response,
    responses=XLSX_RESPONSE,
    tags=["inspection: registries"],
)
async def enterprises_template(principal: AdminDep) -> Response:
    """The enterprise import's template (xlsx, Chinese headers, one example row; admin)."""
    return _template("enterprises")
