"""Refused entries partitioned by China month (issue #16 item 6; inspection_0009_refusal_parts): the
supervisors' reads of ``entry_refusal`` (the yearly counts by code, the keyset list) at a province's size, this
tree's code on the partitioned table against a baseline's (``ZHIFA_BENCH_BASELINE``, e.g. ``main``) on its own
schema (inspection taken back to the baseline's head: one table), on the same rows, in the same run; and the
migration's copy of those rows (down, and up again). The plans go to their own section of
docs/benchmarks/province-plans.md.

The rows: ``REFUSALS`` (600,000) refused entries spread evenly over the 36 China months up to bench_province's
``UNTIL``, in the province's districts (bench/province.py), seven departments, seven refusal codes; half carry
an attempt key (an Idempotency-Key), so the COPY goes through the ``refusal_attempt`` trigger."""

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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_refusal_partitions.py`
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench import baseline, province, province_consistency, province_inspection, refusal_reads  # noqa: E402
from bench.bench_province import PLANS, UNTIL  # noqa: E402
from services.common import migrate  # noqa: E402
from services.common.clock import CHINA  # noqa: E402
from services.common.embedded import EmbeddedPostgres, free_port  # noqa: E402

MARK = "<!-- bench_refusal_partitions -->"
MONTHS = 36
CODES = (
    "CERT_EXPIRED", "OFFICER_OUT_OF_AUTHORITY", "QUIET_PERIOD", "FREQUENCY_CAP_REACHED", "TOO_FEW_OFFICERS",
    "NOT_CERTIFIED", "TASK_NOT_APPROVED",
)  # fmt: skip
# the plans written out (the other queries' differ from these by a filter)
PLANNED = (
    f"refusals by code, {refusal_reads.YEAR}, whole province",
    "refusals list, first page, whole province",
    "refusals list, a page in June 2024 (keyset cursor), whole province",
)
COLUMNS = (
    "refusal_id", "code", "status", "detail", "channel", "uscc", "dept_code", "district_code", "cert_nos",
    "actor", "actor_role", "attempt_key", "refused_at",
)  # fmt: skip


def first_month() -> date:
    """The first of the ``MONTHS`` months that end with ``UNTIL``'s."""
    start = date(UNTIL.year, UNTIL.month, 1)
    for _ in range(MONTHS - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start


async def generate(url: str, n: int, seed: int = 16) -> float:
    """``n`` refusals by COPY (the months' partitions first when the table is partitioned); seconds taken."""
    plan = province.Plan(enterprises=100_000, until=UNTIL)
    districts = province_inspection.districts(plan)
    rnd = random.Random(seed)
    months = [first_month()]
    while len(months) < MONTHS:
        months.append((months[-1].replace(day=28) + timedelta(days=4)).replace(day=1))
    started = time.perf_counter()
    conn = await asyncpg.connect(province._dsn(url))
    try:
        await province_inspection.month_partitions(conn, "entry_refusal", months[0], UNTIL)
        ends = [*months[1:], UNTIL + timedelta(days=1)]
        rows: list[tuple[Any, ...]] = []
        for i in range(n):
            month = months[i % MONTHS]
            day = month + timedelta(days=rnd.randrange((ends[i % MONTHS] - month).days))
            at = datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(
                seconds=rnd.randrange(86_400)
            )
            district = districts[rnd.randrange(len(districts))]
            dept = province.DEPARTMENTS[rnd.randrange(len(province.DEPARTMENTS))]
            code = CODES[rnd.randrange(len(CODES))]
            cert = f"LN{district}{dept}{rnd.randrange(1000):03d}"
            key = f"{cert}|/api/v1/inspection/check-in|{i}" if i % 2 else None
            rows.append((uuid.UUID(int=rnd.getrandbits(128), version=4), code, 403, code, "entry_code",
                         province.uscc_of(plan, rnd.randrange(plan.enterprises)), dept, district, [cert], cert,
                         "officer", key, at))  # fmt: skip
            if len(rows) == 50_000:
                await conn.copy_records_to_table("entry_refusal", records=rows, columns=COLUMNS)
                rows.clear()
        if rows:
            await conn.copy_records_to_table("entry_refusal", records=rows, columns=COLUMNS)
    finally:
        await conn.close()
    seconds = time.perf_counter() - started
    await _settle(url)
    return seconds


def _baseline(code: Path, url: str) -> dict[str, Any]:
    script = ROOT / "bench" / "refusal_reads.py"
    out = subprocess.run(
        [sys.executable, str(script), url], env=baseline.env(code), cwd=code, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-4000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["services"].startswith(str(code)):
        raise RuntimeError(f"the baseline imported {result['services']}, not {code}'s services")
    return result


async def _settle(url: str) -> None:
    conn = await asyncpg.connect(province._dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")  # the copy's dirty pages written before anything is timed
    finally:
        await conn.close()


def _vacuum(url: str) -> None:
    asyncio.run(_settle(url))


def run(quick: bool = False) -> str:
    n = int(os.environ.get("REFUSALS", 100_000 if quick else 600_000))
    ref = baseline.commit()
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-refusals-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    old: dict[str, Any] | None = None
    migration: dict[str, float] = {}
    try:
        pg.psql('CREATE DATABASE "inspection"')
        url = pg.dsn("inspection", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", url)
        generated = asyncio.run(generate(url, n))
        new = asyncio.run(refusal_reads.measure(url))
        if ref is not None:
            code = baseline.tree(ref)
            head = province_consistency.baseline_head(code, "inspection")
            started = time.perf_counter()
            migrate.downgrade("inspection", url, head)
            migration["down"] = time.perf_counter() - started
            _vacuum(url)
            old = _baseline(code, url)
            started = time.perf_counter()
            migrate.upgrade("inspection", url)
            migration["up"] = time.perf_counter() - started
            _vacuum(url)
            # this tree once more after the baseline: the load falls on both sides alike
            again = asyncio.run(refusal_reads.measure(url, plans=False))
            for name, ts in again["timings"].items():
                new["timings"][name] += ts
            new["load"] += f", then {again['load']}"
    finally:
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
    write_plans(_plans(n, new, old, ref))
    return _section(n, generated, new, old, ref, migration)


def _plans(n: int, new: dict[str, Any], old: dict[str, Any] | None, ref: str | None) -> str:
    parts = [
        "## Refused entries partitioned by month (bench_refusal_partitions)",
        "",
        f"Written by `bench/bench_refusal_partitions.py`: {n:,} refused entries over {MONTHS} China months. Each "
        "query's SQL as the code sends it, `EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
    ]
    for label, result in (
        ("this tree (entry_refusal partitioned by month)", new),
        (f"baseline `{ref}` (one table)", old),
    ):
        if result is None:
            continue
        for name, plan in result["plans"].items():
            if name in PLANNED:
                parts += [f"### {name}, {label}", "", "```", plan, "```", ""]
    return "\n".join(parts)


