"""The sample loader: rule sets and a handful of decisions, idempotent, and a non-empty public list."""

from __future__ import annotations

import sqlalchemy as sa

from services.common import clock
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import outbox_t
from services.credit_repair import sample
from services.credit_repair.models import CreditRecord, RepairNotice
from services.credit_repair.repository import publications as publication_repo
from tests.support.stack import Stack


async def test_sample_loads_once_and_publishes(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    first = await sample.load(url)
    second = await sample.load(url)
    assert first.startswith("2 rule sets and 8 sample decisions")
    assert second.startswith("0 rule sets and 0 sample decisions")
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            assert await s.scalar(sa.select(sa.func.count()).select_from(CreditRecord)) == 8
            assert await s.scalar(sa.select(sa.func.count()).select_from(RepairNotice)) == 8  # 两书同达
            assert await s.scalar(sa.select(sa.func.count()).select_from(outbox_t)) == 0  # stays local
            public = await publication_repo.public_publications(
                s, today=clock.today(), uscc=None, department_code=None, before_seq=None, limit=50
            )
    finally:
        await engine.dispose()
    # published: SJ 80k, SJ 120k, SJ revocation, ST 200k, XF 60k, JT person 8k (> 5k exclusive);
    # not published: SJ 30k (<= 50k, 轻微), CG simple-procedure warning
    assert len(public) == 6
    person = [p for p in public if p.party_kind == "individual"]
    assert person and person[0].public_name == "王**" and person[0].party_uscc is None
