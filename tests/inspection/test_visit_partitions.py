"""inspection's visits and their outcomes partitioned by the China month of the visit's ``started_at`` (issue #16
item 6; migration inspection_0010_visit_parts, services/common/partitions.py): the migration keeps every visit
and outcome per month and the cap tally down and up again, ``visit_key`` keeps one entry code to one visit
across months, a month without a partition fails loudly until ``ensure_partition`` creates it, the service's
write path creates it (as the DML-only role too), the kernel job keeps months ahead in inspection only, and a
visit read by id reads its one month."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import province, province_inspection
from services.common import migrate, partitions
from services.common.access import scope_for
from services.common.auth import Principal
from services.common.clock import CHINA
from services.common.db import create_engine, session_factory, transaction
from services.inspection.domain import visits as visit_domain
from services.inspection.models import Visit
from services.inspection.repository import entry as entry_repo
from services.inspection.repository import visits as visit_repo
from tests.support.partitions import captured, job_ran, months_back
from tests.support.stack import Stack

BELOW = "inspection_0009_refusal_parts"  # the unpartitioned visit and visit_outcome
PLAN = province.Plan(enterprises=4, cities=1, years=3, seed=3, until=date(2026, 12, 31))
TASK = province_inspection.task_id("random", 1, "2101", province.DEPARTMENTS[0])


def _china(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CHINA)


def _visit(
    at: datetime, *, uscc: str = "91210102MA0XXXXX1X", code: uuid.UUID | None = None
) -> dict[str, Any]:
    return {
        "visit_id": uuid.uuid4(),
        "task_id": TASK,
        "task_kind": "random",
        "uscc": uscc,
        "district_code": "210102",
        "mode": "entry_code",
        "status": "in_progress",
        "started_at": at,
        "recorded_at": at,
        "entry_code_id": code,
        "dept_codes": ["SJ"],
        "cert_nos": ["LN210102SJ001"],
        "officers": [],
        "item_codes": ["SJ-01"],
        "started_by": "officer-1",
    }


def _outcome(visit: dict[str, Any], item: str = "SJ-01") -> dict[str, Any]:
    return {
        "visit_id": visit["visit_id"],
        "item_code": item,
        "outcome": "ordered_to_correct",
        "description": "未公示许可证",
        "recorded_by": "LN210102SJ001",
        "recorded_at": visit["started_at"],
    }


async def _tasks(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
    finally:
        await conn.close()


async def _counts(engine: AsyncEngine, table: str) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        )
        return {name: int(n) for name, n in rows.all()}


async def _rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.text(sql))).all())


_VISITS = "SELECT visit_id, started_at, entry_code_id, uscc FROM visit ORDER BY visit_id"
_OUTCOMES = "SELECT visit_id, item_code, outcome, recorded_at FROM visit_outcome ORDER BY visit_id, item_code"
_TALLY = "SELECT * FROM visit_cap_tally ORDER BY year, uscc, dept_code"


async def test_the_migration_keeps_every_visit_and_outcome_per_month_down_and_up_again(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
    await _tasks(url)
    engine = create_engine(url)
    try:
        # China months: 2 visits in Jan 2025 (one at 23:59:59 on the 31st, 15:59:59 UTC: still January in
        # China), 1 in Feb 2025 (00:00:00 on the 1st, 16:00 UTC on 31 Jan), 2 in Nov 2026; outcomes: 2 on the
        # first visit, 1 on the February one, 1 on the last one: Jan 2, Feb 1, Nov 1.
        at = [_china(2025, 1, 3, 9), _china(2025, 1, 31, 23, 59, 59), _china(2025, 2, 1, 0, 0, 0)]
        at += [_china(2026, 11, 2, 10), _china(2026, 11, 30, 23)]
        visits = [_visit(t, code=uuid.uuid4() if i % 2 else None) for i, t in enumerate(at)]
        outcomes = [
            _outcome(visits[0]),
            _outcome(visits[0], "SJ-02"),
            _outcome(visits[2]),
            _outcome(visits[4]),
        ]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(Visit.__table__), visits)
            await conn.execute(
                sa.text(
                    "INSERT INTO visit_outcome (visit_id, item_code, outcome, description, recorded_by,"
                    " recorded_at) VALUES (:visit_id, :item_code, :outcome, :description, :recorded_by,"
                    " :recorded_at)"
                ),
                outcomes,
            )
        visits_before = await _rows(engine, _VISITS)
        outcomes_before = await _rows(engine, _OUTCOMES)
        tally_before = await _rows(engine, _TALLY)
        # 5 random visits of one enterprise and SJ, none asked for: 3 in 2025 and 2 in 2026, each year on the
        # enterprise's row ('') and SJ's
        assert [(r.year, r.dept_code, r.random_n) for r in tally_before] == [
            (2025, "", 3),
            (2025, "SJ", 3),
            (2026, "", 2),
            (2026, "SJ", 2),
        ]
        await engine.dispose()

        await asyncio.to_thread(migrate.upgrade, "inspection", url)
        assert await _rows(engine, _VISITS) == visits_before
        assert await _rows(engine, _OUTCOMES) == outcomes_before
        assert await _rows(engine, _TALLY) == tally_before
        assert await _counts(engine, "visit") == {"visit_202501": 2, "visit_202502": 1, "visit_202611": 2}
        assert await _counts(engine, "visit_outcome") == {
            "visit_outcome_202501": 2,
            "visit_outcome_202502": 1,
            "visit_outcome_202611": 1,
        }
        keys = await _rows(
            engine, "SELECT visit_id, started_at, entry_code_id FROM visit_key ORDER BY visit_id"
        )
        assert keys == [(r.visit_id, r.started_at, r.entry_code_id) for r in visits_before]
        # from the oldest visit's month (Jan 2025) to 3 months after the database's month, without a gap
        (today,) = (await _rows(engine, "SELECT CAST(timezone('Asia/Shanghai', now()) AS date)"))[0]
        last = date(today.year, today.month, 1)
        for _ in range(3):
            last = partitions.next_period("month", last)
        for table in ("visit", "visit_outcome"):
            spec = partitions.spec_of(table)
            names = {
                r[0]
                for r in await _rows(
                    engine,
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    f" WHERE i.inhparent = '{table}'::regclass",
                )
            }
            assert names == {
                partitions.partition_name(spec, s) for s in partitions.periods(spec, date(2025, 1, 1), last)
            }
        await engine.dispose()

        await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
        assert await _rows(engine, _VISITS) == visits_before
        assert await _rows(engine, _OUTCOMES) == outcomes_before
        assert await _rows(engine, _TALLY) == tally_before
        gone = await _rows(engine, "SELECT to_regclass('visit_key'), to_regclass('visit_202501')")
        kinds = await _rows(
            engine,
            "SELECT relname, CAST(relkind AS text) FROM pg_class"
            " WHERE relname IN ('visit', 'visit_outcome') ORDER BY 1",
        )
        assert gone == [(None, None)] and kinds == [("visit", "r"), ("visit_outcome", "r")]
        # the old unique entry code is back
        with pytest.raises(DBAPIError, match="uq_visit_entry_code_id"):
            async with engine.begin() as conn:
                await conn.execute(
                    sa.insert(Visit.__table__), [_visit(_china(2025, 3, 1), code=visits[1]["entry_code_id"])]
                )
    finally:
        await engine.dispose()


async def test_one_entry_code_opens_one_visit_across_months(stack: Stack) -> None:
    """An entry code opens one visit for all time (SPEC §2.3): a second visit of it in another month is
    refused by ``visit_key``'s unique entry code; the partitioned table's own unique index could only hold
    ``(entry_code_id, started_at)``. A correction that moves a visit to another month keeps one key."""
    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        code = uuid.uuid4()
        first = _visit(_china(2025, 1, 31, 23, 59, 58), code=code)
        async with transaction(factory) as s:
            await s.execute(sa.insert(Visit), [first])
        with pytest.raises(DBAPIError, match="uq_visit_key_entry_code_id"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(Visit), [_visit(_china(2025, 2, 1, 0, 0, 3), code=code)])
        assert await _counts(engine, "visit") == {"visit_202501": 1}
        # moved to February by a correction: one visit, one key, in February
        async with transaction(factory) as s:
            await s.execute(
                sa.text("UPDATE visit SET started_at = :at WHERE visit_id = :id"),
                {"at": _china(2025, 2, 1, 8), "id": first["visit_id"]},
            )
        assert await _counts(engine, "visit") == {"visit_202502": 1}
        keys = await _rows(engine, "SELECT visit_id, started_at, entry_code_id FROM visit_key")
        assert keys == [(first["visit_id"], _china(2025, 2, 1, 8), code)]
        async with transaction(factory) as s:
            await s.execute(sa.text("DELETE FROM visit WHERE visit_id = :id"), {"id": first["visit_id"]})
        assert await _rows(engine, "SELECT * FROM visit_key") == []
    finally:
        await engine.dispose()


async def test_a_month_without_a_partition_fails_loudly_until_ensure_partition_creates_it(
    stack: Stack,
) -> None:
    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        row = _visit(_china(2012, 3, 9, 10), code=uuid.uuid4())  # a month no migration, job or template made
        with pytest.raises(DBAPIError, match="no partition of relation"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(Visit), [row])
        async with transaction(factory) as s:
            # nothing of the failed statement stayed behind: the entry code is free
            assert await s.scalar(sa.text("SELECT count(*) FROM visit_key")) == 0
            # 31 March 23:30 China is 15:30 UTC: still March's partition
            await entry_repo.ensure_visit_month(s, _china(2012, 3, 31, 23, 30))
            await s.execute(sa.insert(Visit), [row])
        assert await _counts(engine, "visit") == {"visit_201203": 1}
        # and the outcomes' month alongside
        names = await _rows(engine, "SELECT to_regclass('visit_outcome_201203') IS NOT NULL")
        assert names == [(True,)]
    finally:
        await engine.dispose()


async def test_the_service_role_with_dml_only_writes_a_visit_and_its_outcome_in_a_past_month(
    stack: Stack,
) -> None:
    """In production the service connects as a role without DDL (issue #13): a past month's partitions come
    from the owner's ``zhifa_create_partition``, and the trigger fills ``visit_key`` as that role."""
    roles = await stack.anew_database_with_roles("inspection")
    await _tasks(roles.owner_url)
    engine = create_engine(roles.service_url, pool_size=1)
    factory = session_factory(engine)
    try:
        row = _visit(_china(2013, 4, 1, 8), code=uuid.uuid4())  # 1 April 08:00 China = 00:00 UTC
        async with transaction(factory) as s:
            await entry_repo.ensure_visit_month(s, row["started_at"])
            await s.execute(sa.insert(Visit), [row])
            outcome = visit_domain.ItemOutcome(
                item_code="SJ-01",
                outcome=visit_domain.Outcome("ordered_to_correct"),
                description="未公示许可证",
                evidence_sha256=(),
                correction_deadline=date(2013, 4, 15),
                recorded_by="LN210102SJ001",
                recorded_at=row["started_at"],
            )
            await visit_repo.upsert_outcome(s, row["visit_id"], row["started_at"], outcome)
            # again: the upsert's conflict target holds the month
            await visit_repo.upsert_outcome(s, row["visit_id"], row["started_at"], outcome)
        assert await _counts(engine, "visit") == {"visit_201304": 1}
        assert await _counts(engine, "visit_outcome") == {"visit_outcome_201304": 1}
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            async with transaction(factory) as s:
                await s.execute(
                    sa.text(
                        "CREATE TABLE visit_201001 PARTITION OF visit"
                        " FOR VALUES FROM ('2010-01-01') TO ('2010-02-01')"
                    )
                )
    finally:
        await engine.dispose()


async def test_the_kernel_job_keeps_visit_months_ahead_in_inspection_only(stack: Stack) -> None:
    """The registry's visit and visit_outcome belong to inspection: its job keeps the database's month and 3
    after it for both, and drops none; the job of another service (no visit there) skips them."""
    for service in ("credit_repair", "inspection"):
        async with job_ran(stack, service) as (engine, today):
            has = await _rows(engine, "SELECT to_regclass('visit'), to_regclass('visit_outcome')")
            assert (has[0][0] is not None) == (service == "inspection")
            if service != "inspection":
                continue
            months = [date(today.year, today.month, 1)]
            for _ in range(3):
                months.append(partitions.next_period("month", months[-1]))
            factory = session_factory(engine)
            # drop the outcomes' month after next (a visit's month cannot go while the outcomes' foreign key
            # refers to it): the job must create it again, and finds every visit month there
            spec = partitions.spec_of("visit_outcome")
            async with transaction(factory) as s:
                await s.execute(sa.text(f"DROP TABLE {partitions.partition_name(spec, months[2])}"))
            for table, created in (("visit", 0), ("visit_outcome", 1)):
                spec = partitions.spec_of(table)
                done = await partitions.maintain(factory, spec, service="inspection")
                async with transaction(factory) as s:
                    have = await partitions.existing(s, spec)
                assert (done.created, done.dropped) == (created, 0)
                assert set(months) <= have


async def test_a_visit_read_by_id_reads_its_one_month(stack: Stack) -> None:
    """``readable_visit`` finds the month in ``visit_key`` and the executor reads that month's partition only:
    of three months' visits, the plan of a February visit's read runs February's scan alone."""
    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        rows = [_visit(_china(2025, m, 10, 9)) for m in (1, 2, 3)]
        async with transaction(factory) as s:
            await s.execute(sa.insert(Visit), rows)
        statements = captured(engine, lambda statement: "FROM visit" in statement)
        scope = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        async with transaction(factory) as s:
            got = await visit_repo.readable_visit(s, scope, rows[1]["visit_id"])
        assert got is not None and got.visit_id == rows[1]["visit_id"]
        statement, params = statements[-1]
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, params)).scalars())
        # run-time pruning: the partitions not read are "never executed"
        executed = [
            line for line in plan.splitlines() if "visit_2025" in line and "never executed" not in line
        ]
        assert executed and all("visit_202502" in line for line in executed), plan
    finally:
        await engine.dispose()


