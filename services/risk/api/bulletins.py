"""HTTP routes of 通报 (bulletins): thin — validate, call one use case, answer its model or document."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from services.common.pagination import CursorQuery, LimitQuery, Page, decode_cursor, page_of
from services.risk.deps import BulletinDep, OfficerOrSupervisorDep, ScopeDep, SessionDep, SupervisorDep
from services.risk.schemas import BulletinCreate, BulletinRead, PublicBulletinRead
from services.risk.use_cases import bulletins
from services.risk.views import bulletin_read

router = APIRouter(tags=["risk: bulletins"])
public_router = APIRouter(tags=["risk: bulletins"])

PDF = {200: {"content": {"application/pdf": {}}, "description": "the bulletin as PDF, CJK fonts embedded"}}


def _key(item: BulletinRead | PublicBulletinRead) -> list[str]:
    return [item.issued_at.isoformat(), str(item.id)]


def _pdf(number: str, body: bytes) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(number)}.pdf"},
    )


@router.get("/bulletins", response_model=Page[BulletinRead])
async def list_bulletins(
    session: SessionDep,
    principal: OfficerOrSupervisorDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[BulletinRead]:
    """Bulletins in the caller's scope (a unit: those addressed to it), newest first."""
    rows = await bulletins.list_bulletins(session, scope, after=decode_cursor(cursor), limit=limit + 1)
    return page_of(rows, limit, _key)


@router.post("/bulletins", status_code=201, response_model=BulletinRead)
async def issue_bulletin(
    body: BulletinCreate, session: SessionDep, principal: SupervisorDep, scope: ScopeDep
) -> BulletinRead:
    """Issue a bulletin (通报) from a warning, a completed review campaign or a supervision matter."""
    return await bulletins.issue(session, principal=principal, scope=scope, body=body)


@router.get("/bulletins/{bulletin_id}", response_model=BulletinRead)
async def get_bulletin(principal: OfficerOrSupervisorDep, row: BulletinDep) -> BulletinRead:
    """One bulletin (404 for one not addressed to the caller's unit or district)."""
    return bulletin_read(row)


@router.get(
    "/bulletins/{bulletin_id}/html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
async def get_bulletin_html(principal: OfficerOrSupervisorDep, row: BulletinDep) -> HTMLResponse:
    """The bulletin as an HTML document."""
    return HTMLResponse(row.html)


@router.get("/bulletins/{bulletin_id}/pdf", response_class=Response, responses=PDF)  # type: ignore[arg-type]
async def get_bulletin_pdf(principal: OfficerOrSupervisorDep, row: BulletinDep) -> Response:
    """The bulletin as PDF."""
    return _pdf(row.number, await bulletins.pdf(row))


@public_router.get("/bulletins", response_model=Page[PublicBulletinRead])
async def list_public_bulletins(
    session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[PublicBulletinRead]:
    """Public bulletins (公开通报), newest first; no token."""
    rows = await bulletins.list_public(session, after=decode_cursor(cursor), limit=limit + 1)
    return page_of(rows, limit, _key)


@public_router.get("/bulletins/{bulletin_id}/pdf", response_class=Response, responses=PDF)  # type: ignore[arg-type]
async def get_public_bulletin_pdf(bulletin_id: uuid.UUID, session: SessionDep) -> Response:
    """A public bulletin as PDF; no token."""
    return _pdf(*await bulletins.public_pdf(session, bulletin_id))
