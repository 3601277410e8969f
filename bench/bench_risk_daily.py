"""Risk: the daily reclassification, full (as the daily job ran before issue #16) against incremental (only the
enterprises whose signals score differently since the last run), on the data of bench_risk, the day after a
full run, both from the same state in the same run (each in a transaction rolled back after timing)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

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
DATABASE = "bench_risk_daily"
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


# Every class as the run leaves it (but the time it was classified at), summed order-free: equal sums, the same
# classes written.
DIGEST = """SELECT sum(hashtextextended(
    concat_ws('|', uscc, class, score, reasons::text, reason_texts::text, version, changed_on, revision), 0)::numeric)
FROM enterprise_class"""


async def _daily(url: str, *, incremental: bool, days_later: int) -> tuple[float, int, int, str]:
    """(seconds, enterprises reclassified, classes written, digest of the classes) of one daily run, rolled back
    afterwards."""
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
            digest = str(await s.scalar(sa.text(DIGEST)))
            figures = (elapsed, int(run.enterprises or 0), int(run.written or 0), digest)
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
            out += [
                "-- the classification statement for the candidates",
                *await _statement_plan(s, since),
                "",
            ]
    finally:
        await engine.dispose()
    return "\n".join(out)


async def _statement_plan(s: AsyncSession, since: datetime) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the daily run's classification statement one day later, for its candidates
    (the arrays of USCCs in the plan shortened), rolled back to a savepoint; the second, warm, is shown."""
    from services.common.events import json_time
    from services.risk.domain import classes as class_rules
    from services.risk.repository import classes as class_repo
    from services.risk.settings import RiskSettings, read_config

    clock.set_offset(timedelta(days=1))
    try:
        version = read_config(RiskSettings()).in_effect(clock.today())
        last = await class_repo.last_run(s, version.version)
        assert last is not None
        ranges = class_rules.changed_ranges(version.classes, last.run_on, clock.today())
        usccs = await class_repo.changed_candidates(s, ranges, seen_since=since)
        now = clock.now()
        sql, params = class_repo.classification_statement(
            config=version.classes,
            version=version.version,
            today=clock.today(),
            at=now,
            at_text=json_time(now),
            request_id=None,
            usccs=usccs,
        )
        for _ in range(2):
            await s.execute(sa.text("SAVEPOINT plan"))
            rows = (await s.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params)).all()
            await s.execute(sa.text("ROLLBACK TO SAVEPOINT plan"))
    finally:
        clock.reset()
    return [
        f"{len(usccs):,} candidates",
        *(re.sub(r"'\{[^}]*\}'::text\[\]", "'{…}'::text[]", r[0]) for r in rows),
    ]


def _child(url: str, days_later: int, incremental: bool) -> None:
    """One daily run in this interpreter, as JSON on stdout (``_daily_in``)."""
    import services

    seconds, examined, written, digest = asyncio.run(
        _daily(url, incremental=incremental, days_later=days_later)
    )
    out = {"code": services.__file__, "seconds": seconds, "examined": examined, "written": written}
    print(json.dumps({**out, "digest": digest}))


Result = tuple[float, int, int, str]


