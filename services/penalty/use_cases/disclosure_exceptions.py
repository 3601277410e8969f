"""A lawful exception to 行政执法公示 (政府信息公开条例 第十四条、第十五条), recorded on the publication record
(use_cases.disclosure) and on the case itself, so the case's own deadlines stop asking for a publication.

Kept apart from use_cases.disclosure because that module is part of the write path (timeline imports it) and
this one writes a step through the write path.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.penalty import schemas as s
from services.penalty.domain import disclosure as dis
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure.states import TABLE
from services.penalty.models import PenaltyCase
from services.penalty.use_cases import disclosure
from services.penalty.use_cases.timeline import apply, case_of


async def record_exception(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.DisclosureExceptionIn
) -> list[s.DisclosureRead]:
    """Not published (or withdrawn) on a lawful ground; the case records why, as its publication step."""
    records = await disclosure.record_exception(session, principal=principal, row=row, body=body)
    case = case_of(row)
    settled = case.published_on is not None or bool(case.publication_exempt_reason)
    if not settled and case.state in TABLE[p.RecordPublication].states:
        ground = dis.Ground(body.ground)
        why = f"涉及{ground.label}，依据{ground.article}不予公开：{body.reason}"
        await apply(
            session,
            row=row,
            case=case,
            command=p.RecordPublication(None, why),
            principal=principal,
            action="publication",
            now=clock.now(),
        )
    return records
