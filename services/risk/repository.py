"""Every query of the risk service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import outbox
from services.common.contracts.risk import EnterpriseClassified
from services.risk.domain import classes
from services.risk.domain.report import Figures, UnitDomainCounts
from services.risk.models import (
    ClassificationRun,
    ComplaintLead,
    EnterpriseClass,
    ExternalOutcome,
    LeadTransfer,
    PublicationSignal,
    QuarterReport,
    Rectification,
    RepairSignal,
    RiskCase,
    RiskEnterprise,
    RiskWarning,
    Unit,
    UnitSignal,
    ViolationSignal,
)

# Ratings at or below this many stars count as poor (docs/risk-model.md §2).
LOW_RATING_MAX_STARS = 2
# Domain of a process indicator whose event names no domain (扫码入企 refusals, ratings, visits).
INSPECTION_DOMAIN = "行政检查"
UNKNOWN_DOMAIN = "未分领域"

outcome_t = ExternalOutcome.__table__
lead_t = ComplaintLead.__table__
transfer_t = LeadTransfer.__table__
case_t = RiskCase.__table__
signal_t = UnitSignal.__table__
unit_t = Unit.__table__
enterprise_t = RiskEnterprise.__table__
class_t = EnterpriseClass.__table__
run_t = ClassificationRun.__table__
report_t = QuarterReport.__table__
warning_t = RiskWarning.__table__
rect_t = Rectification.__table__
publication_t = PublicationSignal.__table__
violation_t = ViolationSignal.__table__
repair_t = RepairSignal.__table__


# --------------------------------------------------------------------------------------------------- units


async def ensure_units(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Register units not seen before (code, department_code, district_code); existing rows are kept."""
    if not rows:
        return
    by_code = {r["code"]: r for r in rows}
    await session.execute(
        sa.text(
            "INSERT INTO risk_unit (code, department_code, district_code) "
            "SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:depts AS text[]), CAST(:districts AS text[])) "
            "ON CONFLICT (code) DO NOTHING"
        ),
        {
            "codes": list(by_code),
            "depts": [r.get("department_code") for r in by_code.values()],
            "districts": [r.get("district_code") for r in by_code.values()],
        },
    )


async def upsert_unit(
    session: AsyncSession, *, code: str, name: str, department_code: str | None, district_code: str | None
) -> None:
    stmt = pg_insert(unit_t).values(
        code=code, name=name, department_code=department_code, district_code=district_code
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={
                "name": stmt.excluded.name,
                "department_code": stmt.excluded.department_code,
                "district_code": stmt.excluded.district_code,
            },
        )
    )


async def get_unit(session: AsyncSession, code: str) -> Any | None:
    return (await session.execute(sa.select(unit_t).where(unit_t.c.code == code))).first()


async def units_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Any]:
    if not codes:
        return {}
    rows = (await session.execute(sa.select(unit_t).where(unit_t.c.code.in_(list(codes))))).all()
    return {r.code: r for r in rows}


# --------------------------------------------------------------------------------------------------- intake


@dataclass(frozen=True, slots=True)
class StoredIntake:
    external_id: str
    body_hash: str
    id: uuid.UUID


def _intake_table(kind: str) -> sa.Table:
    return lead_t if kind == "complaint" else outcome_t


async def find_intake(session: AsyncSession, kind: str, external_id: str) -> Any | None:
    table = _intake_table(kind)
    query = sa.select(table).where(table.c.external_id == external_id)
    if table is outcome_t:
        query = query.where(table.c.kind == kind)
    return (await session.execute(query)).first()


async def existing_hashes(
    session: AsyncSession, kind: str, external_ids: Sequence[str]
) -> dict[str, tuple[str, uuid.UUID | None]]:
    """The stored body hash of each external id, with the bulk upload that stored it (None: single intake)."""
    table = _intake_table(kind)
    query = sa.select(table.c.external_id, table.c.body_hash, table.c.upload_id).where(
        table.c.external_id == sa.func.any(sa.cast(list(external_ids), sa.ARRAY(sa.Text)))
    )
    if table is outcome_t:
        query = query.where(table.c.kind == kind)
    return {r.external_id: (r.body_hash, r.upload_id) for r in (await session.execute(query)).all()}


