"""Printable and downloadable files of inspection (issue #15): the enterprise's door poster (A4 PDF) and the
检查台账 (xlsx)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.common import clock, ledger
from services.inspection.deps import (
    ContextDep,
    EnterpriseDep,
    ScopeDep,
    SessionDep,
    VisitReaderDep,
    YearQuery,
)
from services.inspection.use_cases import visits
from services.inspection.use_cases.registries import (
    enterprises,
)

router = APIRouter()


@router.get("/enterprises/{uscc}/poster.pdf", response_class=Response, tags=["inspection: registries"])
async def enterprise_poster(
    principal: VisitReaderDep, enterprise: EnterpriseDep, ctx: ContextDep
) -> Response:
    """The door poster to print (A4 PDF): the enterprise code's QR, name, USCC and the enterprise's rights."""
    pdf = await enterprises.poster_pdf(ctx, principal, enterprise)
    return Response(pdf, media_type="application/pdf")


@router.get("/ledgers/visits.xlsx", response_class=Response, tags=["inspection: visits"])
async def visits_ledger(
    session: SessionDep, principal: VisitReaderDep, access: ScopeDep, ctx: ContextDep, year: YearQuery = None
) -> Response:
    """检查台账 (xlsx, Chinese headers): the visits the caller may see (an officer: the department's)."""
    data = await visits.ledger_xlsx(session, ctx=ctx, principal=principal, scope=access, year=year)
    return ledger.response(data, f"涉企行政检查台账-{clock.today().isoformat()}.xlsx")
