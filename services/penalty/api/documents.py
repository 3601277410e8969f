"""The case's documents (HTML, PDF)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from services.penalty.deps import (
    ContextDep,
    DocumentDep,
    ReaderDep,
    SessionDep,
)
from services.penalty.use_cases import (
    documents,
)

router = APIRouter()


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
