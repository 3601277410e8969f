"""Queries of visits and their outcomes, the counting records of the frequency rules, and the audit batch.

Who sees a visit is said once (``VISIT``): the enterprise visited, every department that took part (a joint
visit is each participating department's) and the supervisors of its district.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, partitions
from services.common.access import Scope, Visibility, any_of, condition, readable
from services.common.db import driver_connection
from services.inspection import models as m
from services.inspection.domain import frequency, visits
from services.inspection.domain.frequency import TaskKind
from services.inspection.repository.rows import year_bounds

VISIT = Visibility(
    uscc=m.Visit.uscc, department_code=any_of(m.Visit.dept_codes), district_code=m.Visit.district_code
)


def _by_id(visit_id: uuid.UUID) -> sa.Select[m.Visit]:
    """The visit by id, read in the one month ``visit_key`` names (inspection_0010: the executor prunes the
    other months' partitions once the sub-query's ``started_at`` is known)."""
    month = sa.select(m.VisitKey.started_at).where(m.VisitKey.visit_id == visit_id).scalar_subquery()
    return sa.select(m.Visit).where(m.Visit.visit_id == visit_id, m.Visit.started_at == month)


async def readable_visit(session: AsyncSession, scope: Scope, visit_id: uuid.UUID) -> m.Visit | None:
    """The visit, if ``scope`` may see it."""
    return await session.scalar(readable(_by_id(visit_id), scope, VISIT))


async def readable_visit_for_update(
    session: AsyncSession, scope: Scope, visit_id: uuid.UUID
) -> m.Visit | None:
    """The visit, if ``scope`` may see it, locked until the end of the transaction (it is about to change)."""
    return await session.scalar(readable(_by_id(visit_id), scope, VISIT).with_for_update())


async def visit_outcomes(
    session: AsyncSession, rows: Sequence[m.Visit]
) -> dict[uuid.UUID, list[m.VisitOutcome]]:
    """The outcomes of the visits ``rows``, by visit; read in their visits' months only (the list of
    ``visit_started_at`` values prunes ``visit_outcome``'s partitions when the statement is planned)."""
    out: dict[uuid.UUID, list[m.VisitOutcome]] = {r.visit_id: [] for r in rows}
    if not rows:
        return out
    query = sa.select(m.VisitOutcome).where(
        m.VisitOutcome.visit_id.in_([r.visit_id for r in rows]),
        m.VisitOutcome.visit_started_at.in_(sorted({r.started_at for r in rows})),
    )
    for row in (await session.scalars(query)).all():
        out[row.visit_id].append(row)
    return out


async def upsert_outcome(
    session: AsyncSession, visit_id: uuid.UUID, started_at: datetime, outcome: visits.ItemOutcome
) -> None:
    """Record an item's outcome of the visit started at ``started_at`` (its month's partition of
    ``visit_outcome``, inspection_0010)."""
    values = {
        "visit_id": visit_id,
        "visit_started_at": started_at,
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
            index_elements=["visit_id", "item_code", "visit_started_at"],
            set_={
                k: stmt.excluded[k] for k in values if k not in ("visit_id", "item_code", "visit_started_at")
            },
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
    session: AsyncSession, years: Sequence[int], scope: Scope | None = None
) -> list[frequency.VisitRecord]:
    """The counting records of the visits started in ``years``: those ``scope`` may see, or every one (None:
    the rules' own counts, never shown to a caller as such)."""
    start, _ = year_bounds(min(years))
    _, end = year_bounds(max(years))
    query = sa.select(*_RECORD_COLUMNS).where(m.Visit.started_at >= start, m.Visit.started_at < end)
    if scope is not None:
        query = query.where(condition(scope, VISIT))
    return [_record(r) for r in (await session.execute(query)).all()]


