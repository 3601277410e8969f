"""The unit quarter report (risk's drill-down, ``GET /units/{unit_code}/quarters/{quarter}``) at a province's
size (issue #16 item 6, target ≤ 1 s), old against new on the same rows.

The data is ``bench/province_inspection.py``'s (``ZHIFA_BENCH_PROVINCE_N`` enterprises; with
``ZHIFA_BENCH_PROVINCE_DATA`` the kept cluster of ``bench_province_inspection`` is measured again without a
new load). This tree's drill-down is measured first; then, when ``ZHIFA_BENCH_BASELINE`` names a commit,
risk's schema is taken down to that commit's head (the rows stay), the baseline's drill-down is run in its own
process (``PYTHONPATH`` on its tree: this file run as a script), and this tree is measured again after risk is
migrated up again. The answers are compared: the same assessment and cells, each list's total equal to the
baseline's list length, and every page of every list (walked through the evidence endpoint's use case) equal to
the baseline's list. The plans go to their own section of docs/benchmarks/province-plans.md."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUARTER = "2026Q3"  # the last whole quarter of the generated period (it ends on 2026-11-30)
UNIT = "SJ-210102"  # 沈阳市和平区市场监督管理局
RUNS = 3
TARGET_SECONDS = 1.0
MARK = "<!-- bench_unit_report -->"
PLANS = ROOT / "docs" / "benchmarks" / "province-plans.md"


async def _drill_down(url: str, runs: int, **kw: Any) -> tuple[list[float], dict[str, Any]]:
    """The drill-down of whichever tree is imported, ``runs`` times in one transaction each, and its answer."""
    from services.common.db import create_engine, session_factory, transaction
    from services.risk.models import Unit
    from services.risk.settings import RiskContext, RiskSettings
    from services.risk.use_cases import reports

    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    ctx = RiskContext.from_settings(RiskSettings(database_url=url))
    timings, answer = [], None
    try:
        for _ in range(runs):
            started = time.perf_counter()
            async with transaction(factory) as s:
                unit = await s.get(Unit, UNIT)
                assert unit is not None
                answer = await reports.get_drill_down(
                    s, unit=unit, quarter_text=QUARTER, config=ctx.config, **kw
                )
            timings.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    assert answer is not None
    return timings, answer.model_dump(mode="json")


async def _every_page(url: str, limit: int = 200) -> tuple[dict[str, list[Any]], dict[str, list[float]]]:
    """Every list of the drill-down walked page by page through ``get_evidence`` (untimed but per page)."""
    from services.common.db import create_engine, session_factory, transaction
    from services.risk.models import Unit
    from services.risk.repository.evidence import EVIDENCE_KINDS
    from services.risk.use_cases import reports

    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    lists: dict[str, list[Any]] = {}
    pages: dict[str, list[float]] = {}
    try:
        for kind in EVIDENCE_KINDS:
            cursor: str | None = None
            lists[kind], pages[kind] = [], []
            while True:
                started = time.perf_counter()
                async with transaction(factory) as s:
                    unit = await s.get(Unit, UNIT)
                    assert unit is not None
                    page = await reports.get_evidence(
                        s, unit=unit, quarter_text=QUARTER, kind=kind, cursor=cursor, limit=limit
                    )
                pages[kind].append(time.perf_counter() - started)
                lists[kind] += [item.model_dump(mode="json") for item in page.items]
                cursor = page.next_cursor
                if cursor is None:
                    break
    finally:
        await engine.dispose()
    return lists, pages


async def _judgement(url: str) -> dict[str, list[float]]:
    """What the profile found (docs/benchmarks/province-plans.md): the drill-down judged every unit of the
    province to show one; now only the unit, against the city's figures."""
    from services.common import clock
    from services.common.db import create_engine, session_factory, transaction
    from services.risk.domain.report import Quarter
    from services.risk.settings import RiskContext, RiskSettings
    from services.risk.use_cases import reports

    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    ctx = RiskContext.from_settings(RiskSettings(database_url=url))
    quarter, today = Quarter.parse(QUARTER), clock.today()
    out: dict[str, list[float]] = {}

    async def whole(s: Any) -> object:
        return await reports.build_report(s, quarter=quarter, config=ctx.config, today=today)

    async def one(s: Any) -> object:
        return await reports.build_unit_report(
            s, quarter=quarter, unit_code=UNIT, config=ctx.config, today=today
        )

    cases: dict[str, Callable[[Any], Awaitable[object]]] = {
        "· of which the report's judgement, every unit of the province (as before)": whole,
        "· of which the report's judgement, the one unit against the city's figures (now)": one,
    }
    try:
        for _ in range(RUNS):  # alternating
            for label, fn in cases.items():
                started = time.perf_counter()
                async with transaction(factory) as s:
                    await fn(s)
                out.setdefault(label, []).append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return out


