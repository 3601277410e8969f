"""Consistency report (类案不同罚, SPEC §3.4) over 1,000,000 generated decided cases.

The report is what ``GET /api/v1/penalty/consistency`` runs: three set-based queries over ``decided_case``
(fines outside their tier's range; districts whose median position within a tier's range is off the city's
by more than the margin; same facts decided in different tiers) plus the count. Quality bar (SPEC §8):
≤ 10 s for 1,000,000 cases.

The generated cases: 48 benchmark items × 3 tiers with ranges of different widths, 13 districts (two of them
systematically heavy and light), 200 fact patterns per item whose tier is fixed except for 0.5 % of the
decisions (the same-facts flags), 1 % of fines just outside their tier, 1 % revoked (inactive).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_consistency.py`
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from services.common import migrate, partitions  # noqa: E402
from services.common.access import scope_for  # noqa: E402
from services.common.auth import Principal  # noqa: E402
from services.common.db import create_engine, session_factory, transaction  # noqa: E402
from services.common.embedded import EmbeddedPostgres, free_port  # noqa: E402
from services.penalty.settings import PenaltyContext, PenaltySettings  # noqa: E402
from services.penalty.use_cases.consistency import consistency  # noqa: E402

TARGET_SECONDS = 10.0

GENERATE = """
INSERT INTO decided_case (case_id, dept_code, district_code, benchmark_code, benchmark_version, tier,
                          tier_low_fen, tier_high_fen, fine_fen, has_fine, facts_key, decided_on, active,
                          first_decided_on)
SELECT md5('case' || g.i)::uuid,
       'SJ',
       g.district,
       'SY-SJ-' || lpad(g.item::text, 4, '0'),
       1,
       g.tier,
       g.low,
       g.high,
       CASE
           WHEN g.r1 < 0.005 THEN g.high + 1 + floor(g.r2 * 100)::bigint        -- just above the tier
           WHEN g.r1 < 0.010 THEN greatest(g.low - 1 - floor(g.r2 * 100)::bigint, 0)  -- just below it
           ELSE g.low + floor((g.high - g.low) * power(g.r2, g.skew))::bigint
       END,
       true,
       'k' || g.pattern,
       date '2025-01-01' + CAST(g.i % 640 AS int),
       g.i % 100 <> 0,
       date '2025-01-01' + CAST(g.i % 640 AS int)
FROM (
    SELECT s.i,
           '2101' || lpad((2 + s.i % 13)::text, 2, '0') AS district,
           1 + (s.i / 13) % 48 AS item,
           (s.i * 7919) % 200 AS pattern,
           CASE WHEN random() < 0.005
                THEN (ARRAY['从轻', '一般', '从重'])[1 + floor(random() * 3)::int]
                ELSE (ARRAY['从轻', '一般', '从重'])[1 + ((s.i * 7919) % 200) % 3]
           END AS tier,
           (1 + (s.i / 13) % 48) * 100000::bigint AS low,
           (1 + (s.i / 13) % 48) * 100000::bigint * (2 + (s.i / 13) % 5) AS high,
           random() AS r1,
           random() AS r2,
           CASE 2 + s.i % 13 WHEN 3 THEN 0.6 WHEN 5 THEN 1.6 ELSE 1.0 END AS skew
    FROM generate_series(CAST(1 AS bigint), CAST(:n AS bigint)) AS s(i)
) AS g
"""


async def _report(url: str, n: int, runs: int) -> tuple[float, list[float], dict[str, int]]:
    engine = create_engine(url, pool_size=2)
    factory = session_factory(engine)
    try:
        started = time.perf_counter()
        async with transaction(factory) as s:
            for year in (2025, 2026):  # decided_case is partitioned by year (penalty_0014); past years
                await partitions.ensure_partition(s, "decided_case", date(year, 1, 1))
            await s.execute(sa.text("SELECT setseed(0.2026)"))
            await s.execute(sa.text(GENERATE), {"n": n})
        async with engine.connect() as conn:
            await conn.execute(sa.text("COMMIT"))
            await conn.execute(sa.text("VACUUM ANALYZE decided_case"))
        generated = time.perf_counter() - started
        ctx = PenaltyContext.from_settings(PenaltySettings(database_url=url))
        supervisor = scope_for(Principal(sub="bench", role="supervisor", scope="city"))
        timings: list[float] = []
        totals: dict[str, int] = {}
        for _ in range(runs):
            started = time.perf_counter()
            async with transaction(factory) as s:
                report = await consistency(s, scope=supervisor, ctx=ctx, limit=100)
            timings.append(time.perf_counter() - started)
            totals = {
                "decided": report.decided_cases,
                "outside": report.outside_range_total,
                "position": report.district_position_total,
                "same_facts": report.same_facts_total,
            }
        district = scope_for(Principal(sub="bench", role="supervisor", scope="210103"))
        started = time.perf_counter()
        async with transaction(factory) as s:
            await consistency(s, scope=district, ctx=ctx, limit=100)
        totals["district_ms"] = round((time.perf_counter() - started) * 1000)
        return generated, timings, totals
    finally:
        await engine.dispose()


def run(quick: bool = False) -> str:
    n, runs = (100_000, 2) if quick else (1_000_000, 3)
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-consistency-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    try:
        pg.psql('CREATE DATABASE "consistency"')
        url = pg.dsn("consistency", driver="postgresql+asyncpg")
        migrate.upgrade("penalty", url)
        generated, timings, totals = asyncio.run(_report(url, n, runs))
    finally:
        pg.stop("immediate")
    median = statistics.median(timings)
    verdict = "meets" if median <= TARGET_SECONDS else "MISSES"
    return "\n".join(
        [
            "## Consistency report (类案不同罚)",
            "",
            f"{n:,} generated decided cases in `decided_case` (48 items × 3 tiers, 13 districts, 200 fact "
            "patterns per item; generated in PostgreSQL by `generate_series`, then `VACUUM ANALYZE`), the "
            "report of `GET /api/v1/penalty/consistency` for a city supervisor: three set-based queries and a "
            f"count, {runs} runs, the first one cold.",
            "",
            "| statistic | seconds |",
            "|---|---:|",
            f"| median | {median:.2f} |",
            f"| runs | {', '.join(f'{t:.2f}' for t in timings)} |",
            f"| one district's report (supervisor scoped to 210103) | {totals['district_ms'] / 1000:.2f} |",
            f"| generating the rows (not part of the report) | {generated:.1f} |",
            "",
            f"Flags found: {totals['outside']:,} fines outside their tier, {totals['position']:,} district "
            f"medians off the city's by more than 20 percentage points, {totals['same_facts']:,} fact patterns "
            f"decided in different tiers, over {totals['decided']:,} active decisions.",
            "",
            f"Target ≤ {TARGET_SECONDS:.0f} s for 1,000,000 cases (SPEC §8): {verdict} it"
            + (
                f" ({TARGET_SECONDS / median:.1f}× margin)."
                if quick is False
                else " (quick run: 100,000 cases)."
            ),
        ]
    )


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
