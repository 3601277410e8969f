"""HTTP routes of the credit_repair service: thin — validate, call the service, map to schemas."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.common import clock
from services.common.pagination import (
    CURSOR_PATTERN,
    CursorQuery,
    InvalidCursor,
    LimitQuery,
    Page,
    decode_cursor,
    encode_cursor,
    page_of,
)
from services.credit_repair import schemas, service
from services.credit_repair.deps import (
    AdminDep,
    CleanupDep,
    EnterpriseDep,
    FeedReaderDep,
    PrincipalDep,
    ReaderDep,
    ReviewerDep,
    SessionDep,
    StaffDep,
)
from services.credit_repair.domain.rules import CreditClass
from services.credit_repair.models import (
    CleanupRun,
    CreditRecord,
    FeedEntry,
    Publication,
    PublicationEnd,
    RepairApplication,
    RepairNotice,
)

router = APIRouter(prefix="/api/v1/credit", tags=["credit_repair"])
public_router = APIRouter(prefix="/public/credit", tags=["credit_repair: public"])

UsccQuery = Annotated[schemas.Uscc | None, Query()]
DepartmentQuery = Annotated[
    str | None, Query(min_length=1, max_length=40, description="department code, e.g. SJ")
]


def _uuid_cursor(cursor: str | None) -> str | None:
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise InvalidCursor("分页游标无效", detail_en="bad cursor") from exc


def _int_cursor(cursor: str | None) -> int | None:
    value = decode_cursor(cursor)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidCursor("分页游标无效", detail_en="bad cursor")
    return value


# --- rule sets ------------------------------------------------------------------------------------


def _rule_set(row: Any) -> schemas.RuleSetRead:
    return schemas.RuleSetRead(
        id=row.id,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        status=service.rule_set_status(row, clock.today()),
        sample=row.sample,
        created_by=row.created_by,
        created_at=row.created_at,
        document=row.document,
    )


@router.get("/rule-sets", response_model=list[schemas.RuleSetRead])
async def list_rule_sets(session: SessionDep, principal: PrincipalDep) -> list[schemas.RuleSetRead]:
    """Every credit-repair rule set with its effective period, oldest first."""
    return [_rule_set(r) for r in await service.list_rule_sets(session)]


@router.get("/rule-sets/{rule_set_id}", response_model=schemas.RuleSetRead)
async def get_rule_set(
    rule_set_id: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    principal: PrincipalDep,
) -> schemas.RuleSetRead:
    """One rule set with its full configuration."""
    return _rule_set(await service.get_rule_set(session, rule_set_id))


@router.post("/rule-sets", status_code=201, response_model=schemas.RuleSetRead)
async def add_rule_set(
    body: schemas.RuleSetCreate, session: SessionDep, principal: AdminDep
) -> schemas.RuleSetRead:
    """Add a rule set; effective periods may not overlap (CREDIT_RULESET_OVERLAP)."""
    row = await service.add_rule_set(
        session,
        document=body.rule_set,
        supersede_open_ended=body.supersede_open_ended,
        actor=principal.sub,
        actor_role=principal.role,
    )
    return _rule_set(row)


# --- records --------------------------------------------------------------------------------------


def _publication(p: Publication | None, end: PublicationEnd | None) -> schemas.PublicationRead | None:
    if p is None:
        return None
    return schemas.PublicationRead(
        id=p.id,
        credit_class=p.credit_class,
        platforms=list(p.platforms),
        starts_on=p.starts_on,
        min_ends_on=p.min_ends_on,
        earliest_repair_on=p.earliest_repair_on,
        max_ends_on=p.max_ends_on,
        active=end is None and p.starts_on <= clock.today() < p.max_ends_on,
        ended_on=end.ended_on if end else None,
        end_reason=end.reason if end else None,
    )


def _record(
    r: CreditRecord, p: Publication | None, end: PublicationEnd | None, notice_id: uuid.UUID | None
) -> schemas.RecordRead:
    return schemas.RecordRead(
        id=r.id,
        case_id=r.case_id,
        revision=r.revision,
        decision_no=r.decision_no,
        decided_on=r.decided_on,
        party_kind=r.party_kind,
        party_uscc=r.party_uscc,
        party_name=r.party_name,
        department_code=r.department_code,
        department_name=r.department_name,
        district_code=r.district_code,
        benchmark_code=r.benchmark_code,
        kinds=list(r.kinds),
        fine_fen=r.fine_fen,
        procedure=r.procedure,
        credit_class=r.credit_class,
        credit_class_label=CreditClass(r.credit_class).label,
        published=r.published,
        class_reason=r.class_reason,
        rule_set_id=r.rule_set_id,
        never_early=r.never_early,
        decision_status=r.decision_status,
        fine_paid_fen=r.fine_fen if r.fully_performed else r.fine_paid_fen,
        fully_performed=r.fully_performed,
        notice_id=notice_id,
        publication=_publication(p, end),
    )


@router.get("/records", response_model=Page[schemas.RecordRead])
async def list_records(
    session: SessionDep,
    principal: ReaderDep,
    case_id: uuid.UUID | None = None,
    uscc: UsccQuery = None,
    published: bool | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.RecordRead]:
    """Credit records the caller may see (an enterprise its own), newest first."""
    rows, publications, ends, notices = await service.list_records(
        session,
        principal,
        case_id=case_id,
        uscc=uscc,
        published=published,
        before=_uuid_cursor(cursor),
        limit=limit,
    )
    items = []
    for r in rows:
        p = publications.get(r.id)
        items.append(_record(r, p, ends.get(p.id) if p else None, notices.get(r.id)))
    return page_of(items, limit, key=lambda r: str(r.id))


@router.get("/records/{record_id}", response_model=schemas.RecordRead)
async def get_record(record_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> schemas.RecordRead:
    """One credit record with its class, publication and notice."""
    record, publication, end, notice_id = await service.get_record(session, principal, record_id)
    return _record(record, publication, end, notice_id)


# --- notices --------------------------------------------------------------------------------------


def _notice(n: RepairNotice) -> schemas.NoticeRead:
    c = n.content
    return schemas.NoticeRead(
        id=n.id,
        notice_no=n.notice_no,
        record_id=n.record_id,
        case_id=n.case_id,
        decision_no=c["decision_no"],
        issued_on=n.issued_on,
        issued_at=n.issued_at,
        party_uscc=n.party_uscc,
        subject_name=c["subject_name"],
        credit_class=c["credit_class"],
        class_label=c["class_label"],
        published=c["published"],
        publication_start=c["publication_start"],
        earliest_repair_date=c["earliest_repair_date"],
        maximum_end=c["maximum_end"],
        requirements=list(c["requirements"]),
        application_path=c["application_path"],
        review=c["review"],
        html_url=f"{service.API}/notices/{n.id}/html",
        pdf_url=f"{service.API}/notices/{n.id}/pdf",
    )


@router.get("/notices", response_model=Page[schemas.NoticeRead])
async def list_notices(
    session: SessionDep,
    principal: ReaderDep,
    case_id: uuid.UUID | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.NoticeRead]:
    """信用修复提示书 the caller may see (an enterprise its own), newest first; filter by penalty case."""
    rows = await service.list_notices(
        session, principal, case_id=case_id, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([_notice(n) for n in rows], limit, key=lambda n: str(n.id))


@router.get("/notices/{notice_id}", response_model=schemas.NoticeRead)
async def get_notice(notice_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> schemas.NoticeRead:
    """One 信用修复提示书: its number, the publication dates and the repair requirements."""
    return _notice(await service.get_notice(session, principal, notice_id))


@router.get(
    "/notices/{notice_id}/html", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}}
)
async def get_notice_html(notice_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> HTMLResponse:
    """The 信用修复提示书 as an HTML document."""
    row = await service.get_notice(session, principal, notice_id)
    return HTMLResponse(row.html)


@router.get(
    "/notices/{notice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the notice as PDF"}},
)
async def get_notice_pdf(notice_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> Response:
    """The 信用修复提示书 as PDF (rendered on the first request, then kept)."""
    pdf = await service.notice_pdf(session, principal, notice_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="credit-repair-notice-{notice_id}.pdf"'},
    )


# --- repairs --------------------------------------------------------------------------------------


def _repair(a: RepairApplication) -> schemas.RepairRead:
    return schemas.RepairRead(
        id=a.id,
        record_id=a.record_id,
        publication_id=a.publication_id,
        case_id=a.case_id,
        party_uscc=a.party_uscc,
        department_code=a.department_code,
        status=a.status,
        submitted_on=a.submitted_on,
        submitted_at=a.submitted_at,
        commitment_text=a.commitment_text,
        violation_corrected=a.violation_corrected,
        evidence_refs=list(a.evidence_refs),
        rule_set_id=a.rule_set_id,
        acceptance_due=a.acceptance_due,
        decision_due=a.decision_due,
        window_due=a.window_due,
        extended=a.extended,
        accepted_on=a.accepted_on,
        decided_on=a.decided_on,
        outcome=a.outcome,
        reasons=list(a.reasons or []),
        on_time=a.on_time,
        overdue_stage=service.overdue_stage(a, clock.today()),
    )


@router.post("/repairs", status_code=201, response_model=schemas.RepairRead)
async def apply_for_repair(
    body: schemas.RepairCreate, session: SessionDep, principal: EnterpriseDep
) -> schemas.RepairRead:
    """Apply for credit repair of one of the enterprise's published records (eligibility checked at once)."""
    app = await service.apply_for_repair(
        session,
        principal,
        record_id=body.record_id,
        commitment_text=body.commitment_text,
        commitment_accepted=body.commitment_accepted,
        violation_corrected=body.violation_corrected,
        evidence_refs=body.evidence_refs,
    )
    return _repair(app)


