"""The unit quarter tally's triggers (issue #16 item 6): risk_0020's row triggers against risk_0021's statement-level
triggers and ``ix_unit_signal_case_domainless``, on the same signals, alternating in the same run.

1. A decided case projected into risk (one single-row INSERT in its own transaction, as the consumer writes it),
   with a province's non-visit signals in ``unit_signal``: risk_0020's case trigger looked up the case's
   domain-less signals by ``case_id``, which had no index.
2. One statement of many cases of one unit, domain and quarter (the sample loader's and the generators' shape):
   risk_0020 rewrote the same tally row once per case in one transaction.

Old: the risk schema migrated down to ``risk_0020_quarter_tally``; new: up to ``risk_0021_tally_statements``.
A record of that change: it is run only when named (bench/run.py ``RECORDS``), and its section stays as
measured. Sizes: ``ZHIFA_BENCH_TALLY_SIGNALS`` (default 3,000,000 non-visit signals, about a province's: 37 M
signals, nine in ten of them visits).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

import asyncpg  # noqa: E402

from bench.common import local_servers  # noqa: E402
from services.common import migrate  # noqa: E402

OLD, NEW = "risk_0020_quarter_tally", "risk_0021_tally_statements"
LABELS = {
    OLD: "risk_0020 (row triggers, no index on case_id)",
    NEW: "risk_0021 (statement triggers, the index)",
}

# N non-visit signals over 2,000 units and ~3 years; a third without a domain, half on one of 1,000,000 cases
SIGNALS = """
INSERT INTO unit_signal (kind, ref, unit_code, domain, case_id, occurred_at, occurred_on, value)
SELECT (ARRAY['refused_entry', 'rating', 'overdue_procedure', 'overdue_matter'])[1 + i % 4], 'r' || i,
       'U-' || (i % 2000), CASE WHEN i % 3 = 0 THEN NULL ELSE '生态环境' END,
       CASE WHEN i % 2 = 0 THEN md5('c' || (i % 1000000))::uuid END,
       DATE '2024-01-01' + (i % 1000), DATE '2024-01-01' + (i % 1000), 1 + i % 5
FROM generate_series(1, $1::int) i
"""
ONE_CASE = (
    "INSERT INTO risk_case (case_id, unit_code, domain, decided_on, status, issued_revision, outside_tier)"
    " VALUES (md5('c' || $1::text)::uuid, 'U-1', '城市管理', '2026-08-01', 'issued', 1, false)"
)
MANY_CASES = (
    "INSERT INTO risk_case (case_id, unit_code, domain, decided_on, status, issued_revision, outside_tier)"
    " SELECT gen_random_uuid(), 'U-7', '城市管理', DATE '2026-07-01' + i % 90, 'issued', 1, i % 8 = 0"
    " FROM generate_series(1, $1::int) i"
)


async def _load(dsn: str, signals: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER TABLE unit_signal DISABLE TRIGGER USER")  # the tally is not measured here
        await conn.execute(SIGNALS, signals)
        await conn.execute("ALTER TABLE unit_signal ENABLE TRIGGER USER")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _one_by_one(dsn: str, first: int, count: int) -> float:
    """Median ms of ``count`` single-row case inserts, each its own transaction (even numbers have signals)."""
    conn = await asyncpg.connect(dsn)
    try:
        times = []
        for k in range(first, first + count):
            started = time.perf_counter()
            await conn.execute(ONE_CASE, str(k))
            times.append((time.perf_counter() - started) * 1000)
        await conn.execute("DELETE FROM risk_case")
        return statistics.median(times)
    finally:
        await conn.close()


async def _one_statement(dsn: str, cases: int) -> float:
    """Seconds of one INSERT of ``cases`` cases of one unit, domain and quarter."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await conn.execute(MANY_CASES, cases)
        took = time.perf_counter() - started
        await conn.execute("DELETE FROM risk_case")
        return took
    finally:
        await conn.close()


def run(quick: bool = False) -> str:
    signals = int(os.environ.get("ZHIFA_BENCH_TALLY_SIGNALS", 300_000 if quick else 3_000_000))
    rounds, count, many = (1, 20, 2_000) if quick else (3, 100, 20_000)
    single: dict[str, list[float]] = {OLD: [], NEW: []}
    statement: dict[str, list[float]] = {OLD: [], NEW: []}
    loads: list[float] = []
    with local_servers("zhifa-bench-tally-") as (_root, pg, _nats):
        pg.psql("CREATE DATABASE risk")
        url, dsn = pg.dsn("risk", driver="postgresql+asyncpg"), pg.dsn("risk")
        migrate.upgrade("risk", url, NEW)

        def each(measure: Callable[[int], float], into: dict[str, list[float]]) -> None:
            for r in range(rounds):
                for revision in (OLD, NEW) if r % 2 == 0 else (NEW, OLD):
                    if revision == OLD:
                        migrate.downgrade("risk", url, OLD)
                    else:
                        migrate.upgrade("risk", url, NEW)
                    loads.append(os.getloadavg()[0])
                    into[revision].append(measure(r))

        # the statement first, on no signals: the tally's writes alone (with signals each old case also reads them)
        each(lambda _r: asyncio.run(_one_statement(dsn, many)), statement)
        migrate.upgrade("risk", url, NEW)
        started = time.perf_counter()
        asyncio.run(_load(dsn, signals))
        loaded = time.perf_counter() - started
        each(lambda r: asyncio.run(_one_by_one(dsn, 2 * count * r, count)), single)

    def row(label: str, old: list[float], new: list[float], unit: str) -> str:
        o, n = statistics.median(old), statistics.median(new)
        return (
            f"| {label} | {o:.2f} {unit} ({', '.join(f'{v:.2f}' for v in old)}) |"
            f" {n:.2f} {unit} ({', '.join(f'{v:.2f}' for v in new)}) | {o / n:.0f}x |"
        )

    return "\n".join(
        [
            "## Quarter tally: a projected case and a statement of cases (issue #16 item 6)",
            "",
            f"`bench/bench_quarter_tally.py`, a record of one change (run only when named): {signals:,} non-visit",
            f"unit signals (generated in {loaded:.0f} s), the risk schema at {OLD} and at {NEW}, alternating,",
            f"{rounds} rounds; load average {min(loads):.1f}-{max(loads):.1f} on the shared machine. Old:",
            f"{LABELS[OLD]}; new: {LABELS[NEW]}.",
            "",
            "| write | old, median (runs) | new, median (runs) | old / new |",
            "|---|---:|---:|---:|",
            row(f"one projected case, median of {count} single-row inserts", single[OLD], single[NEW], "ms"),
            row(
                f"one statement of {many:,} cases of one unit and quarter, no signals",
                statement[OLD],
                statement[NEW],
                "s",
            ),
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