async def _plans(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the visits' first page, a page after a cursor, and the totals."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    from services.common.db import create_engine, session_factory, transaction
    from services.risk.domain.report import Quarter
    from services.risk.repository import evidence

    q = Quarter.parse(QUARTER)
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    out = []

    def literal(statement: Any) -> str:
        return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))

    try:
        async with transaction(factory) as s:
            middle = await s.execute(
                sa.text(
                    "SELECT occurred_on, ref FROM unit_signal WHERE unit_code = :u AND kind = 'visit' "
                    "AND occurred_on BETWEEN :f AND :l ORDER BY occurred_on, ref OFFSET 1000 LIMIT 1"
                ),
                {"u": UNIT, "f": q.first_day, "l": q.last_day},
            )
            after = middle.first()
            statements = {
                "the visits' first page (51 rows read for 50)": evidence.page_statement(
                    "visits", UNIT, q.first_day, q.last_day, after=None, limit=51
                ),
                "the visits' page after the 1,000th (keyset cursor)": evidence.page_statement(
                    "visits", UNIT, q.first_day, q.last_day, after=tuple(after) if after else None, limit=51
                ),
                "the decisions' first page": evidence.page_statement(
                    "decisions", UNIT, q.first_day, q.last_day, after=None, limit=51
                ),
            }
            for name, statement in statements.items():
                lines = (await s.execute(sa.text(explain + literal(statement)))).scalars().all()
                out.append(
                    f"### Unit quarter report's evidence: {name} ({UNIT}, {QUARTER})\n\n```\n"
                    + "\n".join(lines)
                    + "\n```\n"
                )
            params = {"unit": UNIT, "first": q.first_day, "last": q.last_day}
            lines = (await s.execute(sa.text(explain + evidence._TOTALS_SQL.text), params)).scalars().all()
            out.append(
                f"### Unit quarter report's evidence: every list's total ({UNIT}, {QUARTER})\n\n```\n"
                + "\n".join(lines)
                + "\n```\n"
            )
    finally:
        await engine.dispose()
    return "\n".join(out)


def write_plans(section: str) -> None:
    """This module's section of the plans file, replaced where it is, else put before bench_province_inspection's
    (which rewrites everything after its own mark) or at the end."""
    text = PLANS.read_text(encoding="utf-8") if PLANS.exists() else ""
    mine = MARK + "\n\n" + section.strip() + "\n\n"
    if MARK in text:
        head, _, rest = text.partition(MARK)
        nxt = rest.find("<!-- bench_")
        text = head + mine + (rest[nxt:] if nxt >= 0 else "")
    elif "<!-- bench_province_inspection -->" in text:
        head, _, rest = text.partition("<!-- bench_province_inspection -->")
        text = head + mine + "<!-- bench_province_inspection -->" + rest
    else:
        text = text.rstrip() + "\n\n" + mine
    PLANS.write_text(text.rstrip() + "\n", encoding="utf-8")


