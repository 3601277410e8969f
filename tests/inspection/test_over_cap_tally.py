"""Over-cap enterprises from the ``visit_cap_tally`` pre-aggregate (issue #16 item 6) give exactly what main's
algorithm gives (every visit of the year read into Python, ``frequency.enterprises_above_cap``), on random
visits written, changed and deleted through SQL (the trigger keeps the tally), for the whole city and for a
district, under the default policy and another one."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import sqlalchemy as sa

from bench import province, province_inspection
from services.common.access import scope_for
from services.common.auth import Principal
from services.common.db import create_engine, session_factory, transaction
from services.inspection.domain import frequency
from services.inspection.domain.frequency import FrequencyPolicy, TaskKind
from services.inspection.repository import caps as cap_repo
from services.inspection.repository import visits as visit_repo
from tests.support.stack import Stack

PLAN = province.Plan(enterprises=10, cities=1, years=3, seed=3, until=datetime(2026, 12, 31).date())
DISTRICTS = ("210102", "210103", "210104")
KINDS = ("random", "random", "joint", "complaint", "key_area")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _random_visit(rnd: random.Random, usccs: list[str]) -> tuple[object, ...]:
    # around the turns of 2024/2025 and 2025/2026 in China time (UTC+8), so the year boundary is exercised
    turn = datetime(rnd.choice((2025, 2026)), 1, 1, tzinfo=UTC) - timedelta(hours=8)
    started = turn + timedelta(minutes=rnd.randrange(-3 * 24 * 60, 3 * 24 * 60))
    kind = rnd.choice(KINDS)
    depts = rnd.sample(province.DEPARTMENTS[:3], 1 + rnd.randrange(2))
    if rnd.random() < 0.05:
        depts.append(depts[0])  # a department listed twice is still one visit
    task = (
        province_inspection.task_id("random", 1, "2101", depts[0])
        if kind == "random"
        else (province_inspection.task_id(kind, 1, "2101"))
    )
    return (uuid.UUID(int=rnd.getrandbits(128), version=4), task, kind, rnd.choice(usccs), rnd.choice(DISTRICTS),
            rnd.choice(("entry_code", "emergency", "backfilled")), "completed", started, started,
            rnd.random() < 0.1, depts, [], "[]", [], "bench")  # fmt: skip


VISIT_COLUMNS = (
    "visit_id", "task_id", "task_kind", "uscc", "district_code", "mode", "status", "started_at", "recorded_at",
    "requested_by_enterprise", "dept_codes", "cert_nos", "officers", "item_codes", "started_by",
)  # fmt: skip


async def _old(
    session: object, scope: object, year: int, policy: FrequencyPolicy
) -> list[frequency.CapExcess]:
    records = await visit_repo.visit_records(session, [year], scope)  # type: ignore[arg-type]
    return frequency.enterprises_above_cap(records, year, policy)


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_tally_gives_what_main_algorithm_gives(stack: Stack, seed: int) -> None:
    url = await stack.anew_database("inspection")
    rnd = random.Random(seed)
    usccs = [province.uscc_of(PLAN, i) for i in range(12)]  # few enterprises: many over a cap
    conn = await asyncpg.connect(_dsn(url))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
        placeholders = ", ".join(f"${i + 1}" for i in range(len(VISIT_COLUMNS)))
        insert = f"INSERT INTO visit ({', '.join(VISIT_COLUMNS)}) VALUES ({placeholders})"
        await conn.executemany(insert, [_random_visit(rnd, usccs) for _ in range(250)])
        # many visits in one statement (VALUES and COPY: a trigger per statement would have to sum them per key)
        many = [_random_visit(rnd, usccs) for _ in range(50)]
        rows = ", ".join(
            f"({', '.join(f'${i * len(VISIT_COLUMNS) + j + 1}' for j in range(len(VISIT_COLUMNS)))})"
            for i in range(len(many))
        )
        await conn.execute(
            f"INSERT INTO visit ({', '.join(VISIT_COLUMNS)}) VALUES {rows}", *(v for row in many for v in row)
        )
        await conn.copy_records_to_table(
            "visit", records=[_random_visit(rnd, usccs) for _ in range(100)], columns=VISIT_COLUMNS
        )
        ids = [r["visit_id"] for r in await conn.fetch("SELECT visit_id FROM visit ORDER BY visit_id")]
        await conn.execute("DELETE FROM visit WHERE visit_id = ANY($1)", ids[:40])
        # one statement moving visits across months and years (China time) and back
        for hours in (30 * 24, -30 * 24 - 5):
            await conn.execute(
                "UPDATE visit SET started_at = started_at + make_interval(hours => $2) WHERE visit_id = ANY($1)",
                ids[100:130], hours,
            )  # fmt: skip
        for visit_id in ids[40:100]:  # changes the trigger must follow (a correction by an administrator)
            await conn.execute(
                "UPDATE visit SET task_kind = $2, requested_by_enterprise = NOT requested_by_enterprise,"
                " started_at = started_at + make_interval(hours => $3), dept_codes = $4 WHERE visit_id = $1",
                visit_id, rnd.choice(KINDS), rnd.randrange(-12, 12), rnd.sample(province.DEPARTMENTS[:3], 2),
            )  # fmt: skip
        await conn.execute("UPDATE visit SET status = 'completed', reason = 'x'")  # no change to the counts
        # the tally the trigger kept is the one the migration's set-based back-fill computes
        kept = await conn.fetch("SELECT * FROM visit_cap_tally WHERE (random_n, joint_n, complaint_n, key_area_n)"
                                " <> (0, 0, 0, 0) ORDER BY year, uscc, dept_code")  # fmt: skip
        await conn.execute(province_inspection.REBUILD_TALLY)
        rebuilt = await conn.fetch("SELECT * FROM visit_cap_tally ORDER BY year, uscc, dept_code")
        assert [tuple(r) for r in kept] == [tuple(r) for r in rebuilt]
    finally:
        await conn.close()

    engine = create_engine(url, pool_size=1)
    scopes = [
        scope_for(Principal(sub="t", role="supervisor", scope="city")),
        scope_for(Principal(sub="t", role="supervisor", scope=DISTRICTS[0])),
    ]
    policies = [
        FrequencyPolicy(),
        FrequencyPolicy(
            per_department_cap=2, enterprise_total_cap=3, exempt_kinds=frozenset({TaskKind.COMPLAINT})
        ),
        FrequencyPolicy(per_department_cap=None, enterprise_total_cap=2),
    ]
    compared = 0
    try:
        async with transaction(session_factory(engine)) as s:
            for scope in scopes:
                for policy in policies:
                    for year in (2024, 2025, 2026):
                        old = await _old(s, scope, year, policy)
                        new = frequency.ordered_excess(await cap_repo.over_cap(s, scope, year, policy))
                        assert new == old, (scope, policy, year)
                        compared += len(old)
    finally:
        await engine.dispose()
    assert compared > 50  # the data really has enterprises over the caps


async def test_a_district_reads_only_the_visits_of_enterprises_over_a_cap(stack: Stack) -> None:
    """A district supervisor's over-cap counts the visits of the enterprises the tally puts over a cap in the
    whole city, not every visit of the district: 4,000 enterprises of district 210102 with four visits each in
    2025 (one per department, under both caps) and one with two 双随机 visits by SJ (over SJ's cap of 1)."""
    url = await stack.anew_database("inspection")
    usccs = [province.uscc_of(PLAN, i) for i in range(4001)]
    depts = province.DEPARTMENTS[:4]
    day = datetime(2025, 3, 1, 2, tzinfo=UTC)

    def visit(n: int, uscc: str, dept: str) -> tuple[object, ...]:
        started = day + timedelta(days=n % 300, seconds=n)
        task = province_inspection.task_id("random", 1, "2101", dept)  # PLAN's year 1 is 2025
        return (uuid.UUID(int=n + 1, version=4), task, "random", uscc, DISTRICTS[0], "entry_code", "completed",
                started, started, False, [dept], [], "[]", [], "bench")  # fmt: skip

    rows = [
        visit(4 * i + j, uscc, dept) for i, uscc in enumerate(usccs[:4000]) for j, dept in enumerate(depts)
    ]
    rows += [visit(20_000, usccs[4000], "SJ"), visit(20_001, usccs[4000], "SJ")]
    conn = await asyncpg.connect(_dsn(url))
    try:
        await province_inspection.departments_and_tasks(conn, PLAN)
        await conn.copy_records_to_table("visit", records=rows, columns=VISIT_COLUMNS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()

    read = (
        "SELECT sum(pg_stat_get_xact_tuples_fetched(i.inhrelid) + pg_stat_get_xact_tuples_returned(i.inhrelid))"
        " FROM pg_inherits i WHERE i.inhparent = 'visit'::regclass"
    )
    engine = create_engine(url, pool_size=1)
    district = scope_for(Principal(sub="t", role="supervisor", scope=DISTRICTS[0]))
    try:
        async with transaction(session_factory(engine)) as s:
            before = (await s.execute(sa.text(read))).scalar_one()
            excess = await cap_repo.over_cap(s, district, 2025, FrequencyPolicy())
            after = (await s.execute(sa.text(read))).scalar_one()
    finally:
        await engine.dispose()
    assert excess == [frequency.CapExcess(usccs[4000], "department", "SJ", 2, 1)]
    # the over-cap enterprise's two visits (and what an index scan passes over), not the district's 16,002
    assert after - before <= 20
