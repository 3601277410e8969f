"""HTTP routes of the inspection service: thin — validate, call one use case, return its response model.

An object a route names is loaded by its dependency through the one access rule (deps.VisitDep, TaskDep,
OfficerDep, EnterpriseDep): a foreign object answers 404 exactly like a missing one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from services.common import clock
from services.common.fields import Day, UsccText
from services.common.hot import hot_route
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.api import documents as document_routes
from services.inspection.api import files as file_routes
from services.inspection.api import follow_ups as follow_up_routes
from services.inspection.api import import_templates as import_routes
from services.inspection.api import qualifications as qualification_routes
from services.inspection.deps import (
    AdminDep,
    ApproverDep,
    ContextDep,
    DrawCancelDep,
    DrawPerformDep,
    DrawSupervisorDep,
    EnterpriseDep,
    EnterpriseEditDep,
    EnterpriseOnlyDep,
    EntryDep,
    EntryEnterpriseDep,
    EntryOfficerDep,
    LockedVisitDep,
    OfficerDep,
    OfficerEditDep,
    OfficerStatusDep,
    OutcomesDep,
    PrincipalDep,
    RatingDep,
    ScopeDep,
    SessionDep,
    StaffDep,
    SupervisorDep,
    TaskApprovalDep,
    TaskCreatorDep,
    TaskDecisionDep,
    TaskDep,
    VisitDep,
    VisitOfficerDep,
    VisitReaderDep,
    YearQuery,
    entry_enterprise,
)
from services.inspection.deps import entry as entry_dependency
from services.inspection.domain import registry
from services.inspection.use_cases import draws, entry, public, supervision, tasks, visits
from services.inspection.use_cases.registries import (
    catalogue,
    departments,
    enterprises,
    officers,
    quiet_windows,
)

router = APIRouter(prefix="/api/v1/inspection", tags=["inspection"])
# Scan-to-enter first: routes are matched in order, and check-in is the hot path.
entry_router = APIRouter(prefix="/api/v1/inspection", tags=["inspection: scan-to-enter"])
public_router = APIRouter(prefix="/public/inspection", tags=["inspection: public"])

UsccQuery = Annotated[UsccText | None, Query()]
ItemCodePath = Annotated[str, Path(pattern=s.ITEM_CODE_PATTERN, examples=["SJ-SP-001"])]
DeptPath = Annotated[str, Path(pattern=r"^[A-Z]{2}$")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _year(year: int | None) -> int:
    return year or clock.today().year


# ---------------------------------------------------------------------------------------------------------
# Registries


@router.get("/districts", response_model=list[s.DistrictRead], tags=["inspection: registries"])
async def list_districts(session: SessionDep, principal: PrincipalDep) -> list[s.DistrictRead]:
    """Shenyang's districts and counties with their administrative division codes."""
    return await departments.list_districts(session)


@router.get("/departments", response_model=list[s.DepartmentRead], tags=["inspection: registries"])
async def list_departments(session: SessionDep, principal: PrincipalDep) -> list[s.DepartmentRead]:
    """Departments and their city-level enforcement bodies (执法主体)."""
    return await departments.list_departments(session)


@router.post(
    "/departments", status_code=201, response_model=s.DepartmentRead, tags=["inspection: registries"]
)
async def create_department(
    session: SessionDep, principal: AdminDep, body: s.DepartmentWrite
) -> s.DepartmentRead:
    """Register a department (admin)."""
    return await departments.create_department(session, principal=principal, body=body)


@router.put("/departments/{code}", response_model=s.DepartmentRead, tags=["inspection: registries"])
async def update_department(
    session: SessionDep, principal: AdminDep, code: DeptPath, body: s.DepartmentUpdate
) -> s.DepartmentRead:
    """Rename a department or its enforcement body (admin)."""
    return await departments.update_department(session, principal=principal, code=code, body=body)


@router.get(
    "/enforcement-bodies", response_model=list[s.EnforcementBodyRead], tags=["inspection: registries"]
)
async def list_bodies(
    session: SessionDep, principal: PrincipalDep, dept_code: Annotated[str | None, Query(max_length=2)] = None
) -> list[s.EnforcementBodyRead]:
    """Enforcement bodies (执法主体) at city and district level."""
    return await departments.list_bodies(session, dept_code)


