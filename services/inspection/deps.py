"""Dependencies of the inspection API: the service context, the principal by role, the objects a route names
loaded through the one access rule (a foreign object is a 404, exactly like a missing one), and the one
dependency of the scan-to-enter endpoints.

Every dependency here is ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, and the thread
hand-off and GIL contention cost more than the dependency itself on the check-in hot path. A route declares
its role dependency before the objects it loads, so a caller without the role gets 403 before any lookup.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Body, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.access import Scope
from services.common.audit_api import AuditKind
from services.common.auth import Principal, Role, TokenVerifier, require_role
from services.common.deps import (
    AdminDep,
    PrincipalDep,
    ScopeDep,
    SessionDep,
    declare_access,
    get_context,
    load_or_404,
    roles,
)
from services.common.fields import UsccText
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import registry
from services.inspection.errors import (
    EnterpriseNotFound,
    FollowUpNotFound,
    OfficerNotFound,
    TaskNotFound,
    VisitNotFound,
)
from services.inspection.repository import follow_ups as follow_up_repo
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import tasks as task_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.schemas import follow_ups as fs
from services.inspection.schemas import qualifications as qs
from services.inspection.settings import InspectionContext
from services.inspection.use_cases.entry import attempt_key
from services.inspection.use_cases.visits import require_visit_officer

ContextDep = Annotated[InspectionContext, Depends(get_context)]

# ---------------------------------------------------------------------------------------------------------
# Callers by role

OfficerOnlyDep = Annotated[Principal, roles("officer")]
EnterpriseOnlyDep = Annotated[Principal, roles("enterprise")]
SupervisorDep = Annotated[Principal, roles("supervisor", "admin")]
StaffDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
TaskCreatorDep = Annotated[Principal, roles("officer", "admin")]
ApproverDep = Annotated[Principal, roles("supervisor", "officer")]
#: The draw is made by a supervisor, who enters the value of the agreed public source (issue #13).
DrawSupervisorDep = Annotated[Principal, roles("supervisor")]
VisitReaderDep = Annotated[Principal, roles("officer", "enterprise", "supervisor", "admin")]


async def _visit_officer(principal: OfficerOnlyDep) -> Principal:
    """An officer with a certificate number (who records and closes visits), checked before the visit is
    looked up."""
    require_visit_officer(principal)
    return principal


VisitOfficerDep = Annotated[Principal, Depends(_visit_officer)]

# ---------------------------------------------------------------------------------------------------------
# Objects named by the path, loaded through the one access rule or 404


def _visit_missing(visit_id: uuid.UUID) -> VisitNotFound:
    return VisitNotFound(
        f"检查记录 {visit_id} 不存在",
        detail_en=f"There is no visit {visit_id}",
        extra={"visit_id": str(visit_id)},
    )


def _task_missing(task_id: uuid.UUID) -> TaskNotFound:
    return TaskNotFound(
        f"检查任务 {task_id} 不存在",
        detail_en=f"There is no task {task_id}",
        extra={"task_id": str(task_id)},
    )


def _officer_missing(officer_id: uuid.UUID) -> OfficerNotFound:
    return OfficerNotFound(f"执法人员 {officer_id} 不存在", detail_en=f"There is no officer {officer_id}")


def _enterprise_missing(uscc: str) -> EnterpriseNotFound:
    uscc = registry.validate_uscc(uscc)  # as it was looked up (the check character verified, upper case)
    return EnterpriseNotFound(f"企业 {uscc} 不存在", detail_en=f"There is no enterprise {uscc}")


async def _readable_enterprise(session: AsyncSession, scope: Scope, uscc: str) -> m.Enterprise | None:
    """The enterprise of a USCC whose check character verifies (422 INVALID_USCC otherwise)."""
    return await registry_repo.readable_enterprise(session, scope, registry.validate_uscc(uscc))


VisitDep = Annotated[
    m.Visit,
    load_or_404(visit_repo.readable_visit, param="visit_id", key=uuid.UUID, missing=_visit_missing),
]
#: The visit, locked until the end of the request's transaction: it is about to change.
LockedVisitDep = Annotated[
    m.Visit,
    load_or_404(
        visit_repo.readable_visit_for_update, param="visit_id", key=uuid.UUID, missing=_visit_missing
    ),
]
TaskDep = Annotated[
    m.Task, load_or_404(task_repo.readable_task, param="task_id", key=uuid.UUID, missing=_task_missing)
]
OfficerDep = Annotated[
    m.Officer,
    load_or_404(registry_repo.readable_officer, param="officer_id", key=uuid.UUID, missing=_officer_missing),
]
EnterpriseDep = Annotated[
    m.Enterprise,
    load_or_404(_readable_enterprise, param="uscc", key=UsccText, missing=_enterprise_missing),
]

# The same objects with the request body of a route that changes them: the body is validated before the
# lookup, so a wrongly typed body is refused at its field (422) whether or not the object exists.
OfficerEditDep = Annotated[
    tuple[m.Officer, s.OfficerUpdate],
    load_or_404(
        registry_repo.readable_officer,
        param="officer_id",
        key=uuid.UUID,
        missing=_officer_missing,
        body=s.OfficerUpdate,
    ),
]
OfficerStatusDep = Annotated[
    tuple[m.Officer, s.OfficerStatusChange],
    load_or_404(
        registry_repo.readable_officer,
        param="officer_id",
        key=uuid.UUID,
        missing=_officer_missing,
        body=s.OfficerStatusChange,
    ),
]
EnterpriseEditDep = Annotated[
    tuple[m.Enterprise, s.EnterpriseUpdate],
    load_or_404(
        _readable_enterprise, param="uscc", key=UsccText, missing=_enterprise_missing, body=s.EnterpriseUpdate
    ),
]
TaskDecisionDep = Annotated[
    tuple[m.Task, s.TaskDecision],
    load_or_404(
        task_repo.readable_task, param="task_id", key=uuid.UUID, missing=_task_missing, body=s.TaskDecision
    ),
]


async def _task_approval(
    task_id: Annotated[uuid.UUID, Path()],
    session: SessionDep,
    scope: ScopeDep,
    body: Annotated[s.TaskApproval | None, Body()] = None,
) -> tuple[m.Task, s.TaskApproval | None]:
    """The task and its optional approval body (a random task's draw schedule), the body validated first as
    load_or_404 does for a required one: a wrongly typed body is a 422 whether or not the task exists."""
    task = await task_repo.readable_task(session, scope, task_id)
    if task is None:
        raise _task_missing(task_id)
    return task, body


TaskApprovalDep = Annotated[tuple[m.Task, s.TaskApproval | None], Depends(_task_approval)]
DrawPerformDep = Annotated[
    tuple[m.Task, s.DrawPerform],
    load_or_404(
        task_repo.readable_task, param="task_id", key=uuid.UUID, missing=_task_missing, body=s.DrawPerform
    ),
]
DrawCancelDep = Annotated[
    tuple[m.Task, s.DrawCancel],
    load_or_404(
        task_repo.readable_task, param="task_id", key=uuid.UUID, missing=_task_missing, body=s.DrawCancel
    ),
]
OutcomesDep = Annotated[
    tuple[m.Visit, s.OutcomesWrite],
    load_or_404(
        visit_repo.readable_visit_for_update,
        param="visit_id",
        key=uuid.UUID,
        missing=_visit_missing,
        body=s.OutcomesWrite,
    ),
]
RatingDep = Annotated[
    tuple[m.Visit, s.RatingWrite],
    load_or_404(
        visit_repo.readable_visit_for_update,
        param="visit_id",
        key=uuid.UUID,
        missing=_visit_missing,
        body=s.RatingWrite,
    ),
]

# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter: one dependency for the caller, one for everything else


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything a scan-to-enter endpoint needs besides the caller and the body, as ONE dependency (each
    FastAPI dependency costs tens of microseconds per request, and check-in is the hot path)."""

    session: AsyncSession
    factory: async_sessionmaker[AsyncSession]
    ctx: InspectionContext
    attempt_key: str | None


def principal_with(*allowed: Role) -> Callable[[Request], Awaitable[Principal]]:
    """The principal with one of ``allowed`` roles, verified in a single call (401, then 403)."""

    async def dependency(request: Request) -> Principal:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(request.headers.get("authorization"))
        return require_role(principal, *allowed)

    return dependency


def caller(*allowed: Role) -> Any:
    """The principal with one of ``allowed`` roles, verified in a single dependency."""
    return Depends(declare_access(principal_with(*allowed), allowed, None))


async def entry(request: Request) -> Entry:
    """The session, the factory for refusals, the context, and the attempt key of the Idempotency-Key."""
    principal_key = None
    key = request.headers.get("idempotency-key")
    if key:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(request.headers.get("authorization"))
        principal_key = attempt_key(principal, key, request.scope["path"])
    runtime = request.app.state.runtime
    return Entry(request.state.zhifa.get_session(), runtime.factory, runtime.context, principal_key)


EntryDep = Annotated[Entry, Depends(entry)]
EntryOfficerDep = Annotated[Principal, caller("officer")]
#: The check-in's caller, called directly by its hot route (services/common/hot.py) and as a dependency by FastAPI's handler.
entry_enterprise = principal_with("enterprise")
EntryEnterpriseDep = Annotated[Principal, Depends(declare_access(entry_enterprise, ("enterprise",), None))]

__all__ = [
    "AdminDep",
    "ApproverDep",
    "DrawCancelDep",
    "TaskApprovalDep",
    "DrawPerformDep",
    "DrawSupervisorDep",
    "ContextDep",
    "EnterpriseDep",
    "EnterpriseEditDep",
    "EnterpriseOnlyDep",
    "EntryDep",
    "EntryEnterpriseDep",
    "EntryOfficerDep",
    "LockedVisitDep",
    "OfficerDep",
    "OfficerEditDep",
    "OfficerStatusDep",
    "OutcomesDep",
    "RatingDep",
    "OfficerOnlyDep",
    "PrincipalDep",
    "ScopeDep",
    "SessionDep",
    "StaffDep",
    "SupervisorDep",
    "TaskCreatorDep",
    "TaskDecisionDep",
    "TaskDep",
    "VisitDep",
    "VisitOfficerDep",
    "VisitReaderDep",
]


#: Objects whose audit trail GET /api/v1/inspection/audit/entities/{kind}/{id} shows, through their access rule.
AUDIT_ENTITIES = {
    "visit": AuditKind("visit", visit_repo.readable_visit),
    "task": AuditKind("task", task_repo.readable_task),
}


# ---------------------------------------------------------------------------------------------------------
# Officers' qualifications (issue #14 item 5): the officer through the registry's access rule, the body or
# query validated first

#: Records qualifications: a supervisor, an administrator, or an officer (the use case asks for dept_head).
QualificationWriterDep = Annotated[Principal, roles("officer", "supervisor", "admin")]


def _officer_with(body: type[Any]) -> Any:
    return load_or_404(
        registry_repo.readable_officer, param="officer_id", key=uuid.UUID, missing=_officer_missing, body=body
    )


TrainingWriteDep = Annotated[tuple[m.Officer, qs.TrainingWrite], _officer_with(qs.TrainingWrite)]
OfficerYearDep = Annotated[
    tuple[m.Officer, dict[str, Any]],
    load_or_404(
        registry_repo.readable_officer,
        param="officer_id",
        key=uuid.UUID,
        missing=_officer_missing,
        query={
            "year": Annotated[
                int | None, Query(ge=2000, le=2100, description="calendar year (default: this)")
            ]
        },
    ),
]
ExamWriteDep = Annotated[tuple[m.Officer, qs.ExamWrite], _officer_with(qs.ExamWrite)]
RetrainingDep = Annotated[tuple[m.Officer, qs.RetrainingWrite], _officer_with(qs.RetrainingWrite)]
AppraisalWriteDep = Annotated[tuple[m.Officer, qs.AppraisalWrite], _officer_with(qs.AppraisalWrite)]


# 责令改正 follow-ups (issue #14 item 6)


def _follow_up_missing(follow_up_id: uuid.UUID) -> FollowUpNotFound:
    return FollowUpNotFound(
        f"责令改正复查事项 {follow_up_id} 不存在",
        detail_en=f"There is no follow-up {follow_up_id}",
        extra={"follow_up_id": str(follow_up_id)},
    )


FollowUpDep = Annotated[
    m.CorrectionFollowUp,
    load_or_404(
        follow_up_repo.readable_follow_up, param="follow_up_id", key=uuid.UUID, missing=_follow_up_missing
    ),
]
FollowUpResultDep = Annotated[
    tuple[m.CorrectionFollowUp, fs.FollowUpResult],
    load_or_404(
        follow_up_repo.readable_follow_up_for_update,
        param="follow_up_id",
        key=uuid.UUID,
        missing=_follow_up_missing,
        body=fs.FollowUpResult,
    ),
]


#: ``?year=`` of the lists and the ledger: a calendar year (default: this year).
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="calendar year (default: this year)")]
