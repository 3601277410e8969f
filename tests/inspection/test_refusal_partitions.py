"""inspection's refused entries partitioned by the China month of ``refused_at`` (issue #16 item 6; migration
inspection_0009_refusal_parts, services/common/partitions.py): the migration keeps every row per month down
and up again, ``refusal_attempt`` records one attempt once across months, a month without a partition fails
loudly until ``ensure_partition`` creates it, the service's write path creates it (as the DML-only role
too), and the kernel job keeps months ahead in inspection only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common import migrate, partitions
from services.common.clock import CHINA
from services.common.db import create_engine, session_factory, transaction
from services.inspection.models import EntryRefusal
from services.inspection.repository import entry as entry_repo
from tests.support.partitions import captured, job_ran, months_back
from tests.support.stack import Stack

BELOW = "inspection_0008"  # the unpartitioned entry_refusal


def _refusal(at: datetime, attempt_key: str | None = None, code: str = "CERT_EXPIRED") -> dict[str, Any]:
    return {
        "refusal_id": uuid.uuid4(),
        "code": code,
        "status": 403,
        "detail": "执法证件已过期",
        "channel": "entry_code",
        "task_id": None,
        "uscc": "91210102MA0XXXXX1X",
        "dept_code": "SJ",
        "district_code": "210102",
        "cert_nos": ["LN210102SJ001"],
        "entry_code_id": None,
        "actor": "officer-1",
        "actor_role": "officer",
        "request_id": None,
        "attempt_key": attempt_key,
        "refused_at": at,
    }


def _china(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CHINA)


async def _partition_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT tableoid::regclass::text, count(*) FROM entry_refusal GROUP BY 1")
        )
        return {name: int(n) for name, n in rows.all()}


_COLS = "refusal_id, code, attempt_key, refused_at, cert_nos"


async def test_the_migration_keeps_every_row_per_month_down_and_up_again(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
    engine = create_engine(url)
    try:
        # China months: 2 rows in Jan 2025 (one at 23:59:59 on the 31st, which is 15:59:59 UTC: still January
        # in China), 1 in Feb 2025 (00:00:00 on the 1st, China: 16:00 UTC on 31 Jan), none in March, 3 in
        # Nov 2026; 3 of the 6 carry an attempt key.
        at = [_china(2025, 1, 3, 9), _china(2025, 1, 31, 23, 59, 59), _china(2025, 2, 1, 0, 0, 0)]
        at += [_china(2026, 11, 2, 10), _china(2026, 11, 15, 10), _china(2026, 11, 30, 23)]
        rows = [_refusal(t, f"k{i}" if i % 2 else None) for i, t in enumerate(at)]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(EntryRefusal), rows)
            before = (
                await conn.execute(sa.text(f"SELECT {_COLS} FROM entry_refusal ORDER BY refusal_id"))
            ).all()
        await engine.dispose()

        await asyncio.to_thread(migrate.upgrade, "inspection", url)
        async with engine.begin() as conn:
            after = (
                await conn.execute(sa.text(f"SELECT {_COLS} FROM entry_refusal ORDER BY refusal_id"))
            ).all()
            attempts = (
                await conn.execute(sa.text("SELECT attempt_key, refusal_id, refused_at FROM refusal_attempt"))
            ).all()
            names = set((await conn.execute(partitions.PARTITIONS, {"parent": "entry_refusal"})).scalars())
            today = (await conn.execute(partitions.TODAY)).scalar_one()
        assert after == before
        assert await _partition_counts(engine) == {
            "entry_refusal_202501": 2,
            "entry_refusal_202502": 1,
            "entry_refusal_202611": 3,
        }
        # From the oldest row's month (Jan 2025) to 3 months after the database's month, without a gap.
        spec = partitions.spec_of("entry_refusal")
        last = date(today.year, today.month, 1)
        for _ in range(3):
            last = partitions.next_period("month", last)
        assert names == {
            partitions.partition_name(spec, s) for s in partitions.periods(spec, date(2025, 1, 1), last)
        }
        # rows 1, 3, 5 carry k1, k3, k5
        assert sorted(attempts) == sorted(
            (r.attempt_key, r.refusal_id, r.refused_at) for r in after if r.attempt_key
        )
        await engine.dispose()

        await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
        async with engine.begin() as conn:
            back = (
                await conn.execute(sa.text(f"SELECT {_COLS} FROM entry_refusal ORDER BY refusal_id"))
            ).all()
            gone = (
                await conn.execute(
                    sa.text("SELECT to_regclass('refusal_attempt'), to_regclass('entry_refusal_202501')")
                )
            ).one()
            kind = await conn.scalar(
                sa.text("SELECT CAST(relkind AS text) FROM pg_class WHERE relname = 'entry_refusal'")
            )
        assert back == before and len(back) == 6
        assert gone == (None, None) and kind == "r"
        # the old unique attempt key is back
        with pytest.raises(DBAPIError, match="uq_entry_refusal_attempt_key"):
            async with engine.begin() as conn:
                await conn.execute(sa.insert(EntryRefusal), [_refusal(_china(2025, 1, 5), "k1")])
    finally:
        await engine.dispose()


async def test_a_retry_across_a_months_end_is_recorded_once(stack: Stack) -> None:
    """A mobile retry with the same Idempotency-Key (the same attempt key) may reach the service after
    midnight at a month's end: 23:59:58 on 31 January, then 00:00:03 on 1 February (China). On the table
    partitioned by month a unique ``(attempt_key, refused_at)`` could not stop the second row; the identity
    table ``refusal_attempt`` does."""
    url = await stack.anew_database("inspection")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        first = _refusal(_china(2025, 1, 31, 23, 59, 58), "officer-1|/api/v1/check-in|retry-1")
        retry = _refusal(_china(2025, 2, 1, 0, 0, 3), "officer-1|/api/v1/check-in|retry-1")
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, first) is True
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, retry) is False
        # and another attempt in February is recorded
        other = _refusal(_china(2025, 2, 1, 0, 0, 4), "officer-1|/api/v1/check-in|retry-2")
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, other) is True
        # no key (a client without Idempotency-Key): every attempt is its own
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, _refusal(_china(2025, 2, 2, 9))) is True
            assert await entry_repo.insert_refusal(s, _refusal(_china(2025, 2, 2, 9))) is True
        # 1 row in January; 1 (retry-2) + 2 without a key in February
        assert await _partition_counts(engine) == {"entry_refusal_202501": 1, "entry_refusal_202502": 3}
        async with engine.connect() as conn:
            n = await conn.scalar(sa.text("SELECT count(*) FROM refusal_attempt"))
        assert n == 2
    finally:
        await engine.dispose()


async def test_a_month_without_a_partition_fails_loudly_until_ensure_partition_creates_it(
    stack: Stack,
) -> None:
    url = await stack.anew_database("inspection")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        row = _refusal(_china(2015, 3, 9, 10), "k-2015")  # a month no migration or job created
        with pytest.raises(DBAPIError, match="no partition of relation"):
            async with transaction(factory) as s:
                await s.execute(sa.insert(EntryRefusal), [row])
        async with transaction(factory) as s:
            # nothing of the failed statement stayed behind: the attempt key is free
            assert await s.scalar(sa.text("SELECT count(*) FROM refusal_attempt")) == 0
            assert await partitions.ensure_partition(s, "entry_refusal", _china(2015, 3, 9, 10)) is True
            # 31 March 23:30 China is 15:30 UTC: still March's partition
            assert await partitions.ensure_partition(s, "entry_refusal", _china(2015, 3, 31, 23, 30)) is False
            await s.execute(sa.insert(EntryRefusal), [row])
        assert await _partition_counts(engine) == {"entry_refusal_201503": 1}
    finally:
        await engine.dispose()


async def test_the_write_path_creates_a_past_months_partition(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    engine = create_engine(url)
    factory = session_factory(engine)
    try:
        row = _refusal(
            _china(2016, 8, 1, 0, 0, 1), "k-2016"
        )  # 1 August 00:00:01 China = 31 July 16:00:01 UTC
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, row) is True
        assert await _partition_counts(engine) == {"entry_refusal_201608": 1}
    finally:
        await engine.dispose()


async def test_the_service_role_with_dml_only_records_a_refusal_in_a_past_month(stack: Stack) -> None:
    """In production the service connects as a role without DDL (issue #13): a past month's partition comes
    from the owner's ``zhifa_create_partition``, and the trigger fills ``refusal_attempt`` as that role."""
    roles = await stack.anew_database_with_roles("inspection")
    engine = create_engine(roles.service_url, pool_size=1)
    factory = session_factory(engine)
    try:
        row = _refusal(_china(2017, 4, 1, 8), "k-2017")
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, row) is True
        async with transaction(factory) as s:
            assert await entry_repo.insert_refusal(s, row | {"refusal_id": uuid.uuid4()}) is False
        assert await _partition_counts(engine) == {"entry_refusal_201704": 1}
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            async with transaction(factory) as s:
                await s.execute(
                    sa.text(
                        "CREATE TABLE entry_refusal_201001 PARTITION OF entry_refusal"
                        " FOR VALUES FROM ('2010-01-01') TO ('2010-02-01')"
                    )
                )
    finally:
        await engine.dispose()


