"""The registries' import templates (issue #15 item 4) and the request body the bulk imports declare: JSON,
CSV (UTF-8 or GB18030/GBK) or xlsx, with English or the template's Chinese headers."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from services.common import ledger
from services.inspection.deps import AdminDep
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
