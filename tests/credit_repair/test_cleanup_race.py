"""信用松绑 clean-up against a concurrent end: a publication ended by another transaction (a single end or
the daily sweep) after the step's snapshot but before its insert stays ended once, with the other
transaction's reason, and gets no clean-up event; every other publication of the step is ended as usual.

The clean-up inserts its ends without ``ON CONFLICT`` (the set is new in its snapshot) and falls back to the
conflict-tolerant statement only when a unique violation shows a concurrent end (repository.bulk)."""

from __future__ import annotations

import asyncio
import random

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.common.tables import outbox_t
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.models import CleanupRun, FeedEntry, PublicationEnd
from services.credit_repair.use_cases import cleanups
from tests.credit_repair.helpers import RULES, add_pending_cleanup, announced, database, insert, load_rules
from tests.credit_repair.test_cleanups import _published
from tests.support.stack import Stack, wait_for


async def test_a_concurrent_end_is_kept_and_the_step_still_ends_the_rest(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    rule_set = rules.rule_set_for(rules.parse_rule_sets(RULES), today)
    records = [
        r
        for r in _published(random.Random(7), today, 200)
        if pub_domain.end_reason_for_cleanup(r, rule_set, today)
    ]
    assert len(records) >= 10
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, records)
        taken = ids[len(ids) // 2]  # ended by the other transaction: in the middle of the step's insert
        run_id = await add_pending_cleanup(factory, today)
        engine = factory.kw["bind"]
        async with engine.connect() as other:
            # The other transaction ends one publication and holds its (uncommitted) key.
            await other.execute(
                sa.insert(PublicationEnd).values(
                    publication_id=taken, ended_at=clock.now(), ended_on=today, reason="expired"
                )
            )
            worker = asyncio.create_task(cleanups.run_cleanups(engine, factory, chunk_size=1000))

            async def blocked() -> bool | None:
                async with engine.connect() as probe:
                    waiting = await probe.scalar(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND query LIKE 'WITH%'"
                        )
                    )
                return bool(waiting) or None

            await wait_for(blocked, timeout=30)  # the step waits on the other transaction's key
            await other.commit()
            assert await asyncio.wait_for(worker, 60) == 1
        async with transaction(factory) as s:
            run = await s.get(CleanupRun, run_id)
            ends = (await s.execute(sa.select(PublicationEnd.publication_id, PublicationEnd.reason))).all()
            feed = (
                await s.scalars(sa.select(FeedEntry.publication_id).where(FeedEntry.kind == "ended"))
            ).all()
            assert not (await s.scalars(sa.select(outbox_t.c.subject))).all()  # no outbox rows
        subjects = [a.envelope["subject"] for a in await announced(factory)]
    assert run is not None and run.status == "completed", run and run.error
    # every publication ended exactly once; the concurrent end keeps its own reason
    assert sorted(p for p, _ in ends) == sorted(ids)
    assert dict(ends)[taken] == "expired"
    assert all(reason.startswith("cleanup_") for p, reason in ends if p != taken)
    # the clean-up counted, announced and fed only what it ended itself: len(ids) - 1
    others = sorted(str(i) for i in ids if i != taken)
    assert run.matched == len(ids) - 1
    assert sorted(subjects) == others
    assert sorted(str(p) for p in feed) == others
