"""Reading what a service staged for publication: its outbox rows, as envelopes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import transaction
from services.common.tables import outbox_t


async def envelopes(
    factory: async_sessionmaker[AsyncSession], type_: str, **data: Any
) -> list[dict[str, Any]]:
    """Envelopes of ``type_`` in outbox order whose ``data`` has every given key with the given value."""
    async with transaction(factory) as session:
        query = sa.select(outbox_t.c.envelope).where(outbox_t.c.type == type_).order_by(outbox_t.c.seq)
        rows = (await session.execute(query)).scalars().all()
    return [dict(e) for e in rows if all(e["data"].get(k) == v for k, v in data.items())]
