"""The sweep: publications end on the first day after their maximum period (最长公示期届满后自动停止公示)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, clock
from services.common.db import transaction
from services.credit_repair.repository import bulk as bulk_repo


async def sweep(
    factory: async_sessionmaker[AsyncSession], *, actor: str, actor_role: str
) -> tuple[date, int]:
    """End every publication whose maximum period has run; returns today and how many ended. Idempotent:
    every run ends what is due today. Runs its own transactions."""
    now, today = clock.now(), clock.today()
    async with transaction(factory) as session:
        ended = await bulk_repo.sweep_expired(session, today=today, now=now)
    if ended:
        # Audited after the bulk end (its feed numbering must be the transaction's last lock).
        async with transaction(factory) as session:
            await audit.append(
                session,
                actor=actor,
                actor_role=actor_role,
                action="publication.sweep",
                entity_type="publication",
                entity_id=today.isoformat(),
                after={"ended": ended},
            )
    return today, ended