_OUTCOME_COLUMNS = (
    ("id", "uuid"),
    ("kind", "text"),
    ("external_id", "text"),
    ("body_hash", "text"),
    ("client", "text"),
    ("unit_code", "text"),
    ("domain", "text"),
    ("penalty_case_id", "uuid"),
    ("decided_on", "date"),
    ("penalty_decided_on", "date"),
    ("outcome", "text"),
    ("loss_type", "text"),
    ("illegality", "text"),
    ("counts_as", "text"),
    ("record", "jsonb"),
    ("received_at", "timestamptz"),
    ("upload_id", "uuid"),
)

_LEAD_COLUMNS = (
    ("id", "uuid"),
    ("external_id", "text"),
    ("body_hash", "text"),
    ("client", "text"),
    ("unit_code", "text"),
    ("domain", "text"),
    ("penalty_case_id", "uuid"),
    ("uscc", "text"),
    ("category", "text"),
    ("text", "text"),
    ("received_at", "timestamptz"),
    ("received_on", "date"),
    ("batch", "text"),
    ("status", "text"),
    ("history", "jsonb"),
    ("record", "jsonb"),
    ("upload_id", "uuid"),
)


def _unnest_insert(table: str, columns: Sequence[tuple[str, str]], conflict: str) -> sa.TextClause:
    names = ", ".join(c for c, _ in columns)
    # jsonb arrays travel as text[] (asyncpg has no jsonb[] codec for str) and are cast element-wise.
    arrays = ", ".join(
        f"CAST(:{c} AS text[])::jsonb[]" if t == "jsonb" else f"CAST(:{c} AS {t}[])" for c, t in columns
    )
    return sa.text(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING external_id"
    )


_INSERT_OUTCOMES = _unnest_insert("external_outcome", _OUTCOME_COLUMNS, "kind, external_id")
_INSERT_LEADS = _unnest_insert("complaint_lead", _LEAD_COLUMNS, "external_id")


