"""The service's clean-up job runs ``cleanup_parallelism`` steps at once (settings.py), as the benchmark
measured it (issue #16 item 4): while one step waits, another worker of the same run claims and finishes the
next step. The job used to call ``run_cleanups`` without it, so a deployed worker ran one step at a time
whatever the setting said."""

from __future__ import annotations

import random

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.models import CleanupRun, CleanupStep, Publication, PublicationEnd
from services.credit_repair.use_cases import cleanups
from tests.credit_repair.helpers import RULES, add_pending_cleanup, database, insert, load_rules
from tests.credit_repair.test_cleanups import _published
from tests.support.stack import Stack, running_service, wait_for

STEP = 100


async def test_the_job_runs_its_steps_two_at_a_time(stack: Stack, nats_server: EmbeddedNats) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    rule_set = rules.rule_set_for(rules.parse_rule_sets(RULES), today)
    records = _published(random.Random(5), today, 3 * STEP)
    ending = [pub_domain.end_reason_for_cleanup(r, rule_set, today) is not None for r in records]
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, records)
        async with transaction(factory) as s:
            rows = (
                await s.execute(sa.select(Publication.id, Publication.seq, Publication.max_ends_on))
            ).all()
        seqs = {i: q for i, q, _ in rows}
        swept = {i for i, _, max_ends_on in rows if max_ends_on <= today}
        first = min(seqs.values())
        # a publication of the first step that the clean-up ends and the service's sweep does not (the sweep
        # would wait on the same key, holding the ends it inserted for publications of the other steps)
        held = next(
            i
            for i, ends in zip(ids, ending, strict=True)
            if ends and seqs[i] < first + STEP and i not in swept
        )
        run_id = await add_pending_cleanup(factory, today)
        engine = factory.kw["bind"]
        async with engine.connect() as other:
            # another transaction ends that publication and keeps its key, uncommitted
            await other.execute(
                sa.insert(PublicationEnd).values(
                    publication_id=held, ended_at=clock.now(), ended_on=today, reason="expired"
                )
            )
            async with running_service(
                "credit_repair",
                database_url=url,
                nats_url=nats_server.url,
                cleanup_poll_interval_s=0.1,
                cleanup_chunk_size=STEP,
                cleanup_parallelism=2,
            ):

                async def a_later_step_done_while_the_first_waits() -> bool:
                    async with transaction(factory) as s:
                        first_done = await s.scalar(
                            sa.select(CleanupStep.done_at).where(
                                CleanupStep.run_id == run_id, CleanupStep.lo == first
                            )
                        )
                        later_done = await s.scalar(
                            sa.select(sa.func.count()).where(
                                CleanupStep.run_id == run_id,
                                CleanupStep.lo > first,
                                CleanupStep.done_at.is_not(None),
                            )
                        )
                    return first_done is None and bool(later_done)

                # one step at a time, the worker would sit on the first step until the key is released
                await wait_for(a_later_step_done_while_the_first_waits, timeout=20)
                await other.rollback()

                async def completed() -> bool:
                    async with transaction(factory) as s:
                        run = await s.get(CleanupRun, run_id)
                        return run is not None and run.status == "completed"

                await wait_for(completed, timeout=30)
        async with transaction(factory) as s:
            ended = set((await s.scalars(sa.select(PublicationEnd.publication_id))).all())
    # every publication the rules end was ended, the held one included once its key was released
    assert ended == {i for i, ends in zip(ids, ending, strict=True) if ends}


def test_a_run_is_cut_into_a_multiple_of_parallelism_steps() -> None:
    # 1,000,000 publications (seq 1..1,000,000), at most 200,000 a step, 2 workers: 1,000,000 / 400,000 -> 3
    # rounds, 6 steps, ceil(1,000,000 / 6) = 166,667 (not five steps of 200,000, the last alone)
    assert cleanups.step_size(1, 1_000_000, chunk_size=200_000, parallelism=2) == 166_667
    # 1,000 publications, at most 400 a step, 2 workers: ceil(1,000 / 800) = 2 rounds, 4 steps of 250
    assert cleanups.step_size(1, 1_000, chunk_size=400, parallelism=2) == 250
    # already a multiple: 10 steps of 100,000 stay so
    assert cleanups.step_size(1, 1_000_000, chunk_size=100_000, parallelism=2) == 100_000
    # one worker: steps of chunk_size (1,000 / 400 -> 3 steps of ceil(1,000 / 3) = 334)
    assert cleanups.step_size(1, 1_000, chunk_size=400, parallelism=1) == 334
    # fewer publications than one round: one step each for 2 workers (ceil(30 / 2) = 15)
    assert cleanups.step_size(11, 40, chunk_size=400, parallelism=2) == 15


async def test_the_steps_of_a_run_end_together(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    async with database(url) as factory:
        await load_rules(factory)
        await insert(factory, _published(random.Random(9), today, 1000))
        run_id = await add_pending_cleanup(factory, today)
        engine = factory.kw["bind"]
        assert await cleanups.run_cleanups(engine, factory, chunk_size=400, parallelism=2) == 1
        async with transaction(factory) as s:
            steps = (
                await s.execute(
                    sa.select(CleanupStep.lo, CleanupStep.hi, CleanupStep.examined)
                    .where(CleanupStep.run_id == run_id)
                    .order_by(CleanupStep.lo)
                )
            ).all()
    # 1,000 publications, at most 400 a step, two workers: four steps of 250 (before: 400, 400, 200)
    assert [hi - lo for lo, hi, _ in steps] == [250, 250, 250, 250]
    assert [examined for *_, examined in steps] == [250, 250, 250, 250]
