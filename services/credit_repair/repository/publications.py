"""Publications: their ends (one narrow row each), the integrations' feed and the public list."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import in_department
from services.credit_repair.models import FeedEntry, Publication, PublicationEnd, PublicationKey


async def end_publication(
    session: AsyncSession,
    publication_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
    today: date,
    run_id: uuid.UUID | None = None,
) -> bool:
    """End a publication unless it has ended already (perhaps by a concurrent bulk end); True if ended now."""
    inserted = await session.scalar(
        pg_insert(PublicationEnd)
        .values(
            publication_id=publication_id, ended_at=now, ended_on=today, reason=reason, cleanup_run_id=run_id
        )
        .on_conflict_do_nothing()
        .returning(PublicationEnd.publication_id)
    )
    return inserted is not None


async def end_of(session: AsyncSession, publication_id: uuid.UUID) -> PublicationEnd | None:
    return await session.get(PublicationEnd, publication_id)


async def feed_page(
    session: AsyncSession, after_seq: int, limit: int
) -> list[tuple[FeedEntry, Publication, PublicationEnd | None]]:
    """Entries after ``after_seq`` with their publication (and its end, if any), in feed order. Through the
    publication's key, so each publication is read from the one partition its ``starts_on`` names."""
    rows = (
        await session.execute(
            sa.select(FeedEntry, Publication, PublicationEnd)
            .join(PublicationKey, PublicationKey.id == FeedEntry.publication_id)
            .join(
                Publication,
                sa.and_(
                    Publication.id == PublicationKey.id, Publication.starts_on == PublicationKey.starts_on
                ),
            )
            .outerjoin(PublicationEnd, PublicationEnd.publication_id == FeedEntry.publication_id)
            .where(FeedEntry.seq > after_seq)
            .order_by(FeedEntry.seq)
            .limit(limit + 1)
        )
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


async def public_publications(
    session: AsyncSession,
    *,
    today: date,
    uscc: str | None,
    department_code: str | None,
    before_seq: int | None,
    limit: int,
) -> list[Publication]:
    """Publications in force today, newest first; a department code matches its enforcement bodies too."""
    not_ended = ~sa.exists().where(PublicationEnd.publication_id == Publication.id)
    query = (
        sa.select(Publication)
        .where(not_ended, Publication.starts_on <= today, Publication.max_ends_on > today)
        .order_by(Publication.seq.desc())
        .limit(limit + 1)
    )
    if uscc is not None:
        query = query.where(Publication.party_uscc == uscc)
    if department_code is not None:
        query = query.where(in_department(Publication.department_code)(department_code))
    if before_seq is not None:
        query = query.where(Publication.seq < before_seq)
    return list((await session.scalars(query)).all())