def _baseline_run(code: Path, url: str) -> dict[str, Any]:
    """The baseline's drill-down, in its own process on the same database (its schema already taken back)."""
    from bench import baseline

    args = [sys.executable, str(BENCH / "bench_unit_report.py"), "--baseline", url]
    out = subprocess.run(args, env=baseline.env(code), cwd=code, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-4000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _compare(old: dict[str, Any], new: dict[str, Any], lists: dict[str, list[Any]]) -> list[str]:
    """Where the new answer differs from the old (every list in full from ``lists``), as notes."""
    from services.risk.repository.evidence import EVIDENCE_KINDS

    notes = []
    for key in ("assessment", "cells", "complaint_counts", "unit_name", "district_code"):
        if old.get(key) != new.get(key):
            notes.append(f"{key} DIFFERENT")
    for kind in EVIDENCE_KINDS:
        if new["evidence_totals"][kind] != len(old[kind]):
            notes.append(
                f"{kind}: total {new['evidence_totals'][kind]} against {len(old[kind])} listed before"
            )
        if lists[kind] != old[kind]:
            notes.append(f"{kind}: the pages DIFFER from the former list")
        if new[kind] != old[kind][: len(new[kind])]:
            notes.append(f"{kind}: the first page DIFFERS from the former list's start")
    return notes


def run(quick: bool = False) -> str:
    from bench import baseline, province, province_inspection
    from bench.bench_province import UNTIL
    from services.common import migrate
    from services.common.embedded import EmbeddedPostgres, free_port

    plan = province.Plan(enterprises=province.bench_size(quick), until=UNTIL)
    kept = os.environ.get("ZHIFA_BENCH_PROVINCE_DATA")
    root = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="zhifa-bench-unit-report-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    saved = root / f"written-{plan.enterprises}.json"
    ref = baseline.commit()
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    steps: list[str] = []
    try:
        url = pg.dsn("risk", driver="postgresql+asyncpg")
        if saved.exists():
            written = province_inspection.Written(**json.loads(saved.read_text()))
        else:
            urls = {
                service: pg.dsn(service, driver="postgresql+asyncpg") for service in ("inspection", "risk")
            }
            for service in ("inspection", "risk"):
                pg.psql(f'CREATE DATABASE "{service}"')
                migrate.upgrade(service, urls[service])
            written = asyncio.run(
                province_inspection.generate(plan, inspection_url=urls["inspection"], risk_url=url)
            )
            if kept:
                saved.write_text(json.dumps(dataclasses.asdict(written)))
        started = time.perf_counter()
        migrate.upgrade("risk", url)
        steps.append(f"risk migrated to this tree's head in {time.perf_counter() - started:.1f} s")
        loads = {"new": baseline.load()}
        new_runs, new = asyncio.run(_drill_down(url, RUNS))
        lists, pages = asyncio.run(_every_page(url))
        judgement = asyncio.run(_judgement(url))
        plans = asyncio.run(_plans(url))
        old: dict[str, Any] | None = None
        if ref:
            code = baseline.tree(ref)
            head = _head(code)
            started = time.perf_counter()
            migrate.downgrade("risk", url, head)
            steps.append(
                f"risk taken down to `{ref}`'s head ({head}) in {time.perf_counter() - started:.1f} s"
            )
            loads["old"] = baseline.load()
            old = _baseline_run(code, url)
            started = time.perf_counter()
            migrate.upgrade("risk", url)
            steps.append(f"and up again in {time.perf_counter() - started:.1f} s")
            loads["again"] = baseline.load()
            again, _answer = asyncio.run(_drill_down(url, RUNS))
            new_runs += again
    finally:
        if kept:
            pg.stop()
        else:
            pg.stop("immediate")
            shutil.rmtree(root, ignore_errors=True)
    write_plans(
        f"## The unit quarter report's evidence, a page at a time (bench_unit_report)\n\nWritten by "
        f"`bench/bench_unit_report.py` ({plan.enterprises:,} enterprises, {written.signals:,} unit signals, "
        f"{written.risk_cases:,} risk cases).\n\n" + plans
    )
    return _section(plan, written, new_runs, new, lists, pages, judgement, old, ref, loads, steps)


def _head(code: Path) -> str:
    script = "from services.common import migrate; print(*migrate.heads('risk'))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=_env(code), cwd=code, capture_output=True, text=True
    )
    out.check_returncode()
    return out.stdout.strip()


def _env(code: Path) -> dict[str, str]:
    from bench import baseline

    return baseline.env(code)


