"""Every query of the inspection service, and the mapping of rows to the domain's records."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.inspection import models as m
from services.inspection.domain import entry_rules, frequency, registry, visits
from services.inspection.domain.frequency import SHANGHAI, TaskKind

# ---------------------------------------------------------------------------------------------------------
# Row → domain


def legal_refs(rows: Sequence[dict[str, str]]) -> tuple[registry.LegalRef, ...]:
    return tuple(registry.LegalRef(r["law"], r["article"], r.get("title", "")) for r in rows)


def to_item(row: m.InspectionItem) -> registry.InspectionItem:
    return registry.InspectionItem(
        code=row.code,
        name=row.name,
        dept_code=row.dept_code,
        legal_basis=legal_refs(row.legal_basis),
        level=registry.ItemLevel(row.level),
        enterprise_related=row.enterprise_related,
        key_area=row.key_area,
        on_site=row.on_site,
        version=row.version,
        effective_from=row.effective_from,
        retired_on=row.retired_on,
    )


def to_officer(row: m.Officer) -> registry.Officer:
    return registry.Officer(
        officer_id=str(row.officer_id),
        name=row.name,
        dept_code=row.dept_code,
        cert_no=row.cert_no,
        status=registry.OfficerStatus(row.status),
        valid_until=row.valid_until,
        auxiliary=row.auxiliary,
        id_number_masked=row.id_number_masked,
        status_since=row.status_since,
        status_reason=row.status_reason,
        retraining=row.retraining,
        return_date=row.return_date,
        revision=row.revision,
    )


def to_enterprise(row: m.Enterprise) -> registry.Enterprise:
    return registry.Enterprise(
        uscc=row.uscc,
        name=row.name,
        district_code=row.district_code,
        industry=row.industry,
        address=row.address,
        legal_rep_masked=row.legal_rep_masked,
    )


def to_task(row: m.Task, usccs: Iterable[str]) -> entry_rules.Task:
    return entry_rules.Task(
        task_id=str(row.task_id),
        kind=TaskKind(row.kind),
        lead_dept=row.lead_dept,
        dept_codes=frozenset(row.dept_codes),
        enterprises=frozenset(usccs),
        created_at=row.created_at,
        created_by=row.created_by,
        item_codes=frozenset(row.item_codes),
        status=entry_rules.TaskStatus(row.status),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        urgent=row.urgent,
        lead_id=row.lead_id,
        requested_by_enterprise=row.requested_by_enterprise,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        status_reason=row.status_reason,
        draw_fingerprint=row.draw_fingerprint,
    )


def to_visit(row: m.Visit, outcomes: Sequence[m.VisitOutcome]) -> visits.Visit:
    rating = None
    if row.rated_at is not None and row.rating_stars is not None:
        rating = visits.Rating(
            stars=row.rating_stars,
            tags=tuple(row.rating_tags or ()),
            comment=row.rating_comment or "",
            anonymous=bool(row.rating_anonymous),
            rated_at=row.rated_at,
        )
    return visits.Visit(
        visit_id=str(row.visit_id),
        task_id=str(row.task_id),
        task_kind=TaskKind(row.task_kind),
        uscc=row.uscc,
        district_code=row.district_code,
        officers=tuple(visits.VisitOfficer(o["cert_no"], o["name"], o["dept_code"]) for o in row.officers),
        item_codes=tuple(row.item_codes),
        mode=visits.VisitMode(row.mode),
        started_at=row.started_at,
        recorded_at=row.recorded_at,
        reason=row.reason,
        entry_code_id=str(row.entry_code_id) if row.entry_code_id else None,
        requested_by_enterprise=row.requested_by_enterprise,
        status=visits.VisitStatus(row.status),
        outcomes=tuple(
            visits.ItemOutcome(
                item_code=o.item_code,
                outcome=visits.Outcome(o.outcome),
                description=o.description,
                evidence_sha256=tuple(o.evidence_sha256),
                correction_deadline=o.correction_deadline,
                recorded_by=o.recorded_by,
                recorded_at=o.recorded_at,
            )
            for o in sorted(outcomes, key=lambda o: list(row.item_codes).index(o.item_code))
        ),
        completed_at=row.completed_at,
        rating=rating,
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, 1 January next year) of ``year`` in Asia/Shanghai, as aware UTC instants."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    return start, end


# ---------------------------------------------------------------------------------------------------------
# Districts, departments, enforcement bodies


async def list_districts(session: AsyncSession) -> Sequence[m.District]:
    return (await session.scalars(sa.select(m.District).order_by(m.District.code))).all()


async def upsert_districts(session: AsyncSession, rows: list[dict[str, str]]) -> None:
    if rows:
        stmt = pg_insert(m.District).values(rows)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["code"], set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind}
            )
        )


async def list_departments(session: AsyncSession) -> Sequence[m.Department]:
    return (await session.scalars(sa.select(m.Department).order_by(m.Department.code))).all()


async def get_department(session: AsyncSession, code: str) -> m.Department | None:
    return await session.get(m.Department, code)


async def department_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(sa.select(m.Department.code, m.Department.name))
    return dict(rows.all())


async def list_bodies(session: AsyncSession, dept_code: str | None) -> Sequence[m.EnforcementBody]:
    query = sa.select(m.EnforcementBody).order_by(m.EnforcementBody.code)
    if dept_code:
        query = query.where(m.EnforcementBody.dept_code == dept_code)
    return (await session.scalars(query)).all()


async def get_body(session: AsyncSession, code: str) -> m.EnforcementBody | None:
    return await session.get(m.EnforcementBody, code)


# ---------------------------------------------------------------------------------------------------------
# Inspection items


async def item_versions(session: AsyncSession, codes: Iterable[str]) -> list[m.InspectionItem]:
    """Every version of the given item codes."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    query = sa.select(m.InspectionItem).where(m.InspectionItem.code.in_(wanted))
    return list(
        (await session.scalars(query.order_by(m.InspectionItem.code, m.InspectionItem.version))).all()
    )