async def insert_intake(session: AsyncSession, kind: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert a batch of records in one statement; returns the external ids actually inserted (the others
    already existed: the caller compares their stored body hashes)."""
    if not rows:
        return set()
    columns = _LEAD_COLUMNS if kind == "complaint" else _OUTCOME_COLUMNS
    statement = _INSERT_LEADS if kind == "complaint" else _INSERT_OUTCOMES
    params = {name: [row.get(name) for row in rows] for name, _ in columns}
    result = await session.execute(statement, params)
    return {r[0] for r in result.all()}


async def ensure_enterprises(session: AsyncSession, usccs: Sequence[str]) -> None:
    if not usccs:
        return
    await session.execute(
        sa.text(
            "INSERT INTO risk_enterprise (uscc) SELECT DISTINCT unnest(CAST(:usccs AS text[])) "
            "ON CONFLICT (uscc) DO NOTHING"
        ),
        {"usccs": list(usccs)},
    )


async def upsert_enterprise(
    session: AsyncSession, *, uscc: str, name: str | None, district_code: str | None
) -> None:
    stmt = pg_insert(enterprise_t).values(uscc=uscc, name=name or "", district_code=district_code)
    updates: dict[str, Any] = {}
    if name:
        updates["name"] = stmt.excluded.name
    if district_code:
        updates["district_code"] = stmt.excluded.district_code
    if updates:
        await session.execute(stmt.on_conflict_do_update(index_elements=["uscc"], set_=updates))
    else:
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["uscc"]))


# --------------------------------------------------------------------------------------------------- projections


async def upsert_case_opened(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(case_t).values(**values, status="opened", revision=0)
    keep = {
        col: sa.func.coalesce(case_t.c[col], stmt.excluded[col])
        for col in ("case_no", "unit_code", "district_code", "domain", "party_uscc")
    }
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=keep))


async def upsert_case_issued(session: AsyncSession, values: dict[str, Any], revision: int) -> None:
    """Decision data is taken from the newest decision.issued; the status follows the newest revision."""
    stmt = pg_insert(case_t).values(**values, status="issued", revision=revision, issued_revision=revision)
    newer_issue = sa.func.coalesce(case_t.c.issued_revision, -1) <= stmt.excluded.issued_revision
    newer = case_t.c.revision < stmt.excluded.revision
    fields = (
        "decision_no",
        "unit_code",
        "district_code",
        "domain",
        "party_uscc",
        "tier",
        "decided_on",
        "outside_tier",
    )
    set_: dict[str, Any] = {
        col: sa.case((newer_issue, stmt.excluded[col]), else_=case_t.c[col]) for col in fields
    }
    set_["issued_revision"] = sa.func.greatest(case_t.c.issued_revision, stmt.excluded.issued_revision)
    set_["status"] = sa.case((newer, sa.literal("issued")), else_=case_t.c.status)
    set_["revision"] = sa.func.greatest(case_t.c.revision, stmt.excluded.revision)
    set_["updated_at"] = sa.func.now()
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=set_))


async def upsert_case_corrected(
    session: AsyncSession, values: dict[str, Any], *, status: str, revision: int, on: date
) -> None:
    """decision.changed / decision.revoked: the newest revision decides the status."""
    column = "revoked_on" if status == "revoked" else "changed_on"
    stmt = pg_insert(case_t).values(**values, status=status, revision=revision, **{column: on})
    newer = case_t.c.revision < stmt.excluded.revision
    set_: dict[str, Any] = {
        "status": sa.case((newer, stmt.excluded.status), else_=case_t.c.status),
        "revision": sa.func.greatest(case_t.c.revision, stmt.excluded.revision),
        column: sa.case(
            (newer, stmt.excluded[column]), else_=sa.func.coalesce(case_t.c[column], stmt.excluded[column])
        ),
        "correction_source": sa.case(
            (newer, stmt.excluded.correction_source), else_=case_t.c.correction_source
        ),
        "updated_at": sa.func.now(),
    }
    for col in ("decision_no", "unit_code", "district_code", "party_uscc"):
        set_[col] = sa.func.coalesce(case_t.c[col], stmt.excluded[col])
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=set_))


async def insert_cases(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert projected cases that are not there yet (the sample loader); returns how many were new."""
    if not rows:
        return 0
    result = await session.execute(
        pg_insert(case_t).values(list(rows)).on_conflict_do_nothing().returning(case_t.c.case_id)
    )
    return len(result.all())


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> Any | None:
    return (await session.execute(sa.select(case_t).where(case_t.c.case_id == case_id))).first()


async def add_unit_signal(
    session: AsyncSession, values: dict[str, Any], *, keep_newest: bool = False
) -> None:
    stmt = pg_insert(signal_t).values(**values)
    if keep_newest:
        newer = stmt.excluded.occurred_at > signal_t.c.occurred_at
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["kind", "ref", "unit_code"],
                set_={col: stmt.excluded[col] for col in ("value", "occurred_at", "occurred_on", "detail")},
                where=newer,
            )
        )
    else:
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["kind", "ref", "unit_code"]))


async def add_violation(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(pg_insert(violation_t).values(**values).on_conflict_do_nothing())


async def add_repair(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(pg_insert(repair_t).values(**values).on_conflict_do_nothing())


async def publication_started(session: AsyncSession, values: dict[str, Any]) -> None:
    """The scheduled end stands in as the withdrawal day until credit.publication.ended says otherwise."""
    stmt = pg_insert(publication_t).values(**values, withdrawn_on=values["ends_on"])
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["publication_id"],
            set_={
                "published_on": stmt.excluded.published_on,
                "ends_on": stmt.excluded.ends_on,
                "case_id": stmt.excluded.case_id,
                "withdrawn_on": sa.case(
                    (publication_t.c.ended_at.is_(None), stmt.excluded.ends_on),
                    else_=publication_t.c.withdrawn_on,
                ),
            },
        )
    )


