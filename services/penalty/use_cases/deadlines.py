"""Missed deadlines (the periodic scan, jobs.py): every overdue deadline of an open case is published once
as ``penalty.deadline.missed`` (the deadlines themselves: domain.deadlines)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock
from services.common.db import transaction
from services.penalty import repository as repo
from services.penalty.domain import deadlines as dl
from services.penalty.models import PenaltyCase
from services.penalty.use_cases.disclosure import publication_still_due
from services.penalty.use_cases.publishing import report_deadline
from services.penalty.use_cases.timeline import case_of


async def scan_deadlines(factory: async_sessionmaker[AsyncSession], *, batch: int = 500) -> int:
    """Publish ``penalty.deadline.missed`` for every overdue deadline of an open case not reported yet.

    One transaction per batch of cases; the report table makes a rescan (or a second worker) harmless.
    """
    today = clock.today()
    reported = 0
    after: uuid.UUID | None = None
    while True:
        async with transaction(factory) as session:
            ids = await repo.open_case_ids(session, after=after, limit=batch)
            if not ids:
                return reported
            rows = (await session.scalars(sa.select(PenaltyCase).where(PenaltyCase.id.in_(ids)))).all()
            for row in rows:
                for item in dl.deadline_status(case_of(row), today):
                    if item.kind is dl.DeadlineKind.PUBLICATION and not await publication_still_due(
                        session, row.id
                    ):
                        continue  # the public record (use_cases.disclosure) says it was published
                    if item.level is dl.DeadlineLevel.OVERDUE and await report_deadline(
                        session, row, deadline=item.kind, due_on=item.due_on, detected_on=today
                    ):
                        reported += 1
            after = ids[-1]
