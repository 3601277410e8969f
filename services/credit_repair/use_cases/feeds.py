"""The integrations' feed (every start and end of publication in commit order) and the public list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.credit_repair.models import FeedEntry, Publication, PublicationEnd
from services.credit_repair.repository import publications as publication_repo


async def feed(
    session: AsyncSession, *, after_seq: int, limit: int
) -> list[tuple[FeedEntry, Publication, PublicationEnd | None]]:
    return await publication_repo.feed_page(session, after_seq, limit)


async def public_publications(
    session: AsyncSession,
    *,
    uscc: str | None,
    department_code: str | None,
    before_seq: int | None,
    limit: int,
) -> list[Publication]:
    return await publication_repo.public_publications(
        session,
        today=clock.today(),
        uscc=uscc,
        department_code=department_code,
        before_seq=before_seq,
        limit=limit,
    )
