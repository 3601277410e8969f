"""penalty's cases and steps partitioned by China year (issue #16 item 6; penalty_0016_case_parts): opening a
case and deciding it, a case read by id and the list's first page (bench/case_reads.py) at a few hundred
thousand cases over three years, this tree's code on the partitioned tables against a baseline's
(``ZHIFA_BENCH_BASELINE``, e.g. ``main``) on its own schema (penalty taken back to the baseline's head: one
table each), on the same rows, in the same run; and the migration's copy of those rows (down, and up again).

The rows: ``CASES`` (300,000) cases opened evenly over the three China years 2024–2026 (until 5 December
2026), seven departments, each with three steps, by COPY (``case_key`` filled by the migration's trigger)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_case_partitions.py`
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench import baseline, province, province_consistency  # noqa: E402
from services.common import migrate, partitions  # noqa: E402
from services.common.clock import CHINA  # noqa: E402
from services.common.embedded import EmbeddedPostgres, free_port  # noqa: E402

FIRST, UNTIL = datetime(2024, 1, 1, tzinfo=CHINA), datetime(2026, 12, 5, tzinfo=CHINA)
DEPTS = ("SJ", "HB", "JT", "WJ", "YJ", "ZJ", "NY")
CASE_COLUMNS = (
    "id", "case_no", "dept_code", "district_code", "state", "procedure", "source", "party_kind", "party_name",
    "party_uscc", "summary", "decision_no", "decided_on", "opened_by", "opened_at", "updated_at", "revision",
    "domain_case", "details",
)  # fmt: skip
STEP_COLUMNS = ("case_id", "seq", "action", "state", "actor", "actor_role", "at", "events", "case_opened_at")
DOMAIN = json.dumps({"summary": "基准测试案件", "state": "decided", "steps": ["file", "assess", "decide"]})


async def generate(url: str, n: int, seed: int = 16, chunk: int = 50_000) -> float:
    """``n`` cases and 3 steps each by COPY (the years' partitions first); seconds taken."""
    rnd = random.Random(seed)
    span = (UNTIL - FIRST).total_seconds()
    started = time.perf_counter()
    conn = await asyncpg.connect(province._dsn(url))
    try:
        for table in ("penalty_case", "case_step"):
            spec = partitions.spec_of(table)
            for start in partitions.periods(spec, FIRST.date(), UNTIL.date()):
                await conn.execute(
                    "SELECT zhifa_create_partition($1::regclass, $2, $3, $4)",
                    *partitions.create_params(spec, start).values(),
                )
        for lo in range(0, n, chunk):
            cases, steps = [], []
            for i in range(lo, min(lo + chunk, n)):
                at = FIRST + timedelta(seconds=rnd.random() * span)
                dept = DEPTS[i % len(DEPTS)]
                case_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
                decided = i % 3 != 0
                cases.append(
                    (
                        case_id, f"沈{dept}立〔{at.year}〕{i}号", dept, f"2101{i % 13:02d}",
                        "decided" if decided else "filed", "general", "direct", "org", f"沈阳测试企业{i % 9973}",
                        f"91210100MA{i:08d}", "基准测试案件", f"沈{dept}罚〔{at.year}〕{i}号" if decided else None,
                        (at + timedelta(days=30)).date() if decided else None, "LN210102SJ001", at, at, 3,
                        DOMAIN, "{}",
                    )
                )  # fmt: skip
                for seq, action in enumerate(("file", "assess", "decide"), start=1):
                    steps.append(
                        (case_id, seq, action, "filed", "LN210102SJ001", "officer", at + timedelta(days=seq),
                         "[]", at)
                    )  # fmt: skip
            await conn.copy_records_to_table("penalty_case", records=cases, columns=CASE_COLUMNS)
            await conn.copy_records_to_table("case_step", records=steps, columns=STEP_COLUMNS)
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _settle(url: str) -> None:
    conn = await asyncpg.connect(province._dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


ROUNDS = 3
PLANS = ROOT / "docs" / "benchmarks" / "case-partition-plans.md"


def _measure(code: Path | None, url: str) -> dict[str, Any]:
    """``bench/case_reads.py`` in its own process: this tree's (``code`` None) or a baseline's code."""
    script = ROOT / "bench" / "case_reads.py"
    out = subprocess.run(
        [sys.executable, str(script), url],
        env=baseline.env(code),
        cwd=code or ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-4000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["services"].startswith(str(code or ROOT)):
        raise RuntimeError(f"{result['services']} imported, not {code or ROOT}'s services")
    return result


def _pool(into: dict[str, Any] | None, result: dict[str, Any]) -> dict[str, Any]:
    if into is None:
        return result
    for name, ts in result["timings"].items():
        into["timings"][name] += ts
    into["load"] += f", {result['load']}"
    return into


def run(quick: bool = False) -> str:
    """The rows generated once on this tree's schema; a copy taken back to the baseline's head (timed: the
    downgrade), and a copy of that migrated up again (timed: the upgrade). Then ``ROUNDS`` rounds, each this
    tree's code on the partitioned tables and the baseline's on its own, one after the other (the machine's
    load falls on both alike), the timings pooled."""
    n = int(os.environ.get("CASES", 60_000 if quick else 300_000))
    ref = baseline.commit()
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-cases-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    new: dict[str, Any] | None = None
    old: dict[str, Any] | None = None
    migration: dict[str, float] = {}
    try:
        pg.psql('CREATE DATABASE "penalty"')
        url = pg.dsn("penalty", driver="postgresql+asyncpg")
        migrate.upgrade("penalty", url)
        generated = asyncio.run(generate(url, n))
        code = baseline.tree(ref) if ref is not None else None
        old_url = ""
        if code is not None:
            pg.psql('CREATE DATABASE "penalty_old" TEMPLATE "penalty"')
            old_url = pg.dsn("penalty_old", driver="postgresql+asyncpg")
            started = time.perf_counter()
            migrate.downgrade("penalty", old_url, province_consistency.baseline_head(code, "penalty"))
            migration["down"] = time.perf_counter() - started
            asyncio.run(_settle(old_url))
            pg.psql('CREATE DATABASE "penalty_up" TEMPLATE "penalty_old"')
            started = time.perf_counter()
            migrate.upgrade("penalty", pg.dsn("penalty_up", driver="postgresql+asyncpg"))
            migration["up"] = time.perf_counter() - started
            pg.psql('DROP DATABASE "penalty_up"')
        for _ in range(ROUNDS):
            new = _pool(new, _measure(None, url))
            if code is not None:
                old = _pool(old, _measure(code, old_url))
    finally:
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    assert new is not None
    _write_plans(n, new, old, ref)
    return _section(n, generated, new, old, ref, migration)


def _write_plans(n: int, new: dict[str, Any], old: dict[str, Any] | None, ref: str | None) -> None:
    parts = [
        "# Cases partitioned by year: plans (bench_case_partitions)",
        "",
        f"Written by `bench/bench_case_partitions.py`: {n:,} cases over three China years. Each read's SQL as the "
        "code sends it, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)`, from the last round.",
        "",
    ]
    for label, result in (("this tree (partitioned by year)", new), (f"baseline `{ref}` (one table)", old)):
        if result is not None:
            for name, plan in result["plans"].items():
                parts += [f"## {name}, {label}", "", "```", plan, "```", ""]
    PLANS.write_text("\n".join(parts), encoding="utf-8")


def _section(
    n: int,
    generated: float,
    new: dict[str, Any],
    old: dict[str, Any] | None,
    ref: str | None,
    migration: dict[str, float],
) -> str:
    rows = []
    for name, ts in new["timings"].items():
        median = statistics.median(ts) * 1000
        if old is None:
            rows.append(f"| {name} | – | {median:.2f} | – | {len(ts)} |")
            continue
        was = statistics.median(old["timings"][name]) * 1000
        runs = f"{len(old['timings'][name])} / {len(ts)}"
        rows.append(f"| {name} | {was:.2f} | {median:.2f} | {was / median:.2f}× | {runs} |")
    if old is None:
        compared = " No baseline (set `ZHIFA_BENCH_BASELINE`, e.g. `main`, to measure it in the same run)."
    else:
        compared = (
            f" Old: `{ref}`'s code (its own process) on a copy of the rows taken back to its head (penalty_0016 "
            f"downgraded: copied into one table each in {migration['down']:.1f} s; the migration up again on "
            f"another copy: {migration['up']:.1f} s, the copy under the lock, counts per year checked, `case_key` "
            f"filled, the foreign keys moved). New: this tree on the partitioned tables. {ROUNDS} rounds, each "
            f"new then old, timings pooled; load (1 min) new {new['load']}, old {old['load']}."
        )
    return "\n".join(
        [
            "## Cases partitioned by year (issue #16 item 6)",
            "",
            f"{n:,} cases over three China years (2024-01-01 … 2026-12-05), three steps each, by COPY in "
            f"{generated:.0f} s. The repository's own functions (bench/case_reads.py), medians in ms.{compared} "
            "Plans: [benchmarks/case-partition-plans.md](benchmarks/case-partition-plans.md).",
            "",
            "| operation | old ms | new ms | old / new | runs (old / new) |",
            "|---|---:|---:|---|---|",
            *rows,
            "",
            "Where the partitioned tables pay (the plans, which do not depend on the load): a read by id is planned",
            "as an Append over the years' partitions with `case_key`'s InitPlan (planned in 0.37–0.47 ms against 0.17 ms",
            "on one table) and executes two index probes, `case_key`'s and one year's, the other years never",
            "executed; the list's first page is an ordered Append reading the newest year's index backwards, the",
            "older years never executed, but planned; writing a case adds its `case_key` row (a BEFORE trigger, a",
            "primary key and the three global uniques moved there). So at a few hundred thousand cases each",
            "operation costs a fraction of a millisecond more (old / new below 1×); what the partitions buy is",
            "bounded indexes and a year that can be moved, archived or vacuumed alone as the cases grow by millions.",
        ]
    )


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
