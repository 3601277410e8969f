"""台账 exports of the penalty service (issue #15 item 4): xlsx with Chinese headers (services/common/ledger.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.common import clock, ledger
from services.penalty.api.cases import StateQuery
from services.penalty.deps import ReaderDep, ScopeDep, SessionDep
from services.penalty.use_cases import cases as case_files

router = APIRouter(tags=["penalty: ledgers"])


@router.get("/ledgers/cases.xlsx", response_class=Response)
async def cases_ledger(
    session: SessionDep, principal: ReaderDep, scope: ScopeDep, state: StateQuery = None
) -> Response:
    """案件及处罚决定台账 (xlsx): every case the caller may see, newest first, with its decision."""
    rows = await case_files.ledger_rows(session, scope=scope, state=state)
    data = ledger.xlsx("案件台账", case_files.LEDGER_COLUMNS, rows)
    return ledger.response(data, f"行政处罚案件台账-{clock.today().isoformat()}.xlsx")
