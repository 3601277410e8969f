"""The quarterly report's counts from ``unit_quarter_tally`` (risk_0020, issue #16 item 6) equal the counts read
from the cases and signals themselves, on a generated province whose cases and signals are then changed,
deleted and written out of order through SQL (the triggers keep the tally); and the back-fill (one statement,
as bench/province_inspection.py builds it after a load) writes the rows the triggers kept."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import asyncpg

from bench import province, province_inspection
from services.common.db import create_engine, session_factory, transaction
from services.risk.domain.report import Quarter
from services.risk.repository import reports as report_repo
from tests.support.stack import Stack

# 600 enterprises over two calendar years up to 2026-06-30: 2025Q1 … 2026Q2
PLAN = province.Plan(enterprises=600, cities=2, years=2, seed=11, until=date(2026, 6, 30))
QUARTERS = [Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3), Quarter(2025, 4), Quarter(2026, 1),
            Quarter(2026, 2)]  # fmt: skip


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _mutate(conn: asyncpg.Connection, rnd: random.Random) -> None:
    """Cases and signals changed the ways the projections change them, and some the ways they never do."""
    cases = [r["case_id"] for r in await conn.fetch("SELECT case_id FROM risk_case ORDER BY case_id")]
    units = [r["code"] for r in await conn.fetch("SELECT code FROM risk_unit ORDER BY code")]
    # signals without a domain of their own, on cases (their case's domain counts), some written before the case
    early = uuid.UUID(int=rnd.getrandbits(128), version=4)
    for n in range(120):
        case_id = early if n % 10 == 0 else rnd.choice(cases)
        day = date(2025, 1, 1) + timedelta(days=rnd.randrange(540))
        kind = rnd.choice(
            ("overdue_procedure", "rating", "refused_entry", "overdue_matter", "overdue_follow_up")
        )
        value = rnd.choice((None, 1, 2, 3, 5))
        await conn.execute(
            "INSERT INTO unit_signal (kind, ref, unit_code, domain, case_id, occurred_at, occurred_on, value)"
            " VALUES ($1, $2, $3, NULL, $4, $5::date::timestamptz, $5, $6)",
            kind, f"t{n}", rnd.choice(units), case_id, day, value,
        )  # fmt: skip
    # the early signals' case arrives, issued, with a domain
    await conn.execute(
        "INSERT INTO risk_case (case_id, unit_code, domain, decided_on, status, issued_revision, outside_tier)"
        " VALUES ($1, $2, '生态环境', '2025-05-05', 'issued', 1, true)",
        early, units[0],
    )  # fmt: skip
    for case_id in rnd.sample(cases, 40):  # domains changed, to another and to none
        await conn.execute(
            "UPDATE risk_case SET domain = $2 WHERE case_id = $1", case_id, rnd.choice((None, "城市管理"))
        )
    for case_id in rnd.sample(cases, 30):  # revoked before issue, moved to another unit and day, re-rated
        await conn.execute(
            "UPDATE risk_case SET issued_revision = CASE WHEN $2 THEN NULL ELSE issued_revision END,"
            " unit_code = $3, decided_on = decided_on + $4::int, outside_tier = NOT outside_tier WHERE case_id = $1",
            case_id, rnd.random() < 0.3, rnd.choice(units), rnd.randrange(-60, 60),
        )  # fmt: skip
    await conn.execute("DELETE FROM risk_case WHERE case_id = ANY($1::uuid[])", rnd.sample(cases, 20))
    await conn.execute(
        "UPDATE unit_signal SET value = CASE WHEN value IS NULL THEN 1 ELSE NULL END,"
        " occurred_on = occurred_on + 45 WHERE kind <> 'visit' AND ref LIKE 't%' AND value IS DISTINCT FROM 3"
    )
    await conn.execute("UPDATE unit_signal SET domain = '交通运输' WHERE ref IN ('t1', 't2', 't3')")
    await conn.execute("DELETE FROM unit_signal WHERE kind = 'rating' AND value = 1")


async def test_the_tally_counts_what_the_cases_and_signals_count(stack: Stack) -> None:
    inspection_url = await stack.anew_database("inspection")
    risk_url = await stack.anew_database("risk")
    # every trigger firing for each case and signal written
    await province_inspection.generate(
        PLAN, inspection_url=inspection_url, risk_url=risk_url, set_based=False
    )
    conn = await asyncpg.connect(_dsn(risk_url))
    try:
        await _mutate(conn, random.Random(5))
        kept = await conn.fetch("SELECT * FROM unit_quarter_tally ORDER BY quarter, unit_code, domain")
        await conn.execute("TRUNCATE unit_quarter_tally")
        await conn.execute(province_inspection.quarter_tally_backfill())
        rebuilt = await conn.fetch("SELECT * FROM unit_quarter_tally ORDER BY quarter, unit_code, domain")
        # the back-fill writes what the triggers kept, zero rows aside (a count moved away leaves one)
        nonzero = [tuple(r) for r in kept if any(r[k] for k in range(3, 10))]
        assert nonzero == [tuple(r) for r in rebuilt if any(r[k] for k in range(3, 10))]
    finally:
        await conn.close()

    engine = create_engine(risk_url, pool_size=1)
    try:
        counted = 0
        for quarter in QUARTERS:
            async with transaction(session_factory(engine)) as s:
                tally = await report_repo.quarter_counts(s, quarter.first_day, quarter.last_day)
                live = await report_repo.live_quarter_counts(s, quarter.first_day, quarter.last_day)
            assert tally == live, quarter
            counted += sum(
                c.figures.decisions + c.figures.low_ratings + c.figures.overdue_procedures for c in live
            )
        # the quarters hold the province's decisions (180 over two years, 600 × 2 × 2 × 0.15, less the
        # deleted and un-issued ones) and the signals: something was compared
        assert counted > 100
    finally:
        await engine.dispose()


async def _tally_writes(conn: asyncpg.Connection) -> int:
    """Rows inserted and updated in ``unit_quarter_tally`` by this transaction so far."""
    return int(
        await conn.fetchval(
            "SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'unit_quarter_tally'"
        )
    )


async def test_a_statement_of_many_cases_writes_each_tally_row_once(stack: Stack) -> None:
    """risk_0021: one statement's 400 cases of one unit, domain and quarter are one tally write, not 400 (each a
    new version of the same row in one transaction: quadratic)."""
    conn = await asyncpg.connect(_dsn(await stack.anew_database("risk")))
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO risk_case (case_id, unit_code, domain, decided_on, status, issued_revision,"
                " outside_tier) SELECT gen_random_uuid(), 'SJ-210102', '生态环境', DATE '2026-07-01' + (i % 90),"
                " 'issued', 1, i % 8 = 0 FROM generate_series(0, 399) i"
            )
            # one group (2026Q3: 1 Jul + 0..89 days ends on 28 Sep), so one row inserted and none updated
            assert await _tally_writes(conn) == 1
            row = await conn.fetchrow(
                "SELECT decisions, deviations FROM unit_quarter_tally"
                " WHERE quarter = '2026Q3' AND unit_code = 'SJ-210102' AND domain = '生态环境'"
            )
            # 400 decided cases; outside their tier every eighth: i = 0, 8, …, 392 → 392 / 8 + 1 = 50
            assert (row["decisions"], row["deviations"]) == (400, 50)
            await conn.execute("UPDATE risk_case SET domain = '城市管理' WHERE outside_tier")
            # the 50 move: one update of the old group, one insert of the new
            assert await _tally_writes(conn) == 3
            rows = await conn.fetch(
                "SELECT domain, decisions, deviations FROM unit_quarter_tally ORDER BY domain"
            )
            assert [tuple(r) for r in rows] == [("城市管理", 50, 50), ("生态环境", 350, 0)]
    finally:
        await conn.close()


async def test_a_case_finds_its_signals_without_a_domain_by_their_index(stack: Stack) -> None:
    """risk_0021: a case's insert looks up its domain-less signals by ``ix_unit_signal_case_domainless``; before,
    ``unit_signal.case_id`` had no index and every projected case read all the signals (37 M in a province)."""
    conn = await asyncpg.connect(_dsn(await stack.anew_database("risk")))
    plans: list[str] = []
    conn.add_log_listener(lambda _c, message: plans.append(str(message.message)))
    try:
        case_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO unit_signal (kind, ref, unit_code, domain, case_id, occurred_at, occurred_on, value)"
            " VALUES ('overdue_procedure', 'p1', 'SJ-210102', NULL, $1, '2026-08-03', '2026-08-03', 3)",
            case_id,
        )
        await conn.execute(
            "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;"
            " SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice;"
            " SET enable_seqscan = off"
        )
        await conn.execute(
            "INSERT INTO risk_case (case_id, unit_code, domain, decided_on, status, issued_revision, outside_tier)"
            " VALUES ($1, 'SJ-210102', '生态环境', '2026-08-01', 'issued', 1, false)",
            case_id,
        )
        await conn.execute("SET enable_seqscan = on; SET auto_explain.log_min_duration = -1")
        reads = [p for p in plans if "unit_signal" in p]
        assert reads and all("ix_unit_signal_case_domainless" in p for p in reads), plans
        # the signal's 3 overdue procedures moved from 未分领域 to its case's domain, beside the case itself
        rows = await conn.fetch(
            "SELECT domain, decisions, overdue FROM unit_quarter_tally WHERE quarter = '2026Q3' ORDER BY domain"
        )
        assert [tuple(r) for r in rows] == [("未分领域", 0, 0), ("生态环境", 1, 3)]
    finally:
        await conn.close()