async def publication_ended(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(publication_t).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["publication_id"],
            set_={"ended_at": stmt.excluded.ended_at, "withdrawn_on": stmt.excluded.withdrawn_on},
        )
    )


# --------------------------------------------------------------------------------------------------- report


_COUNTS_SQL = sa.text(
    f"""
SELECT x.unit_code, x.domain,
       sum(x.decisions)::int AS decisions, sum(x.rc)::int AS rc, sum(x.ll)::int AS ll,
       sum(x.complaints)::int AS complaints, sum(x.refused)::int AS refused, sum(x.low)::int AS low,
       sum(x.deviations)::int AS deviations, sum(x.overdue)::int AS overdue
FROM (
    SELECT c.unit_code, COALESCE(c.domain, '{UNKNOWN_DOMAIN}') AS domain, 1 AS decisions, 0 AS rc, 0 AS ll,
           0 AS complaints, 0 AS refused, 0 AS low, c.outside_tier::int AS deviations, 0 AS overdue
    FROM risk_case c
    WHERE c.decided_on BETWEEN :first AND :last AND c.issued_revision IS NOT NULL AND c.unit_code IS NOT NULL
  UNION ALL
    SELECT o.unit_code, o.domain, 0, (o.counts_as = 'reconsideration_correction')::int,
           (o.counts_as = 'litigation_loss')::int, 0, 0, 0, 0, 0
    FROM external_outcome o
    WHERE o.decided_on BETWEEN :first AND :last AND o.counts_as IS NOT NULL
  UNION ALL
    SELECT l.unit_code, l.domain, 0, 0, 0, 1, 0, 0, 0, 0
    FROM complaint_lead l
    WHERE l.received_on BETWEEN :first AND :last
  UNION ALL
    SELECT s.unit_code, COALESCE(s.domain, c.domain, '{UNKNOWN_DOMAIN}'), 0, 0, 0, 0,
           (s.kind = 'refused_entry')::int, (s.kind = 'rating' AND s.value <= {LOW_RATING_MAX_STARS})::int, 0,
           (s.kind = 'overdue_procedure')::int
    FROM unit_signal s
    LEFT JOIN risk_case c ON c.case_id = s.case_id
    WHERE s.occurred_on BETWEEN :first AND :last AND s.kind <> 'visit'
) x
GROUP BY x.unit_code, x.domain
HAVING sum(x.decisions + x.rc + x.ll + x.complaints + x.refused + x.low + x.deviations + x.overdue) > 0
ORDER BY x.unit_code, x.domain
"""
)


async def quarter_counts(session: AsyncSession, first: date, last: date) -> list[UnitDomainCounts]:
    """Every (unit, domain) with something to count in [first, last]."""
    rows = (await session.execute(_COUNTS_SQL, {"first": first, "last": last})).all()
    return [
        UnitDomainCounts(
            r.unit_code,
            r.domain,
            Figures(
                decisions=r.decisions,
                reconsideration_corrections=r.rc,
                litigation_losses=r.ll,
                complaints=r.complaints,
                refused_entries=r.refused,
                low_ratings=r.low,
                benchmark_deviations=r.deviations,
                overdue_procedures=r.overdue,
            ),
        )
        for r in rows
    ]


