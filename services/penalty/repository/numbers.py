"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — numbers."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import (
    DocumentCounter,
)

# --------------------------------------------------------------------------------------------------------
# Document numbers
# --------------------------------------------------------------------------------------------------------


async def next_document_seq(session: AsyncSession, *, dept_code: str, year: int, kind: str) -> int:
    """The next number for (department, year, kind), in the caller's transaction (no gaps, no duplicates)."""
    insert = pg_insert(DocumentCounter).values(dept_code=dept_code, year=year, kind=kind, last_seq=1)
    stmt = insert.on_conflict_do_update(
        index_elements=["dept_code", "year", "kind"],
        set_={"last_seq": DocumentCounter.last_seq + 1},
    ).returning(DocumentCounter.last_seq)
    return int((await session.execute(stmt)).scalar_one())
