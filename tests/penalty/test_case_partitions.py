"""penalty's cases and their steps partitioned by the China year the case was opened (issue #16 item 6;
migration penalty_0016_case_parts, services/common/partitions.py): the migration keeps every case and step per
year and every row that references a case, down and up again; a case number, a decision number or a violation
used in one year cannot be used in another (``case_key``); a year without a partition fails loudly until the
write path creates it; the role with DML only opens a case in a past year; the kernel job keeps the years in
penalty only; a case read by id reads one year's partition."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.common import migrate, partitions
from services.common.access import Principal, scope_for
from services.common.clock import CHINA
from services.common.db import create_engine, session_factory, transaction
from services.penalty import repository as repo
from services.penalty.models import CaseStep, PenaltyCase
from tests.support.partitions import captured, job_ran
from tests.support.stack import Stack

BELOW = "penalty_0015_audit_parts"  # the unpartitioned penalty_case and case_step
# Every table whose rows reference a case (the foreign keys of penalty_0002 … penalty_0010), case_step aside.
REFERENCING = (
    "case_act",
    "case_enforcement",
    "decision_disclosure",
    "document",
    "economic_impact_assessment",
    "fact_contest",
    "imported_case",
    "penalty_follow_up",
    "spot_collection",
)
_INSERT_CASE = sa.text(
    "INSERT INTO penalty_case (id, case_no, dept_code, district_code, state, procedure, source, violation_id,"
    " party_kind, party_name, summary, decision_no, opened_by, opened_at, updated_at, revision, domain_case,"
    " details) VALUES (:id, :case_no, 'SJ', '210102', 'filed', 'general', 'direct', :violation_id, 'org',"
    " '沈阳某某有限公司', '测试案件', :decision_no, 'LN210102SJ001', :opened_at, :opened_at, 1, '{}', '{}')"
)
_INSERT_STEP = sa.text(
    "INSERT INTO case_step (case_id, seq, action, state, actor, actor_role, at, events)"
    " VALUES (:case_id, :seq, 'file', 'filed', 'LN210102SJ001', 'officer', :at, '[]')"
)


def _china(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA)


def _case(opened_at: datetime, **values: Any) -> dict[str, Any]:
    case_id = uuid.uuid4()
    return {
        "id": case_id,
        "case_no": f"沈市监立〔{opened_at.year}〕{case_id.hex[:6]}号",
        "violation_id": None,
        "decision_no": None,
        "opened_at": opened_at,
        **values,
    }


def _row(opened_at: datetime, **values: Any) -> PenaltyCase:
    """A case row as the service's ORM writes it (``repo.add_case``)."""
    v = _case(opened_at, **values)
    return PenaltyCase(
        **v,
        dept_code="SJ",
        district_code="210102",
        state="filed",
        procedure="general",
        source="direct",
        party_kind="org",
        party_name="沈阳某某有限公司",
        summary="测试案件",
        opened_by="LN210102SJ001",
        updated_at=opened_at,
        revision=1,
        domain_case={},
        details={},
    )


def _step(row: PenaltyCase, seq: int) -> CaseStep:
    return CaseStep(
        case_id=row.id,
        case_opened_at=row.opened_at,
        seq=seq,
        action="file",
        state="filed",
        actor="LN210102SJ001",
        actor_role="officer",
        at=row.opened_at + timedelta(minutes=seq),
        events=[],
    )


async def _snapshot(conn: Any) -> dict[str, Any]:
    """Every case and step, and every referencing table's rows (their text, sorted)."""
    out: dict[str, Any] = {
        "cases": (
            await conn.execute(
                sa.text(
                    "SELECT id, case_no, decision_no, violation_id, opened_at FROM penalty_case ORDER BY id"
                )
            )
        ).all(),
        "steps": (
            await conn.execute(sa.text("SELECT id, case_id, seq, at FROM case_step ORDER BY id"))
        ).all(),
    }
    for table in REFERENCING:
        rows = await conn.execute(sa.text(f"SELECT CAST(t AS text) FROM {table} t ORDER BY 1"))
        out[table] = rows.scalars().all()
    return out