@router.post(
    "/enforcement-bodies",
    status_code=201,
    response_model=s.EnforcementBodyRead,
    tags=["inspection: registries"],
)
async def create_body(
    session: SessionDep, principal: AdminDep, body: s.EnforcementBodyWrite
) -> s.EnforcementBodyRead:
    """Register an enforcement body (admin)."""
    return await departments.create_body(session, principal=principal, body=body)


@router.get("/items", response_model=Page[s.ItemRead], tags=["inspection: registries"])
async def list_items(
    session: SessionDep,
    principal: PrincipalDep,
    on: Annotated[Day | None, Query(description="the day whose catalogue is wanted (default today)")] = None,
    dept_code: Annotated[str | None, Query(max_length=2)] = None,
    key_area: bool | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.ItemRead]:
    """The inspection item catalogue (行政检查事项清单) in force on a day."""
    return await catalogue.list_items(
        session, day=on, dept_code=dept_code, key_area=key_area, cursor=cursor, limit=limit
    )


@router.get("/items/{code}", response_model=list[s.ItemRead], tags=["inspection: registries"])
async def item_history(session: SessionDep, principal: PrincipalDep, code: ItemCodePath) -> list[s.ItemRead]:
    """Every version of one inspection item, oldest first."""
    return await catalogue.item_history(session, code.upper())


@router.post("/items", status_code=201, response_model=s.ItemRead, tags=["inspection: registries"])
async def create_item(session: SessionDep, principal: AdminDep, body: s.ItemWrite) -> s.ItemRead:
    """Add an item to the catalogue (version 1; admin)."""
    return await catalogue.create_item(session, principal=principal, body=body)


@router.post(
    "/items/{code}/versions", status_code=201, response_model=s.ItemRead, tags=["inspection: registries"]
)
async def revise_item(
    session: SessionDep, principal: AdminDep, code: ItemCodePath, body: s.ItemRevision
) -> s.ItemRead:
    """Supersede an item with a new version from its effective date (admin)."""
    return await catalogue.revise_item(session, principal=principal, code=code.upper(), body=body)


@router.get("/officers", response_model=Page[s.OfficerRead], tags=["inspection: registries"])
async def list_officers(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    dept_code: Annotated[str | None, Query(max_length=2)] = None,
    status: s.OfficerStatusName | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.OfficerRead]:
    """Officers and their certificates (an officer sees their own department)."""
    return await officers.list_officers(
        session,
        principal=principal,
        scope=scope,
        dept_code=dept_code,
        status=status,
        cursor=cursor,
        limit=limit,
    )


@router.get("/officers/{officer_id}", response_model=s.OfficerRead, tags=["inspection: registries"])
async def get_officer(principal: StaffDep, officer: OfficerDep) -> s.OfficerRead:
    """One officer and their certificate."""
    return officers.get_officer(officer)


@router.post("/officers", status_code=201, response_model=s.OfficerRead, tags=["inspection: registries"])
async def create_officer(session: SessionDep, principal: AdminDep, body: s.OfficerWrite) -> s.OfficerRead:
    """Register an officer or auxiliary staff member (admin); publishes inspection.officer.changed."""
    return await officers.create_officer(session, principal=principal, body=body)


@router.patch("/officers/{officer_id}", response_model=s.OfficerRead, tags=["inspection: registries"])
async def update_officer(session: SessionDep, principal: AdminDep, edit: OfficerEditDep) -> s.OfficerRead:
    """Correct an officer's registry fields (admin); audited and published."""
    officer, body = edit
    return await officers.update_officer(session, principal=principal, row=officer, body=body)


@router.post("/officers/{officer_id}/status", response_model=s.OfficerRead, tags=["inspection: registries"])
async def change_officer_status(
    session: SessionDep, principal: AdminDep, change: OfficerStatusDep
) -> s.OfficerRead:
    """Suspend (暂扣), revoke (收缴), reinstate or expire a certificate (admin); audited and published."""
    officer, body = change
    return await officers.change_officer_status(session, principal=principal, row=officer, body=body)