async def test_a_visits_outcomes_are_read_in_its_month_only(stack: Stack) -> None:
    """``visit_outcomes`` names its visits' months (``visit_started_at``): of outcomes in January, February and
    March, a February visit's are read from February's partition alone, planned so (no other month's scan)."""
    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        rows = [_visit(_china(2025, m, 10, 9)) for m in (1, 2, 3)]
        async with transaction(factory) as s:
            await s.execute(sa.insert(Visit), rows)
            for row in rows:
                outcome = visit_domain.ItemOutcome(
                    item_code="SJ-01",
                    outcome=visit_domain.Outcome("compliant"),
                    recorded_by="LN210102SJ001",
                    recorded_at=row["started_at"],
                )
                await visit_repo.upsert_outcome(s, row["visit_id"], row["started_at"], outcome)
        statements = captured(engine, lambda statement: "FROM visit_outcome" in statement)
        async with transaction(factory) as s:
            february = (await s.scalars(sa.select(Visit).where(Visit.visit_id == rows[1]["visit_id"]))).one()
            got = await visit_repo.visit_outcomes(s, [february])
        assert [(o.visit_id, o.item_code) for o in got[february.visit_id]] == [(rows[1]["visit_id"], "SJ-01")]
        statement, params = statements[-1]
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN " + statement, params)).scalars())
        assert "visit_outcome_202502" in plan, plan
        assert "visit_outcome_202501" not in plan and "visit_outcome_202503" not in plan, plan
    finally:
        await engine.dispose()