async def unit_evidence(
    session: AsyncSession, unit_code: str, first: date, last: date
) -> dict[str, list[Any]]:
    """The records behind each number of one unit in [first, last] (the drill-down)."""
    between = {"first": first, "last": last}
    cases = (
        await session.execute(
            sa.select(case_t)
            .where(
                case_t.c.unit_code == unit_code,
                case_t.c.decided_on.between(first, last),
                case_t.c.issued_revision.is_not(None),
            )
            .order_by(case_t.c.decided_on, case_t.c.case_id)
        )
    ).all()
    outcomes = (
        await session.execute(
            sa.select(outcome_t)
            .where(
                outcome_t.c.unit_code == unit_code,
                outcome_t.c.decided_on.between(first, last),
                outcome_t.c.counts_as.is_not(None),
            )
            .order_by(outcome_t.c.decided_on, outcome_t.c.external_id)
        )
    ).all()
    leads = (
        await session.execute(
            sa.select(
                lead_t.c.id,
                lead_t.c.external_id,
                lead_t.c.domain,
                lead_t.c.category,
                lead_t.c.received_on,
                lead_t.c.status,
                lead_t.c.uscc,
            )
            .where(lead_t.c.unit_code == unit_code, lead_t.c.received_on.between(first, last))
            .order_by(lead_t.c.received_on, lead_t.c.external_id)
        )
    ).all()
    signals = (
        await session.execute(
            sa.text(
                "SELECT s.*, COALESCE(s.domain, c.domain, :unknown) AS resolved_domain FROM unit_signal s "
                "LEFT JOIN risk_case c ON c.case_id = s.case_id "
                "WHERE s.unit_code = :unit AND s.occurred_on BETWEEN :first AND :last "
                "ORDER BY s.occurred_on, s.kind, s.ref"
            ),
            {**between, "unit": unit_code, "unknown": UNKNOWN_DOMAIN},
        )
    ).all()
    return {"cases": list(cases), "outcomes": list(outcomes), "leads": list(leads), "signals": list(signals)}


async def get_published(session: AsyncSession, quarter: str) -> Any | None:
    return (await session.execute(sa.select(report_t).where(report_t.c.quarter == quarter))).first()


