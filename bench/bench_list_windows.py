"""The keyset lists over tables partitioned by time, read in recent periods first (issue #16 item 6,
``services.common.partitions.newest_first``): the first pages (and a page deep in the past) of inspection's
refusals and visits (monthly partitions) and penalty's cases (yearly), this tree's code against a baseline's
(``ZHIFA_BENCH_BASELINE``, e.g. ``main``: the one query over every partition) on the same rows and schema, in
alternating rounds of the same run; each page's wall time, planning time and execution time (bench/list_reads.py).
The plans go to their own section of docs/benchmarks/province-plans.md.

The rows: ``REFUSALS`` (600,000) refused entries over 36 China months (bench_refusal_partitions' generator),
the visits of ``VISIT_ENTERPRISES`` (200,000) enterprises over bench_province's three years (~1.2 M visits,
bench/province_inspection.py's rows for one enterprise), and ``CASES`` (300,000) penalty cases over 2024–2026
(bench_case_partitions' generator)."""

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_list_windows.py`
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench import baseline, bench_case_partitions, bench_refusal_partitions, list_reads, province  # noqa: E402
from bench import province_inspection as pi  # noqa: E402
from bench.bench_province import UNTIL  # noqa: E402
from services.common import migrate  # noqa: E402
from services.common.embedded import EmbeddedPostgres, free_port  # noqa: E402

MARK = "<!-- bench_list_windows -->"
ROUNDS = 4
# the plans written out (the other pages' differ from these by a filter)
PLANNED = (
    "refusals, first page, whole province",
    "visits, first page, whole province",
    "cases, first page, whole city",
    "refusals, a page in June 2024 (cursor), whole province",
)


async def visits(url: str, enterprises: int, seed: int = 16) -> tuple[int, float]:
    """The visits of ``enterprises`` enterprises (and the tasks they refer to) by COPY, the visits' months
    created first, the user triggers off during the copy and ``visit_key`` filled set-based after it (as
    bench/province_inspection.py does); (rows, seconds)."""
    plan = province.Plan(enterprises=enterprises, until=UNTIL)
    started = time.perf_counter()
    conn = await asyncpg.connect(province._dsn(url))
    try:
        await conn.executemany(
            "INSERT INTO department (code, name, authority) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING",
            [(d, province.DEPARTMENT_NAMES[d]) for d in province.DEPARTMENTS],
        )
        await conn.copy_records_to_table("task", records=list(pi.tasks(plan)), columns=pi.TASK_COLUMNS)
        for table in ("visit", "visit_outcome"):
            await pi.month_partitions(conn, table, pi.calendar_year(plan, 0)[0], plan.until)
        await conn.execute("ALTER TABLE visit DISABLE TRIGGER USER")
        rows = pi._Buffer(conn, "visit", pi.VISIT_COLUMNS, 50_000)
        rnd = random.Random(seed)
        for index in range(enterprises):
            for v in pi.enterprise_visits(plan, index, rnd):
                await rows.add(v.row)
        await rows.flush()
        await conn.execute("ALTER TABLE visit ENABLE TRIGGER USER")
        await conn.execute(pi.REBUILD_VISIT_KEY)
    finally:
        await conn.close()
    return rows.count, time.perf_counter() - started


def _measure(code: Path | None, urls: dict[str, str]) -> dict[str, Any]:
    """``bench/list_reads.py`` in its own process: this tree's (``code`` None) or a baseline's code."""
    script = ROOT / "bench" / "list_reads.py"
    out = subprocess.run(
        [sys.executable, str(script), urls["inspection"], urls["penalty"]],
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
        result["loads"] = [result["load"]]
        return result
    for name, q in result["queries"].items():
        for key in ("wall", "planning", "execution", "statements"):
            into["queries"][name][key] += q[key]
        if q["answer"] != into["queries"][name]["answer"]:
            into["queries"][name]["answer"] = None  # the runs disagree: shown as DIFFERENT
    into["loads"].append(result["load"])
    return into


def run(quick: bool = False) -> str:
    refusals = int(os.environ.get("REFUSALS", 100_000 if quick else 600_000))
    enterprises = int(os.environ.get("VISIT_ENTERPRISES", 30_000 if quick else 200_000))
    cases = int(os.environ.get("CASES", 60_000 if quick else 300_000))
    ref = baseline.commit()
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-lists-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    new: dict[str, Any] | None = None
    old: dict[str, Any] | None = None
    try:
        urls = {}
        for service in ("inspection", "penalty"):
            pg.psql(f'CREATE DATABASE "{service}"')
            urls[service] = pg.dsn(service, driver="postgresql+asyncpg")
            migrate.upgrade(service, urls[service])
        generated = {"refusals": asyncio.run(bench_refusal_partitions.generate(urls["inspection"], refusals))}
        n_visits, generated["visits"] = asyncio.run(visits(urls["inspection"], enterprises))
        generated["cases"] = asyncio.run(bench_case_partitions.generate(urls["penalty"], cases))
        for url in urls.values():
            asyncio.run(bench_case_partitions._settle(url))
        code = baseline.tree(ref) if ref is not None else None
        for _ in range(1 if quick else ROUNDS):
            new = _pool(new, _measure(None, urls))
            if code is not None:
                old = _pool(old, _measure(code, urls))
    finally:
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    assert new is not None
    sizes = {"refusals": refusals, "visits": n_visits, "cases": cases}
    write_plans(_plans(sizes, new, old, ref))
    return _section(sizes, generated, new, old, ref)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _plans(sizes: dict[str, int], new: dict[str, Any], old: dict[str, Any] | None, ref: str | None) -> str:
    parts = [
        "## Keyset lists read in recent periods first (bench_list_windows)",
        "",
        f"Written by `bench/bench_list_windows.py`: {sizes['refusals']:,} refused entries and {sizes['visits']:,} "
        f"visits over 36 China months, {sizes['cases']:,} cases over three China years. Each statement a page "
        "sent, as the code sends it, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)` (the last run's).",
        "",
    ]
    for label, result in (("this tree (recent periods first)", new), (f"baseline `{ref}`", old)):
        if result is None:
            continue
        for name in PLANNED:
            plans = result["queries"][name]["plans"]
            for i, plan in enumerate(plans, start=1):
                which = f", statement {i} of {len(plans)}" if len(plans) > 1 else ""
                parts += [f"### {name}, {label}{which}", "", "```", plan, "```", ""]
    return "\n".join(parts)


