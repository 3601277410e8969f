"""Projections of other services' events: penalty cases, unit signals (refused entries, ratings, visits,
missed deadlines) and the enterprise signals the classes are scored from.

Every write is keyed by the event's natural key (case id, refusal attempt, visit id, publication id ...), so a
redelivered event changes nothing, and keeps the newest of out-of-order events (a case's ``revision``, a
rating's time, a publication's start and end merged whichever comes first).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk.models import (
    WITHDRAWN_STATUSES,
    PublicationSignal,
    RepairSignal,
    RiskCase,
    UnitSignal,
    ViolationSignal,
    table_of,
)

case_t = table_of(RiskCase)
signal_t = table_of(UnitSignal)
publication_t = table_of(PublicationSignal)
violation_t = table_of(ViolationSignal)
repair_t = table_of(RepairSignal)


class CaseValues(TypedDict, total=False):
    """The columns of ``risk_case`` an event sets."""

    case_id: uuid.UUID
    case_no: str | None
    decision_no: str | None
    unit_code: str | None
    district_code: str | None
    domain: str | None
    party_uscc: str | None
    tier: str | None
    decided_on: date | None
    outside_tier: bool
    correction_source: str | None
    benchmark_code: str | None


class SignalValues(TypedDict, total=False):
    """One ``unit_signal`` row."""

    kind: str
    ref: str
    unit_code: str
    domain: str | None
    case_id: uuid.UUID | None
    occurred_at: datetime
    occurred_on: date
    value: int | None
    detail: str


async def upsert_case_opened(session: AsyncSession, values: CaseValues) -> None:
    stmt = pg_insert(case_t).values(**values, status="opened", revision=0)
    keep = {
        col: sa.func.coalesce(case_t.c[col], stmt.excluded[col])
        for col in ("case_no", "unit_code", "district_code", "domain", "party_uscc")
    }
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=keep))


async def upsert_case_issued(session: AsyncSession, values: CaseValues, revision: int) -> None:
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
        "benchmark_code",
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
    session: AsyncSession, values: CaseValues, *, status: str, revision: int, on: date
) -> None:
    """decision.changed / decision.revoked (its outcome the status: revoked, confirmed_illegal, confirmed_void):
    the newest revision decides the status."""
    column = "revoked_on" if status in WITHDRAWN_STATUSES else "changed_on"
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
    # executemany through SQLAlchemy's insertmanyvalues: one cached compilation for any number of rows (a
    # multi-row .values(rows) was compiled again for every call, most of the sample loader's time)
    result = await session.execute(
        pg_insert(case_t).on_conflict_do_nothing().returning(case_t.c.case_id), list(rows)
    )
    return len(result.all())


async def add_unit_signal(session: AsyncSession, values: SignalValues, *, keep_newest: bool = False) -> None:
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


async def add_violation(
    session: AsyncSession,
    *,
    violation_id: uuid.UUID,
    uscc: str,
    unit_code: str | None,
    item_code: str,
    found_on: date,
) -> None:
    await session.execute(
        pg_insert(violation_t)
        .values(
            violation_id=violation_id, uscc=uscc, unit_code=unit_code, item_code=item_code, found_on=found_on
        )
        .on_conflict_do_nothing()
    )


async def add_repair(
    session: AsyncSession, *, repair_id: uuid.UUID, uscc: str, case_id: uuid.UUID | None, completed_on: date
) -> None:
    await session.execute(
        pg_insert(repair_t)
        .values(repair_id=repair_id, uscc=uscc, case_id=case_id, completed_on=completed_on)
        .on_conflict_do_nothing()
    )


async def publication_started(
    session: AsyncSession,
    *,
    publication_id: uuid.UUID,
    uscc: str,
    case_id: uuid.UUID | None,
    published_on: date,
    ends_on: date | None,
) -> None:
    """The scheduled end stands in as the withdrawal day until credit.publication.ended says otherwise."""
    stmt = pg_insert(publication_t).values(
        publication_id=publication_id,
        uscc=uscc,
        case_id=case_id,
        published_on=published_on,
        ends_on=ends_on,
        withdrawn_on=ends_on,
    )
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


async def publication_ended(
    session: AsyncSession,
    *,
    publication_id: uuid.UUID,
    uscc: str,
    case_id: uuid.UUID | None,
    ended_at: datetime,
    withdrawn_on: date,
) -> None:
    stmt = pg_insert(publication_t).values(
        publication_id=publication_id,
        uscc=uscc,
        case_id=case_id,
        ended_at=ended_at,
        withdrawn_on=withdrawn_on,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["publication_id"],
            set_={"ended_at": stmt.excluded.ended_at, "withdrawn_on": stmt.excluded.withdrawn_on},
        )
    )
