"""During and after the visit (SPEC §2.4): per-item outcomes, checkout and its events, the enterprise's
rating, and the reads of visits and ratings. The visit is loaded through the one access rule by the route's
dependency (deps.VisitDep, deps.LockedVisitDep): a use case never sees a visit its caller may not read."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, ledger, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.pagination import InvalidCursor, Page, cursor_int, decode_cursor, encode_cursor, page_of
from services.inspection import events, views
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import follow_ups, visits
from services.inspection.domain.events import VisitCompleted, VisitRated
from services.inspection.errors import OfficerNotInVisit
from services.inspection.repository import follow_ups as follow_up_repo
from services.inspection.repository import registries as registry_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.repository.rows import to_enterprise, to_visit
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import cursor_pair, unreadable_cursor


def require_visit_officer(principal: Principal) -> str:
    """The caller's certificate number: only a certified officer records and closes a visit."""
    if not principal.cert_no:
        raise OfficerNotInVisit("令牌缺少执法证号", detail_en="The token carries no certificate number")
    return principal.cert_no


async def get_visit(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Visit
) -> s.VisitRead:
    outcomes = (await visit_repo.visit_outcomes(session, [row]))[row.visit_id]
    enterprise = await registry_repo.get_enterprise(session, row.uscc)
    return views.visit_read(
        row, outcomes, enterprise.name if enterprise else None, principal, ctx.rating_window
    )


async def list_visits(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    scope: Scope,
    view: Literal["mine", "department"],
    year: int | None,
    uscc: str | None,
    task_id: uuid.UUID | None,
    mode: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.VisitRead]:
    """An enterprise sees its own visits; an officer theirs (or the department's); supervisors their scope."""
    cert_no = None
    if principal.role == "enterprise":
        uscc = principal.uscc  # an enterprise's filter is itself, whatever it asks for
    elif principal.role == "officer" and view != "department":
        cert_no = principal.cert_no
    rows = await visit_repo.list_visits(
        session,
        scope,
        uscc=uscc,
        cert_no=cert_no,
        task_id=task_id,
        mode=mode,
        status=status,
        year=year,
        after=cursor_pair(cursor),
        limit=limit + 1,
    )
    outcomes = await visit_repo.visit_outcomes(session, rows[:limit])
    enterprises = await registry_repo.enterprises_by_uscc(session, [r.uscc for r in rows])
    names = {u: e.name for u, e in enterprises.items()}
    reads = [
        views.visit_read(r, outcomes.get(r.visit_id, []), names.get(r.uscc), principal, ctx.rating_window)
        for r in rows
    ]
    return page_of(reads, limit, lambda v: [v.started_at.isoformat(), str(v.visit_id)])


# 检查台账 (services/common/ledger.py): (field of the ledger row, Chinese header)
LEDGER_COLUMNS = [
    ("started_at", "检查开始时间"),
    ("completed_at", "检查结束时间"),
    ("enterprise_name", "被检查企业"),
    ("enterprise_uscc", "统一社会信用代码"),
    ("district_code", "区县代码"),
    ("task_kind", "任务类型"),
    ("mode", "入企方式"),
    ("emergency", "紧急检查"),
    ("backfilled", "事后补录"),
    ("reason", "检查事由"),
    ("officers", "执法人员"),
    ("items", "检查事项"),
    ("outcomes", "检查结果"),
    ("status", "状态"),
]


async def ledger_xlsx(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, scope: Scope, year: int | None
) -> bytes:
    """The visits the caller's list shows (an officer: the department's), newest first, as an xlsx 台账."""
    page = await list_visits(
        session, ctx=ctx, principal=principal, scope=scope, view="department", year=year, uscc=None,
        task_id=None, mode=None, status=None, cursor=None, limit=ledger.MAX_ROWS,
    )  # fmt: skip
    rows = [
        {
            **v.model_dump(),
            "officers": [f"{o.name}（{o.cert_no or '辅助人员'}）" for o in v.officers],
            "items": [f"{i.code} {i.name}" for i in v.items],
            "outcomes": [f"{o.item_code}：{o.outcome}" for o in v.outcomes],
        }
        for v in page.items
    ]
    return ledger.xlsx("检查台账", LEDGER_COLUMNS, rows)