async def catalogue_for(session: AsyncSession, codes: Iterable[str]) -> registry.Catalogue:
    return registry.Catalogue(to_item(r) for r in await item_versions(session, codes))


async def items_in_force(
    session: AsyncSession,
    day: date,
    *,
    dept_code: str | None = None,
    key_area: bool | None = None,
    after: str | None = None,
    limit: int = 1000,
) -> list[m.InspectionItem]:
    query = sa.select(m.InspectionItem).where(
        m.InspectionItem.effective_from <= day,
        sa.or_(m.InspectionItem.retired_on.is_(None), m.InspectionItem.retired_on > day),
    )
    if dept_code:
        query = query.where(m.InspectionItem.dept_code == dept_code)
    if key_area is not None:
        query = query.where(m.InspectionItem.key_area.is_(key_area))
    if after:
        query = query.where(m.InspectionItem.code > after)
    return list((await session.scalars(query.order_by(m.InspectionItem.code).limit(limit))).all())


async def latest_item(session: AsyncSession, code: str) -> m.InspectionItem | None:
    query = sa.select(m.InspectionItem).where(m.InspectionItem.code == code)
    return await session.scalar(query.order_by(m.InspectionItem.version.desc()).limit(1))


# ---------------------------------------------------------------------------------------------------------
# Officers


async def get_officer(session: AsyncSession, officer_id: uuid.UUID) -> m.Officer | None:
    return await session.get(m.Officer, officer_id)


async def officer_by_cert(session: AsyncSession, cert_no: str) -> m.Officer | None:
    return await session.scalar(sa.select(m.Officer).where(m.Officer.cert_no == cert_no))


async def department_officers(session: AsyncSession, dept_code: str) -> list[m.Officer]:
    query = sa.select(m.Officer).where(m.Officer.dept_code == dept_code).order_by(m.Officer.officer_id)
    return list((await session.scalars(query)).all())


async def list_officers(
    session: AsyncSession, *, dept_code: str | None, status: str | None, after: str | None, limit: int
) -> list[m.Officer]:
    query = sa.select(m.Officer)
    if dept_code:
        query = query.where(m.Officer.dept_code == dept_code)
    if status:
        query = query.where(m.Officer.status == status)
    if after:
        query = query.where(m.Officer.officer_id > uuid.UUID(after))
    return list((await session.scalars(query.order_by(m.Officer.officer_id).limit(limit))).all())


async def officers_expiring(session: AsyncSession, day: date) -> list[m.Officer]:
    """Active certificates whose validity ended before ``day`` (to be marked expired)."""
    query = sa.select(m.Officer).where(
        m.Officer.status == "active", m.Officer.valid_until.is_not(None), m.Officer.valid_until < day
    )
    return list((await session.scalars(query.order_by(m.Officer.officer_id).with_for_update())).all())


# ---------------------------------------------------------------------------------------------------------
# Enterprises and their risk classes


async def get_enterprise(session: AsyncSession, uscc: str, *, lock: bool = False) -> m.Enterprise | None:
    """The enterprise; ``lock`` takes FOR NO KEY UPDATE, which serialises entries to one enterprise (caps)."""
    query = sa.select(m.Enterprise).where(m.Enterprise.uscc == uscc)
    if lock:
        query = query.with_for_update(key_share=True)
    return await session.scalar(query)


