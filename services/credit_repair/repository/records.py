"""Credit records (one per decision and revision), the lock that serialises a case's handlers, and the case
events that arrived before their decision."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import partitions
from services.common.access import Scope, Visibility, in_department, readable
from services.credit_repair.models import CreditRecord, PendingCaseEvent, Publication, PublicationKey

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


async def list_records(
    session: AsyncSession,
    scope: Scope,
    *,
    case_id: uuid.UUID | None,
    uscc: str | None,
    published: bool | None,
    before: str | None,
    limit: int,
) -> list[CreditRecord]:
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
    return list((await session.scalars(query)).all())


async def add_publication(session: AsyncSession, publication: Publication) -> None:
    """Insert a publication (its ``publication_key`` row comes with it, by the table's trigger). Its year's
    partition is created first when missing: ``starts_on`` is the decision's, which may lie in a year the
    kernel job does not keep (services/common/partitions.py); an existing one costs a catalogue lookup."""
    await partitions.ensure_partition(session, "publication", publication.starts_on)
    session.add(publication)
    await session.flush()


def _by_key(where: sa.ColumnElement[bool]) -> sa.Select[Publication]:
    """The publications whose key rows ``where`` selects: the key first, then the one partition each names
    (``(id, starts_on)``, the partitioned primary key, so the scan is pruned)."""
    keys = sa.select(PublicationKey.id, PublicationKey.starts_on).where(where)
    return sa.select(Publication).where(sa.tuple_(Publication.id, Publication.starts_on).in_(keys))


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


async def publications_for_records(
    session: AsyncSession, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Publication]:
    if not record_ids:
        return {}
    rows = (await session.scalars(_by_key(PublicationKey.record_id.in_(record_ids)))).all()
    return {p.record_id: p for p in rows}


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