def write_plans(section: str, mark: str = MARK) -> None:
    """Replace the section under ``mark`` (this module's, or another bench's) of the plans file; a new one goes
    before bench_province_inspection's, whose writer keeps what precedes its mark (bench_province keeps every
    section after its own part)."""
    text = PLANS.read_text(encoding="utf-8") if PLANS.exists() else ""
    block = mark + "\n\n" + section.strip() + "\n"
    if mark in text:
        head, _, rest = text.partition(mark)
        tail = rest.partition("\n<!-- bench_")
        text = head + block + (tail[1] + tail[2] if tail[1] else "")
    elif "<!-- bench_province_inspection -->" in text:
        head, found, rest = text.partition("<!-- bench_province_inspection -->")
        text = head + block + "\n" + found + rest
    else:
        text = text.rstrip() + "\n\n" + block
    PLANS.write_text(text, encoding="utf-8")


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
            rows.append(f"| {name} | – | {median:.1f} | – | {', '.join(f'{t * 1000:.1f}' for t in ts)} |")
            continue
        was = statistics.median(old["timings"][name]) * 1000
        same = "the same" if old["answers"][name] == new["answers"][name] else "DIFFERENT"
        runs = "; ".join(
            f"{side} " + ", ".join(f"{t * 1000:.1f}" for t in ts)
            for side, ts in (("old", old["timings"][name]), ("new", new["timings"][name]))
        )
        rows.append(f"| {name} | {was:.1f} | {median:.1f} | {was / median:.2f}× ({same}) | {runs} |")
    if old is None:
        compared = " No baseline (set `ZHIFA_BENCH_BASELINE`, e.g. `main`, to measure it in the same run)."
    else:
        compared = (
            f" Old: `{ref}`'s code (its own process, `PYTHONPATH` on its tree) on its own schema, inspection "
            f"taken back to its head (inspection_0009 downgraded: the rows copied into one table in "
            f"{migration['down']:.1f} s), {RUNS_TEXT}, load {old['load']}; then the migration up again "
            f"({migration['up']:.1f} s: copy under the lock, counts per month checked, `refusal_attempt` filled) "
            "and this tree once more. New: this tree on the partitioned table, "
            f"{RUNS_TEXT} before the baseline and {RUNS_TEXT} after it, load {new['load']}."
        )
    return "\n".join(
        [
            "## Refused entries partitioned by month (issue #16 item 6)",
            "",
            f"{n:,} refused entries over {MONTHS} China months by COPY in {generated:.0f} s (half with an attempt "
            "key, through the `refusal_attempt` trigger; the months' partitions created first). The supervisors' "
            f"reads of `entry_refusal` through the repository's own functions, medians in ms.{compared} "
            "Plans: [benchmarks/province-plans.md](benchmarks/province-plans.md).",
            "",
            "| query | old ms | new ms | old / new (answers) | runs, ms |",
            "|---|---:|---:|---|---|",
            *rows,
        ]
    )


RUNS_TEXT = f"{refusal_reads.RUNS} runs each (the first cold)"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