async def _per_partition(conn: Any, table: str) -> dict[str, int]:
    sql = f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1"
    return {str(k): int(n) for k, n in (await conn.execute(sa.text(sql))).all()}


async def _fk_targets(conn: Any) -> dict[str, str]:
    """Each table's foreign key on its case column → the table it references (constraints of partitions
    aside: PostgreSQL clones a partitioned table's key onto each of them)."""
    rows = await conn.execute(
        sa.text(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " WHERE c.contype = 'f' AND c.conparentid = 0"
            " AND c.confrelid IN (to_regclass('penalty_case'), to_regclass('case_key'))"
        )
    )
    return {str(t): str(r) for t, r in rows.all()}


async def test_the_migration_keeps_every_case_step_and_reference_per_year_down_and_up_again(
    stack: Stack,
) -> None:
    url = await stack.anew_sample_database("penalty")
    await asyncio.to_thread(migrate.downgrade, "penalty", url, BELOW)
    engine = create_engine(url, pool_size=1)
    try:
        # The sample's cases (this year), and 7 cases with 2 steps each in 2021, 3 cases with 1 step in 2023
        # (2022 has none: its partitions are still made) on the unpartitioned tables.
        extra = [(_china(2021, 1 + i, 5, 9), 2) for i in range(7)] + [(_china(2023, 12, 31, 23), 1)] * 3
        async with engine.begin() as conn:
            sample_cases = (await conn.execute(sa.text("SELECT count(*) FROM penalty_case"))).scalar_one()
            sample_steps = (await conn.execute(sa.text("SELECT count(*) FROM case_step"))).scalar_one()
            for opened_at, steps in extra:
                case = _case(opened_at)
                await conn.execute(_INSERT_CASE, case)
                for seq in range(1, steps + 1):
                    await conn.execute(_INSERT_STEP, {"case_id": case["id"], "seq": seq, "at": opened_at})
            before = await _snapshot(conn)
            this_year = (await conn.execute(partitions.TODAY)).scalar_one().year
            oldest, newest = (
                await conn.execute(
                    sa.text(
                        "SELECT min(extract(year FROM timezone('Asia/Shanghai', opened_at))),"
                        " max(extract(year FROM timezone('Asia/Shanghai', opened_at))) FROM penalty_case"
                    )
                )
            ).one()
        referenced = [t for t in REFERENCING if before[t]]
        assert sample_cases > 0 and sample_steps > 0 and len(referenced) >= 3, (sample_cases, referenced)
        assert len(before["cases"]) == sample_cases + 10 and len(before["steps"]) == sample_steps + 7 * 2 + 3
        await engine.dispose()

        await asyncio.to_thread(migrate.upgrade, "penalty", url)
        async with engine.begin() as conn:
            after = await _snapshot(conn)
            cases = await _per_partition(conn, "penalty_case")
            steps = await _per_partition(conn, "case_step")
            keys = (await conn.execute(sa.text("SELECT count(*) FROM case_key"))).scalar_one()
            targets = await _fk_targets(conn)
            names = {
                str(n)
                for n in (await conn.execute(partitions.PARTITIONS, {"parent": "penalty_case"})).scalars()
            }
        assert after == before
        assert keys == len(before["cases"])
        # 7 cases (7 × 2 = 14 steps) in 2021, 3 cases (3 steps) in 2023, the sample's in its own years
        assert cases["penalty_case_2021"] == 7 and cases["penalty_case_2023"] == 3
        assert steps["case_step_2021"] == 14 and steps["case_step_2023"] == 3
        assert sum(cases.values()) == len(before["cases"]) and sum(steps.values()) == len(before["steps"])
        # from the oldest case's year to the year after the database's today, without a gap
        assert names == {f"penalty_case_{y}" for y in range(int(oldest), max(this_year, int(newest)) + 2)}
        # every foreign key to a case now references case_key, case_step's included
        assert targets == dict.fromkeys((*REFERENCING, "case_step"), "case_key")

        async with engine.begin() as conn:  # after the swap, the triggers keep case_key: one more case
            case = _case(_china(2022, 6, 1, 10))
            await conn.execute(_INSERT_CASE, case)
            await conn.execute(
                sa.text("UPDATE penalty_case SET decision_no = 'X-1' WHERE id = :id"), {"id": case["id"]}
            )
            key = (
                await conn.execute(
                    sa.text("SELECT decision_no FROM case_key WHERE id = :id"), {"id": case["id"]}
                )
            ).scalar_one()
            before = await _snapshot(conn)
        assert key == "X-1"
        await engine.dispose()

        await asyncio.to_thread(migrate.downgrade, "penalty", url, BELOW)
        async with engine.begin() as conn:
            back = await _snapshot(conn)
            kinds = (
                await conn.execute(
                    sa.text(
                        "SELECT relname, CAST(relkind AS text) FROM pg_class"
                        " WHERE relname IN ('penalty_case', 'case_step', 'case_key', 'penalty_case_2021')"
                    )
                )
            ).all()
            targets = await _fk_targets(conn)
        assert back == before
        assert sorted(map(tuple, kinds)) == [("case_step", "r"), ("penalty_case", "r")]
        assert targets == dict.fromkeys((*REFERENCING, "case_step"), "penalty_case")
    finally:
        await engine.dispose()