def _section(
    plan: Any,
    written: Any,
    new_runs: list[float],
    new: dict[str, Any],
    lists: dict[str, list[Any]],
    pages: dict[str, list[float]],
    judgement: dict[str, list[float]],
    old: dict[str, Any] | None,
    ref: str | None,
    loads: dict[str, str],
    steps: list[str],
) -> str:
    def verdict(ts: list[float]) -> str:
        return "meets" if statistics.median(ts) <= TARGET_SECONDS else "MISSES"

    def row(name: str, ts: list[float]) -> str:
        return (
            f"| {name} | {statistics.median(ts):.3f} | {', '.join(f'{t:.3f}' for t in ts)} | {verdict(ts)} |"
        )

    report = f"unit quarter report ({UNIT}, {QUARTER})"
    rows = []
    if old is not None:
        rows.append(row(f"{report}: `{ref}` (every record of every list)", old["timings"]))
    rows.append(row(f"{report}: this tree (the first 50 of each list, the totals counted in SQL)", new_runs))
    rows += [row(name, ts) for name, ts in judgement.items()]
    visits = pages["visits"]
    rows.append(row(f"· the visits' evidence page by page (200 a page, {len(visits)} pages)", visits))
    notes = [
        "every list's total: "
        + ", ".join(f"{kind} {n:,}" for kind, n in new["evidence_totals"].items() if n)
        + "; every page of every list walked through the evidence list's use case ("
        + f"{sum(len(p) for p in pages.values())} pages)",
    ]
    if old is not None:
        differences = _compare(old["answer"], new, lists)
        notes.append(
            "the same answer as `"
            + str(ref)
            + "`: assessment, cells and complaint counts equal, every total equal to the former list's length, "
            "every list's pages equal to the former list"
            if not differences
            else "answers DIFFER: " + "; ".join(differences)
        )
        old_median, new_median = statistics.median(old["timings"]), statistics.median(new_runs)
        notes.append(f"`{ref}` / this tree = {old_median / new_median:.1f}× (medians)")
    judged = list(judgement.values())
    notes.append(
        f"judging every unit / judging the one unit = {statistics.median(judged[0]) / statistics.median(judged[1]):.1f}×"
    )
    notes += steps
    how = (
        f"This tree measured first (load {loads['new']}), then risk's schema taken down to `{ref}`'s head and "
        f"`{ref}`'s code run in its own process (load {loads['old']}), then risk migrated up again and this tree "
        f"measured once more (load {loads['again']}): this tree's median is of both passes' {2 * RUNS} runs."
        if old is not None
        else f"This tree only (no `ZHIFA_BENCH_BASELINE`), load {loads['new']}."
    )
    return "\n".join(
        [
            "## A province: the unit quarter report, a page of evidence at a time (issue #16 item 6)",
            "",
            f"On `bench/province_inspection.py`'s data ({plan.enterprises:,} enterprises, {written.visits:,} visits, "
            f"{written.risk_cases:,} risk cases, {written.signals:,} unit signals), risk's drill-down "
            f"(`GET /units/{UNIT}/quarters/{QUARTER}`) through its use case, one transaction a run, {RUNS} runs. "
            f"{how} Load averages are 1 / 5 / 15 min on the shared machine. "
            "Plans: [benchmarks/province-plans.md](benchmarks/province-plans.md).",
            "",
            "| query | median s | runs | target ≤ 1 s |",
            "|---|---:|---|---|",
            *rows,
            "",
            *(f"- {n}" for n in notes),
            "",
            f"At {plan.enterprises:,} enterprises the unit quarter report is "
            + ("met" if verdict(new_runs) == "meets" else "NOT met")
            + f" ({statistics.median(new_runs):.3f} s).",
        ]
    )


def _baseline_main(url: str) -> None:  # in the baseline's process: its drill-down, every record
    timings, answer = asyncio.run(_drill_down(url, RUNS))
    print(json.dumps({"timings": timings, "answer": answer}, default=str))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baseline"]:
        sys.path.remove(str(BENCH))  # `services` is the baseline's, found through PYTHONPATH
        _baseline_main(sys.argv[2])
    else:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        print(run("--quick" in sys.argv))
