"""The single entry point: ``handle(case, command)`` applies any command through its transition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.errors import InvalidTransition
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.closing import close
from services.penalty.domain.procedure.commands import (
    Change,
    Close,
    Command,
    ConcludeRemedy,
    ConfirmUnlawful,
    Decide,
    DecideNoPenalty,
    Deliver,
    ExtendTimeLimit,
    FileRemedy,
    GrantDeferral,
    Notify,
    RecordAssessment,
    RecordCollectiveDiscussion,
    RecordExecution,
    RecordHearing,
    RecordLegalReview,
    RecordPayment,
    RecordPublication,
    RecordStatement,
    RequestHearing,
    ReviewStatements,
    Revoke,
    ScheduleHearing,
    StartInvestigation,
    WaiveRights,
    WithdrawHearing,
)
from services.penalty.domain.procedure.correction import (
    change,
    conclude_remedy,
    confirm_unlawful,
    file_remedy,
    revoke,
)
from services.penalty.domain.procedure.decision import decide, decide_no_penalty, extend_time_limit
from services.penalty.domain.procedure.delivery import deliver, record_publication
from services.penalty.domain.procedure.events import Transition
from services.penalty.domain.procedure.execution import grant_deferral, record_execution, record_payment
from services.penalty.domain.procedure.filing import record_assessment, start_investigation
from services.penalty.domain.procedure.hearing import (
    record_hearing,
    request_hearing,
    schedule_hearing,
    withdraw_hearing,
)
from services.penalty.domain.procedure.notice import notify, record_statement, review_statements, waive_rights
from services.penalty.domain.procedure.review import record_collective_discussion, record_legal_review
from services.penalty.domain.procedure.vocabulary import CaseState

_Handler = Callable[[Case, Any, datetime, WorkingDays], Transition]

_HANDLERS: dict[type[Any], _Handler] = {
    StartInvestigation: lambda c, m, n, cal: start_investigation(c, m, now=n),
    RecordAssessment: lambda c, m, n, cal: record_assessment(c, m, now=n),
    Notify: lambda c, m, n, cal: notify(c, m, now=n, calendar=cal),
    RecordStatement: lambda c, m, n, cal: record_statement(c, m, now=n),
    ReviewStatements: lambda c, m, n, cal: review_statements(c, m, now=n),
    WaiveRights: lambda c, m, n, cal: waive_rights(c, m, now=n),
    RequestHearing: lambda c, m, n, cal: request_hearing(c, m, now=n),
    ScheduleHearing: lambda c, m, n, cal: schedule_hearing(c, m, now=n, calendar=cal),
    RecordHearing: lambda c, m, n, cal: record_hearing(c, m, now=n),
    WithdrawHearing: lambda c, m, n, cal: withdraw_hearing(c, m, now=n),
    RecordLegalReview: lambda c, m, n, cal: record_legal_review(c, m, now=n),
    RecordCollectiveDiscussion: lambda c, m, n, cal: record_collective_discussion(c, m, now=n),
    ExtendTimeLimit: lambda c, m, n, cal: extend_time_limit(c, m, now=n),
    Decide: lambda c, m, n, cal: decide(c, m, now=n, calendar=cal),
    DecideNoPenalty: lambda c, m, n, cal: decide_no_penalty(c, m, now=n, calendar=cal),
    Deliver: lambda c, m, n, cal: deliver(c, m, now=n, calendar=cal),
    GrantDeferral: lambda c, m, n, cal: grant_deferral(c, m, now=n),
    RecordPayment: lambda c, m, n, cal: record_payment(c, m, now=n),
    RecordExecution: lambda c, m, n, cal: record_execution(c, m, now=n),
    FileRemedy: lambda c, m, n, cal: file_remedy(c, m, now=n),
    ConcludeRemedy: lambda c, m, n, cal: conclude_remedy(c, m, now=n),
    Revoke: lambda c, m, n, cal: revoke(c, m, now=n, calendar=cal),
    Change: lambda c, m, n, cal: change(c, m, now=n, calendar=cal),
    ConfirmUnlawful: lambda c, m, n, cal: confirm_unlawful(c, m, now=n, calendar=cal),
    RecordPublication: lambda c, m, n, cal: record_publication(c, m, now=n),
    Close: lambda c, m, n, cal: close(c, m, now=n),
}


def handle(case: Case, command: Command, *, now: datetime, calendar: WorkingDays) -> Transition:
    """Apply any command to ``case``; the single entry point for the service layer."""
    handler = _HANDLERS.get(type(command))
    if handler is None:  # pragma: no cover - the Command union and the table are kept in step by a test
        raise TypeError(f"unknown command {type(command).__name__}")
    if case.state is CaseState.CLOSED:
        raise InvalidTransition("案件已结案，不能再办理任何程序", extra={"state": case.state.value})
    return handler(case, command, now, calendar)
