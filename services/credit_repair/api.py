"""HTTP routes of the credit_repair service: thin — validate, call one use case, return a view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.common import clock, ledger
from services.common.pagination import (
    CURSOR_PATTERN,
    CursorQuery,
    LimitQuery,
    Page,
    cursor_int,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
    page_of,
)
from services.credit_repair import schemas, views
from services.credit_repair.deps import (
    AdminDep,
    CleanupDep,
    CleanupStaffDep,
    ContextDep,
    EnterpriseDep,
    FeedReaderDep,
    NoticeDep,
    PrincipalDep,
    ReaderDep,
    RecordDep,
    RepairAcceptanceDep,
    RepairDecisionDep,
    RepairDep,
    ResumedCleanupDep,
    ReviewerDep,
    RuleSetDep,
    ScopeDep,
    SessionDep,
    StaffDep,
)
from services.credit_repair.use_cases import (
    calendar_deadlines,
    cleanups,
    feeds,
    records,
    repairs,
    rule_sets,
    sweep,
)

router = APIRouter(prefix="/api/v1/credit", tags=["credit_repair"])
public_router = APIRouter(prefix="/public/credit", tags=["credit_repair: public"])

UsccQuery = Annotated[schemas.Uscc | None, Query()]
DepartmentQuery = Annotated[
    str | None, Query(min_length=1, max_length=40, description="department code, e.g. SJ")
]


def _uuid_cursor(cursor: str | None) -> str | None:
    value = decode_cursor(cursor)
    return None if value is None else str(cursor_uuid(value))


def _int_cursor(cursor: str | None) -> int | None:
    value = decode_cursor(cursor)
    return None if value is None else cursor_int(value)  # a number past bigint failed in the database: a 500


# --- rule sets ------------------------------------------------------------------------------------


@router.get("/rule-sets", response_model=list[schemas.RuleSetRead])
async def list_rule_sets(session: SessionDep, principal: PrincipalDep) -> list[schemas.RuleSetRead]:
    """Every credit-repair rule set with its effective period, oldest first."""
    return [views.rule_set_read(r) for r in await rule_sets.list_rule_sets(session)]


@router.get("/rule-sets/{rule_set_id}", response_model=schemas.RuleSetRead)
async def get_rule_set(principal: PrincipalDep, rule_set: RuleSetDep) -> schemas.RuleSetRead:
    """One rule set with its full configuration."""
    return views.rule_set_read(rule_set)


@router.post("/rule-sets", status_code=201, response_model=schemas.RuleSetRead)
async def add_rule_set(
    body: schemas.RuleSetCreate, session: SessionDep, principal: AdminDep, context: ContextDep
) -> schemas.RuleSetRead:
    """Add a rule set; effective periods may not overlap (CREDIT_RULESET_OVERLAP)."""
    row = await rule_sets.add_rule_set(
        session,
        document=body.rule_set,
        supersede_open_ended=body.supersede_open_ended,
        actor=principal.sub,
        actor_role=principal.role,
        cache=context.rule_sets,
    )
    return views.rule_set_read(row)


# --- records and notices --------------------------------------------------------------------------


@router.get("/records", response_model=Page[schemas.RecordRead])
async def list_records(
    session: SessionDep,
    principal: ReaderDep,
    scope: ScopeDep,
    case_id: uuid.UUID | None = None,
    uscc: UsccQuery = None,
    published: bool | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.RecordRead]:
    """Credit records the caller may see (an enterprise its own), newest first."""
    listed = await records.list_records(
        session,
        scope,
        case_id=case_id,
        uscc=uscc,
        published=published,
        before=_uuid_cursor(cursor),
        limit=limit,
    )
    return page_of([views.record_read(*r) for r in listed], limit, key=lambda r: str(r.id))


@router.get("/ledgers/publications.xlsx", response_class=Response)
async def publications_ledger(
    session: SessionDep, principal: ReaderDep, scope: ScopeDep, published: bool | None = None
) -> Response:
    """信用公示台账 (xlsx, Chinese headers): the credit records the caller may see, with their publication."""
    listed = await records.list_records(
        session, scope, case_id=None, uscc=None, published=published, before=None, limit=ledger.MAX_ROWS
    )
    rows = [views.ledger_row(views.record_read(*r)) for r in listed[: ledger.MAX_ROWS]]
    data = ledger.xlsx("信用公示台账", views.LEDGER_COLUMNS, rows)
    return ledger.response(data, f"行政处罚信用信息公示台账-{clock.today().isoformat()}.xlsx")


@router.get("/records/{record_id}", response_model=schemas.RecordRead)
async def get_record(session: SessionDep, principal: ReaderDep, record: RecordDep) -> schemas.RecordRead:
    """One credit record with its class, publication and notice."""
    return views.record_read(*await records.record_view(session, record))


@router.get("/notices", response_model=Page[schemas.NoticeRead])
async def list_notices(
    session: SessionDep,
    principal: ReaderDep,
    scope: ScopeDep,
    case_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.NoticeRead]:
    """信用修复提示书 the caller may see (an enterprise its own), newest first; filter by penalty case."""
    rows = await records.list_notices(
        session, scope, case_id=case_id, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([views.notice_read(n) for n in rows], limit, key=lambda n: str(n.id))


@router.get("/notices/{notice_id}", response_model=schemas.NoticeRead)
async def get_notice(principal: ReaderDep, notice: NoticeDep) -> schemas.NoticeRead:
    """One 信用修复提示书: its number, the publication dates and the repair requirements."""
    return views.notice_read(notice)


@router.get(
    "/notices/{notice_id}/html", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}}
)
async def get_notice_html(principal: ReaderDep, notice: NoticeDep) -> HTMLResponse:
    """The 信用修复提示书 as an HTML document."""
    return HTMLResponse(notice.html)


@router.get(
    "/notices/{notice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the notice as PDF"}},
)
async def get_notice_pdf(session: SessionDep, principal: ReaderDep, notice: NoticeDep) -> Response:
    """The 信用修复提示书 as PDF (rendered on the first request, then kept)."""
    pdf = await records.notice_pdf(session, notice)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="credit-repair-notice-{notice.id}.pdf"'},
    )


# --- repairs --------------------------------------------------------------------------------------


@router.post("/repairs", status_code=201, response_model=schemas.RepairRead)
async def apply_for_repair(
    body: schemas.RepairCreate, session: SessionDep, principal: EnterpriseDep, scope: ScopeDep
) -> schemas.RepairRead:
    """Apply for credit repair of one of the enterprise's published records (eligibility checked at once)."""
    app = await repairs.apply_for_repair(
        session,
        principal,
        scope,
        record_id=body.record_id,
        commitment_text=body.commitment_text,
        commitment_accepted=body.commitment_accepted,
        violation_corrected=body.violation_corrected,
        evidence_refs=body.evidence_refs,
    )
    return views.repair_read(app)