async def test_a_number_used_in_one_year_cannot_be_used_in_another(stack: Stack) -> None:
    """The primary key of a partition holds the year, so it cannot keep a number unique across years:
    ``case_key`` does (a case number, a decision number, a violation: once, for all time)."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        violation = uuid.uuid4()
        first = _row(_china(2025, 3, 1, 9), violation_id=violation, decision_no="沈市监罚〔2025〕1号")
        async with transaction(factory) as s:
            await repo.add_case(s, first)
        for clash, constraint in (
            ({"case_no": first.case_no}, "uq_case_key_case_no"),
            ({"violation_id": violation}, "uq_case_key_violation_id"),
            ({"decision_no": first.decision_no}, "uq_case_key_decision_no"),
        ):
            with pytest.raises(IntegrityError, match=constraint):
                async with transaction(factory) as s:
                    await repo.add_case(s, _row(_china(2026, 2, 1, 9), **clash))
        # a decision number given later (the decision) is checked the same way, by the update's trigger
        other = _row(_china(2026, 2, 2, 9))
        async with transaction(factory) as s:
            await repo.add_case(s, other)
        with pytest.raises(IntegrityError, match="uq_case_key_decision_no"):
            async with transaction(factory) as s:
                row = await repo.get_case(s, other.id, lock=True)
                assert row is not None
                row.decision_no = first.decision_no
                await s.flush()
        async with transaction(factory) as s:
            where = await _per_partition(s, "penalty_case")
        assert where == {"penalty_case_2025": 1, "penalty_case_2026": 1}
    finally:
        await engine.dispose()


async def test_a_year_without_a_partition_fails_loudly_until_the_write_path_creates_it(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        opened_at = _china(2015, 3, 9, 10)  # a year no migration or job created
        with pytest.raises(DBAPIError, match="no partition of relation"):
            async with transaction(factory) as s:
                s.add(_row(opened_at))
                await s.flush()
        row = _row(opened_at)
        async with transaction(factory) as s:
            await repo.add_case(s, row)  # an imported case filed in 2015: its year made first
            await repo.add_step(s, _step(row, 1))
        async with transaction(factory) as s:
            assert await _per_partition(s, "penalty_case") == {"penalty_case_2015": 1}
            assert await _per_partition(s, "case_step") == {"case_step_2015": 1}
            assert [st.seq for st in await repo.steps(s, row.id)] == [1]
            assert await repo.next_step_seq(s, row.id) == 2
            assert await partitions.ensure_partition(s, "penalty_case", _china(2015, 12, 31, 23)) is False
    finally:
        await engine.dispose()


async def test_the_service_role_with_dml_only_opens_a_case_in_a_past_year(stack: Stack) -> None:
    """The service connects without DDL (issue #13): a past year's partitions come from the owner's
    ``zhifa_create_partition``; the role reaches the rows through the parent only."""
    roles = await stack.anew_database_with_roles("penalty")
    engine = create_engine(roles.service_url, pool_size=1)
    factory = session_factory(engine)
    try:
        row = _row(_china(2017, 4, 1, 9))
        async with transaction(factory) as s:
            await repo.add_case(s, row)
            await repo.add_step(s, _step(row, 1))
        async with transaction(factory) as s:
            found = await repo.get_case(s, row.id, lock=True)
            assert found is not None and found.opened_at == row.opened_at
            found.decision_no = "沈市监罚〔2017〕9号"
            await s.flush()
        async with transaction(factory) as s:
            assert await _per_partition(s, "penalty_case") == {"penalty_case_2017": 1}
            assert await _per_partition(s, "case_step") == {"case_step_2017": 1}
            key = await s.execute(sa.text("SELECT decision_no FROM case_key WHERE id = :id"), {"id": row.id})
            assert key.scalar_one() == "沈市监罚〔2017〕9号"
        with pytest.raises(DBAPIError, match="permission denied for table penalty_case_2017"):
            async with transaction(factory) as s:
                await s.execute(sa.text("DELETE FROM penalty_case_2017"))
    finally:
        await engine.dispose()


async def test_the_kernel_job_keeps_case_partitions_in_penalty_only(stack: Stack) -> None:
    async def drop_next_year(conn: Any, today: Any) -> None:  # the job must make them again
        for table in ("penalty_case", "case_step"):
            await conn.execute(sa.text(f"DROP TABLE {table}_{today.year + 1}"))

    for service in ("inspection", "penalty"):
        before = drop_next_year if service == "penalty" else None
        async with job_ran(stack, service, before=before) as (engine, today):
            async with engine.connect() as conn:
                made = [
                    (await conn.execute(sa.text(f"SELECT to_regclass('{t}_{y}')"))).scalar()
                    for t in ("penalty_case", "case_step")
                    for y in (today.year, today.year + 1)
                ]
            assert all((m is not None) == (service == "penalty") for m in made), (service, made)


async def test_a_case_read_by_id_reads_its_one_year(stack: Stack) -> None:
    """``readable_case`` finds the year in ``case_key`` and the executor reads that year's partition only: of
    three years' cases, the plan of a 2024 case's read runs 2024's scan alone, and its steps' read too."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        rows = [_row(_china(y, 6, 1, 9)) for y in (2023, 2024, 2025)]
        async with transaction(factory) as s:
            for row in rows:
                await repo.add_case(s, row)
                await repo.add_step(s, _step(row, 1))
        statements = captured(
            engine, lambda statement: "FROM penalty_case" in statement or "FROM case_step" in statement
        )
        scope = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        async with transaction(factory) as s:
            got = await repo.readable_case(s, scope, rows[1].id)
            assert got is not None and got.id == rows[1].id
            assert [st.seq for st in await repo.steps(s, rows[1].id)] == [1]
        for (statement, params), table in zip(statements[-2:], ("penalty_case", "case_step"), strict=True):
            async with engine.connect() as conn:
                plan = "\n".join(
                    (await conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, params)).scalars()
                )
            # run-time pruning: the partitions not read are "never executed"
            executed = [
                line for line in plan.splitlines() if f"{table}_20" in line and "never executed" not in line
            ]
            assert executed and all(f"{table}_2024" in line for line in executed), plan
    finally:
        await engine.dispose()