async def enterprises_by_uscc(session: AsyncSession, usccs: Iterable[str]) -> dict[str, m.Enterprise]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    rows = (await session.scalars(sa.select(m.Enterprise).where(m.Enterprise.uscc.in_(wanted)))).all()
    return {r.uscc: r for r in rows}


async def list_enterprises(
    session: AsyncSession,
    *,
    district_code: str | None,
    industry: str | None,
    name: str | None,
    after: str | None,
    limit: int,
) -> list[m.Enterprise]:
    query = sa.select(m.Enterprise)
    if district_code:
        query = query.where(m.Enterprise.district_code == district_code)
    if industry:
        query = query.where(m.Enterprise.industry == industry)
    if name:
        query = query.where(m.Enterprise.name.contains(name, autoescape=True))
    if after:
        query = query.where(m.Enterprise.uscc > after)
    return list((await session.scalars(query.order_by(m.Enterprise.uscc).limit(limit))).all())


async def enterprise_pool(
    session: AsyncSession, district_codes: Sequence[str], industries: Sequence[str]
) -> list[tuple[str, str | None]]:
    """(USCC, risk class or None) of every enterprise matching the 双随机 pool filter."""
    query = sa.select(m.Enterprise.uscc, m.EnterpriseClass.risk_class).outerjoin(
        m.EnterpriseClass, m.EnterpriseClass.uscc == m.Enterprise.uscc
    )
    if district_codes:
        query = query.where(m.Enterprise.district_code.in_(list(district_codes)))
    if industries:
        query = query.where(m.Enterprise.industry.in_(list(industries)))
    return [(u, c) for u, c in (await session.execute(query.order_by(m.Enterprise.uscc))).all()]


async def risk_class(session: AsyncSession, uscc: str) -> str | None:
    return await session.scalar(sa.select(m.EnterpriseClass.risk_class).where(m.EnterpriseClass.uscc == uscc))


async def get_enterprise_class(session: AsyncSession, uscc: str) -> m.EnterpriseClass | None:
    return await session.get(m.EnterpriseClass, uscc)