@router.get("/repairs", response_model=Page[schemas.RepairRead])
async def list_repairs(
    session: SessionDep,
    principal: ReaderDep,
    scope: ScopeDep,
    status: schemas.RepairStatus | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.RepairRead]:
    """Repair applications the caller may see (an enterprise its own, a department those it reviews)."""
    rows = await repairs.list_repairs(
        session, scope, status=status, overdue=False, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([views.repair_read(a) for a in rows], limit, key=lambda a: str(a.id))


@router.get("/repairs/overdue", response_model=Page[schemas.RepairRead])
async def list_overdue_repairs(
    session: SessionDep,
    principal: StaffDep,
    scope: ScopeDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.RepairRead]:
    """Open applications past their working-day deadline for acceptance or decision."""
    rows = await repairs.list_repairs(
        session, scope, status=None, overdue=True, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([views.repair_read(a) for a in rows], limit, key=lambda a: str(a.id))


@router.get("/repairs/{repair_id}", response_model=schemas.RepairRead)
async def get_repair(principal: ReaderDep, repair: RepairDep) -> schemas.RepairRead:
    """One repair application with its deadlines and outcome."""
    return views.repair_read(repair)


@router.post("/repairs/{repair_id}/acceptance", response_model=schemas.RepairRead)
async def accept_repair(
    session: SessionDep, principal: ReviewerDep, review: RepairAcceptanceDep
) -> schemas.RepairRead:
    """Record acceptance (受理) by the deciding department; the decision deadline runs from today."""
    app, body = review
    app = await repairs.accept_for_review(session, principal, app, extended=body.extended)
    return views.repair_read(app)


@router.post("/repairs/{repair_id}/decision", response_model=schemas.RepairRead)
async def decide_repair(
    session: SessionDep, principal: ReviewerDep, review: RepairDecisionDep
) -> schemas.RepairRead:
    """Accept (予以修复: publication ends now) or reject with reasons (不予修复)."""
    app, body = review
    app = await repairs.decide_repair(session, principal, app, outcome=body.outcome, reasons=body.reasons)
    return views.repair_read(app)


# --- clean-ups and the sweep ----------------------------------------------------------------------


@router.post("/cleanups", status_code=202, response_model=schemas.CleanupRead)
async def create_cleanup(
    body: schemas.CleanupCreate, session: SessionDep, principal: CleanupStaffDep
) -> schemas.CleanupRead:
    """Queue a 信用松绑 clean-up against the rules in force today (dry run by default); poll its report."""
    run = await cleanups.create_cleanup(
        session,
        principal,
        dry_run=body.dry_run,
        reasons=[r.value for r in body.reasons] if body.reasons else None,
        department_codes=body.department_codes,
    )
    return views.cleanup_read(run)


@router.get("/cleanups", response_model=Page[schemas.CleanupRead])
async def list_cleanups(
    session: SessionDep, principal: CleanupStaffDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[schemas.CleanupRead]:
    """Clean-up runs, newest first (without their per-department rows)."""
    rows = await cleanups.list_cleanups(session, before=_uuid_cursor(cursor), limit=limit)
    return page_of([views.cleanup_read(r) for r in rows], limit, key=lambda r: str(r.id))


@router.get("/cleanups/{cleanup_id}", response_model=schemas.CleanupRead)
async def get_cleanup(
    session: SessionDep, principal: CleanupStaffDep, run: CleanupDep
) -> schemas.CleanupRead:
    """A clean-up run's progress and its report by reason and by department."""
    return views.cleanup_read(run, *await cleanups.progress(session, run))


@router.post("/cleanups/{cleanup_id}/resume", status_code=202, response_model=schemas.CleanupRead)
async def resume_cleanup(
    session: SessionDep, principal: AdminDep, run: ResumedCleanupDep
) -> schemas.CleanupRead:
    """Continue a failed clean-up run from its first unfinished step."""
    run = await cleanups.resume_cleanup(session, principal, run)
    return views.cleanup_read(run, *await cleanups.progress(session, run))


@router.post("/admin/sweep", response_model=schemas.SweepRead)
async def run_sweep(request: Request, principal: AdminDep) -> schemas.SweepRead:
    """Run the daily sweep now: end every publication whose maximum period has run."""
    today, ended = await sweep.sweep(
        request.app.state.factory, actor=principal.sub, actor_role=principal.role
    )
    return schemas.SweepRead(as_of=today, ended=ended)


@router.get("/admin/deadlines/pending", response_model=list[schemas.RepairRead])
async def pending_deadlines(session: SessionDep, principal: AdminDep) -> list[schemas.RepairRead]:
    """Applications whose deadlines wait for a year's holiday arrangement."""
    return [views.repair_read(a) for a in await calendar_deadlines.pending_deadlines(session)]


# --- feeds ----------------------------------------------------------------------------------------


@router.get("/feed", response_model=schemas.FeedPage)
async def get_feed(
    session: SessionDep,
    principal: FeedReaderDep,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    since: Annotated[
        str | None, Query(max_length=512, pattern=CURSOR_PATTERN, description="alias of cursor")
    ] = None,
) -> schemas.FeedPage:
    """Every start and end of publication in commit order; resume with next_cursor (never skips an entry)."""
    after = _int_cursor(cursor or since) or 0
    rows = await feeds.feed(session, after_seq=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [views.feed_item(entry, p, end) for entry, p, end in rows]
    last = rows[-1][0].seq if rows else after
    return schemas.FeedPage(items=items, next_cursor=encode_cursor(last), has_more=more)


@public_router.get("/publications", response_model=Page[schemas.PublicPublication])
async def public_publications(
    session: SessionDep,
    uscc: UsccQuery = None,
    department_code: DepartmentQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.PublicPublication]:
    """Penalty information currently published (natural persons masked), newest first."""
    rows = await feeds.public_publications(
        session, uscc=uscc, department_code=department_code, before_seq=_int_cursor(cursor), limit=limit
    )
    page = page_of([(p.seq, views.public_publication(p)) for p in rows], limit, key=lambda t: t[0])
    return Page(items=[t[1] for t in page.items], next_cursor=page.next_cursor)
