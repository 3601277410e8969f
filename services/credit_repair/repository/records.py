"""Credit records (one per decision and revision), the lock that serialises a case's handlers, and the case
events that arrived before their decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import partitions
from services.common.access import Scope, Visibility, in_department, readable
from services.credit_repair.models import (
    CreditRecord,
    PendingCaseEvent,
    Publication,
    PublicationEnd,
    PublicationKey,
    RepairNotice,
)

#: An enterprise sees its own records, an officer its department's (谁认定谁修复: SJ also sees SJ-210102's),
#: a district supervisor the district's; an integration client none.
VISIBILITY = Visibility(
    uscc=CreditRecord.party_uscc,
    department_code=in_department(CreditRecord.department_code),
    district_code=CreditRecord.district_code,
)


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Serialise every handler of one penalty case (decision, revocation, change, payment)."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(str(case_id), 0x637265646974)))
    )


async def records_for_case(session: AsyncSession, case_id: uuid.UUID) -> list[CreditRecord]:
    return list(
        (
            await session.scalars(
                sa.select(CreditRecord)
                .where(CreditRecord.case_id == case_id)
                .order_by(CreditRecord.revision)
                .with_for_update()
            )
        ).all()
    )


async def record(session: AsyncSession, record_id: uuid.UUID, *, lock: bool = False) -> CreditRecord | None:
    query = sa.select(CreditRecord).where(CreditRecord.id == record_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def readable_record(
    session: AsyncSession, scope: Scope, record_id: uuid.UUID, *, lock: bool = False
) -> CreditRecord | None:
    """The record, if ``scope`` may read it."""
    query = readable(sa.select(CreditRecord).where(CreditRecord.id == record_id), scope, VISIBILITY)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


RecordView = tuple[CreditRecord, Publication | None, PublicationEnd | None, uuid.UUID | None]


def _viewed(query: sa.Select[Any]) -> sa.Select[Any]:
    """``query``'s records with their publication (its key row, then the one partition it names), that
    publication's end and the record's notice id, in the same statement: one snapshot, so a record never shows
    beside a publication ended after the record was read (READ COMMITTED gives each statement its own)."""
    notice = (
        sa.select(RepairNotice.id).where(RepairNotice.record_id == CreditRecord.id).limit(1).scalar_subquery()
    )
    return (
        query.add_columns(Publication, PublicationEnd, notice)
        .outerjoin(PublicationKey, PublicationKey.record_id == CreditRecord.id)
        .outerjoin(
            Publication,
            sa.and_(Publication.id == PublicationKey.id, Publication.starts_on == PublicationKey.starts_on),
        )
        .outerjoin(PublicationEnd, PublicationEnd.publication_id == Publication.id)
        .execution_options(populate_existing=True)
    )


async def record_view(session: AsyncSession, record_id: uuid.UUID) -> RecordView | None:
    """One record with its publication, end and notice id, read in one statement (``_viewed``)."""
    row = (
        await session.execute(_viewed(sa.select(CreditRecord).where(CreditRecord.id == record_id)))
    ).first()
    return cast(RecordView, tuple(row)) if row is not None else None


async def list_records(
    session: AsyncSession,
    scope: Scope,
    *,
    case_id: uuid.UUID | None,
    uscc: str | None,
    published: bool | None,
    before: str | None,
    limit: int,
) -> list[RecordView]:
    """The records ``scope`` may read, newest first, each with its publication, end and notice id, in one
    statement (``_viewed``)."""
    query = readable(
        sa.select(CreditRecord).order_by(CreditRecord.id.desc()).limit(limit + 1), scope, VISIBILITY
    )
    if case_id is not None:
        query = query.where(CreditRecord.case_id == case_id)
    if uscc is not None:
        query = query.where(CreditRecord.party_uscc == uscc)
    if published is not None:
        query = query.where(CreditRecord.published.is_(published))
    if before is not None:
        query = query.where(CreditRecord.id < uuid.UUID(before))
    return [cast(RecordView, tuple(r)) for r in (await session.execute(_viewed(query))).all()]


async def add_publication(session: AsyncSession, publication: Publication) -> None:
    """Insert a publication (its ``publication_key`` row comes with it, by the table's trigger). Its year's
    partition is created first when missing: ``starts_on`` is the decision's, which may lie in a year the
    kernel job does not keep (services/common/partitions.py); an existing one costs a catalogue lookup."""
    await partitions.ensure_partition(session, "publication", publication.starts_on)
    session.add(publication)
    await session.flush()


async def publication_for_record(
    session: AsyncSession, record_id: uuid.UUID, *, lock: bool = False
) -> Publication | None:
    key = (
        await session.execute(
            sa.select(PublicationKey.id, PublicationKey.starts_on).where(
                PublicationKey.record_id == record_id
            )
        )
    ).first()
    if key is None:
        return None
    query = sa.select(Publication).where(Publication.id == key.id, Publication.starts_on == key.starts_on)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


@dataclass(frozen=True)
class OtherDecisionRow:
    decision_no: str
    decided_on: date
    benchmark_code: str


async def other_decisions(
    session: AsyncSession, party_uscc: str, case_id: uuid.UUID
) -> list[OtherDecisionRow]:
    """The subject's other decisions still in force (a revoked or superseded one is no violation)."""
    rows = (
        await session.execute(
            sa.select(CreditRecord.decision_no, CreditRecord.decided_on, CreditRecord.benchmark_code).where(
                CreditRecord.party_uscc == party_uscc,
                CreditRecord.case_id != case_id,
                CreditRecord.decision_status == "in_force",
            )
        )
    ).all()
    return [OtherDecisionRow(r[0], r[1], r[2]) for r in rows]


# --- case events that arrived before their decision -----------------------------------------------


async def store_pending(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    case_id: uuid.UUID,
    type_: str,
    revision: int | None,
    envelope: dict[str, Any],
) -> None:
    await session.execute(
        pg_insert(PendingCaseEvent)
        .values(event_id=event_id, case_id=case_id, type=type_, revision=revision, envelope=envelope)
        .on_conflict_do_nothing()
    )


async def pending_for_case(session: AsyncSession, case_id: uuid.UUID) -> list[PendingCaseEvent]:
    return list(
        (
            await session.scalars(
                sa.select(PendingCaseEvent)
                .where(PendingCaseEvent.case_id == case_id, PendingCaseEvent.applied_at.is_(None))
                .order_by(
                    PendingCaseEvent.revision.asc().nulls_last(),
                    PendingCaseEvent.received_at,
                    PendingCaseEvent.event_id,
                )
                .with_for_update()
            )
        ).all()
    )
