"""Risk: the daily reclassification, full (as the daily job ran before issue #16) against incremental (only the
enterprises whose signals score differently since the last run), on the data of bench_risk, the day after a
full run, both from the same state in the same run (each in a transaction rolled back after timing)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bench import baseline
from bench.bench_risk import _generate
from bench.common import median
from services.common import clock, migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedPostgres, free_port


async def _prepare(url: str) -> str:
    """A full classification today, recorded as a finished run; returns the configuration version."""
    from services.risk.models import ClassificationRun
    from services.risk.settings import RiskSettings, read_config
    from services.risk.use_cases import classes

    config = read_config(RiskSettings())
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            await classes.classify_enterprises(s, config=config)
            version = config.in_effect(clock.today()).version
            s.add(
                ClassificationRun(
                    id=uuid.uuid4(),
                    kind="daily",
                    run_on=clock.today(),
                    status="done",
                    requested_by="bench",
                    config_version=version,
                )
            )
        return version
    finally:
        await engine.dispose()


async def _daily(url: str, *, incremental: bool, days_later: int) -> tuple[float, int, int]:
    """(seconds, enterprises reclassified, classes written) of one daily run, rolled back afterwards."""
    from services.risk.models import ClassificationRun
    from services.risk.settings import RiskSettings, read_config
    from services.risk.use_cases import classes

    config = read_config(RiskSettings())
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    clock.set_offset(timedelta(days=days_later))
    run_id = uuid.uuid4()
    try:
        async with factory() as s:
            s.add(
                ClassificationRun(
                    id=run_id, kind="daily", run_on=clock.today(), status="running", requested_by="bench"
                )
            )
            await s.flush()
            started = time.perf_counter()
            await classes.execute_run(s, run_id=run_id, config=config, incremental=incremental)
            await s.flush()
            elapsed = time.perf_counter() - started
            run = await s.get_one(ClassificationRun, run_id)
            figures = (elapsed, int(run.enterprises or 0), int(run.written or 0))
            await s.rollback()
        return figures
    finally:
        clock.reset()
        await engine.dispose()


def run(quick: bool = False) -> str:
    n = 100_000 if quick else int(os.environ.get("ZHIFA_BENCH_RISK_DAILY_N", "1000000"))
    runs = 1 if quick else 3
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-risk-daily-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    try:
        pg.psql('CREATE DATABASE "bench_risk_daily"')
        url = pg.dsn("bench_risk_daily", driver="postgresql+asyncpg")
        migrate.upgrade("risk", url)
        started = time.perf_counter()
        penalties = asyncio.run(_generate(url, n))
        generated = time.perf_counter() - started
        asyncio.run(_prepare(url))
        full: list[tuple[float, int, int]] = []
        inc: list[tuple[float, int, int]] = []
        loads = []
        for _ in range(runs):
            full.append(asyncio.run(_daily(url, incremental=False, days_later=1)))
            inc.append(asyncio.run(_daily(url, incremental=True, days_later=1)))
            loads.append(baseline.load())
    finally:
        pg.stop("fast")
    assert all(f[2] == i[2] for f, i in zip(full, inc, strict=True)), (full, inc)  # the same classes written

    def row(label: str, results: list[tuple[float, int, int]]) -> str:
        seconds = [r[0] for r in results]
        return (
            f"| {label} | {median(seconds):.1f} | {', '.join(f'{x:.1f}' for x in seconds)} | "
            f"{results[-1][1]:,} | {results[-1][2]:,} |"
        )

    share = inc[-1][1] / n
    return "\n".join(
        [
            "## Risk: incremental daily reclassification",
            "",
            f"{n:,} generated enterprises ({penalties:,} penalty signals and the other kinds in bench_risk's mix, "
            f"generated in {generated:.0f} s), durable PostgreSQL; a full classification today recorded as a "
            "finished run, then the next day's daily run, full (what the daily job did before) and incremental "
            "(`use_cases.classes.execute_run(incremental=True)`: only the enterprises with a signal scoring "
            "differently since the last run, `domain/classes.py` `changed_ranges`), alternating from the same "
            f"state, each in a transaction rolled back after timing. Medians of {runs} run(s); load average "
            f"(1/5/15 min) after each pair: {'; '.join(loads)}.",
            "",
            "| daily run, one day later | seconds (median) | runs | enterprises reclassified | classes written |",
            "|---|---:|---|---:|---:|",
            row("full (before)", full),
            row("incremental (after)", inc),
            "",
            f"Incremental / full: {median([r[0] for r in inc]) / median([r[0] for r in full]):.2f} of the time; "
            f"{share:.1%} of the enterprises were candidates. Both write the same classes "
            "(tests/risk/domain/test_incremental_classes.py checks the incremental result against a full "
            "recomputation).",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in __import__("sys").argv))