async def test_an_update_of_a_case_names_its_year(stack: Stack) -> None:
    """The ORM updates a case by its whole primary key, ``(id, opened_at)``: the statement is pruned to the
    case's year when it is planned (only that year's partition appears in its plan); and ``lockable_case``'s
    ``FOR UPDATE`` (which a decision holds) still locks the case's row: another session cannot lock it."""
    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=2)
    factory = session_factory(engine)
    try:
        rows = [_row(_china(y, 6, 1, 9)) for y in (2023, 2024, 2025)]
        async with transaction(factory) as s:
            for row in rows:
                await repo.add_case(s, row)
        statements = captured(engine, lambda statement: statement.startswith("UPDATE penalty_case"))
        scope = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        async with transaction(factory) as s:
            found = await repo.lockable_case(s, scope, rows[1].id)
            assert found is not None
            # another session cannot lock that case's row, and locks another year's case at once
            nowait = sa.text("SELECT id FROM penalty_case WHERE id = :id FOR UPDATE NOWAIT")
            async with engine.connect() as other:
                with pytest.raises(DBAPIError, match="could not obtain lock on row"):
                    await other.execute(nowait, {"id": rows[1].id})
                await other.rollback()
                assert (await other.execute(nowait, {"id": rows[2].id})).scalar_one() == rows[2].id
                await other.rollback()
            found.state = "decided"
            await s.flush()
        statement, params = statements[-1]
        assert "opened_at" in statement.partition("WHERE")[2], statement
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN " + statement, params)).scalars())
            await conn.rollback()
        assert "penalty_case_2024" in plan, plan
        assert "penalty_case_2023" not in plan and "penalty_case_2025" not in plan, plan
    finally:
        await engine.dispose()