async def test_the_kernel_job_keeps_refusal_months_ahead_in_inspection_only(stack: Stack) -> None:
    """The registry's entry_refusal belongs to inspection: its job keeps the database's month and 3 after it,
    and drops none; the job of another service (no entry_refusal there) skips it."""
    spec = partitions.spec_of("entry_refusal")
    for service in ("credit_repair", "inspection"):
        async with job_ran(stack, service) as (engine, _today):
            async with engine.connect() as conn:
                has = (await conn.execute(sa.text("SELECT to_regclass('entry_refusal')"))).scalar()
            assert (has is not None) == (service == "inspection")
            if service == "inspection":
                factory = session_factory(engine)
                async with transaction(factory) as s:
                    # drop the month after next: the job must create it again
                    today = (await s.execute(partitions.TODAY)).scalar_one()
                    first = date(today.year, today.month, 1)
                    months = [first]
                    for _ in range(3):
                        months.append(partitions.next_period("month", months[-1]))
                    await s.execute(sa.text(f"DROP TABLE {partitions.partition_name(spec, months[2])}"))
                done = await partitions.maintain(factory, spec, service="inspection")
                async with transaction(factory) as s:
                    have = await partitions.existing(s, spec)
                assert done.created == 1 and done.dropped == 0
                assert set(months) <= have
                # covered to the last day of the third month after this one
                end = partitions.next_period("month", months[3])
                assert done.ahead_days == (end - today).days - 1