async def risk_classes(session: AsyncSession, usccs: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    query = sa.select(m.EnterpriseClass.uscc, m.EnterpriseClass.risk_class).where(
        m.EnterpriseClass.uscc.in_(wanted)
    )
    return dict((await session.execute(query)).all())


async def apply_classification(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Keep the newest classification: a higher revision, or the same revision classified later."""
    insert = pg_insert(m.EnterpriseClass).values(**values)
    current = m.EnterpriseClass.__table__.c
    stmt = insert.on_conflict_do_update(
        index_elements=["uscc"],
        set_={k: insert.excluded[k] for k in values if k != "uscc"} | {"received_at": sa.func.now()},
        where=sa.or_(
            current.revision < insert.excluded.revision,
            sa.and_(
                current.revision == insert.excluded.revision,
                current.classified_at < insert.excluded.classified_at,
            ),
        ),
    ).returning(current.uscc)
    return (await session.scalar(stmt)) is not None


async def list_quiet_windows(session: AsyncSession, uscc: str | None) -> list[m.QuietWindow]:
    query = sa.select(m.QuietWindow)
    if uscc:
        query = query.where(m.QuietWindow.uscc == uscc)
    return list(
        (await session.scalars(query.order_by(m.QuietWindow.starts_on, m.QuietWindow.window_id))).all()
    )


# ---------------------------------------------------------------------------------------------------------
# Tasks


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> m.Task | None:
    return await session.get(m.Task, task_id)


async def task_enterprises(session: AsyncSession, task_id: uuid.UUID) -> list[m.TaskEnterprise]:
    query = sa.select(m.TaskEnterprise).where(m.TaskEnterprise.task_id == task_id)
    return list((await session.scalars(query.order_by(m.TaskEnterprise.uscc))).all())


async def task_enterprise_counts(
    session: AsyncSession, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not task_ids:
        return {}
    query = (
        sa.select(m.TaskEnterprise.task_id, sa.func.count())
        .where(m.TaskEnterprise.task_id.in_(list(task_ids)))
        .group_by(m.TaskEnterprise.task_id)
    )
    return dict((await session.execute(query)).all())


async def list_tasks(
    session: AsyncSession,
    *,
    dept_code: str | None = None,
    district_code: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    statuses: Sequence[str] = (),
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[m.Task]:
    query = sa.select(m.Task)
    if dept_code:
        query = query.where(m.Task.dept_codes.contains([dept_code]))
    if district_code:
        query = query.where(m.Task.district_codes.contains([district_code]))
    if kind:
        query = query.where(m.Task.kind == kind)
    if status:
        query = query.where(m.Task.status == status)
    if statuses:
        query = query.where(m.Task.status.in_(list(statuses)))
    if after:
        created, task_id = after
        query = query.where(
            sa.tuple_(m.Task.created_at, m.Task.task_id)
            < sa.tuple_(sa.literal(datetime.fromisoformat(created)), sa.literal(uuid.UUID(task_id)))
        )
    query = query.order_by(m.Task.created_at.desc(), m.Task.task_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def urgent_tasks_past_deadline(session: AsyncSession, now: datetime, window: timedelta) -> list[m.Task]:
    query = sa.select(m.Task).where(
        m.Task.kind == "complaint",
        m.Task.urgent.is_(True),
        m.Task.status == "pending_approval",
        m.Task.approval_overdue_at.is_(None),
        m.Task.created_at < now - window,
    )
    return list((await session.scalars(query.with_for_update(skip_locked=True))).all())


async def overdue_tasks(session: AsyncSession, district_code: str | None) -> list[m.Task]:
    query = sa.select(m.Task).where(m.Task.approval_overdue_at.is_not(None))
    if district_code:
        query = query.where(m.Task.district_codes.contains([district_code]))
    return list((await session.scalars(query.order_by(m.Task.approval_overdue_at))).all())


# ---------------------------------------------------------------------------------------------------------
# Entry codes


# ---------------------------------------------------------------------------------------------------------
# Visits


async def get_visit(session: AsyncSession, visit_id: uuid.UUID, *, lock: bool = False) -> m.Visit | None:
    query = sa.select(m.Visit).where(m.Visit.visit_id == visit_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def visit_outcomes(
    session: AsyncSession, visit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[m.VisitOutcome]]:
    out: dict[uuid.UUID, list[m.VisitOutcome]] = {v: [] for v in visit_ids}
    if not visit_ids:
        return out
    query = sa.select(m.VisitOutcome).where(m.VisitOutcome.visit_id.in_(list(visit_ids)))
    for row in (await session.scalars(query)).all():
        out[row.visit_id].append(row)
    return out


async def upsert_outcome(session: AsyncSession, visit_id: uuid.UUID, outcome: visits.ItemOutcome) -> None:
    values = {
        "visit_id": visit_id,
        "item_code": outcome.item_code,
        "outcome": outcome.outcome.value,
        "description": outcome.description,
        "evidence_sha256": list(outcome.evidence_sha256),
        "correction_deadline": outcome.correction_deadline,
        "recorded_by": outcome.recorded_by,
        "recorded_at": outcome.recorded_at,
    }
    stmt = pg_insert(m.VisitOutcome).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["visit_id", "item_code"],
            set_={k: stmt.excluded[k] for k in values if k not in ("visit_id", "item_code")},
        )
    )


_RECORD_COLUMNS = (
    m.Visit.visit_id,
    m.Visit.uscc,
    m.Visit.started_at,
    m.Visit.task_kind,
    m.Visit.dept_codes,
    m.Visit.requested_by_enterprise,
    m.Visit.mode,
)


def _record(row: Any) -> frequency.VisitRecord:
    return frequency.VisitRecord(
        visit_id=str(row.visit_id),
        uscc=row.uscc,
        started_at=row.started_at,
        task_kind=TaskKind(row.task_kind),
        dept_codes=frozenset(row.dept_codes),
        requested_by_enterprise=row.requested_by_enterprise,
        emergency=row.mode == "emergency",
        backfilled=row.mode == "backfilled",
    )


async def visit_records(
    session: AsyncSession, years: Sequence[int], district_code: str | None
) -> list[frequency.VisitRecord]:
    start, _ = year_bounds(min(years))
    _, end = year_bounds(max(years))
    query = sa.select(*_RECORD_COLUMNS).where(m.Visit.started_at >= start, m.Visit.started_at < end)
    if district_code:
        query = query.where(m.Visit.district_code == district_code)
    return [_record(r) for r in (await session.execute(query)).all()]


async def list_visits(
    session: AsyncSession,
    *,
    uscc: str | None = None,
    cert_no: str | None = None,
    dept_code: str | None = None,
    district_code: str | None = None,
    task_id: uuid.UUID | None = None,
    mode: str | None = None,
    status: str | None = None,
    year: int | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[m.Visit]:
    query = sa.select(m.Visit)
    if uscc:
        query = query.where(m.Visit.uscc == uscc)
    if cert_no:
        query = query.where(m.Visit.cert_nos.contains([cert_no]))
    if dept_code:
        query = query.where(m.Visit.dept_codes.contains([dept_code]))
    if district_code:
        query = query.where(m.Visit.district_code == district_code)
    if task_id:
        query = query.where(m.Visit.task_id == task_id)
    if mode:
        query = query.where(m.Visit.mode == mode)
    if status:
        query = query.where(m.Visit.status == status)
    if year:
        start, end = year_bounds(year)
        query = query.where(m.Visit.started_at >= start, m.Visit.started_at < end)
    if after:
        started, visit_id = after
        query = query.where(
            sa.tuple_(m.Visit.started_at, m.Visit.visit_id)
            < sa.tuple_(sa.literal(datetime.fromisoformat(started)), sa.literal(uuid.UUID(visit_id)))
        )
    query = query.order_by(m.Visit.started_at.desc(), m.Visit.visit_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def rated_visits(
    session: AsyncSession, *, dept_code: str | None, district_code: str | None, offset: int, limit: int
) -> list[m.Visit]:
    query = sa.select(m.Visit).where(m.Visit.rated_at.is_not(None))
    if dept_code:
        query = query.where(m.Visit.dept_codes.contains([dept_code]))
    if district_code:
        query = query.where(m.Visit.district_code == district_code)
    query = query.order_by(m.Visit.rated_at.desc(), m.Visit.visit_id.desc()).offset(offset).limit(limit)
    return list((await session.scalars(query)).all())


async def frequency_rows(
    session: AsyncSession,
    year: int,
    *,
    district_code: str | None,
    exempt_kinds: Sequence[str],
    after: tuple[str, str] | None,
    limit: int,
) -> list[Any]:
    """On-site visits per enterprise per department in ``year`` (a joint visit counts for each)."""
    start, end = year_bounds(year)
    dept = sa.func.unnest(m.Visit.dept_codes)  # set-returning in the select list: one row per department
    capped = sa.and_(m.Visit.task_kind.not_in(list(exempt_kinds)), m.Visit.requested_by_enterprise.is_(False))
    inner = (
        sa.select(
            m.Visit.uscc.label("uscc"),
            m.Visit.district_code.label("district_code"),
            dept.label("dept_code"),
            sa.case((capped, 1), else_=0).label("capped"),
        )
        .select_from(m.Visit)
        .where(m.Visit.started_at >= start, m.Visit.started_at < end)
    )
    if district_code:
        inner = inner.where(m.Visit.district_code == district_code)
    sub = inner.subquery()
    query = (
        sa.select(
            sub.c.uscc,
            sa.func.coalesce(m.Enterprise.name, "").label("name"),
            sub.c.district_code,
            sub.c.dept_code,
            sa.func.count().label("visits"),
            sa.func.sum(sub.c.capped).label("capped_visits"),
        )
        .outerjoin(m.Enterprise, m.Enterprise.uscc == sub.c.uscc)
        .group_by(sub.c.uscc, m.Enterprise.name, sub.c.district_code, sub.c.dept_code)
    )
    if after:
        query = query.having(
            sa.tuple_(sub.c.uscc, sub.c.dept_code) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
        )
    query = query.order_by(sub.c.uscc, sub.c.dept_code).limit(limit)
    return list((await session.execute(query)).all())


async def visit_mode_counts(session: AsyncSession, year: int, district_code: str | None) -> dict[str, int]:
    start, end = year_bounds(year)
    query = sa.select(m.Visit.mode, sa.func.count()).where(
        m.Visit.started_at >= start, m.Visit.started_at < end
    )
    if district_code:
        query = query.where(m.Visit.district_code == district_code)
    return dict((await session.execute(query.group_by(m.Visit.mode))).all())


async def low_rating_count(session: AsyncSession, year: int, district_code: str | None) -> int:
    start, end = year_bounds(year)
    query = sa.select(sa.func.count()).where(
        m.Visit.started_at >= start, m.Visit.started_at < end, m.Visit.rating_stars <= 2
    )
    if district_code:
        query = query.where(m.Visit.district_code == district_code)
    return int(await session.scalar(query) or 0)


# ---------------------------------------------------------------------------------------------------------
# Refusals


async def insert_refusal(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a refusal; False when the same attempt (caller + Idempotency-Key) is already stored."""
    stmt = pg_insert(m.EntryRefusal).values(**values).on_conflict_do_nothing(index_elements=["attempt_key"])
    return (await session.scalar(stmt.returning(m.EntryRefusal.refusal_id))) is not None


async def refusal_counts(
    session: AsyncSession, year: int, district_code: str | None
) -> list[tuple[str, int]]:
    start, end = year_bounds(year)
    query = sa.select(m.EntryRefusal.code, sa.func.count()).where(
        m.EntryRefusal.refused_at >= start, m.EntryRefusal.refused_at < end
    )
    if district_code:
        query = query.where(m.EntryRefusal.district_code == district_code)
    query = query.group_by(m.EntryRefusal.code).order_by(sa.func.count().desc(), m.EntryRefusal.code)
    return [(c, n) for c, n in (await session.execute(query)).all()]


async def list_refusals(
    session: AsyncSession,
    *,
    code: str | None,
    district_code: str | None,
    dept_code: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[m.EntryRefusal]:
    query = sa.select(m.EntryRefusal)
    if code:
        query = query.where(m.EntryRefusal.code == code)
    if district_code:
        query = query.where(m.EntryRefusal.district_code == district_code)
    if dept_code:
        query = query.where(m.EntryRefusal.dept_code == dept_code)
    if after:
        refused, refusal_id = after
        query = query.where(
            sa.tuple_(m.EntryRefusal.refused_at, m.EntryRefusal.refusal_id)
            < sa.tuple_(sa.literal(datetime.fromisoformat(refused)), sa.literal(uuid.UUID(refusal_id)))
        )
    query = query.order_by(m.EntryRefusal.refused_at.desc(), m.EntryRefusal.refusal_id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


# ---------------------------------------------------------------------------------------------------------
# The entry hot path (check-in, entry codes, scans, back-fill): few round trips, no ORM identity map.
#
# An entry needs a dozen facts (the code, the task and the enterprise's place in it, the people, the item
# versions, this year's visits, the risk class, quiet windows, department names). They are read in ONE
# statement returning a JSON document, after the enterprise row has been locked by a statement of its own
# (so the read's snapshot is taken after any concurrent entry to the same enterprise has committed), and
# the visit is written together with the consumption of the code in ONE statement.


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    uscc: str
    name: str
    district_code: str
    industry: str
    address: str
    legal_rep_masked: str
    code_serial: int

    def domain(self) -> registry.Enterprise:
        return registry.Enterprise(
            self.uscc, self.name, self.district_code, self.industry, self.address, self.legal_rep_masked
        )


_LOCK_ENTERPRISE = sa.text(
    "SELECT uscc, name, district_code, industry, address, legal_rep_masked, code_serial"
    " FROM enterprise WHERE uscc = :uscc FOR NO KEY UPDATE"
)
_READ_ENTERPRISE = sa.text(
    "SELECT uscc, name, district_code, industry, address, legal_rep_masked, code_serial"
    " FROM enterprise WHERE uscc = :uscc"
)


async def enterprise_row(session: AsyncSession, uscc: str, *, lock: bool) -> EnterpriseRow | None:
    """The enterprise; ``lock`` takes FOR NO KEY UPDATE, serialising entries to one enterprise (caps, codes).

    Always the first statement of an entry, and through SQLAlchemy: it opens the request's transaction, which
    the driver-level statements below then run in.
    """
    row = (await session.execute(_LOCK_ENTERPRISE if lock else _READ_ENTERPRISE, {"uscc": uscc})).first()
    return EnterpriseRow(*row) if row is not None else None


_DRIVER = "inspection_driver_connection"


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's transaction, for the two hottest statements (it saves the
    SQLAlchemy execution overhead, about a tenth of a millisecond per statement)."""
    raw = session.info.get(_DRIVER)
    if raw is None:
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        session.info[_DRIVER] = raw
    if raw is None or not raw.is_in_transaction():
        raise RuntimeError("the entry statements must run inside the request's transaction")
    return raw


def forget_driver(session: AsyncSession) -> None:
    """After a rollback the connection went back to the pool: never use it through this session again."""
    session.info.pop(_DRIVER, None)


_ENTRY_FACTS = """
    SELECT json_build_object(
      'code', (SELECT json_build_object('task_id', c.task_id, 'uscc', c.uscc, 'used_at', c.used_at,
                                        'accompanying_ids', c.accompanying_ids)
               FROM entry_code c WHERE c.code_id = $1),
      'task', (SELECT json_build_object(
                 'task_id', t.task_id, 'kind', t.kind, 'lead_dept', t.lead_dept, 'dept_codes', t.dept_codes,
                 'item_codes', t.item_codes, 'status', t.status, 'starts_on', t.starts_on, 'ends_on', t.ends_on,
                 'urgent', t.urgent, 'lead_id', t.lead_id, 'requested_by_enterprise', t.requested_by_enterprise,
                 'created_at', t.created_at, 'created_by', t.created_by, 'approved_at', t.approved_at,
                 'approved_by', t.approved_by, 'status_reason', t.status_reason,
                 'draw_fingerprint', t.draw_fingerprint)
               FROM task t WHERE t.task_id = $2),  -- never the draw record: it can be large
      'member', (SELECT te.assigned_cert_nos FROM task_enterprise te WHERE te.task_id = $2 AND te.uscc = $3),
      'people', (SELECT coalesce(json_agg(json_build_object('o', row_to_json(o), 'department', d.name)), '[]')
                 FROM officer o JOIN department d ON d.code = o.dept_code
                 WHERE o.cert_no = ANY($4::text[]) OR o.officer_id = ANY($5::uuid[])
                    OR o.officer_id::text = ANY(coalesce(
                         (SELECT c.accompanying_ids FROM entry_code c WHERE c.code_id = $1), '{}'))),
      'items', (SELECT coalesce(json_agg(row_to_json(i)), '[]') FROM inspection_item i
                WHERE i.code = ANY($6::text[])),
      'visits', (SELECT coalesce(json_agg(json_build_object(
                   'visit_id', v.visit_id, 'started_at', v.started_at, 'task_kind', v.task_kind,
                   'dept_codes', v.dept_codes, 'requested_by_enterprise', v.requested_by_enterprise,
                   'mode', v.mode)), '[]')
                 FROM visit v WHERE v.uscc = $3 AND v.started_at >= $7 AND v.started_at < $8),
      'risk_class', (SELECT ec.risk_class FROM enterprise_class ec WHERE ec.uscc = $3),
      'quiet', (SELECT coalesce(json_agg(json_build_object(
                  'starts_on', q.starts_on, 'ends_on', q.ends_on, 'reason', q.reason, 'uscc', q.uscc)), '[]')
                FROM quiet_window q WHERE q.starts_on <= $9 AND q.ends_on >= $9 AND (q.uscc IS NULL OR q.uscc = $3))
    )::text
"""


@dataclass
class EntryFacts:
    """What the entry rules need, read in one statement."""

    code: dict[str, Any] | None
    task: dict[str, Any] | None
    assigned: list[str] | None  # None: the enterprise is not in the task
    officers: list[tuple[registry.Officer, str]]  # (officer, department name)
    catalogue: registry.Catalogue
    records: list[frequency.VisitRecord]
    risk_class: str | None
    windows: list[frequency.QuietWindow]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def ts_or_none(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def officer_from_json(o: dict[str, Any]) -> registry.Officer:
    return registry.Officer(
        officer_id=o["officer_id"],
        name=o["name"],
        dept_code=o["dept_code"],
        cert_no=o["cert_no"],
        status=registry.OfficerStatus(o["status"]),
        valid_until=_date(o["valid_until"]),
        auxiliary=o["auxiliary"],
        id_number_masked=o["id_number_masked"],
        status_since=_date(o["status_since"]),
        status_reason=o["status_reason"],
        retraining=o["retraining"],
        return_date=_date(o["return_date"]),
        revision=o["revision"],
    )


def item_from_json(i: dict[str, Any]) -> registry.InspectionItem:
    return registry.InspectionItem(
        code=i["code"],
        name=i["name"],
        dept_code=i["dept_code"],
        legal_basis=legal_refs(i["legal_basis"]),
        level=registry.ItemLevel(i["level"]),
        enterprise_related=i["enterprise_related"],
        key_area=i["key_area"],
        on_site=i["on_site"],
        version=i["version"],
        effective_from=date.fromisoformat(i["effective_from"]),
        retired_on=_date(i["retired_on"]),
    )


def task_from_json(t: dict[str, Any], usccs: Iterable[str]) -> entry_rules.Task:
    created = ts_or_none(t["created_at"])
    assert created is not None
    return entry_rules.Task(
        task_id=t["task_id"],
        kind=TaskKind(t["kind"]),
        lead_dept=t["lead_dept"],
        dept_codes=frozenset(t["dept_codes"]),
        enterprises=frozenset(usccs),
        created_at=created,
        created_by=t["created_by"],
        item_codes=frozenset(t["item_codes"]),
        status=entry_rules.TaskStatus(t["status"]),
        starts_on=_date(t["starts_on"]),
        ends_on=_date(t["ends_on"]),
        urgent=t["urgent"],
        lead_id=t["lead_id"],
        requested_by_enterprise=t["requested_by_enterprise"],
        approved_at=ts_or_none(t["approved_at"]),
        approved_by=t["approved_by"],
        status_reason=t["status_reason"],
        draw_fingerprint=t["draw_fingerprint"],
    )


async def entry_facts(
    session: AsyncSession,
    *,
    uscc: str,
    task_id: uuid.UUID | None,
    cert_nos: Sequence[str],
    officer_ids: Sequence[uuid.UUID],
    item_codes: Sequence[str],
    at: datetime,
    code_id: uuid.UUID | None = None,
) -> EntryFacts:
    year_start, year_end = year_bounds(frequency.year_of(at))
    raw = await _driver(session)
    text = await raw.fetchval(
        _ENTRY_FACTS,
        code_id,
        task_id,
        uscc,
        list(cert_nos),
        list(officer_ids),
        list(item_codes),
        year_start,
        year_end,
        frequency.local_date(at),
    )
    doc = orjson.loads(text)
    return EntryFacts(
        code=doc["code"],
        task=doc["task"],
        assigned=doc["member"],
        officers=[(officer_from_json(p["o"]), p["department"]) for p in doc["people"]],
        catalogue=registry.Catalogue(item_from_json(i) for i in doc["items"]),
        records=[
            frequency.VisitRecord(
                visit_id=v["visit_id"],
                uscc=uscc,
                started_at=datetime.fromisoformat(v["started_at"]),
                task_kind=TaskKind(v["task_kind"]),
                dept_codes=frozenset(v["dept_codes"]),
                requested_by_enterprise=v["requested_by_enterprise"],
                emergency=v["mode"] == "emergency",
                backfilled=v["mode"] == "backfilled",
            )
            for v in doc["visits"]
        ],
        risk_class=doc["risk_class"],
        windows=[
            frequency.QuietWindow(
                date.fromisoformat(q["starts_on"]), date.fromisoformat(q["ends_on"]), q["reason"], q["uscc"]
            )
            for q in doc["quiet"]
        ],
    )


_VISIT_COLUMNS = (
    "visit_id",
    "task_id",
    "task_kind",
    "uscc",
    "district_code",
    "mode",
    "status",
    "started_at",
    "recorded_at",
    "reason",
    "entry_code_id",
    "requested_by_enterprise",
    "dept_codes",
    "cert_nos",
    "officers",
    "accompanying",
    "item_codes",
    "items",
    "started_by",
    "started_by_role",
    "request_id",
)
_VISIT_CASTS = {
    "visit_id": "uuid",
    "task_id": "uuid",
    "started_at": "timestamptz",
    "recorded_at": "timestamptz",
    "entry_code_id": "uuid",
    "requested_by_enterprise": "boolean",
    "dept_codes": "text[]",
    "cert_nos": "text[]",
    "officers": "jsonb",
    "accompanying": "jsonb",
    "item_codes": "text[]",
    "items": "jsonb",
}
_JSON_COLUMNS = frozenset({"officers", "accompanying", "items"})
_VISIT_PARAMS = ", ".join(
    f"${i}::{_VISIT_CASTS.get(c, 'text')}" for i, c in enumerate(_VISIT_COLUMNS, start=1)
)
_INSERT_VISIT = f"INSERT INTO visit ({', '.join(_VISIT_COLUMNS)}) VALUES ({_VISIT_PARAMS})"
_CLAIM_AND_INSERT_VISIT = (
    f"WITH claimed AS (UPDATE entry_code SET used_at = $9::timestamptz, visit_id = $1::uuid"
    f" WHERE code_id = ${len(_VISIT_COLUMNS) + 1}::uuid AND used_at IS NULL RETURNING code_id)"
    f" INSERT INTO visit ({', '.join(_VISIT_COLUMNS)}) SELECT {_VISIT_PARAMS} FROM claimed RETURNING visit_id"
)


async def insert_visit(
    session: AsyncSession, values: dict[str, Any], *, claim_code: uuid.UUID | None
) -> bool:
    """Insert the visit; with ``claim_code``, only if that entry code is still unused, consuming it in the
    same statement (the code's ``used_at`` is the visit's ``recorded_at``). False when the code was consumed
    meanwhile; nothing is written then."""
    args = [orjson.dumps(values[c]).decode() if c in _JSON_COLUMNS else values[c] for c in _VISIT_COLUMNS]
    raw = await _driver(session)
    if claim_code is None:
        await raw.execute(_INSERT_VISIT, *args)
        return True
    return (await raw.fetchval(_CLAIM_AND_INSERT_VISIT, *args, claim_code)) is not None


async def unaudited_visits(session: AsyncSession, limit: int) -> list[m.Visit]:
    """Visits whose start is not in the audit chain yet, oldest first; rows claimed by another auditor are
    skipped."""
    query = (
        sa.select(m.Visit)
        .where(m.Visit.audited_at.is_(None))
        .order_by(m.Visit.recorded_at, m.Visit.visit_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def mark_audited(session: AsyncSession, visit_ids: Sequence[uuid.UUID], at: datetime) -> None:
    await session.execute(
        sa.update(m.Visit).where(m.Visit.visit_id.in_(list(visit_ids))).values(audited_at=at)
    )
