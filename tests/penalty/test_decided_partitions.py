"""penalty's decided cases partitioned by the year of their first decision (issue #16 item 6; migration
penalty_0014_decided_parts, services/common/partitions.py): the migration keeps every row per year and the
consistency tallies down and up again; a decision recorded again or changed (变更) in a later year rewrites
the row in its first year's partition; a year without a partition fails loudly until the write path creates
it; the role with DML only writes a past year; statements aimed at one partition keep the tallies exact; two
sessions deciding the same case under its row lock write one row; the kernel job keeps the years in penalty
only."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from services.common import migrate, partitions
from services.common.db import create_engine, session_factory, transaction
from services.penalty import repository as repo
from services.penalty.models import DecidedCase
from tests.penalty.test_consistency_tallies import COLUMNS_0013, RECOUNT, _random_row, _recounts_match
from tests.support.partitions import job_ran
from tests.support.stack import Stack

BELOW = "penalty_0013_consistency_tallies"  # the unpartitioned decided_case, with its tallies
TALLIES = tuple(RECOUNT)
_ROWS = "case_id, decided_on, fine_fen, tier, district_code, active"
_INSERT = sa.text(
    "INSERT INTO decided_case (case_id, dept_code, district_code, benchmark_code, benchmark_version, tier,"
    " tier_low_fen, tier_high_fen, fine_fen, has_fine, facts_key, decided_on, active) VALUES (:case_id,"
    " :dept_code, :district_code, :benchmark_code, :benchmark_version, :tier, :tier_low_fen, :tier_high_fen,"
    " :fine_fen, :has_fine, :facts_key, :decided_on, :active)"
)


def _row(rnd: random.Random, decided_on: date) -> dict[str, Any]:
    return {**_random_row(rnd), "decided_on": decided_on}


async def _snapshot(conn: Any) -> tuple[list[Any], dict[str, list[Any]]]:
    rows = (await conn.execute(sa.text(f"SELECT {_ROWS} FROM decided_case ORDER BY case_id"))).all()
    tallies = {
        t: sorted(
            map(tuple, (await conn.execute(sa.text(f"SELECT {COLUMNS_0013.get(t, '*')} FROM {t}"))).all())
        )
        for t in TALLIES
    }
    return rows, tallies


async def _per_partition(conn: Any) -> dict[str, int]:
    sql = "SELECT tableoid::regclass::text, count(*) FROM decided_case GROUP BY 1"
    return {str(k): int(n) for k, n in (await conn.execute(sa.text(sql))).all()}


async def test_the_migration_keeps_every_row_per_year_and_the_tallies_down_and_up_again(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    await asyncio.to_thread(migrate.downgrade, "penalty", url, BELOW)
    engine = create_engine(url, pool_size=1)
    rnd = random.Random(14)
    try:
        # 40 decisions in 2021, 25 in 2023 (2022 has none: its partition is still created), 35 in 2026.
        days = [date(2021, 1 + i % 12, 1 + i % 28) for i in range(40)]
        days += [date(2023, 12, 31)] * 25 + [date(2026, 1, 1)] * 35
        async with engine.begin() as conn:
            for day in days:
                await conn.execute(_INSERT, _row(rnd, day))
            before = await _snapshot(conn)
        assert len(before[0]) == 100 and before[1]["decided_facts_tally"], "tallies must hold something"
        await engine.dispose()

        await asyncio.to_thread(migrate.upgrade, "penalty", url)
        async with engine.begin() as conn:
            after = await _snapshot(conn)
            per_year = await _per_partition(conn)
            firsts = (
                await conn.execute(
                    sa.text("SELECT count(*) FROM decided_case WHERE first_decided_on <> decided_on")
                )
            ).scalar()
            names = {
                str(n)
                for n in (
                    await conn.execute(
                        sa.text(
                            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'decided_case'::regclass"
                        )
                    )
                ).scalars()
            }
            today = (await conn.execute(partitions.TODAY)).scalar_one()
            await _recounts_match(conn)
        assert after == before
        assert firsts == 0  # the first decision's date is the decision's date of the copied row
        # 40 + 25 + 35 rows, each in its year's partition.
        assert per_year == {"decided_case_2021": 40, "decided_case_2023": 25, "decided_case_2026": 35}
        # From the oldest row's year to the year after the database's today, without a gap.
        assert names == {f"decided_case_{y}" for y in range(2021, max(today.year, 2026) + 2)}

        async with engine.begin() as conn:  # the tallies' triggers work on the new table: one more decision
            await repo.upsert_decided(_Session(conn), _row(rnd, date(2026, 5, 5)))  # type: ignore[arg-type]
            await _recounts_match(conn)
            before = await _snapshot(conn)
        await engine.dispose()

        await asyncio.to_thread(migrate.downgrade, "penalty", url, BELOW)
        async with engine.begin() as conn:
            back = await _snapshot(conn)
            gone = (await conn.execute(sa.text("SELECT to_regclass('decided_case_2021')"))).scalar()
            kind = (
                await conn.execute(
                    sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = 'decided_case'")
                )
            ).scalar()
            await conn.execute(_INSERT, _row(rnd, date(2019, 2, 2)))  # any year again, the tallies still kept
            await _recounts_match(conn, kept=False)  # penalty_0013's schema: no medians, no facts groups
        assert back == before and len(back[0]) == 101
        assert gone is None and kind == "r"
    finally:
        await engine.dispose()


class _Session:
    """An ``AsyncConnection`` standing in for a session (``execute`` is all the repository calls)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self.conn.execute(*args, **kwargs)