async def test_the_case_list_reads_recent_years_first_with_the_same_rows_in_the_same_order(
    stack: Stack,
) -> None:
    """The case list reads this year first (services/common/partitions.py ``newest_first``): two cases this
    year, one last year, one two years back, two three years back at one instant (one in district 210103);
    every page size pages through them newest first on ``(opened_at, id)`` exactly as a sort in Python says; a
    district whose one case is years back (an empty recent window) too; and the first page, full from this
    year, plans and reads only this year's partition and those after it."""
    from services.common import clock

    url = await stack.anew_database("penalty")
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    year = clock.today().year
    at = [datetime(year, 1, 1, 0, 0, s, tzinfo=CHINA) for s in (1, 2)]
    at += [_china(year - 1, 12, 31, 23), _china(year - 2, 3, 1, 9), _china(year - 3, 6, 1, 9)]
    rows = [_row(t) for t in at]
    other = _row(at[-1])  # the same instant as the case three years back
    other.district_code = "210103"
    rows.append(other)
    expected = [r.id for r in sorted(rows, key=lambda r: (r.opened_at, r.id), reverse=True)]
    spec = partitions.spec_of("penalty_case")
    try:
        async with transaction(factory) as s:
            for row in rows:
                await repo.add_case(s, row)
        statements = captured(engine, lambda statement: "FROM penalty_case" in statement)
        city = scope_for(Principal(sub="t", role="supervisor", scope="city"))
        district = scope_for(Principal(sub="t", role="supervisor", scope="210103"))

        async def pages(scope: Any, limit: int) -> list[uuid.UUID]:
            seen: list[uuid.UUID] = []
            after: tuple[datetime, uuid.UUID] | None = None
            while True:
                async with transaction(factory) as s:
                    page = await repo.list_cases(s, scope, state=None, after=after, limit=limit)
                assert len(page) <= limit + 1  # one more than asked: whether a next page exists
                seen += [r.id for r in page[:limit]]
                if len(page) <= limit:
                    return seen
                after = (page[limit - 1].opened_at, page[limit - 1].id)

        for limit in (1, 2, 3, 5, 6, 50):
            assert await pages(city, limit) == expected, limit
        for limit in (1, 2):
            assert await pages(district, limit) == [other.id]

        statements.clear()
        async with transaction(factory) as s:
            first = await repo.list_cases(s, city, state=None, after=None, limit=1)
        assert [r.id for r in first] == expected[:2]
        assert len(statements) == 1  # this year holds the page (and its one more): no older year read
        statement, params = statements[0]
        async with engine.connect() as conn:
            plan = "\n".join((await conn.exec_driver_sql("EXPLAIN " + statement, params)).scalars())
        assert f"{partitions.partition_name(spec, datetime(year, 1, 1).date())} " in plan, plan
        for back in (1, 2, 3):
            assert f"{partitions.partition_name(spec, datetime(year - back, 1, 1).date())} " not in plan, plan
    finally:
        await engine.dispose()
