"""Case-file review campaigns (案卷评查): the pool of decided cases, campaigns, drawn files and findings.

A campaign is visible to the supervisors of a district it reviews (and city supervisors), and to the officers
of a unit it reviews; its files and findings through their campaign.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, any_of, readable
from services.risk.models import (
    WITHDRAWN_STATUSES,
    ReviewCampaign,
    ReviewFile,
    ReviewFinding,
    RiskCase,
    table_of,
)

file_t = table_of(ReviewFile)
finding_t = table_of(ReviewFinding)

CAMPAIGN_VISIBILITY = Visibility(
    department_code=any_of(ReviewCampaign.unit_codes), district_code=any_of(ReviewCampaign.district_codes)
)
#: A decided case is a case file to review, whatever became of its decision since (a revoked one, or one
#: confirmed illegal or void, above all).
DECIDED = ("issued", "changed", *WITHDRAWN_STATUSES)


def _campaign(review_id: uuid.UUID, scope: Scope) -> sa.Select[ReviewCampaign]:
    query = sa.select(ReviewCampaign).where(ReviewCampaign.id == review_id)
    return readable(query, scope, CAMPAIGN_VISIBILITY).execution_options(populate_existing=True)


async def readable_campaign(
    session: AsyncSession, scope: Scope, review_id: uuid.UUID
) -> ReviewCampaign | None:
    return (await session.scalars(_campaign(review_id, scope))).first()


async def locked_campaign(session: AsyncSession, scope: Scope, review_id: uuid.UUID) -> ReviewCampaign | None:
    """The campaign, locked until the transaction ends (a draw, a score and the completion cannot interleave)."""
    return (await session.scalars(_campaign(review_id, scope).with_for_update(of=ReviewCampaign))).first()


async def file_of(session: AsyncSession, review_id: uuid.UUID, file_id: uuid.UUID) -> ReviewFile | None:
    """A file of the campaign (the campaign was loaded through its access rule)."""
    query = sa.select(ReviewFile).where(ReviewFile.id == file_id, ReviewFile.campaign_id == review_id)
    return (await session.scalars(query.execution_options(populate_existing=True))).first()


async def list_campaigns(
    session: AsyncSession, scope: Scope, *, after: tuple[datetime, str] | None, limit: int
) -> list[ReviewCampaign]:
    """Newest first (created_at, id)."""
    query = sa.select(ReviewCampaign)
    if after is not None:
        query = query.where(
            sa.tuple_(ReviewCampaign.created_at, sa.cast(ReviewCampaign.id, sa.Text)) < sa.tuple_(*after)
        )
    query = query.order_by(ReviewCampaign.created_at.desc(), sa.cast(ReviewCampaign.id, sa.Text).desc())
    return list((await session.scalars(readable(query, scope, CAMPAIGN_VISIBILITY).limit(limit))).all())


async def progress(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """campaign id → (reviewed, total) files."""
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(file_t.c.campaign_id, sa.func.count(file_t.c.total), sa.func.count())
        .where(file_t.c.campaign_id.in_(list(ids)))
        .group_by(file_t.c.campaign_id)
    )
    return {campaign_id: (reviewed, total) for campaign_id, reviewed, total in rows.all()}


async def pool(
    session: AsyncSession, *, units: Sequence[str], items: Sequence[str], period_from: date, period_to: date
) -> list[RiskCase]:
    """The decided cases of ``units`` in the period (of ``items`` when any are named)."""
    query = sa.select(RiskCase).where(
        RiskCase.unit_code.in_(list(units)),
        RiskCase.status.in_(DECIDED),
        RiskCase.decided_on.between(period_from, period_to),
    )
    if items:
        query = query.where(RiskCase.benchmark_code.in_(list(items)))
    return list((await session.scalars(query)).all())


async def insert_files(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(file_t).values(list(rows)))


async def files_of(session: AsyncSession, review_id: uuid.UUID, unit: str | None = None) -> list[ReviewFile]:
    query = sa.select(ReviewFile).where(ReviewFile.campaign_id == review_id)
    if unit is not None:
        query = query.where(ReviewFile.unit_code == unit)
    query = query.order_by(ReviewFile.unit_code, ReviewFile.rank).execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


async def findings_of(
    session: AsyncSession, review_id: uuid.UUID, file_id: uuid.UUID | None = None
) -> list[ReviewFinding]:
    query = sa.select(ReviewFinding).where(ReviewFinding.campaign_id == review_id)
    if file_id is not None:
        query = query.where(ReviewFinding.file_id == file_id)
    query = query.order_by(ReviewFinding.created_at, ReviewFinding.id)
    return list((await session.scalars(query)).all())


async def record_score(session: AsyncSession, file_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(file_t).where(file_t.c.id == file_id).values(**values))


async def replace_findings(session: AsyncSession, file_id: uuid.UUID, rows: Sequence[dict[str, Any]]) -> None:
    """The file's findings become ``rows``; a finding that opened a supervision matter stays (the matter is)."""
    await session.execute(
        sa.delete(finding_t).where(finding_t.c.file_id == file_id, finding_t.c.matter_id.is_(None))
    )
    if rows:
        await session.execute(sa.insert(finding_t).values(list(rows)))


async def mark_matter_opened(session: AsyncSession, finding_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(finding_t).where(finding_t.c.id == finding_id).values(**values))


async def completed_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Campaigns completed in [start, end): (title, pass mark, [(unit, total) of each reviewed file])."""
    campaigns = (
        await session.scalars(
            sa.select(ReviewCampaign)
            .where(ReviewCampaign.completed_at >= start, ReviewCampaign.completed_at < end)
            .order_by(ReviewCampaign.completed_at, ReviewCampaign.id)
        )
    ).all()
    if not campaigns:
        return []
    rows = await session.execute(
        sa.select(file_t.c.campaign_id, file_t.c.unit_code, file_t.c.total).where(
            file_t.c.campaign_id.in_([c.id for c in campaigns]), file_t.c.total.is_not(None)
        )
    )
    files: dict[uuid.UUID, list[tuple[str, int]]] = {}
    for campaign_id, unit, total in rows.all():
        files.setdefault(campaign_id, []).append((unit, total))
    return [(c.title, int(c.sheet.get("pass_mark", 60)), files.get(c.id, [])) for c in campaigns]
