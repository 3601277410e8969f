"""HTTP routes of supervision matters (个案监督 and 提级办理, issue #14): a supervisor opens a matter on a case,
visit or 12345 lead; the unit concerned answers; the supervisor closes or reopens it; its numbered document
in HTML or PDF. Thin: validate, call one use case, answer its response model."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from services.common.auth import Principal
from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk.deps import (
    MatterAnswererDep,
    MatterDep,
    OfficerOrSupervisorDep,
    ScopeDep,
    SessionDep,
    SupervisorDep,
    locked_matter,
    matter_supervisor,
)
from services.risk.models import SupervisionMatter
from services.risk.schemas import (
    MatterAnswerWrite,
    MatterRead,
    MatterReopenWrite,
    MatterWrite,
    NoteWrite,
    UnitCode,
)
from services.risk.use_cases import matters
from services.risk.views import matter_read

router = APIRouter(prefix="/supervision/matters", tags=["risk: supervision matters"])

_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "the document: HTML, or PDF with the CJK fonts embedded",
    }
}


@router.post("", status_code=201, response_model=MatterRead)
async def open_matter(
    body: MatterWrite, session: SessionDep, principal: SupervisorDep, scope: ScopeDep
) -> MatterRead:
    """Open a matter (监督意见书, 纠错通知书 or 提级办理) with its numbered document and a working-day deadline."""
    return await matters.open_matter(session, body=body, principal=principal, scope=scope)


@router.get("", response_model=Page[MatterRead])
async def list_matters(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    unit_code: Annotated[UnitCode | None, Query()] = None,
    status: Literal["open", "overdue", "answered", "closed"] | None = None,
    target_kind: Literal["case", "visit", "lead"] | None = None,
    target_id: uuid.UUID | None = None,
    pending: bool = False,
) -> Page[MatterRead]:
    """Matters in the caller's scope (a unit sees its own), earliest deadline first, pending ones last."""
    target = (target_kind, target_id) if target_kind is not None and target_id is not None else None
    rows = await matters.list_matters(
        session,
        scope,
        unit_code=unit_code,
        status=status,
        target=target,
        after=decode_cursor(cursor),
        limit=limit + 1,
        pending=pending,
    )
    return page_of(rows, limit, matters.cursor_key)


@router.get("/{matter_id}", response_model=MatterRead)
async def get_matter(principal: OfficerOrSupervisorDep, row: MatterDep) -> MatterRead:
    """One matter with its history (404 for another unit's)."""
    return matter_read(row)


@router.post("/{matter_id}/answer", response_model=MatterRead)
async def answer_matter(
    session: SessionDep,
    principal: MatterAnswererDep,
    step: Annotated[tuple[SupervisionMatter, MatterAnswerWrite], locked_matter(MatterAnswerWrite)],
) -> MatterRead:
    """The unit concerned answers: accepts and corrects (saying what), or explains (late after the deadline)."""
    row, body = step
    return await matters.answer(session, row=row, body=body, principal=principal)


@router.post("/{matter_id}/close", response_model=MatterRead)
async def close_matter(
    session: SessionDep,
    principal: Annotated[Principal, matter_supervisor("监督事项办结", "close a supervision matter")],
    step: Annotated[tuple[SupervisionMatter, NoteWrite], locked_matter(NoteWrite)],
) -> MatterRead:
    """The supervisor accepts the answer and closes the matter (办结)."""
    row, body = step
    return await matters.close(session, row=row, note=body.note, principal=principal)


@router.post("/{matter_id}/reopen", response_model=MatterRead)
async def reopen_matter(
    session: SessionDep,
    principal: Annotated[Principal, matter_supervisor("退回重新答复", "reject the answer")],
    step: Annotated[tuple[SupervisionMatter, MatterReopenWrite], locked_matter(MatterReopenWrite)],
) -> MatterRead:
    """The supervisor rejects the answer and reopens the matter with a new deadline."""
    row, body = step
    return await matters.reopen(session, row=row, body=body, principal=principal)


@router.get(
    "/{matter_id}/documents/{kind}",
    response_class=Response,
    responses=_DOCUMENT,
)
async def matter_document(
    kind: Literal["html", "pdf"], session: SessionDep, principal: OfficerOrSupervisorDep, row: MatterDep
) -> Response:
    """The matter's numbered document (监督意见书, 纠错通知书 or 提级办理决定书) as HTML or PDF."""
    if kind == "html":
        return HTMLResponse(row.document_html)
    return Response(
        await matters.pdf(session, row),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="matter-{row.id}.pdf"'},
    )