async def lock_quarter(session: AsyncSession, quarter: str) -> None:
    """Serialise publications of one quarter (the second waits, then finds the first)."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended("risk-publish:" + quarter, 0)))
    )


async def insert_report(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(report_t).values(**values))


async def insert_warning(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(warning_t).values(**values))


async def warnings_of(session: AsyncSession, quarter: str) -> list[Any]:
    return list(
        (
            await session.execute(
                sa.select(warning_t, rect_t.c.status.label("rectification_status"), rect_t.c.deadline)
                .join(rect_t, rect_t.c.warning_id == warning_t.c.id)
                .where(warning_t.c.quarter == quarter)
                .order_by(warning_t.c.unit_code)
            )
        ).all()
    )


# --------------------------------------------------------------------------------------------------- rectifications


async def insert_rectification(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(rect_t).values(**values))


async def get_rectification(
    session: AsyncSession, warning_id: uuid.UUID, *, lock: bool = False
) -> Any | None:
    query = sa.select(rect_t).where(rect_t.c.warning_id == warning_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def update_rectification(session: AsyncSession, warning_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        sa.update(rect_t).where(rect_t.c.warning_id == warning_id).values(**values, updated_at=sa.func.now())
    )


def _scope(
    query: sa.Select[Any], unit_col: sa.ColumnElement[Any], *, unit: str | None, district: str | None
) -> sa.Select[Any]:
    if unit is not None:
        query = query.where(unit_col == unit)
    if district is not None:
        query = query.where(
            unit_col.in_(sa.select(unit_t.c.code).where(unit_t.c.district_code == district).scalar_subquery())
        )
    return query


async def list_rectifications(
    session: AsyncSession,
    *,
    unit: str | None,
    district: str | None,
    status: str | None,
    quarter: str | None,
    overdue_on: date | None,
    after: tuple[date, str] | None,
    limit: int,
) -> list[Any]:
    query = sa.select(rect_t)
    query = _scope(query, rect_t.c.unit_code, unit=unit, district=district)
    if status is not None:
        query = query.where(rect_t.c.status == status)
    if quarter is not None:
        query = query.where(rect_t.c.quarter == quarter)
    if overdue_on is not None:
        query = query.where(rect_t.c.status.in_(("pending", "reopened")), rect_t.c.deadline < overdue_on)
    if after is not None:
        query = query.where(
            sa.tuple_(rect_t.c.deadline, sa.cast(rect_t.c.warning_id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Date), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(rect_t.c.deadline, sa.cast(rect_t.c.warning_id, sa.Text)).limit(limit)
    return list((await session.execute(query)).all())


async def rectification_counts(session: AsyncSession, *, district: str | None, today: date) -> dict[str, int]:
    query = sa.select(
        rect_t.c.status,
        sa.func.count().label("n"),
        sa.func.count()
        .filter(rect_t.c.status.in_(("pending", "reopened")), rect_t.c.deadline < today)
        .label("overdue"),
    ).group_by(rect_t.c.status)
    query = _scope(query, rect_t.c.unit_code, unit=None, district=district)
    out = {"pending": 0, "submitted": 0, "reopened": 0, "closed": 0, "withdrawn": 0, "overdue": 0}
    for row in (await session.execute(query)).all():
        out[row.status] = row.n
        out["overdue"] += row.overdue
    return out


# --------------------------------------------------------------------------------------------------- leads


async def get_lead(session: AsyncSession, lead_id: uuid.UUID, *, lock: bool = False) -> Any | None:
    query = sa.select(lead_t).where(lead_t.c.id == lead_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).first()


async def update_lead(session: AsyncSession, lead_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(lead_t).where(lead_t.c.id == lead_id).values(**values))


async def list_leads(
    session: AsyncSession,
    *,
    unit: str | None,
    district: str | None,
    status: str | None,
    batch: str | None,
    open_only: bool,
    after: tuple[str, str] | None,
    limit: int,
) -> list[Any]:
    query = sa.select(lead_t)
    query = _scope(query, lead_t.c.unit_code, unit=unit, district=district)
    if status is not None:
        query = query.where(lead_t.c.status == status)
    if batch is not None:
        query = query.where(lead_t.c.batch == batch)
    if open_only:
        query = query.where(lead_t.c.status != "closed")
    received = sa.func.to_char(lead_t.c.received_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')
    if after is not None:
        query = query.where(
            sa.tuple_(received, sa.cast(lead_t.c.id, sa.Text))
            > sa.tuple_(sa.literal(after[0], sa.Text), sa.literal(after[1], sa.Text))
        )
    query = query.order_by(received, sa.cast(lead_t.c.id, sa.Text)).limit(limit)
    return list((await session.execute(query)).all())


async def lead_counts(session: AsyncSession, *, district: str | None) -> dict[str, int]:
    query = sa.select(lead_t.c.status, sa.func.count().label("n")).group_by(lead_t.c.status)
    query = _scope(query, lead_t.c.unit_code, unit=None, district=district)
    out = {"received": 0, "transferred": 0, "answered": 0, "closed": 0}
    for row in (await session.execute(query)).all():
        out[row.status] = row.n
    return out


async def received_leads_to_transfer(session: AsyncSession, batches: Sequence[str]) -> list[Any]:
    """Received leads of the given weekly batches, locked (two transfers cannot move the same lead)."""
    if not batches:
        return []
    return list(
        (
            await session.execute(
                sa.select(
                    lead_t.c.id, lead_t.c.unit_code, lead_t.c.category, lead_t.c.batch, lead_t.c.received_at
                )
                .where(lead_t.c.status == "received", lead_t.c.batch.in_(list(batches)))
                .order_by(lead_t.c.batch, lead_t.c.unit_code, lead_t.c.received_at)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )


async def received_batches(session: AsyncSession) -> list[str]:
    return list(
        (
            await session.scalars(
                sa.select(lead_t.c.batch)
                .where(lead_t.c.status == "received")
                .distinct()
                .order_by(lead_t.c.batch)
            )
        ).all()
    )


async def insert_transfers(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(transfer_t), list(rows))


async def mark_transferred(
    session: AsyncSession,
    *,
    lead_ids: Sequence[uuid.UUID],
    transfer_ids: Sequence[uuid.UUID],
    departments: Sequence[str],
    due: Sequence[date],
    at: datetime,
    at_text: str,
    actor: str,
) -> None:
    """Set-based: every lead moves to its transfer with its own answer deadline and a history step."""
    await session.execute(
        sa.text(
            """
            UPDATE complaint_lead l
            SET status = 'transferred', transfer_id = v.transfer_id, department = v.department,
                transferred_at = :at, answer_due_on = v.due,
                history = l.history || jsonb_build_array(jsonb_build_object(
                    'at', CAST(:at_text AS text), 'actor', CAST(:actor AS text), 'from_status', 'received',
                    'to_status', 'transferred', 'note', v.department))
            FROM unnest(CAST(:ids AS uuid[]), CAST(:transfers AS uuid[]), CAST(:departments AS text[]),
                        CAST(:due AS date[])) AS v(id, transfer_id, department, due)
            WHERE l.id = v.id AND l.status = 'received'
            """
        ),
        {
            "ids": list(lead_ids),
            "transfers": list(transfer_ids),
            "departments": list(departments),
            "due": list(due),
            "at": at,
            "at_text": at_text,
            "actor": actor,
        },
    )


async def list_transfers(session: AsyncSession, *, batch: str | None, limit: int) -> list[Any]:
    query = sa.select(transfer_t)
    if batch is not None:
        query = query.where(transfer_t.c.batch == batch)
    query = query.order_by(transfer_t.c.transferred_at.desc(), transfer_t.c.unit_code).limit(limit)
    return list((await session.execute(query)).all())


# --------------------------------------------------------------------------------------------------- classes


def _outbox_sql(config: classes.ClassConfig, *, subset: bool) -> str:
    """``classification_upsert_ctes`` plus one INSERT ... SELECT of the outbox rows of the class changes.

    The envelope is built in SQL with exactly the fields of ``services.common.events.Envelope`` and the
    data of ``EnterpriseClassified`` (tests parse such rows with ``services.common.inbox.parse``).
    """
    data = (
        "jsonb_build_object('uscc', ev.uscc, 'risk_class', ev.class, 'previous_class', ev.previous_class, "
        "'score', ev.score, 'reasons', ev.reason_texts, 'classified_at', CAST(:at_text AS text), "
        "'revision', ev.revision)"
    )
    envelope = (
        "jsonb_build_object('id', ev.event_id, 'type', CAST(:event_type AS text), "
        "'version', CAST(:event_version AS integer), 'source', 'risk', 'time', CAST(:at_text AS text), "
        f"'subject', ev.uscc, 'request_id', CAST(:request_id AS text), 'data', {data})"
    )
    return f"""{classes.classification_upsert_ctes(config, subset=subset)}, events AS (
    SELECT gen_random_uuid() AS event_id, ch.uscc, ch.class, ch.previous_class::text AS previous_class,
           ch.score, ch.reason_texts, w.revision
    FROM changed ch
    JOIN written w ON w.uscc = ch.uscc
    WHERE ch.previous_class IS DISTINCT FROM ch.class
), emitted AS (
    INSERT INTO outbox (id, type, version, subject, envelope)
    SELECT ev.event_id, CAST(:event_type AS text), CAST(:event_version AS integer), ev.uscc, {envelope}
    FROM events ev
    RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written, (SELECT count(*) FROM emitted) AS emitted"""


_OUTBOX_SQL_CACHE: dict[tuple[str, bool], str] = {}


@dataclass(frozen=True, slots=True)
class ClassificationCounts:
    written: int
    emitted: int


async def classify(
    session: AsyncSession,
    *,
    config: classes.ClassConfig,
    version: str,
    today: date,
    at: datetime,
    at_text: str,
    request_id: str | None,
    usccs: Sequence[str] | None = None,
) -> ClassificationCounts:
    """Classify every enterprise (or ``usccs``), write the changed classes and their outbox rows set-based."""
    subset = usccs is not None
    key = (config.model_dump_json() + version, subset)
    sql = _OUTBOX_SQL_CACHE.get(key)
    if sql is None:
        sql = _OUTBOX_SQL_CACHE[key] = _outbox_sql(config, subset=subset)
    params: dict[str, Any] = {
        "today": today,
        "version": version,
        "at": at,
        "at_text": at_text,
        "request_id": request_id,
        "event_type": EnterpriseClassified.TYPE,
        "event_version": EnterpriseClassified.VERSION,
    }
    if subset:
        params["usccs"] = sorted(set(usccs or ()))
    row = (await session.execute(sa.text(sql), params)).one()
    if row.emitted:
        await session.execute(sa.text(f"NOTIFY {outbox.NOTIFY_CHANNEL}"))
    return ClassificationCounts(int(row.written), int(row.emitted))


async def lock_classification(session: AsyncSession, *, exclusive: bool) -> None:
    """A full run excludes incremental ones (they would lock the same rows in another order)."""
    fn = sa.func.pg_advisory_xact_lock if exclusive else sa.func.pg_advisory_xact_lock_shared
    await session.execute(sa.select(fn(sa.func.hashtextextended("risk-classification", 0))))


async def count_enterprises(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(enterprise_t)) or 0)


async def get_enterprise_class(session: AsyncSession, uscc: str) -> Any | None:
    return (
        await session.execute(
            sa.select(class_t, enterprise_t.c.name, enterprise_t.c.district_code)
            .join(enterprise_t, enterprise_t.c.uscc == class_t.c.uscc)
            .where(class_t.c.uscc == uscc)
        )
    ).first()


async def list_enterprise_classes(
    session: AsyncSession,
    *,
    risk_class: str | None,
    district: str | None,
    after: str | None,
    limit: int,
) -> list[Any]:
    query = sa.select(class_t, enterprise_t.c.name, enterprise_t.c.district_code).join(
        enterprise_t, enterprise_t.c.uscc == class_t.c.uscc
    )
    if risk_class is not None:
        query = query.where(class_t.c["class"] == risk_class)
    if district is not None:
        query = query.where(enterprise_t.c.district_code == district)
    if after is not None:
        query = query.where(class_t.c.uscc > after)
    return list((await session.execute(query.order_by(class_t.c.uscc).limit(limit))).all())


async def class_counts(session: AsyncSession, *, district: str | None) -> dict[str, int]:
    query = sa.select(class_t.c["class"].label("c"), sa.func.count().label("n")).group_by(class_t.c["class"])
    if district is not None:
        query = query.join(enterprise_t, enterprise_t.c.uscc == class_t.c.uscc).where(
            enterprise_t.c.district_code == district
        )
    out = {"A": 0, "B": 0, "C": 0, "D": 0}
    for row in (await session.execute(query)).all():
        out[row.c] = row.n
    return out


async def request_run(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(run_t).values(**values))


async def insert_daily_run(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Claim today's daily run; False when another replica (or an earlier round) already did."""
    stmt = (
        pg_insert(run_t)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["run_on"], index_where=sa.text("kind = 'daily'"))
        .returning(run_t.c.id)
    )
    return (await session.scalar(stmt)) is not None


async def claim_requested_run(session: AsyncSession) -> Any | None:
    return (
        await session.execute(
            sa.select(run_t)
            .where(run_t.c.status == "requested")
            .order_by(run_t.c.requested_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


async def update_run(session: AsyncSession, run_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(run_t).where(run_t.c.id == run_id).values(**values))


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> Any | None:
    return (await session.execute(sa.select(run_t).where(run_t.c.id == run_id))).first()
