"""信用松绑 clean-up: what a step reads. A step asks ``publication_end`` about its own publications only (one
index probe each), so its cost follows the step's size, not the number of publications ended so far: a
second run, which ends nothing, costs about a dry run (issue #16; docs/benchmarks.md, clean-up section)."""

from __future__ import annotations

import random

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.credit_repair.models import CleanupRun, CleanupStep, Publication, PublicationEnd
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository import rule_sets as rule_set_repo
from tests.credit_repair.helpers import add_pending_cleanup, database, insert, load_rules
from tests.credit_repair.test_cleanups import _published
from tests.support.stack import Stack

PUBLICATIONS = 3000
STEP = 1000


async def test_a_step_reads_the_ends_of_its_own_publications_only(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, _published(random.Random(11), today, PUBLICATIONS))
        async with transaction(factory) as s:
            # every publication already ended (by a previous run, say): the next run ends nothing
            await s.execute(
                sa.insert(PublicationEnd),
                [
                    {"publication_id": i, "ended_at": clock.now(), "ended_on": today, "reason": "expired"}
                    for i in ids
                ],
            )
            await s.execute(sa.text("ANALYZE publication_end"))
            await s.execute(sa.text("ANALYZE publication"))
        run_id = await add_pending_cleanup(factory, today)
        async with transaction(factory) as s:
            lo = int(await s.scalar(sa.select(sa.func.min(Publication.seq))) or 0)
            run = await s.get(CleanupRun, run_id)
            assert run is not None
            rule_set = await rule_set_repo.rule_set(s, run.rule_set_id)
            assert rule_set is not None
            step = CleanupStep(run_id=run_id, lo=lo, hi=lo + STEP)
            examined, matched = await bulk_repo.judge_step(
                s, run=run, rule_set=rule_set, step=step, now=clock.now()
            )
            # index entries of pk_publication_end this transaction read (its own statistics, up to date)
            read = await s.scalar(
                sa.text("SELECT pg_stat_get_xact_tuples_returned(CAST('pk_publication_end' AS regclass))")
            )
            await s.rollback()
    assert (examined, matched) == (0, 0)
    # One probe per publication of the step finds at most its one end: at most STEP (1,000) entries read,
    # never the PUBLICATIONS (3,000) ends of the whole table.
    assert read is not None and 0 < read <= STEP, read