async def list_visits(
    session: AsyncSession,
    scope: Scope,
    *,
    uscc: str | None = None,
    cert_no: str | None = None,
    task_id: uuid.UUID | None = None,
    mode: str | None = None,
    status: str | None = None,
    year: int | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[m.Visit]:
    """Visits ``scope`` may see, newest first (keyset on ``(started_at, visit_id)``), narrowed by the filters
    given, read in the recent months first (``partitions.newest_first``)."""
    query = readable(sa.select(m.Visit), scope, VISIT)
    if uscc:
        query = query.where(m.Visit.uscc == uscc)
    if cert_no:
        query = query.where(m.Visit.cert_nos.contains([cert_no]))
    if task_id:
        query = query.where(m.Visit.task_id == task_id)
    if mode:
        query = query.where(m.Visit.mode == mode)
    if status:
        query = query.where(m.Visit.status == status)
    newest: datetime | date | None = None  # where the windows count back from (None: today)
    if year:
        start, end = year_bounds(year)
        query = query.where(m.Visit.started_at >= start, m.Visit.started_at < end)
        newest = min(clock.today(), date(year, 12, 31))
    if after:
        started, visit_id = after
        at = datetime.fromisoformat(started)
        query = query.where(
            m.Visit.started_at
            <= at,  # a plain bound prunes the months after the cursor; a row comparison not
            sa.tuple_(m.Visit.started_at, m.Visit.visit_id)
            < sa.tuple_(sa.literal(at), sa.literal(uuid.UUID(visit_id))),
        )
        newest = at  # a page of the same year's filter: the cursor is in that year
    query = query.order_by(m.Visit.started_at.desc(), m.Visit.visit_id.desc())

    async def fetch(window: list[sa.ColumnElement[bool]], n: int) -> Sequence[m.Visit]:
        return (await session.scalars(query.where(*window).limit(n))).all()

    # read in the recent months first: a page they fill plans only their partitions (issue #16 item 6)
    return await partitions.newest_first(
        partitions.spec_of("visit"), m.Visit.started_at, fetch, newest=newest, limit=limit
    )


async def completed_visits(session: AsyncSession, task_id: uuid.UUID) -> list[m.Visit]:
    """Every completed visit of a task (its published results)."""
    query = sa.select(m.Visit).where(m.Visit.task_id == task_id, m.Visit.status == "completed")
    query = query.order_by(m.Visit.started_at.desc(), m.Visit.visit_id.desc()).limit(10000)
    return list((await session.scalars(query)).all())


async def rated_visits(session: AsyncSession, scope: Scope, *, offset: int, limit: int) -> list[m.Visit]:
    """Rated visits ``scope`` may see, newest rating first."""
    query = sa.select(m.Visit).where(m.Visit.rated_at.is_not(None), condition(scope, VISIT))
    query = query.order_by(m.Visit.rated_at.desc(), m.Visit.visit_id.desc()).offset(offset).limit(limit)
    return list((await session.scalars(query)).all())


# ---------------------------------------------------------------------------------------------------------
# The audit of visit starts (the auditor job)


#: What the audit entry of a visit's start records (``audit_visit_starts``): not the officers' and items' JSON,
#: nor the ratings, which an ORM instance would load and decode for every visit of a batch.
_AUDITED = (
    m.Visit.visit_id,
    m.Visit.task_id,
    m.Visit.uscc,
    m.Visit.mode,
    m.Visit.started_at,
    m.Visit.recorded_at,
    m.Visit.cert_nos,
    m.Visit.accompanying,
    m.Visit.item_codes,
    m.Visit.reason,
    m.Visit.entry_code_id,
    m.Visit.request_id,
    m.Visit.started_by,
    m.Visit.started_by_role,
)


def claim_unaudited_statement(limit: int | sa.BindParameter[int]) -> sa.Select[Any]:
    """The statement of ``claim_unaudited`` (its plan is tested)."""
    q = m.VisitUnaudited
    ctid: sa.ColumnClause[Any] = sa.literal_column("ctid")
    oldest = (
        sa.select(ctid)
        .select_from(q)
        .order_by(q.recorded_at, q.visit_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = (
        sa.delete(q)
        .where(ctid == sa.any_(sa.func.array(oldest.scalar_subquery())))
        .returning(q.recorded_at, q.visit_id, q.started_at)
        .cte("taken")
    )
    visit = (
        sa.select(*_AUDITED)
        .where(m.Visit.visit_id == taken.c.visit_id, m.Visit.started_at == taken.c.started_at)
        .limit(1)
        .lateral("v")
    )
    query = (
        sa.select(*visit.c)
        .select_from(taken)
        .join(visit, sa.true())
        .order_by(taken.c.recorded_at, taken.c.visit_id)
    )
    return query


class Unaudited(NamedTuple):
    """A claimed visit: the columns of ``_AUDITED``, in their order."""

    visit_id: uuid.UUID
    task_id: uuid.UUID
    uscc: str
    mode: str
    started_at: datetime
    recorded_at: datetime
    cert_nos: list[str]
    accompanying: list[dict[str, Any]]
    item_codes: list[str]
    reason: str | None
    entry_code_id: uuid.UUID | None
    request_id: str | None
    started_by: str
    started_by_role: str


@functools.cache
def _claim_sql() -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``claim_unaudited_statement`` compiled once for asyncpg, with its parameters in order: their names and
    compiled values (``limit``, given at each call, and the LATERAL's own ``LIMIT 1``)."""
    compiled = claim_unaudited_statement(sa.bindparam("limit", type_=sa.Integer)).compile(
        dialect=asyncpg_dialect()  # type: ignore[no-untyped-call]  # (SQLAlchemy's dialect classes are untyped)
    )
    return str(compiled), tuple((n, compiled.params[n]) for n in compiled.positiontup or ())


async def claim_unaudited(session: AsyncSession, limit: int) -> list[Unaudited]:
    """Take up to ``limit`` visits whose start is not in the audit chain yet off ``visit_unaudited``, oldest
    first (``recorded_at``, then the id), as rows of the columns their audit entry records (no ORM instance:
    issue #16, the auditor's Python per check-in). One statement: the queue's rows are locked (rows another
    auditor holds are skipped) and deleted, and the visits read by their primary key. The caller appends
    them to the chain in the same transaction: if it fails, the rows are back in the queue.

    The plan does not depend on the statistics (a backlog of millions after an outage, a queue of dead rows
    before vacuum): the queue's rows the index scan locked are deleted by their ``ctid`` (no join with the
    queue: a TID scan once it is large), and each visit is read in its month by the primary key (a LATERAL sub-query with LIMIT is not
    pulled up into a join: a nested loop, the month pruned at each row), never by a hash join over a
    month's partition.

    The statement is compiled once and run on the session's driver connection (issue #16 item 1, round six: it
    was built anew each round, SQLAlchemy's columns and coercions in the auditor's profile)."""
    sql, params = _claim_sql()
    conn = await driver_connection(session)
    rows = await conn.fetch(sql, *(limit if name == "limit" else value for name, value in params))
    return [Unaudited(*r) for r in rows]
