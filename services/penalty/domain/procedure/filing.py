"""Filing and investigation: 立案 (行政处罚法 第五十四条第二款; the decision clock of 第六十条 starts), 调查取证
by at least two officers (第五十四条第一款, 第四十二条), and the discretion engine's assessment (第三十四条)."""

from __future__ import annotations

from datetime import datetime

from services.common import clock
from services.penalty.domain.errors import InvalidPenalty, OfficersInsufficient
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import advance, require_text
from services.penalty.domain.procedure.commands import FileCase, RecordAssessment, StartInvestigation
from services.penalty.domain.procedure.events import (
    AssessmentRecorded,
    CaseFiled,
    InvestigationStarted,
    Transition,
)
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.vocabulary import CaseState, ProcedureKind


def file_case(cmd: FileCase, *, now: datetime) -> Transition:
    """立案 (第五十四条第二款): a new case in state ``filed``; the decision clock starts (第六十条)."""
    today = clock.local_date(now)
    require_text(cmd.summary, "案由")
    require_text(cmd.approved_by, "立案审批人")
    case = Case(
        case_id=cmd.case_id,
        dept_code=cmd.dept_code,
        party=cmd.party,
        procedure=cmd.procedure,
        summary=cmd.summary,
        filed_on=today,
        officers=tuple(dict.fromkeys(o for o in cmd.officers if o.strip())),
    )
    event = CaseFiled(
        case_id=case.case_id,
        occurred_at=now,
        dept_code=case.dept_code,
        procedure=case.procedure,
        filed_on=today,
        decision_limit=case.decision_limit,
    )
    return Transition(case, (event,))


def start_investigation(case: Case, cmd: StartInvestigation, *, now: datetime) -> Transition:
    """调查取证 (第五十四条第一款) by at least two officers (第四十二条).

    A simple-procedure case that cannot be decided on the spot turns into a general-procedure case here.
    """
    require(case, TABLE[StartInvestigation])
    officers = tuple(dict.fromkeys(o for o in cmd.officers if o.strip()))
    if len(officers) < 2:
        raise OfficersInsufficient(
            f"调查取证的执法人员为{len(officers)}人，不得少于两人（行政处罚法 第四十二条第一款）"
        )
    converted = case.procedure is ProcedureKind.SIMPLE
    new = advance(case, state=CaseState.INVESTIGATING, officers=officers, procedure=ProcedureKind.GENERAL)
    event = InvestigationStarted(
        case_id=case.case_id, occurred_at=now, officers=officers, converted_from_simple=converted
    )
    return Transition(new, (event,))


def record_assessment(case: Case, cmd: RecordAssessment, *, now: datetime) -> Transition:
    """Attach the discretion engine's result; a later notice must be based on the latest one."""
    require(case, TABLE[RecordAssessment])
    assessed = cmd.assessed
    if assessed.min_fen is not None and assessed.max_fen is not None and assessed.min_fen > assessed.max_fen:
        raise InvalidPenalty("裁量幅度下限高于上限")
    new = advance(case, assessment=assessed)
    event = AssessmentRecorded(
        case_id=case.case_id,
        occurred_at=now,
        benchmark_code=assessed.benchmark_code,
        benchmark_version=assessed.benchmark_version,
        tier=assessed.tier,
    )
    return Transition(new, (event,))