@router.get("/enterprises", response_model=Page[s.EnterpriseRead], tags=["inspection: registries"])
async def list_enterprises(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    district_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    industry: Annotated[str | None, Query(max_length=50)] = None,
    name: Annotated[str | None, Query(max_length=50)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.EnterpriseRead]:
    """Enterprises by USCC (a district supervisor sees their district)."""
    return await enterprises.list_enterprises(
        session,
        scope=scope,
        district_code=district_code,
        industry=industry,
        name=name,
        cursor=cursor,
        limit=limit,
    )


@router.get("/enterprises/{uscc}", response_model=s.EnterpriseRead, tags=["inspection: registries"])
async def get_enterprise(
    session: SessionDep, principal: VisitReaderDep, enterprise: EnterpriseDep
) -> s.EnterpriseRead:
    """One enterprise (an enterprise sees only itself)."""
    return await enterprises.get_enterprise(session, row=enterprise)


@router.post(
    "/enterprises", status_code=201, response_model=s.EnterpriseRead, tags=["inspection: registries"]
)
async def create_enterprise(
    session: SessionDep, principal: AdminDep, body: s.EnterpriseWrite
) -> s.EnterpriseRead:
    """Register an enterprise (admin); publishes inspection.enterprise.registered."""
    return await enterprises.create_enterprise(session, principal=principal, body=body)


@router.patch("/enterprises/{uscc}", response_model=s.EnterpriseRead, tags=["inspection: registries"])
async def update_enterprise(
    session: SessionDep, principal: AdminDep, edit: EnterpriseEditDep
) -> s.EnterpriseRead:
    """Correct an enterprise's registry fields (admin)."""
    enterprise, body = edit
    return await enterprises.update_enterprise(session, principal=principal, row=enterprise, body=body)


@router.get("/enterprises/{uscc}/code", response_model=s.EnterpriseCodeRead, tags=["inspection: registries"])
async def enterprise_code(
    principal: VisitReaderDep, enterprise: EnterpriseDep, ctx: ContextDep
) -> s.EnterpriseCodeRead:
    """The enterprise code (企业码) with its QR images, for the enterprise to print (enterprise, admin)."""
    return enterprises.enterprise_code(ctx, principal, enterprise)


@router.get(
    "/enterprises/{uscc}/code.{kind}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    tags=["inspection: registries"],
)
async def enterprise_code_image(
    principal: VisitReaderDep, enterprise: EnterpriseDep, ctx: ContextDep, kind: Literal["png", "svg"]
) -> Response:
    """The enterprise code as a printable QR image (PNG or SVG)."""
    data = enterprises.enterprise_code_image(ctx, principal, enterprise, kind)
    return Response(data, media_type="image/svg+xml" if kind == "svg" else "image/png")


@router.post(
    "/enterprises/{uscc}/code/reissue", response_model=s.EnterpriseCodeRead, tags=["inspection: registries"]
)
async def reissue_enterprise_code(
    session: SessionDep, principal: VisitReaderDep, enterprise: EnterpriseDep, ctx: ContextDep
) -> s.EnterpriseCodeRead:
    """Replace a lost or compromised enterprise code; older codes are refused from now on."""
    return await enterprises.reissue_enterprise_code(session, ctx=ctx, principal=principal, row=enterprise)


@router.get(
    "/enterprises/{uscc}/risk-class", response_model=s.EnterpriseClassRead, tags=["inspection: registries"]
)
async def enterprise_class(
    session: SessionDep, principal: StaffDep, enterprise: EnterpriseDep
) -> s.EnterpriseClassRead:
    """The enterprise's risk class as last received from the risk service."""
    return await enterprises.get_enterprise_class(session, row=enterprise)


@router.get("/quiet-windows", response_model=list[s.QuietWindowRead], tags=["inspection: registries"])
async def list_quiet_windows(
    session: SessionDep, principal: StaffDep, uscc: UsccQuery = None
) -> list[s.QuietWindowRead]:
    """No-inspection periods (无事不扰), city-wide or per enterprise."""
    return await quiet_windows.list_quiet_windows(
        session, uscc=registry.validate_uscc(uscc) if uscc else None
    )


@router.post(
    "/quiet-windows", status_code=201, response_model=s.QuietWindowRead, tags=["inspection: registries"]
)
async def create_quiet_window(
    session: SessionDep, principal: AdminDep, body: s.QuietWindowWrite
) -> s.QuietWindowRead:
    """Declare a no-inspection period (admin)."""
    return await quiet_windows.create_quiet_window(session, principal=principal, body=body)


@router.delete("/quiet-windows/{window_id}", status_code=204, tags=["inspection: registries"])
async def delete_quiet_window(session: SessionDep, principal: AdminDep, window_id: uuid.UUID) -> Response:
    """Withdraw a no-inspection period (admin)."""
    await quiet_windows.delete_quiet_window(session, principal=principal, window_id=window_id)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------------------
# Tasks


@router.post("/tasks", status_code=201, response_model=s.TaskDetail, tags=["inspection: tasks"])
async def create_task(
    session: SessionDep, principal: TaskCreatorDep, ctx: ContextDep, body: s.TaskCreate
) -> s.TaskDetail:
    """Create a task awaiting approval; a random (双随机) task is drawn at once from a recorded seed."""
    return await tasks.create_task(session, ctx=ctx, principal=principal, body=body)


@router.get("/tasks", response_model=Page[s.TaskRead], tags=["inspection: tasks"])
async def list_tasks(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    ctx: ContextDep,
    kind: s.TaskKindName | None = None,
    status: s.TaskStatusName | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.TaskRead]:
    """Tasks, newest first (an officer sees their department's, a district supervisor their district's)."""
    return await tasks.list_tasks(
        session, ctx=ctx, scope=scope, kind=kind, status=status, cursor=cursor, limit=limit
    )


@router.get("/tasks/{task_id}", response_model=s.TaskDetail, tags=["inspection: tasks"])
async def get_task(session: SessionDep, principal: StaffDep, task: TaskDep, ctx: ContextDep) -> s.TaskDetail:
    """One task with its enterprises and, for a random task, the officer group drawn for each."""
    return await tasks.get_task(session, ctx=ctx, row=task)


@router.post("/tasks/{task_id}/approve", response_model=s.TaskDetail, tags=["inspection: tasks"])
async def approve_task(
    session: SessionDep,
    principal: ApproverDep,
    approval: TaskApprovalDep,
    ctx: ContextDep,
) -> s.TaskDetail:
    """Approve a task (a supervisor, or the head of the lead department); entry codes need it. A random
    task's draw is committed now: SHA-256 of a secret nonce is published with the draw time and source."""
    task, body = approval
    return await tasks.approve_task(session, ctx=ctx, principal=principal, row=task, body=body)


@router.post("/tasks/{task_id}/reject", response_model=s.TaskDetail, tags=["inspection: tasks"])
async def reject_task(
    session: SessionDep, principal: ApproverDep, decision: TaskDecisionDep, ctx: ContextDep
) -> s.TaskDetail:
    """Send a task back with a reason."""
    task, body = decision
    return await tasks.reject_task(session, ctx=ctx, principal=principal, row=task, reason=body.reason)


@router.post("/tasks/{task_id}/complete", response_model=s.TaskDetail, tags=["inspection: tasks"])
async def complete_task(
    session: SessionDep, principal: TaskCreatorDep, task: TaskDep, ctx: ContextDep
) -> s.TaskDetail:
    """Close a task (lead department); a random task's results are then published."""
    return await tasks.complete_task(session, ctx=ctx, principal=principal, row=task)


@router.post("/tasks/{task_id}/cancel", response_model=s.TaskDetail, tags=["inspection: tasks"])
async def cancel_task(
    session: SessionDep, principal: TaskCreatorDep, decision: TaskDecisionDep, ctx: ContextDep
) -> s.TaskDetail:
    """Withdraw a task with a reason (lead department)."""
    task, body = decision
    return await tasks.cancel_task(session, ctx=ctx, principal=principal, row=task, reason=body.reason)


@router.get("/tasks/{task_id}/draw", response_model=s.DrawRead, tags=["inspection: tasks"])
async def task_draw(
    session: SessionDep, principal: PrincipalDep, scope: ScopeDep, task_id: uuid.UUID
) -> s.DrawRead:
    """Every draw of a 双随机 task in order; the inputs of draws already made for readers of the task."""
    return await draws.task_draw(session, scope=scope, task_id=task_id)


@router.post("/tasks/{task_id}/draw", response_model=s.DrawRead, tags=["inspection: tasks"])
async def perform_draw(
    session: SessionDep, principal: DrawSupervisorDep, decision: DrawPerformDep, ctx: ContextDep
) -> s.DrawRead:
    """Draw a random task (a supervisor): the committed nonce, the pool's hash and the public value entered
    from the agreed source make the seed; refused without the value or before the published draw time."""
    task, body = decision
    return await draws.perform(
        session, ctx=ctx, principal=principal, row=task, public_value=body.public_value
    )


@router.post("/tasks/{task_id}/draw/cancel", response_model=s.DrawRead, tags=["inspection: tasks"])
async def cancel_draw(session: SessionDep, principal: ApproverDep, decision: DrawCancelDep) -> s.DrawRead:
    """Cancel the current draw with a reason, published with it, and commit to a redraw (a supervisor or
    the lead department)."""
    task, body = decision
    return await draws.cancel(session, principal=principal, row=task, body=body)


# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter


@entry_router.post("/visits/entry-codes", status_code=201, response_model=s.EntryCodeRead)
async def issue_entry_code(
    entering: EntryDep, principal: EntryOfficerDep, body: s.EntryCodeRequest
) -> s.EntryCodeRead:
    """检查码: every entry rule is checked, then a signed single-use code (10 minutes) and its QR are returned."""
    return await entry.issue_entry_code(
        entering.session,
        factory=entering.factory,
        ctx=entering.ctx,
        principal=principal,
        body=body,
        attempt_key=entering.attempt_key,
    )


@entry_router.get("/visits/entry-codes/keys", response_model=s.KeySetRead)
async def entry_code_keys(principal: PrincipalDep, ctx: ContextDep) -> s.KeySetRead:
    """The public keys (JWKS, Ed25519) that verify entry and enterprise codes offline."""
    return entry.public_keys(ctx)


async def check_in(entering: EntryDep, principal: EntryEnterpriseDep, body: s.CheckIn) -> s.CheckInRead:
    """The enterprise scanned an entry code: the visit starts; who is at the door, what they may inspect, rights."""
    return await entry.check_in(
        entering.session,
        factory=entering.factory,
        ctx=entering.ctx,
        principal=principal,
        body=body,
        attempt_key=entering.attempt_key,
    )


async def _check_in_hot(request: Request, body: s.CheckIn) -> Response:
    """``check_in`` without FastAPI's generic handler (services/common/hot.py): its two dependencies in its order,
    the reply's JSON written from the visit's columns (``views.check_in_json``: the bytes of ``s.CheckInRead``)."""
    entering = await entry_dependency(request)
    principal = await entry_enterprise(request)
    values, enterprise_name = await entry.start_check_in(
        entering.session,
        factory=entering.factory,
        ctx=entering.ctx,
        principal=principal,
        body=body,
        attempt_key=entering.attempt_key,
    )
    return Response(views.check_in_json(values, enterprise_name), 201, media_type="application/json")


# The hot path (issue #16): declared as with ``@entry_router.post``, served by services/common/hot.py on a JSON body.
entry_router.add_api_route(
    "/visits/check-in",
    check_in,
    methods=["POST"],
    status_code=201,
    response_model=s.CheckInRead,
    route_class_override=hot_route(s.CheckIn, _check_in_hot),
)


@entry_router.post("/visits/scan", status_code=201, response_model=s.VisitRead)
async def scan(entering: EntryDep, principal: EntryOfficerDep, body: s.EnterpriseScan) -> s.VisitRead:
    """The officers scanned the enterprise code (企业码): the visit starts (emergency: scanned before leaving)."""
    return await entry.scan_enterprise_code(
        entering.session,
        factory=entering.factory,
        ctx=entering.ctx,
        principal=principal,
        body=body,
        attempt_key=entering.attempt_key,
    )


@entry_router.post("/visits/backfill", status_code=201, response_model=s.VisitRead)
async def backfill(entering: EntryDep, principal: EntryOfficerDep, body: s.Backfill) -> s.VisitRead:
    """Record a visit made while the system was down, within 10 days (marked back-filled and counted)."""
    return await entry.backfill(
        entering.session,
        factory=entering.factory,
        ctx=entering.ctx,
        principal=principal,
        body=body,
        attempt_key=entering.attempt_key,
    )


# ---------------------------------------------------------------------------------------------------------
# Visits


@router.get("/visits", response_model=Page[s.VisitRead], tags=["inspection: visits"])
async def list_visits(
    session: SessionDep,
    principal: VisitReaderDep,
    access: ScopeDep,
    ctx: ContextDep,
    scope: Annotated[
        Literal["mine", "department"], Query(description="officers: own visits or the department's")
    ] = "mine",
    year: YearQuery = None,
    uscc: UsccQuery = None,
    task_id: uuid.UUID | None = None,
    mode: s.VisitModeName | None = None,
    status: Literal["in_progress", "completed"] | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.VisitRead]:
    """Visits, newest first: an enterprise its own, an officer theirs (or the department's), supervisors their scope."""
    return await visits.list_visits(
        session,
        ctx=ctx,
        principal=principal,
        scope=access,
        view=scope,
        year=year,
        uscc=registry.validate_uscc(uscc) if uscc else None,
        task_id=task_id,
        mode=mode,
        status=status,
        cursor=cursor,
        limit=limit,
    )


@router.get("/visits/{visit_id}", response_model=s.VisitRead, tags=["inspection: visits"])
async def get_visit(
    session: SessionDep, principal: VisitReaderDep, visit: VisitDep, ctx: ContextDep
) -> s.VisitRead:
    """One visit with its officers, items, outcomes and rating."""
    return await visits.get_visit(session, ctx=ctx, principal=principal, row=visit)


@router.post("/visits/{visit_id}/outcomes", response_model=s.VisitRead, tags=["inspection: visits"])
async def record_outcomes(
    session: SessionDep, principal: VisitOfficerDep, outcomes: OutcomesDep, ctx: ContextDep
) -> s.VisitRead:
    """Record per-item outcomes (compliant, violation with evidence hashes, ordered to correct, educated)."""
    visit, body = outcomes
    return await visits.record_outcomes(session, ctx=ctx, principal=principal, row=visit, body=body)


@router.post("/visits/{visit_id}/checkout", response_model=s.VisitRead, tags=["inspection: visits"])
async def checkout(
    session: SessionDep, principal: VisitOfficerDep, visit: LockedVisitDep, ctx: ContextDep
) -> s.VisitRead:
    """Complete the visit; each violation is published for the penalty service (inspection.violation.found)."""
    return await visits.checkout(session, ctx=ctx, principal=principal, row=visit)


@router.post("/visits/{visit_id}/rating", response_model=s.VisitRead, tags=["inspection: visits"])
async def rate_visit(
    session: SessionDep, principal: EnterpriseOnlyDep, rating: RatingDep, ctx: ContextDep
) -> s.VisitRead:
    """The enterprise rates its completed visit within 7 days (anonymous: hidden from the department)."""
    visit, body = rating
    return await visits.rate_visit(session, ctx=ctx, principal=principal, row=visit, body=body)


@router.get("/ratings", response_model=Page[s.DepartmentRatingRead], tags=["inspection: visits"])
async def list_ratings(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.DepartmentRatingRead]:
    """Ratings of visits; the department sees anonymous ones unlinked from visit and enterprise."""
    return await visits.list_ratings(session, principal=principal, scope=scope, cursor=cursor, limit=limit)


# ---------------------------------------------------------------------------------------------------------
# Supervision


@router.get("/supervision/summary", response_model=s.SupervisionSummary, tags=["inspection: supervision"])
async def supervision_summary(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, ctx: ContextDep, year: YearQuery = None
) -> s.SupervisionSummary:
    """Visits by mode (emergency and back-filled counted), joint share, refusals, over-cap, overdue approvals."""
    return await supervision.summary(session, ctx=ctx, scope=scope, year=_year(year))


@router.get("/supervision/frequency", response_model=Page[s.FrequencyRow], tags=["inspection: supervision"])
async def supervision_frequency(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    ctx: ContextDep,
    year: YearQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 100,
) -> Page[s.FrequencyRow]:
    """Visits per enterprise per department in a year."""
    return await supervision.frequency_rows(
        session, ctx=ctx, scope=scope, year=_year(year), cursor=cursor, limit=limit
    )


@router.get("/supervision/over-cap", response_model=list[s.CapExcessRow], tags=["inspection: supervision"])
async def supervision_over_cap(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, ctx: ContextDep, year: YearQuery = None
) -> list[s.CapExcessRow]:
    """Enterprises visited more often than the caps allow."""
    return await supervision.over_cap(session, ctx=ctx, scope=scope, year=_year(year))


@router.get(
    "/supervision/year-on-year", response_model=list[s.YearOnYearRow], tags=["inspection: supervision"]
)
async def supervision_year_on_year(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, year: YearQuery = None
) -> list[s.YearOnYearRow]:
    """Each department's visit count against the previous year, and all departments together (*)."""
    return await supervision.year_on_year(session, scope=scope, year=_year(year))


@router.get("/supervision/joint-share", response_model=s.JointShareRead, tags=["inspection: supervision"])
async def supervision_joint_share(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, year: YearQuery = None
) -> s.JointShareRead:
    """Share of on-site visits that were joint inspections (综合查一次)."""
    return await supervision.joint_share(session, scope=scope, year=_year(year))


@router.get("/supervision/refusals", response_model=list[s.RefusalCountRow], tags=["inspection: supervision"])
async def supervision_refusals(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, year: YearQuery = None
) -> list[s.RefusalCountRow]:
    """Refused entry attempts by refusal code (the signal of 乱检查)."""
    return await supervision.refusal_counts(session, scope=scope, year=_year(year))


@router.get(
    "/supervision/overdue-approvals", response_model=list[s.TaskRead], tags=["inspection: supervision"]
)
async def supervision_overdue(
    session: SessionDep, principal: SupervisorDep, scope: ScopeDep, ctx: ContextDep
) -> list[s.TaskRead]:
    """Urgent complaint tasks not approved within 24 hours (flagged)."""
    return await supervision.overdue_approvals(session, ctx=ctx, scope=scope)


@router.get("/refusals", response_model=Page[s.RefusalRead], tags=["inspection: supervision"])
async def list_refusals(
    session: SessionDep,
    principal: SupervisorDep,
    scope: ScopeDep,
    code: Annotated[str | None, Query(max_length=40)] = None,
    dept_code: Annotated[str | None, Query(max_length=2)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.RefusalRead]:
    """Every refused entry attempt, newest first."""
    return await supervision.list_refusals(
        session, scope=scope, code=code, dept_code=dept_code, cursor=cursor, limit=limit
    )


# ---------------------------------------------------------------------------------------------------------
# Public (no token; personal data masked)


@public_router.get("/tasks", response_model=Page[s.PublicTaskRead])
async def public_tasks(
    session: SessionDep, cursor: CursorQuery = None, limit: Limit = 20
) -> Page[s.PublicTaskRead]:
    """Approved and completed 双随机 tasks: items, drawn enterprises and the seed commitment (一公开)."""
    return await public.public_tasks(session, cursor=cursor, limit=limit)


@public_router.get("/tasks/{task_id}", response_model=s.PublicTaskRead)
async def public_task(session: SessionDep, task_id: uuid.UUID) -> s.PublicTaskRead:
    """One published 双随机 task."""
    return await public.public_task(session, task_id=task_id)


@public_router.get("/tasks/{task_id}/draw", response_model=s.DrawRead)
async def public_draw(session: SessionDep, task_id: uuid.UUID) -> s.DrawRead:
    """Every draw of a published 双随机 task, in order: commitments, schedules, public values and counts by
    class; once the task has ended, every nonce, pool, target and officer, each verified on the read."""
    return await draws.task_draw(session, scope=None, task_id=task_id)


@public_router.get("/tasks/{task_id}/results", response_model=s.PublicResultsRead)
async def public_results(session: SessionDep, task_id: uuid.UUID) -> s.PublicResultsRead:
    """Results of a completed 双随机 task, officers' names masked."""
    return await public.public_results(session, task_id=task_id)


@public_router.get("/items", response_model=Page[s.ItemRead])
async def public_items(
    session: SessionDep,
    dept_code: Annotated[str | None, Query(max_length=2)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[s.ItemRead]:
    """The inspection item catalogue in force today (行政检查事项清单)."""
    return await catalogue.list_items(
        session, day=None, dept_code=dept_code, key_area=None, cursor=cursor, limit=limit
    )


@public_router.get("/visits/entry-codes/keys", response_model=s.KeySetRead)
async def public_keys(ctx: ContextDep) -> s.KeySetRead:
    """The public keys (JWKS) that verify entry and enterprise codes offline."""
    return entry.public_keys(ctx)


# ---------------------------------------------------------------------------------------------------------
# Officers' qualifications (issue #14 item 5): routes of their own module

router.include_router(qualification_routes.router)
public_router.include_router(qualification_routes.public_router)

# 责令改正 follow-ups (issue #14 item 6)

router.include_router(follow_up_routes.router)
router.include_router(file_routes.router)
router.include_router(document_routes.router)
router.include_router(import_routes.router)
