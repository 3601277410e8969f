"""The incremental daily classification (issue #16 item 4): only the enterprises whose signals score differently
since the last run (``domain.classes.changed_ranges``), plus those never classified, are reclassified; the
classes it leaves equal a full reclassification, checked on random data in PostgreSQL over several days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.db import plain_dsn
from services.risk.domain import classes
from services.risk.domain.classes import PenaltyTier, score_enterprise
from services.risk.repository.classes import changed_candidates_sql
from tests.risk.domain.test_classes import CONFIG, DDL, TODAY, _positional, _random_enterprises
from tests.support.stack import Stack


def test_change_ages_linear_worked_example() -> None:
    # 3 points over 10 days, linear: ⌊3 × (10 − a) / 10⌋ = 3 (a=0), ⌊27/10⌋=2 (a=1), ⌊24/10⌋=2, ⌊21/10⌋=2,
    # ⌊18/10⌋=1 (a=4), ⌊15/10⌋=1, ⌊12/10⌋=1, ⌊9/10⌋=0 (a=7), 0, 0; out of the window at a=10.
    assert classes.change_ages(3, 10, "linear") == (0, 1, 4, 7, 10)


def test_change_ages_without_decay_are_the_window_edges() -> None:
    assert classes.change_ages(3, 365, "none") == (0, 365)


def test_changed_date_ranges_worked_example() -> None:
    # Ages 0 and 10 between 20 and 22 May: dated in (20 May − 0, 22 May − 0] (entering) or
    # (20 May − 10, 22 May − 10] = (10 May, 12 May] (leaving).
    ranges = classes.changed_date_ranges((0, 10), date(2026, 5, 20), date(2026, 5, 22))
    assert ranges == [(date(2026, 5, 10), date(2026, 5, 12)), (date(2026, 5, 20), date(2026, 5, 22))]
    # Ages 0, 1 and 2 over two days overlap into one range: (18 May, 22 May].
    merged = classes.changed_date_ranges((0, 1, 2), date(2026, 5, 20), date(2026, 5, 22))
    assert merged == [(date(2026, 5, 18), date(2026, 5, 22))]


def test_penalty_ranges_follow_each_tiers_points() -> None:
    changed = classes.changed_ranges(CONFIG, TODAY, TODAY + timedelta(days=1))
    for tier in PenaltyTier:
        ages = classes.change_ages(
            CONFIG.penalty_points.for_tier(tier), CONFIG.penalty_window_days, CONFIG.penalty_decay
        )
        assert len(changed.penalty[tier]) <= len(ages)
    assert changed.publication == [(TODAY, TODAY + timedelta(days=1))]


async def _incremental_equals_full(uri: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(uri)
    try:
        await conn.execute(DDL)
        ents = _random_enterprises(1500, seed=23)
        await conn.executemany("INSERT INTO risk_enterprise VALUES ($1)", [(e.uscc,) for e in ents])
        await conn.executemany(
            "INSERT INTO risk_penalty_signal (uscc, decided_on, tier) VALUES ($1, $2, $3)",
            [(e.uscc, p.decided_on, p.tier.value) for e in ents for p in e.penalties],
        )
        await conn.executemany(
            "INSERT INTO risk_publication_signal (uscc, published_on, withdrawn_on) VALUES ($1, $2, $3)",
            [(e.uscc, p.published_on, p.withdrawn_on) for e in ents for p in e.publications],
        )
        for table, col, attr in (
            ("risk_violation_signal", "found_on", "violations"),
            ("risk_complaint_signal", "received_on", "complaints"),
            ("risk_repair_signal", "completed_on", "repairs"),
        ):
            await conn.executemany(
                f"INSERT INTO {table} (uscc, {col}) VALUES ($1, $2)",
                [(e.uscc, s.on) for e in ents for s in getattr(e, attr)],
            )
        at = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
        full, fnames = _positional(classes.classification_sql(CONFIG))
        subset, snames = _positional(classes.classification_sql(CONFIG, subset=True))
        query, qnames = _positional(classes.classification_query_sql(CONFIG))
        await conn.fetch(full, *[{"today": TODAY, "version": "t1", "at": at}[n] for n in fnames])

        last = TODAY
        for step, day in enumerate(
            (TODAY + timedelta(days=1), TODAY + timedelta(days=8), TODAY + timedelta(days=120))
        ):
            # Between runs: a new penalty arrives (its enterprise is reclassified on arrival, the day before),
            # and a new enterprise is registered without being classified.
            arrived = ents[step * 7].uscc
            await conn.execute(
                "INSERT INTO risk_penalty_signal (uscc, decided_on, tier) VALUES ($1, $2, 'general')",
                arrived,
                day - timedelta(days=1),
            )
            params = {"today": day - timedelta(days=1), "version": "t1", "at": at, "usccs": [arrived]}
            await conn.fetch(subset, *[params[n] for n in snames])
            await conn.execute("INSERT INTO risk_enterprise VALUES ($1)", f"NEW{step}")

            candidates = [
                r["uscc"]
                for r in await conn.fetch(changed_candidates_sql(classes.changed_ranges(CONFIG, last, day)))
            ]
            assert f"NEW{step}" in candidates
            if step == 0:  # one day later: far fewer enterprises than all of them
                assert len(candidates) < len(ents) // 2
            params = {"today": day, "version": "t1", "at": at, "usccs": candidates}
            await conn.fetch(subset, *[params[n] for n in snames])

            stored = {
                r["uscc"]: (r["class"], r["score"], json.loads(r["reasons"]), json.loads(r["reason_texts"]))
                for r in await conn.fetch("SELECT * FROM enterprise_class")
            }
            expected = {
                r["uscc"]: (r["class"], r["score"], json.loads(r["reasons"]), json.loads(r["reason_texts"]))
                for r in await conn.fetch(query, *[{"today": day}[n] for n in qnames])
            }
            assert stored == expected, step
            sample = ents[100]  # and the reference scorer agrees (the penalty added above is not its own)
            assert stored[sample.uscc][1] == score_enterprise(sample, CONFIG, day).score
            last = day
    finally:
        await conn.close()


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_incremental_equals_full_on_random_data(stack: Stack) -> None:
    """After a full run, three incremental runs (1, 7 and 112 days later, with arrivals in between) leave
    exactly the classes a full reclassification computes, on 1,500 random enterprises."""
    url = await stack.anew_database("risk_incremental", migrated=False)
    await _incremental_equals_full(plain_dsn(url))