@router.get("/repairs", response_model=Page[schemas.RepairRead])
async def list_repairs(
    session: SessionDep,
    principal: ReaderDep,
    status: schemas.RepairStatus | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.RepairRead]:
    """Repair applications the caller may see (an enterprise its own, a department those it reviews)."""
    rows = await service.list_repairs(
        session, principal, status=status, overdue=False, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([_repair(a) for a in rows], limit, key=lambda a: str(a.id))


@router.get("/repairs/overdue", response_model=Page[schemas.RepairRead])
async def list_overdue_repairs(
    session: SessionDep, principal: StaffDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[schemas.RepairRead]:
    """Open applications past their working-day deadline for acceptance or decision."""
    rows = await service.list_repairs(
        session, principal, status=None, overdue=True, before=_uuid_cursor(cursor), limit=limit
    )
    return page_of([_repair(a) for a in rows], limit, key=lambda a: str(a.id))


@router.get("/repairs/{repair_id}", response_model=schemas.RepairRead)
async def get_repair(repair_id: uuid.UUID, session: SessionDep, principal: ReaderDep) -> schemas.RepairRead:
    """One repair application with its deadlines and outcome."""
    return _repair(await service.get_repair(session, principal, repair_id))


@router.post("/repairs/{repair_id}/acceptance", response_model=schemas.RepairRead)
async def accept_repair(
    repair_id: uuid.UUID, body: schemas.RepairAcceptance, session: SessionDep, principal: ReviewerDep
) -> schemas.RepairRead:
    """Record acceptance (受理) by the deciding department; the decision deadline runs from today."""
    return _repair(await service.accept_for_review(session, principal, repair_id, extended=body.extended))


@router.post("/repairs/{repair_id}/decision", response_model=schemas.RepairRead)
async def decide_repair(
    repair_id: uuid.UUID, body: schemas.RepairDecision, session: SessionDep, principal: ReviewerDep
) -> schemas.RepairRead:
    """Accept (予以修复: publication ends now) or reject with reasons (不予修复)."""
    app = await service.decide_repair(
        session, principal, repair_id, outcome=body.outcome, reasons=body.reasons
    )
    return _repair(app)


# --- clean-ups and the sweep ----------------------------------------------------------------------


def _cleanup(run: CleanupRun, totals: Any = None, counts: Sequence[Any] = ()) -> schemas.CleanupRead:
    """A run; with ``totals`` (steps) its live progress, with ``counts`` its report."""
    labels = service.cleanup_labels()
    by_reason: dict[str, int] = {}
    by_department: dict[str, int] = {}
    for c in counts:
        by_reason[c.reason] = by_reason.get(c.reason, 0) + c.count
        by_department[c.department_code] = by_department.get(c.department_code, 0) + c.count
    done = 1.0 if run.status == "completed" else 0.0
    examined, matched = run.examined, run.matched
    if totals is not None and run.status != "completed":
        done = totals.done / totals.total if totals.total else 0.0
        examined, matched = totals.examined, totals.matched
    return schemas.CleanupRead(
        id=run.id,
        dry_run=run.dry_run,
        status=run.status,
        as_of=run.as_of,
        rule_set_id=run.rule_set_id,
        reasons=run.reasons,
        department_codes=run.department_codes,
        requested_by=run.requested_by,
        requested_at=run.requested_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        examined=examined,
        matched=matched,
        progress=round(done, 4),
        error=run.error,
        by_reason=by_reason,
        by_department=by_department,
        counts=[
            schemas.CleanupCountRead(
                reason=c.reason,
                label=labels.get(c.reason, c.reason),
                department_code=c.department_code,
                count=c.count,
            )
            for c in counts
        ],
    )


@router.post("/cleanups", status_code=202, response_model=schemas.CleanupRead)
async def create_cleanup(
    body: schemas.CleanupCreate, session: SessionDep, principal: CleanupDep
) -> schemas.CleanupRead:
    """Queue a 信用松绑 clean-up against the rules in force today (dry run by default); poll its report."""
    run = await service.create_cleanup(
        session,
        principal,
        dry_run=body.dry_run,
        reasons=[r.value for r in body.reasons] if body.reasons else None,
        department_codes=body.department_codes,
    )
    return _cleanup(run)


@router.get("/cleanups", response_model=Page[schemas.CleanupRead])
async def list_cleanups(
    session: SessionDep, principal: CleanupDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[schemas.CleanupRead]:
    """Clean-up runs, newest first (without their per-department rows)."""
    rows = await service.list_cleanups(session, before=_uuid_cursor(cursor), limit=limit)
    return page_of([_cleanup(r) for r in rows], limit, key=lambda r: str(r.id))


@router.get("/cleanups/{cleanup_id}", response_model=schemas.CleanupRead)
async def get_cleanup(
    cleanup_id: uuid.UUID, session: SessionDep, principal: CleanupDep
) -> schemas.CleanupRead:
    """A clean-up run's progress and its report by reason and by department."""
    run, totals, counts = await service.get_cleanup(session, cleanup_id)
    return _cleanup(run, totals, counts)


@router.post("/cleanups/{cleanup_id}/resume", status_code=202, response_model=schemas.CleanupRead)
async def resume_cleanup(
    cleanup_id: uuid.UUID, session: SessionDep, principal: AdminDep
) -> schemas.CleanupRead:
    """Continue a failed clean-up run from its first unfinished step."""
    run = await service.resume_cleanup(session, principal, cleanup_id)
    _, totals, counts = await service.get_cleanup(session, run.id)
    return _cleanup(run, totals, counts)


@router.post("/admin/sweep", response_model=schemas.SweepRead)
async def run_sweep(request: Request, principal: AdminDep) -> schemas.SweepRead:
    """Run the daily sweep now: end every publication whose maximum period has run."""
    today, ended = await service.sweep(
        request.app.state.factory, actor=principal.sub, actor_role=principal.role
    )
    return schemas.SweepRead(as_of=today, ended=ended)


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
    rows = await service.feed(session, after_seq=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_feed_item(entry, p, end) for entry, p, end in rows]
    last = rows[-1][0].seq if rows else after
    return schemas.FeedPage(items=items, next_cursor=encode_cursor(last), has_more=more)


def _feed_item(entry: FeedEntry, p: Publication, end: PublicationEnd | None) -> schemas.FeedItem:
    ended = entry.kind == "ended" and end is not None
    return schemas.FeedItem(
        seq=entry.seq,
        kind=entry.kind,
        publication_id=entry.publication_id,
        reason=entry.reason,
        occurred_at=entry.occurred_at,
        data={
            "publication_id": str(p.id),
            "record_id": str(p.record_id),
            "case_id": str(p.case_id),
            "decision_no": p.decision_no,
            "party_kind": p.party_kind,
            "party_uscc": p.party_uscc if p.party_kind == "organisation" else None,
            "party_name": p.public_name,
            "department_code": p.department_code,
            "department_name": p.department_name,
            "district_code": p.district_code,
            "credit_class": p.credit_class,
            "credit_class_label": CreditClass(p.credit_class).label,
            "platforms": list(p.platforms),
            "starts_on": p.starts_on.isoformat(),
            "earliest_repair_on": p.earliest_repair_on.isoformat() if p.earliest_repair_on else None,
            "ends_on": p.max_ends_on.isoformat(),
            "ended_on": end.ended_on.isoformat() if ended and end is not None else None,
        },
    )


@public_router.get("/publications", response_model=Page[schemas.PublicPublication])
async def public_publications(
    session: SessionDep,
    uscc: UsccQuery = None,
    department_code: DepartmentQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[schemas.PublicPublication]:
    """Penalty information currently published (natural persons masked), newest first."""
    rows = await service.public_publications(
        session, uscc=uscc, department_code=department_code, before_seq=_int_cursor(cursor), limit=limit
    )
    items = [
        (
            p.seq,
            schemas.PublicPublication(
                id=p.id,
                decision_no=p.decision_no,
                party_name=p.public_name,
                party_uscc=p.party_uscc if p.party_kind == "organisation" else None,
                department_code=p.department_code,
                department_name=p.department_name,
                credit_class=CreditClass(p.credit_class).label,
                platforms=list(p.platforms),
                starts_on=p.starts_on,
                ends_on=p.max_ends_on,
            ),
        )
        for p in rows
    ]
    page = page_of(items, limit, key=lambda t: t[0])
    return Page(items=[t[1] for t in page.items], next_cursor=page.next_cursor)
