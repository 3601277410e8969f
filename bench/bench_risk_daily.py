"""Risk: the daily reclassification, full (as the daily job ran before issue #16) against incremental (only the
enterprises whose signals score differently since the last run), on the data of bench_risk, the day after a
full run, both from the same state in the same run (each in a transaction rolled back after timing)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import baseline
from bench.bench_risk import _generate
from bench.common import median
from services.common import clock, migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedPostgres, free_port

# The generator registers every enterprise within a minute; a city's were registered over years. Their first
# sight is spread over the ten years before the day before yesterday (the daily run looks for never-classified
# enterprises only among those first seen lately, services/risk/use_cases/classes.py NEW_ENTERPRISE_MARGIN).
BACKDATE = (
    "UPDATE risk_enterprise SET first_seen_at = now() - interval '2 days' - random() * interval '3650 days'"
)
# After the full run, a bulk intake registers 0.1 % more enterprises without classifying them (as only a bulk or
# seed insert can): the daily run must find them.
NEW_SHARE = 0.001
REGISTER = """INSERT INTO risk_enterprise (uscc, district_code)
SELECT 'NEW' || lpad(i::text, 15, '0'), '210102' FROM generate_series(1, {count}) i"""
# bench_risk's signal mix makes ~2.5 % of the enterprises the next day's candidates. ZHIFA_BENCH_RISK_DAILY_SHARE
# (e.g. 0.01; unset: the generator's share) asks for fewer: before the full run, every signal of enough of those
# candidates is deleted (chosen by a hash of the USCC), so that the candidates (with the new enterprises) are that
# share of the enterprises.
SHARE_VARIABLE = "ZHIFA_BENCH_RISK_DAILY_SHARE"
SIGNAL_TABLES = {
    "risk_case": "party_uscc",
    "risk_publication_signal": "uscc",
    "risk_violation_signal": "uscc",
    "complaint_lead": "uscc",
    "risk_repair_signal": "uscc",
}


async def _thin(url: str, n: int, share: float) -> None:
    """Delete every signal of enough of tomorrow's candidates that ``share`` of the ``n`` enterprises (with the
    ``NEW_SHARE`` registered unclassified) are candidates the day after the full run."""
    from services.risk.domain import classes as class_rules
    from services.risk.repository import classes as class_repo
    from services.risk.settings import RiskSettings, read_config

    day = clock.today()
    version = read_config(RiskSettings()).in_effect(day)
    ranges = class_rules.changed_ranges(version.classes, day, day + timedelta(days=1))
    signals = "\nUNION\n".join(class_repo._signal_candidates_sql(ranges))
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            await s.execute(sa.text(f"CREATE TEMP TABLE bench_candidate AS {signals}"))
            found = int(await s.scalar(sa.text("SELECT count(*) FROM bench_candidate")) or 0)
            wanted = max(0.0, share * n - max(1, int(n * NEW_SHARE)))
            keep = min(10_000, int(10_000 * wanted / max(1, found)))  # of 10,000 hash buckets
            await s.execute(
                sa.text("DELETE FROM bench_candidate WHERE abs(hashtext(uscc)) % 10000 < :keep"),
                {"keep": keep},
            )
            for table, column in SIGNAL_TABLES.items():
                await s.execute(
                    sa.text(f"DELETE FROM {table} WHERE {column} IN (SELECT uscc FROM bench_candidate)")
                )
    finally:
        await engine.dispose()


async def _prepare(url: str, n: int) -> str:
    """A full classification today, recorded as a finished run (with the start of its transaction, as
    ``execute_run`` records it), then 0.1 % new enterprises left unclassified; returns the configuration
    version."""
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
                    snapshot_at=sa.func.now(),
                )
            )
        async with transaction(session_factory(engine)) as s:
            await s.execute(sa.text(REGISTER.format(count=max(1, int(n * NEW_SHARE)))))
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


async def _plans(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the daily run's candidate query one day later: the baseline's (every
    enterprise searched for one never classified, the candidates hash-joined to all of them) and this tree's."""
    from services.risk.domain import classes as class_rules
    from services.risk.repository import classes as class_repo
    from services.risk.settings import RiskSettings, read_config
    from services.risk.use_cases import classes

    version = read_config(RiskSettings()).in_effect(clock.today())
    day = clock.today()
    ranges = class_rules.changed_ranges(version.classes, day, day + timedelta(days=1))
    old = f"SELECT c.uscc FROM ({class_repo.changed_candidates_sql(ranges)}) c JOIN risk_enterprise e ON e.uscc = c.uscc"
    new = class_repo.candidates_query_sql(ranges, seen_since=True)
    engine = create_engine(url, pool_size=1)
    out = []
    try:
        async with transaction(session_factory(engine)) as s:
            last = await class_repo.last_run(s, version.version)
            assert last is not None and last.snapshot_at is not None
            since = last.snapshot_at - classes.NEW_ENTERPRISE_MARGIN
            for label, sql, params in (("before", old, {}), ("after", new, {"seen_since": since})):
                for _ in range(2):  # the second, warm, is shown
                    rows = (await s.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params)).all()
                out += [f"-- {label}", *(r[0] for r in rows), ""]
    finally:
        await engine.dispose()
    return "\n".join(out)