async def test_the_list_reads_recent_months_first_with_the_same_rows_in_the_same_order(stack: Stack) -> None:
    """The visits list reads the newest months first (services/common/partitions.py ``newest_first``): two
    visits this month, one in the month before, one 5 months back, two 26 months back at one instant (one of
    another enterprise); every page size pages through them newest first on ``(started_at, visit_id)`` exactly
    as a sort in Python says; an enterprise whose one visit is years back (an empty recent window) and a year's
    filter too; and the first page, full from this month, plans and reads only the months from the one before
    this one on."""
    from services.common import clock

    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    today = clock.today()
    this_month = today.replace(day=1)
    at = [_china(this_month.year, this_month.month, 1, 0, 0, s) for s in (1, 2)]
    for back, day in ((1, 15), (5, 3), (26, 9)):
        m = months_back(today, back)
        at.append(_china(m.year, m.month, day, 9))
    rows = [_visit(t) for t in at]
    other = _visit(at[-1], uscc="91210103MA0YYYYY2Y")  # the same instant as the 26-months-back visit
    rows.append(other)
    spec = partitions.spec_of("visit")
    try:
        async with transaction(factory) as s:
            for row in rows:
                await partitions.ensure_partition(s, "visit", row["started_at"])
            await s.execute(sa.insert(Visit), rows)
        statements = captured(
            engine, lambda statement: "FROM visit" in statement and "visit_outcome" not in statement
        )
        city = scope_for(Principal(sub="t", role="supervisor", scope="city"))

        async def pages(limit: int, **filters: Any) -> list[uuid.UUID]:
            seen: list[uuid.UUID] = []
            after: tuple[str, str] | None = None
            while True:
                async with transaction(factory) as s:
                    page = await visit_repo.list_visits(s, city, after=after, limit=limit, **filters)
                assert len(page) <= limit
                seen += [r.visit_id for r in page]
                if len(page) < limit:
                    return seen
                after = (page[-1].started_at.isoformat(), str(page[-1].visit_id))

        def newest_first(chosen: list[dict[str, Any]]) -> list[uuid.UUID]:
            return [
                r["visit_id"]
                for r in sorted(chosen, key=lambda r: (r["started_at"], r["visit_id"]), reverse=True)
            ]

        expected = newest_first(rows)
        for limit in (1, 2, 3, 4, 6, 7, 50):
            assert await pages(limit) == expected, limit
        for limit in (1, 3):
            assert await pages(limit, uscc=other["uscc"]) == [other["visit_id"]]
        old_year = at[-1].year
        in_year = newest_first([r for r in rows if r["started_at"].astimezone(CHINA).year == old_year])
        assert len(in_year) >= 2  # the two visits 26 months back at least
        for limit in (1, 2, 50):
            assert await pages(limit, year=old_year) == in_year, limit

        statements.clear()
        async with transaction(factory) as s:
            first = await visit_repo.list_visits(s, city, limit=2)
        assert [r.visit_id for r in first] == expected[:2]
        assert len(statements) == 1  # this month holds the page: no older window read
        statement, params = statements[0]
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN " + statement, params)).scalars())
        for m in (this_month, months_back(today, 1)):
            assert f"{partitions.partition_name(spec, m)} " in plan, plan
        for back in (2, 5, 26):
            assert f"{partitions.partition_name(spec, months_back(today, back))} " not in plan, plan
    finally:
        await engine.dispose()


async def test_a_cursor_at_the_calendars_ends_pages_without_a_window(stack: Stack) -> None:
    """A cursor the client crafted at the ends of the calendar: in year 1 there are no months to count back (the
    page is read in one statement, as before the windows, not a 500); on 31 December 9999 the windows are empty
    and the rest holds the row."""
    url = await stack.anew_database("inspection")
    await _tasks(url)
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    row = _visit(_china(2025, 5, 5, 9))
    try:
        async with transaction(factory) as s:
            await s.execute(sa.insert(Visit), [row])
        city = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        last = "ffffffff-ffff-4fff-bfff-ffffffffffff"
        for cursor, expected in (
            ("0001-01-01T00:00:00+00:00", []),
            ("9999-12-31T23:59:59+08:00", [row["visit_id"]]),
        ):
            async with transaction(factory) as s:
                page = await visit_repo.list_visits(s, city, after=(cursor, last), limit=5)
            assert [r.visit_id for r in page] == expected, cursor
    finally:
        await engine.dispose()