async def _where(session: Any, case_id: uuid.UUID) -> list[tuple[Any, ...]]:
    sql = sa.text(
        "SELECT tableoid::regclass::text, first_decided_on, decided_on, fine_fen FROM decided_case WHERE case_id = :id"
    )
    return [tuple(r) for r in (await session.execute(sql, {"id": case_id})).all()]


async def test_a_decision_changed_in_a_later_year_stays_in_its_first_years_partition(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(65)
    try:
        first = {**_row(rnd, date(2025, 12, 30)), "fine_fen": 1_500, "active": True}
        async with transaction(factory) as s:
            await repo.upsert_decided(s, first)  # 2025: a past year, created on the write path
        async with transaction(factory) as s:  # 变更 in 2026: the fine (update_decided), then recorded again
            await repo.update_decided(s, first["case_id"], fine_fen=1_200)
            await repo.upsert_decided(s, {**first, "decided_on": date(2026, 1, 5), "fine_fen": 1_100})
        async with transaction(factory) as s:
            # one row, still in 2025's partition, its year key the first decision's date
            assert await _where(s, first["case_id"]) == [
                ("decided_case_2025", date(2025, 12, 30), date(2026, 1, 5), 1_100)
            ]
            await _recounts_match(s)
    finally:
        await engine.dispose()


async def test_a_year_without_a_partition_fails_loudly_until_the_write_path_creates_it(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(15)
    try:
        values = _row(rnd, date(2015, 3, 9))  # a year no migration or job created
        with pytest.raises(DBAPIError, match="no partition of relation"):
            async with transaction(factory) as s:
                await s.execute(
                    sa.insert(DecidedCase).values(**values, first_decided_on=values["decided_on"])
                )
        async with transaction(factory) as s:
            await repo.upsert_decided(s, values)
        async with transaction(factory) as s:
            assert [w[:2] for w in await _where(s, values["case_id"])] == [
                ("decided_case_2015", date(2015, 3, 9))
            ]
            assert await partitions.ensure_partition(s, "decided_case", date(2015, 12, 31)) is False
            await _recounts_match(s)
    finally:
        await engine.dispose()


async def test_the_service_role_with_dml_only_decides_in_a_past_year(stack: Stack) -> None:
    """The service connects without DDL (issue #13): a past year's partition comes from the owner's
    ``zhifa_create_date_partition``, which also gives it the tallies' triggers (a statement on it alone)."""
    roles = await stack.anew_database_with_roles("penalty")
    engine = create_engine(roles.service_url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(17)
    try:
        values = _row(rnd, date(2017, 4, 1))
        async with transaction(factory) as s:
            await repo.upsert_decided(s, values)
            await repo.update_decided(s, values["case_id"], fine_fen=values["fine_fen"] + 7)
        async with transaction(factory) as s:
            assert [w[0] for w in await _where(s, values["case_id"])] == ["decided_case_2017"]
            await _recounts_match(s)
        # the role reaches the rows through the parent only: the partition made for it grants it nothing
        with pytest.raises(DBAPIError, match="permission denied for table decided_case_2017"):
            async with transaction(factory) as s:
                await s.execute(sa.text("DELETE FROM decided_case_2017"))
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            async with transaction(factory) as s:
                await s.execute(
                    sa.text(
                        "CREATE TABLE decided_case_2010 PARTITION OF decided_case"
                        " FOR VALUES FROM ('2010-01-01') TO ('2011-01-01')"
                    )
                )
    finally:
        await engine.dispose()


async def test_statements_on_one_partition_keep_the_tallies_exact(stack: Stack) -> None:
    """A statement-level trigger of the parent fires only for statements on the parent; each partition has its
    own (``decided_case_partition_created``): DML on one partition, TRUNCATE of one partition (its rows leave
    the tallies before they go), then TRUNCATE of the whole table (the tallies emptied)."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    rnd = random.Random(18)
    try:
        async with transaction(factory) as s:
            for i in range(120):
                await repo.upsert_decided(s, _row(rnd, date(2024 + i % 3, 6, 1)))
        async with transaction(factory) as s:
            await s.execute(sa.text("DELETE FROM decided_case_2024 WHERE district_code = '210103'"))
            await s.execute(sa.text("UPDATE decided_case_2025 SET active = NOT active WHERE tier = '从轻'"))
            values = _row(rnd, date(2025, 2, 2))
            await s.execute(sa.insert(DecidedCase).values(**values, first_decided_on=values["decided_on"]))
            await _recounts_match(s)
            await s.execute(sa.text("TRUNCATE decided_case_2026"))
            await _recounts_match(s)
            assert await s.scalar(sa.text("SELECT count(*) FROM decided_case")) > 0
            await s.execute(sa.text("TRUNCATE decided_case"))
            for table in TALLIES:
                assert await s.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 0, table
    finally:
        await engine.dispose()


@pytest.mark.parametrize("lock", [True, False], ids=["under the case lock", "without it"])
async def test_two_sessions_deciding_the_same_case_under_its_lock_write_one_row(
    stack: Stack, lock: bool
) -> None:
    """``upsert_decided`` updates by ``case_id`` and inserts when that matched nothing; its callers hold the
    case's row lock (``lockable_case`` for a decision; an import inserts the case in the same transaction), so
    the second session waits for the first's commit and then finds its row. The second decision is in a later
    year, so two inserts write two rows (the primary key holds the year key), one in each year's partition:
    which is what happens without the lock, the case that shows the lock is what keeps one row."""
    url = await stack.anew_sample_database("penalty")
    engine = create_engine(url, pool_size=3)
    factory = session_factory(engine)
    rnd = random.Random(19)
    try:
        async with transaction(factory) as s:
            case_id = (
                await s.execute(sa.text("SELECT id FROM penalty_case ORDER BY id LIMIT 1"))
            ).scalar_one()
            await s.execute(sa.text("DELETE FROM decided_case WHERE case_id = :id"), {"id": case_id})
            # both years exist first: creating one in a's transaction would lock the parent until a commits
            for year in (2025, 2026):
                await partitions.ensure_partition(s, "decided_case", date(year, 1, 1))
        # active: a's row is in the tallies, whose rows b's insert then waits for
        first = {**_row(rnd, date(2025, 11, 3)), "case_id": case_id, "active": True}
        a_wrote = asyncio.Event()
        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )

        async def a() -> None:
            async with transaction(factory) as s:
                assert await repo.get_case(s, case_id, lock=lock) is not None
                await repo.upsert_decided(s, first)
                a_wrote.set()
                # a commits once b waits for it: with the lock, on the case's row before b's UPDATE; without
                # it, on a tally row a's insert holds, after b's UPDATE matched nothing and b inserted
                async with engine.connect() as watch:
                    for _ in range(200):
                        if (await watch.execute(waiting)).scalar():
                            break
                        await watch.rollback()  # pg_stat_activity is read once per transaction
                        await asyncio.sleep(0.05)
                    else:
                        raise AssertionError("b never waited for a")

        async def b() -> None:
            await a_wrote.wait()
            async with transaction(factory) as s:
                assert await repo.get_case(s, case_id, lock=lock) is not None
                await repo.upsert_decided(s, {**first, "decided_on": date(2026, 1, 7), "fine_fen": 999})

        await asyncio.gather(a(), b())
        async with transaction(factory) as s:
            rows = sorted(await _where(s, case_id))
            await _recounts_match(s)
        if lock:
            assert rows == [("decided_case_2025", date(2025, 11, 3), date(2026, 1, 7), 999)]
        else:
            assert rows == [
                ("decided_case_2025", date(2025, 11, 3), date(2025, 11, 3), first["fine_fen"]),
                ("decided_case_2026", date(2026, 1, 7), date(2026, 1, 7), 999),
            ]
    finally:
        await engine.dispose()


async def test_the_kernel_job_keeps_decided_case_partitions_in_penalty_only(stack: Stack) -> None:
    async def drop_next_year(conn: Any, today: Any) -> None:  # the job must make it again
        await conn.execute(sa.text(f"DROP TABLE decided_case_{today.year + 1}"))

    for service in ("inspection", "penalty"):
        before = drop_next_year if service == "penalty" else None
        async with job_ran(stack, service, before=before) as (engine, today):
            async with engine.connect() as conn:
                has = (await conn.execute(sa.text("SELECT to_regclass('decided_case')"))).scalar()
                triggers = (
                    await conn.execute(
                        sa.text("SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(:t)"),
                        {"t": f"decided_case_{today.year + 1}"},
                    )
                ).scalar()
            assert (has is not None) == (service == "penalty")
            if service == "penalty":
                assert triggers == 4  # insert, update, delete, truncate: made by the job's partition
