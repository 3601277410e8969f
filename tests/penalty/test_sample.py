"""The sample loader: the published catalogue, certificates, a lead and five cases in different states,
made through the real use cases; loading twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.db import create_engine, session_factory, transaction
from services.penalty import sample
from services.penalty.models import BenchmarkVersionRow, Document, Lead, OfficerCertificate, PenaltyCase
from tests.support.stack import Stack


async def test_load_twice(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    first = await sample.load(url)
    second = await sample.load(url)
    assert first.startswith("48 benchmark versions, 5 cases")
    assert second.startswith("0 benchmark versions, 0 cases")
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            states = dict(
                (
                    await s.execute(sa.select(PenaltyCase.state, sa.func.count()).group_by(PenaltyCase.state))
                ).all()
            )
            published = await s.scalar(
                sa.select(sa.func.count())
                .select_from(BenchmarkVersionRow)
                .where(BenchmarkVersionRow.status == "published")
            )
            suspended = await s.scalar(
                sa.select(sa.func.count())
                .select_from(OfficerCertificate)
                .where(OfficerCertificate.status == "suspended")
            )
            leads = await s.scalar(sa.select(sa.func.count()).select_from(Lead))
            decisions = (
                await s.scalars(sa.select(Document.number).where(Document.kind == "penalty_decision"))
            ).all()
    finally:
        await engine.dispose()
    assert states == {"filed": 1, "notified": 1, "decided": 2, "closed": 1}
    assert published == 47  # the sample's SY-XF-0001 version 2 is a draft
    assert suspended >= 1 and leads == 1
    assert sorted(decisions) == ["沈交罚〔2026〕1号", "沈城管罚〔2026〕1号"]
