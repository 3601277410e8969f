"""台账 exports of the risk service (issue #15 item 4): 12345 leads and rectifications as xlsx with Chinese
headers (services/common/ledger.py), the rows the caller's list would show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.common import clock, ledger
from services.risk.deps import ContextDep, OfficerOrSupervisorDep, ScopeDep, SessionDep
from services.risk.use_cases import leads, rectifications

router = APIRouter(tags=["risk: ledgers"])

_COLOURS = {"red": "红", "yellow": "黄", "blue": "蓝", "none": "无"}
RECTIFICATION_COLUMNS = [
    ("unit_code", "执法单位"),
    ("quarter", "季度"),
    ("colour", "预警等级"),
    ("issued_on", "下发日期"),
    ("deadline", "整改期限"),
    ("status_label", "整改状态"),
    ("measures", "整改措施"),
    ("submitted_at", "提交时间"),
    ("submitted_late", "逾期提交"),
    ("reopen_count", "退回次数"),
    ("overdue", "是否逾期"),
    ("days_overdue", "逾期天数"),
]
LEAD_COLUMNS = [
    ("external_id", "工单编号"),
    ("received_at", "受理时间"),
    ("batch", "批次"),
    ("unit_code", "承办单位"),
    ("department", "承办部门"),
    ("domain", "领域"),
    ("category", "类别"),
    ("uscc", "统一社会信用代码"),
    ("text", "诉求内容"),
    ("status_label", "办理状态"),
    ("transferred_at", "转办时间"),
    ("answer_due_on", "答复期限"),
    ("answered_at", "答复时间"),
    ("answered_late", "逾期答复"),
    ("answer", "答复内容"),
    ("closed_at", "办结时间"),
    ("return_count", "退回次数"),
]


def _file(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]], name: str) -> Response:
    return ledger.response(ledger.xlsx(title, columns, rows), f"{name}-{clock.today().isoformat()}.xlsx")


@router.get("/ledgers/rectifications.xlsx", response_class=Response)
async def rectifications_ledger(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep
) -> Response:
    """整改台账 (xlsx): the rectifications in the caller's scope, earliest deadline first."""
    found = await rectifications.list_rectifications(
        session, scope, status=None, quarter=None, overdue=False, after=None, limit=ledger.MAX_ROWS
    )
    rows = [{**r.model_dump(), "colour": _COLOURS[r.colour]} for r in found]
    return _file("整改台账", RECTIFICATION_COLUMNS, rows, "红黄蓝预警整改台账")


@router.get("/ledgers/leads.xlsx", response_class=Response)
async def leads_ledger(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep, context: ContextDep
) -> Response:
    """12345 线索台账 (xlsx): the leads in the caller's scope, oldest first."""
    found = await leads.list_leads(
        session, scope, config=context.config, status=None, batch=None, after=None, limit=ledger.MAX_ROWS
    )
    return _file("线索台账", LEAD_COLUMNS, [r.model_dump() for r in found], "12345线索台账")