def _daily_in(code: Path | None, url: str, *, incremental: bool) -> Result:
    """A daily run (one day later) in a fresh interpreter running ``code`` (None: this tree; a baseline's tree
    otherwise, first on ``PYTHONPATH``), checked to have imported that code."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": f"{code}:{root}" if code else str(root)}
    args = [sys.executable, __file__, "--child", url, "1", "incremental" if incremental else "full"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = (code or root) / "services" / "__init__.py"
    if Path(result["code"]).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return float(result["seconds"]), int(result["examined"]), int(result["written"]), str(result["digest"])


def _head(code: Path) -> str:
    """The head of the risk migrations in ``code``'s tree: the revision no other one revises."""
    found = {}
    for path in (code / "services" / "risk" / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        rev = re.search(r'^revision: str = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision: str \| None = "([^"]+)"', text, re.M)
        if rev:
            found[rev.group(1)] = down.group(1) if down else None
    heads = set(found) - set(found.values())
    assert len(heads) == 1, heads
    return heads.pop()


class Schema:
    """The risk schema each code ran with: the baseline's measured on its own migrations' head (e.g. without this
    tree's indexes), this tree's on its own; switched (not timed) only when the other code runs next. A switch
    that changes ``enterprise_class``'s storage parameters (risk_0017's fillfactor, which applies to pages filled
    after it) rewrites the table (``VACUUM FULL``, untimed): each code measured on the pages its migrations lay
    out."""

    def __init__(self, pg: EmbeddedPostgres, url: str, old_code: Path | None) -> None:
        self.pg, self.url, self.old_head = pg, url, _head(old_code) if old_code else None
        self.current = "new"
        self.rewrites: list[float] = []  # seconds of each VACUUM FULL

    def _options(self) -> str:
        return self.pg.psql("SELECT reloptions FROM pg_class WHERE relname = 'enterprise_class'", DATABASE)

    def use(self, label: str) -> None:
        if label == self.current or self.old_head is None:
            return
        options = self._options()
        if label == "old":
            migrate.downgrade("risk", self.url, self.old_head)
        else:
            migrate.upgrade("risk", self.url)
        if self._options() != options:
            started = time.perf_counter()
            self.pg.psql("VACUUM FULL enterprise_class", DATABASE)
            self.rewrites.append(time.perf_counter() - started)
            self.pg.psql("VACUUM ANALYZE enterprise_class", DATABASE)
        self.current = label


def run(quick: bool = False) -> str:
    n = 100_000 if quick else int(os.environ.get("ZHIFA_BENCH_RISK_DAILY_N", "1000000"))
    runs = 1 if quick else 3
    # the full runs are measured in the first repetitions only (at 5 M each takes minutes)
    full_runs = min(runs, int(os.environ.get("ZHIFA_BENCH_RISK_DAILY_FULL_RUNS", "1")))
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
        pg.psql("VACUUM ANALYZE", "bench_risk_daily")  # as autovacuum leaves the tables in the day between
        if plans_to := os.environ.get("ZHIFA_BENCH_RISK_DAILY_PLANS"):
            Path(plans_to).write_text(asyncio.run(_plans(url)))
        schema = Schema(pg, url, old_code)
        results: dict[str, list[Result]] = {"old": [], "new": [], "full old": [], "full new": []}
        loads = []
        for i in range(runs):  # old and new alternate, each first in every other repetition
            kinds = ("incremental", "full") if i < full_runs else ("incremental",)
            for label in ("old", "new") if i % 2 == 0 else ("new", "old"):
                if label == "old" and old_code is None:
                    continue
                schema.use(label)
                for kind in kinds:
                    key = label if kind == "incremental" else f"full {label}"
                    results[key].append(
                        _daily_in(
                            old_code if label == "old" else None, url, incremental=kind == "incremental"
                        )
                    )
            loads.append(baseline.load())
    finally:
        pg.stop("fast")
        if os.environ.get("ZHIFA_BENCH_KEEP"):  # for EXPLAIN by hand; remove it after, the disk is shared
            print(f"data kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)  # the disk is shared
    inc, full = results["new"], results["full new"]
    everything = [r for rs in results.values() for r in rs]
    assert len({(r[2], r[3]) for r in everything}) == 1, results  # every run writes the same classes

    def row(label: str, rs: list[Result]) -> str:
        seconds = [r[0] for r in rs]
        return (
            f"| {label} | {median(seconds):.2f} | {', '.join(f'{x:.2f}' for x in seconds)} | "
            f"{rs[-1][1]:,} | {rs[-1][2]:,} |"
        )

    measured = inc[-1][1] / n
    rows = []
    if results["full old"]:
        rows.append(row(f"full, before (`{ref}`)", results["full old"]))
    rows.append(row("full, after (this tree)", full))
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
        "day's daily run, full and incremental "
        "(`use_cases.classes.execute_run(incremental=True)`: only the enterprises with a signal scoring "
        "differently since the last run, `domain/classes.py` `changed_ranges`, plus those never classified: "
        "this tree looks for them among the enterprises first seen since a day before the last run only), "
        f"the baseline's code (`ZHIFA_BENCH_BASELINE={ref or ''}`) and this tree's alternating in fresh "
        f"interpreters, all from the same state, each in a transaction rolled back after timing. Medians of "
        f"{runs} run(s) (full: {full_runs}); each code ran with its own risk migrations (the baseline's with "
        "its head, `Schema`; switched untimed); load average (1/5/15 min) after each pair: "
        f"{'; '.join(loads)}.",
        "",
        "| daily run, one day later | seconds (median) | runs | enterprises reclassified | classes written |",
        "|---|---:|---|---:|---:|",
        *rows,
        "",
        f"{measured:.1%} of the enterprises were candidates. All runs write the same classes "
        "(the same sum of the hashes of every class, `DIGEST`; "
        "tests/risk/domain/test_incremental_classes.py checks the incremental result against a full "
        "recomputation).",
    ]
    if schema.rewrites:
        lines.append(
            f"`enterprise_class` rewritten at each switch of its fillfactor (`VACUUM FULL`, untimed): "
            f"{', '.join(f'{x:.1f}' for x in schema.rewrites)} s."
        )
    if results["old"]:
        ratio = median([r[0] for r in results["old"]]) / median([r[0] for r in inc])
        full_ratio = median([r[0] for r in results["full old"]]) / median([r[0] for r in full])
        lines.append(f"Before / after: incremental {ratio:.2f}×, full {full_ratio:.2f}×.")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "incremental")
    else:
        print(run(quick="--quick" in sys.argv))