async def test_the_models_match_the_migrated_schema(stack: Stack) -> None:
    """Every inspection model is the table the migrations build (alembic's compare): ``EntryRefusal``
    (partitioned, primary key with ``refused_at``, no unique attempt key) and ``RefusalAttempt`` of
    inspection_0009; ``Visit`` and ``VisitOutcome`` (partitioned, primary keys with the month's key),
    ``VisitKey`` and ``CorrectionFollowUp``'s key to it of inspection_0010. The partitions and a foreign key's
    per-partition clones are the database's (``partitions.include_name``)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.inspection.models import metadata

    def compare(sync_conn: sa.Connection) -> list[Any]:
        ctx = MigrationContext.configure(
            sync_conn, opts={"compare_type": True, "include_name": partitions.include_name}
        )
        return [
            d
            for d in compare_metadata(ctx, metadata)
            if not (d[0] == "remove_table" and d[1].name == "alembic_version_inspection")
        ]

    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(compare) == []
    finally:
        await engine.dispose()


async def test_the_supervisors_list_pages_across_months_and_prunes_the_months_after_its_cursor(
    stack: Stack,
) -> None:
    """The refusals list (newest first, keyset on ``(refused_at, refusal_id)``) pages across a month's end,
    and a next page reads only the months up to its cursor: the row comparison alone prunes nothing."""
    from services.common.access import scope_for
    from services.common.auth import Principal
    from services.inspection.repository import supervision as supervision_repo

    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    statements = captured(engine, lambda statement: "FROM entry_refusal" in statement)
    try:
        # one a month, January to April 2025, and a second one in February (China time)
        at = [_china(2025, 1, 20, 9), _china(2025, 2, 1, 0, 0, 1), _china(2025, 2, 28, 23, 59, 59)]
        at += [_china(2025, 3, 10, 9), _china(2025, 4, 2, 9)]
        rows = [_refusal(t) for t in at]
        async with transaction(factory) as s:
            for row in rows:
                assert await entry_repo.insert_refusal(s, row) is True
        scope = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        seen: list[uuid.UUID] = []
        after: tuple[str, str] | None = None
        pages = 0
        starts: list[int] = []  # the index of each page's first statement (a page reads window by window)
        while True:
            starts.append(len(statements))
            async with transaction(factory) as s:
                page = await supervision_repo.list_refusals(
                    s, scope, code=None, dept_code=None, after=after, limit=2
                )
            if not page:
                break
            pages += 1
            seen += [r.refusal_id for r in page]
            after = (page[-1].refused_at.isoformat(), str(page[-1].refusal_id))
        # 5 rows, newest first, in pages of 2, 2, 1 (and an empty fourth read)
        assert seen == [r["refusal_id"] for r in reversed(rows)] and pages == 3
        # the third page's cursor is the second page's last row, 1 February 00:00:01 (pages: 2 April and
        # 10 March; 28 and 1 February; 20 January): March's and April's partitions are not read
        plans = []
        async with engine.connect() as conn:
            for third, params in statements[starts[2] : starts[3]]:
                plans.append("\n".join((await conn.exec_driver_sql("EXPLAIN " + third, params)).scalars()))
        plan = "\n".join(plans)
        assert "entry_refusal_202502" in plan
        assert "entry_refusal_202503" not in plan and "entry_refusal_202504" not in plan
    finally:
        await engine.dispose()


async def test_the_list_reads_recent_months_first_with_the_same_rows_in_the_same_order(stack: Stack) -> None:
    """The refusals list reads the newest months first (services/common/partitions.py ``newest_first``): two
    rows this month, one in the month before, one 5 months back, two 26 months back (one in district 210103
    only); every page size pages through the rows newest first on ``(refused_at, refusal_id)`` exactly as a
    sort in Python says; a district whose rows are all years back (an empty recent window) too; and the first
    page, full from this month, plans and reads only the months from the one before this one on."""
    from services.common import clock
    from services.common.access import scope_for
    from services.common.auth import Principal
    from services.inspection.repository import supervision as supervision_repo

    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    statements = captured(engine, lambda statement: "FROM entry_refusal" in statement)
    today = clock.today()
    this_month = today.replace(day=1)
    # this month: its first day 00:00:01 and 12:00 (both before now unless it is the first's first seconds)
    at = [
        _china(this_month.year, this_month.month, 1, 0, 0, 1),
        _china(this_month.year, this_month.month, 1, 0, 0, 2),
    ]
    for back, day in ((1, 15), (5, 3), (26, 9)):
        m = months_back(today, back)
        at.append(_china(m.year, m.month, day, 9))
    rows = [_refusal(t) for t in at]
    old = months_back(today, 26)
    other = _refusal(_china(old.year, old.month, 9, 9))  # the same instant as the 26-months-back row
    other["district_code"] = "210103"
    rows.append(other)
    try:
        async with transaction(factory) as s:
            for row in rows:
                assert await entry_repo.insert_refusal(s, row) is True
        city = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        district = scope_for(Principal(sub="t", role="supervisor", scope="210103"))

        async def pages(scope: Any, limit: int) -> list[uuid.UUID]:
            seen: list[uuid.UUID] = []
            after: tuple[str, str] | None = None
            while True:
                async with transaction(factory) as s:
                    page = await supervision_repo.list_refusals(
                        s, scope, code=None, dept_code=None, after=after, limit=limit
                    )
                assert len(page) <= limit
                seen += [r.refusal_id for r in page]
                if len(page) < limit:
                    return seen
                after = (page[-1].refused_at.isoformat(), str(page[-1].refusal_id))

        # newest first on (refused_at, refusal_id): the two rows 26 months back share refused_at, so their
        # order is refusal_id's, descending
        expected = [
            r["refusal_id"]
            for r in sorted(rows, key=lambda r: (r["refused_at"], r["refusal_id"]), reverse=True)
        ]
        for limit in (1, 2, 3, 4, 6, 7, 50):
            assert await pages(city, limit) == expected, limit
        assert await pages(district, 1) == [other["refusal_id"]]
        assert await pages(district, 5) == [other["refusal_id"]]

        statements.clear()
        async with transaction(factory) as s:
            first = await supervision_repo.list_refusals(
                s, city, code=None, dept_code=None, after=None, limit=2
            )
        assert [r.refusal_id for r in first] == expected[:2]
        assert len(statements) == 1  # this month holds the page: no older window read
        statement, params = statements[0]
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN " + statement, params)).scalars())
        window = {
            partitions.partition_name(partitions.spec_of("entry_refusal"), m)
            for m in (this_month, months_back(today, 1))
        }
        assert all(name in plan for name in window), plan
        for back in (2, 5, 26):
            name = partitions.partition_name(partitions.spec_of("entry_refusal"), months_back(today, back))
            assert name not in plan, plan
    finally:
        await engine.dispose()
