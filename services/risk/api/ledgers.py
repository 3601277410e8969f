"""台账 exports of the risk service (issue #15 item 4): 12345 leads, rectifications, supervision matters and a
review campaign's scores as xlsx with Chinese headers (services/common/ledger.py), the rows the caller's list
would show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.common import clock, ledger
from services.common.workdays import PENDING_NOTE
from services.risk.deps import ContextDep, OfficerOrSupervisorDep, ReviewDep, ScopeDep, SessionDep
from services.risk.schemas import ReviewFileRead, ReviewRead
from services.risk.use_cases import leads, matters, rectifications, reviews

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
    rows = [
        {**r.model_dump(), "colour": _COLOURS[r.colour], "deadline": r.deadline or PENDING_NOTE}
        for r in found
    ]
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


MATTER_COLUMNS = [
    ("document_no", "文书编号"),
    ("kind_label", "监督方式"),
    ("escalated", "提级办理"),
    ("level", "监督层级"),
    ("title", "监督事项"),
    ("unit_code", "被监督单位"),
    ("target_ref", "监督对象"),
    ("grounds", "监督事由"),
    ("legal_basis", "法律依据"),
    ("requested_action", "监督要求"),
    ("opened_at", "下发时间"),
    ("deadline_working_days", "答复期限（工作日）"),
    ("due_on", "答复截止日"),
    ("status_label", "办理状态"),
    ("days_overdue", "逾期天数"),
    ("answered_at", "答复时间"),
    ("answered_late", "逾期答复"),
    ("outcome", "答复方式"),
    ("answer_text", "答复内容"),
    ("corrected", "纠正情况"),
    ("closed_at", "办结时间"),
    ("reopen_count", "退回次数"),
]
_OUTCOMES = {"corrected": "接受并纠正", "explained": "说明理由"}
_LEVELS = {"city": "市级", "district": "区级"}


@router.get("/ledgers/supervision-matters.xlsx", response_class=Response)
async def matters_ledger(session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep) -> Response:
    """监督事项台账 (xlsx): the supervision matters in the caller's scope (a unit its own), earliest deadline
    first."""
    found = await matters.list_matters(
        session, scope, unit_code=None, status=None, target=None, after=None, limit=ledger.MAX_ROWS
    )
    rows = [
        {
            **m.model_dump(),
            "escalated": m.kind == "escalation",
            "level": _LEVELS[m.supervision_level],
            "outcome": _OUTCOMES.get(m.answer_outcome or ""),
            "due_on": m.due_on or m.due_note,
        }
        for m in found
    ]
    return _file("监督事项台账", MATTER_COLUMNS, rows, "行政执法监督事项台账")


def _score_columns(review: ReviewRead) -> list[tuple[str, str]]:
    """The fixed columns around one per dimension of the campaign's sheet, headed with its points."""
    dimensions = [(f"points.{d.code}", f"{d.name}（{d.points}分）") for d in review.sheet.dimensions]
    return [
        ("unit_code", "执法单位"),
        ("rank", "抽取序号"),
        ("decision_no", "处罚决定书文号"),
        ("case_id", "案件编号"),
        ("item_code", "裁量基准事项"),
        ("decided_on", "决定日期"),
        *dimensions,
        ("total", "总分"),
        ("grade_label", "等级"),
        ("reviewer_id", "评查人员"),
        ("reviewed_at", "评查时间"),
        ("finding_text", "发现问题"),
        ("matters", "监督事项文书"),
    ]


def _score_row(file: ReviewFileRead, names: dict[str, str]) -> dict[str, Any]:
    findings = [
        f"{names.get(f.dimension, f.dimension)}·{f.severity_label}：{f.text}"
        + (f"（{f.deduction}）" if f.deduction else "")
        for f in file.findings
    ]
    points = {f"points.{code}": value for code, value in (file.points or {}).items()}
    return {
        **file.model_dump(),
        **points,
        "finding_text": "；".join(findings),
        "matters": [f.matter_no for f in file.findings if f.matter_no],
    }


@router.get("/ledgers/reviews/{review_id}/scores.xlsx", response_class=Response)
async def review_scores_ledger(
    session: SessionDep, principal: OfficerOrSupervisorDep, scope: ScopeDep, row: ReviewDep
) -> Response:
    """评查得分台账 (xlsx): a campaign's drawn files with the points per dimension of its sheet, total, grade and
    findings (a unit its own files), by unit and draw rank."""
    review = await reviews.get_review(session, row)
    files = await reviews.list_files(session, scope=scope, row=row)
    title = f"评查得分台账-{review.title}"
    names = {d.code: d.name for d in review.sheet.dimensions}
    rows = [_score_row(f, names) for f in files]
    return _file("评查得分台账", _score_columns(review), rows, title)