def _child(url: str, days_later: int) -> None:
    """One incremental daily run in this interpreter, as JSON on stdout (``_incremental_in``)."""
    import services

    seconds, examined, written = asyncio.run(_daily(url, incremental=True, days_later=days_later))
    print(
        json.dumps({"code": services.__file__, "seconds": seconds, "examined": examined, "written": written})
    )


def _incremental_in(code: Path | None, url: str) -> tuple[float, int, int]:
    """An incremental daily run (one day later) in a fresh interpreter running ``code`` (None: this tree; a
    baseline's tree otherwise, first on ``PYTHONPATH``), checked to have imported that code."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": f"{code}:{root}" if code else str(root)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, "1"], capture_output=True, text=True, check=True, env=env
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = (code or root) / "services" / "__init__.py"
    if Path(result["code"]).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return float(result["seconds"]), int(result["examined"]), int(result["written"])


def run(quick: bool = False) -> str:
    n = 100_000 if quick else int(os.environ.get("ZHIFA_BENCH_RISK_DAILY_N", "1000000"))
    runs = 1 if quick else 3
    share = float(os.environ[SHARE_VARIABLE]) if os.environ.get(SHARE_VARIABLE) else None
    ref = baseline.commit()
    old_code = baseline.tree(ref) if ref else None
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
        pg.psql(BACKDATE, "bench_risk_daily")
        if share is not None:
            asyncio.run(_thin(url, n, share))
            pg.psql("VACUUM ANALYZE", "bench_risk_daily")
        pg.psql("VACUUM ANALYZE risk_enterprise", "bench_risk_daily")
        asyncio.run(_prepare(url, n))
        pg.psql("VACUUM ANALYZE risk_enterprise", "bench_risk_daily")
        if plans_to := os.environ.get("ZHIFA_BENCH_RISK_DAILY_PLANS"):
            Path(plans_to).write_text(asyncio.run(_plans(url)))
        full = [asyncio.run(_daily(url, incremental=False, days_later=1))]
        results: dict[str, list[tuple[float, int, int]]] = {"old": [], "new": []}
        loads = []
        for i in range(runs):  # old and new alternate, each first in every other repetition
            for label in ("old", "new") if i % 2 == 0 else ("new", "old"):
                if label == "old" and old_code is None:
                    continue
                results[label].append(_incremental_in(old_code if label == "old" else None, url))
            loads.append(baseline.load())
    finally:
        pg.stop("fast")
        if os.environ.get(
            "ZHIFA_BENCH_KEEP"
        ):  # for EXPLAIN by hand: remove it afterwards, the disk is shared
            print(f"data kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)  # the disk is shared
    inc = results["new"]
    assert all(full[0][2] == r[2] for r in inc + results["old"]), (full, results)  # the same classes written

    def row(label: str, rs: list[tuple[float, int, int]]) -> str:
        seconds = [r[0] for r in rs]
        return (
            f"| {label} | {median(seconds):.2f} | {', '.join(f'{x:.2f}' for x in seconds)} | "
            f"{rs[-1][1]:,} | {rs[-1][2]:,} |"
        )

    measured = inc[-1][1] / n
    rows = [row("full (new code, once)", full)]
    if results["old"]:
        rows.append(row(f"incremental, before (`{ref}`)", results["old"]))
    rows.append(row("incremental, after (this tree)", inc))
    lines = [
        "## Risk: incremental daily reclassification",
        "",
        f"{n:,} generated enterprises ({penalties:,} penalty signals and the other kinds in bench_risk's mix, "
        f"generated in {generated:.0f} s; first seen over the ten years before, `BACKDATE`"
        + (
            f"; every signal of enough of the next day's candidates deleted for {share:.1%} of the enterprises "
            f"to be candidates, `{SHARE_VARIABLE}={share}`"
            if share is not None
            else ""
        )
        + "), durable "
        "PostgreSQL; a full classification today recorded as a finished run, then "
        f"{max(1, int(n * NEW_SHARE)):,} enterprises registered unclassified (a bulk intake), then the next "
        "day's daily run: once full, then incremental "
        "(`use_cases.classes.execute_run(incremental=True)`: only the enterprises with a signal scoring "
        "differently since the last run, `domain/classes.py` `changed_ranges`, plus those never classified: "
        "this tree looks for them among the enterprises first seen since a day before the last run only), "
        f"the baseline's code (`ZHIFA_BENCH_BASELINE={ref or ''}`) and this tree's alternating in fresh "
        f"interpreters, all from the same state, each in a transaction rolled back after timing. Medians of "
        f"{runs} run(s); load average (1/5/15 min) after each pair: {'; '.join(loads)}.",
        "",
        "| daily run, one day later | seconds (median) | runs | enterprises reclassified | classes written |",
        "|---|---:|---|---:|---:|",
        *rows,
        "",
        f"{measured:.1%} of the enterprises were candidates. All runs write the same classes "
        "(tests/risk/domain/test_incremental_classes.py checks the incremental result against a full "
        "recomputation).",
    ]
    if results["old"]:
        ratio = median([r[0] for r in results["old"]]) / median([r[0] for r in inc])
        lines.append(f"Before / after: {ratio:.2f}×.")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]))
    else:
        print(run(quick="--quick" in sys.argv))