def write_plans(section: str) -> None:
    """This module's section of the plans file, before bench_province_inspection's (bench_refusal_partitions')."""
    bench_refusal_partitions.write_plans(section, MARK)


def _row(name: str, new: dict[str, Any], old: dict[str, Any] | None) -> str:
    n = new["queries"][name]
    cells = [name]
    for key in ("planning", "execution", "wall"):
        now = _median(n[key])
        if old is None:
            cells.append(f"– → {now:.2f}")
            continue
        was = _median(old["queries"][name][key])
        cells.append(f"{was:.2f} → {now:.2f} ({was / now:.1f}×)" if now else f"{was:.2f} → {now:.2f}")
    statements = f"{max(old['queries'][name]['statements']) if old else '–'} → {max(n['statements'])}"
    same = (
        "–" if old is None else "the same" if old["queries"][name]["answer"] == n["answer"] else "DIFFERENT"
    )
    return "| " + " | ".join([*cells, statements, same]) + " |"


def _section(
    sizes: dict[str, int],
    generated: dict[str, float],
    new: dict[str, Any],
    old: dict[str, Any] | None,
    ref: str | None,
) -> str:
    walls = len(next(iter(new["queries"].values()))["wall"])
    explained = len(next(iter(new["queries"].values()))["planning"])
    if old is None:
        compared = "No baseline (set `ZHIFA_BENCH_BASELINE`, e.g. `main`, to measure it in the same run)."
    else:
        compared = (
            f"Old: `{ref}`'s code (one query over every partition), new: this tree's (the recent periods first), "
            f"each in its own process, alternating: {len(new['loads'])} rounds of new then old; per round and page one warm-up "
            f"call, {list_reads.WALL_RUNS} timed calls, then {list_reads.RUNS} `EXPLAIN ANALYZE` runs of what the "
            f"last call sent ({walls} calls and {explained} explains per side in all); load averages (1 / 5 / 15 min) "
            f"at the end of each round: new {'; '.join(new['loads'])}; old {'; '.join(old['loads'])}."
        )
    return "\n".join(
        [
            "## Keyset lists read in recent periods first (issue #16 item 6)",
            "",
            f"{sizes['refusals']:,} refused entries over 36 China months (COPY, {generated['refusals']:.0f} s), "
            f"{sizes['visits']:,} visits over the same months ({generated['visits']:.0f} s) and {sizes['cases']:,} "
            f"penalty cases over three China years ({generated['cases']:.0f} s); the months up to bench_province's "
            f"`UNTIL` ({UNTIL}), the cases' to 5 December 2026. The lists through the repositories' own functions "
            f"(bench/list_reads.py), 20 rows and one more. {compared} Planning and execution: `EXPLAIN ANALYZE` of "
            "every statement the page sent, summed; wall: the repository call in its transaction, as the service "
            "runs it. Medians in ms, old → new (old / new). Plans: "
            "[benchmarks/province-plans.md](benchmarks/province-plans.md).",
            "",
            "| page | planning ms | execution ms | wall ms | statements | rows |",
            "|---|---|---|---|---|---|",
            *[_row(name, new, old) for name in new["queries"]],
        ]
    )


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
