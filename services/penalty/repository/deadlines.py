"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — deadlines."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.penalty.models import (
    DeadlineReport,
)

# --------------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------------


async def record_deadline_report(
    session: AsyncSession, *, case_id: uuid.UUID, deadline: str, due_on: date, detected_on: date
) -> bool:
    """True when this (case, deadline, due date) had not been reported yet."""
    stmt = (
        pg_insert(DeadlineReport)
        .values(case_id=case_id, deadline=deadline, due_on=due_on, detected_on=detected_on)
        .on_conflict_do_nothing(index_elements=["case_id", "deadline", "due_on"])
        .returning(DeadlineReport.case_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
