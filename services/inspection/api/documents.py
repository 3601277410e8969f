"""The documents of a visit (issue #15 item 5): 现场检查笔录 and 责令改正通知书, as HTML and as A4 PDF.
Whoever reads the visit reads its documents (VisitDep: a foreign visit is a 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.inspection.deps import ContextDep, SessionDep, VisitDep, VisitReaderDep
from services.inspection.use_cases import documents

router = APIRouter()
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF (A4), CJK fonts embedded"}
}
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "the document as a self-contained HTML page"}
}


def _pdf(title: str, visit_id: object, data: bytes) -> Response:
    filename = quote(f"{title}-{visit_id}.pdf")
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{filename}"},
    )


@router.get(
    "/visits/{visit_id}/documents/inspection-record.html",
    response_class=HTMLResponse,
    responses=HTML,
    tags=["inspection: visits"],
)
async def inspection_record_html(
    session: SessionDep, principal: VisitReaderDep, visit: VisitDep, ctx: ContextDep
) -> HTMLResponse:
    """现场检查笔录 (HTML): enterprise, place, time, officers with certificates, items with outcomes, signatures."""
    doc = await documents.render(session, ctx=ctx, principal=principal, row=visit, kind="inspection_record")
    return HTMLResponse(doc.html)


@router.get(
    "/visits/{visit_id}/documents/inspection-record.pdf",
    response_class=Response,
    responses=PDF,
    tags=["inspection: visits"],
)
async def inspection_record_pdf(
    session: SessionDep, principal: VisitReaderDep, visit: VisitDep, ctx: ContextDep
) -> Response:
    """现场检查笔录 (A4 PDF)."""
    doc = await documents.render(session, ctx=ctx, principal=principal, row=visit, kind="inspection_record")
    return _pdf(doc.title, visit.visit_id, await documents.render_pdf(doc.html))


@router.get(
    "/visits/{visit_id}/documents/correction-order.html",
    response_class=HTMLResponse,
    responses=HTML,
    tags=["inspection: visits"],
)
async def correction_order_html(
    session: SessionDep, principal: VisitReaderDep, visit: VisitDep, ctx: ContextDep
) -> HTMLResponse:
    """责令改正通知书 (HTML): the items ordered corrected, their deadlines and legal basis, how to appeal; 409
    NO_CORRECTION_ORDERED when the visit ordered nothing corrected."""
    doc = await documents.render(session, ctx=ctx, principal=principal, row=visit, kind="correction_order")
    return HTMLResponse(doc.html)


@router.get(
    "/visits/{visit_id}/documents/correction-order.pdf",
    response_class=Response,
    responses=PDF,
    tags=["inspection: visits"],
)
async def correction_order_pdf(
    session: SessionDep, principal: VisitReaderDep, visit: VisitDep, ctx: ContextDep
) -> Response:
    """责令改正通知书 (A4 PDF)."""
    doc = await documents.render(session, ctx=ctx, principal=principal, row=visit, kind="correction_order")
    return _pdf(doc.title, visit.visit_id, await documents.render_pdf(doc.html))