async def record_outcomes(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    row: m.Visit,
    body: s.OutcomesWrite,
) -> s.VisitRead:
    """Record (or correct, before checkout) the outcome of one or more items of a locked visit."""
    now = clock.now()
    cert_no = require_visit_officer(principal)
    outcomes = (await visit_repo.visit_outcomes(session, [row]))[row.visit_id]
    visit = to_visit(row, outcomes)
    before = {o.item_code: o.outcome.value for o in visit.outcomes}
    for item in body.outcomes:
        visit = visits.record_outcome(
            visit,
            visits.ItemOutcome(
                item_code=item.item_code,
                outcome=visits.Outcome(item.outcome),
                description=item.description,
                evidence_sha256=tuple(item.evidence_sha256),
                correction_deadline=item.correction_deadline,
            ),
            recorded_by=cert_no,
            now=now,
        )
    written = {i.item_code for i in body.outcomes}
    for outcome in visit.outcomes:
        if outcome.item_code in written:
            await visit_repo.upsert_outcome(session, row.visit_id, row.started_at, outcome)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.outcomes.recorded",
        entity_type="visit",
        entity_id=str(row.visit_id),
        before=before,
        after={
            o.item_code: {
                "outcome": o.outcome.value,
                "description": o.description,
                "evidence_sha256": list(o.evidence_sha256),
                "correction_deadline": o.correction_deadline,
            }
            for o in visit.outcomes
            if o.item_code in written
        },
    )
    return await get_visit(session, ctx=ctx, principal=principal, row=row)


async def checkout(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Visit
) -> s.VisitRead:
    """Complete the visit: inspection.visit.completed, and inspection.violation.found per violating item."""
    now = clock.now()
    cert_no = require_visit_officer(principal)
    outcomes = (await visit_repo.visit_outcomes(session, [row]))[row.visit_id]
    visit = visits.checkout(to_visit(row, outcomes), by=cert_no, now=now)
    row.status = visit.status.value
    row.completed_at = visit.completed_at
    enterprise = await registry_repo.get_enterprise(session, row.uscc)
    assert enterprise is not None
    catalogue = await registry_repo.catalogue_for(session, visit.item_codes)
    outbox.add(session, events.visit_completed(VisitCompleted(visit)))
    found = visits.violations(visit, to_enterprise(enterprise), catalogue)
    for payload in found:
        outbox.add(session, events.violation_found(payload))
    # 责令改正 follow-up (issue #14 item 6): each order to correct is checked again at its deadline
    await follow_up_repo.add_follow_ups(
        session, follow_ups.follow_ups(visit, to_enterprise(enterprise), catalogue)
    )
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.completed",
        entity_type="visit",
        entity_id=str(row.visit_id),
        before={"status": "in_progress"},
        after={
            "status": "completed",
            "completed_at": now.isoformat(),
            "outcomes": visit.outcome_counts(),
            "violations": [str(visits.violation_id(p.key)) for p in found],
        },
    )
    return views.visit_read(row, outcomes, enterprise.name, principal, ctx.rating_window)


async def rate_visit(
    session: AsyncSession,
    *,
    ctx: InspectionContext,
    principal: Principal,
    row: m.Visit,
    body: s.RatingWrite,
) -> s.VisitRead:
    """The enterprise rates its own completed visit, once, within the rating window."""
    now = clock.now()
    outcomes = (await visit_repo.visit_outcomes(session, [row]))[row.visit_id]
    visit = visits.rate(
        to_visit(row, outcomes),
        stars=body.stars,
        tags=body.tags,
        comment=body.comment,
        anonymous=body.anonymous,
        now=now,
        window=ctx.rating_window,
    )
    assert visit.rating is not None
    row.rating_stars = visit.rating.stars
    row.rating_tags = list(visit.rating.tags)
    row.rating_comment = visit.rating.comment
    row.rating_anonymous = visit.rating.anonymous
    row.rated_at = now
    row.rated_by = principal.sub
    await session.flush()
    outbox.add(session, events.visit_rated(VisitRated(visit)))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.rated",
        entity_type="visit",
        entity_id=str(row.visit_id),
        after={
            "stars": visit.rating.stars,
            "tags": list(visit.rating.tags),
            "comment": visit.rating.comment,
            "anonymous": visit.rating.anonymous,
            "needs_attention": visit.rating.needs_attention,
        },
    )
    enterprise = await registry_repo.get_enterprise(session, row.uscc)
    return views.visit_read(
        row, outcomes, enterprise.name if enterprise else None, principal, ctx.rating_window
    )


async def list_ratings(
    session: AsyncSession, *, principal: Principal, scope: Scope, cursor: str | None, limit: int
) -> Page[s.DepartmentRatingRead]:
    """Ratings of visits: the department sees anonymous ones without visit, enterprise or time of day.

    The cursor is a plain offset here, so it carries nothing that could link an anonymous rating to a visit.
    """
    offset = offset_cursor(cursor)
    rows = await visit_repo.rated_visits(session, scope, offset=offset, limit=limit + 1)
    reads = [views.department_rating_read(r, principal) for r in rows]
    if len(reads) > limit:
        return Page(items=reads[:limit], next_cursor=encode_cursor(["offset", offset + limit]))
    return Page(items=reads, next_cursor=None)


def offset_cursor(cursor: str | None) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return 0
    if isinstance(value, list) and len(value) == 2 and value[0] == "offset":
        try:
            return cursor_int(value[1])  # an offset past bigint failed in the database: a 500
        except InvalidCursor:
            pass
    raise unreadable_cursor()
