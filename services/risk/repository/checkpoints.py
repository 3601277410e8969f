"""The audit checkpoints risk keeps for every service (``received_checkpoint``, append-only)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk.models import ReceivedCheckpoint


async def get(session: AsyncSession, service: str, seq: int) -> ReceivedCheckpoint | None:
    return await session.get(ReceivedCheckpoint, (service, seq))


def add(session: AsyncSession, checkpoint: ReceivedCheckpoint) -> None:
    session.add(checkpoint)


async def page(
    session: AsyncSession, service: str, *, limit: int, before_seq: int | None
) -> list[ReceivedCheckpoint]:
    """A service's checkpoints newest first, ``limit`` + 1 of them, below ``before_seq``."""
    query = (
        sa.select(ReceivedCheckpoint)
        .where(ReceivedCheckpoint.service == service)
        .order_by(ReceivedCheckpoint.seq.desc())
        .limit(limit + 1)
    )
    if before_seq is not None:
        query = query.where(ReceivedCheckpoint.seq < before_seq)
    return list((await session.scalars(query)).all())
