"""The consistency report on the generated province, old code against new on the same rows (issue #16 item 6).

``bench_province`` measures this tree's code, then, when ``ZHIFA_BENCH_BASELINE`` names a commit, takes
penalty's schema back to that commit's head revision (the rows stay) and runs this file as a script in a
process whose ``PYTHONPATH`` starts with the baseline's tree: the baseline's ``bench_province._measure`` and
the baseline's consistency queries, on the same data, printed as JSON. The EXPLAIN ANALYZE plans of the
consistency queries go to docs/benchmarks/province-plans.md for both."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
DISTRICT = "210102"


def _statements() -> list[tuple[str, sa.TextClause, dict[str, Any]]]:
    """The report's set-based queries of whichever tree is imported, with bench_province's parameters."""
    from services.penalty.repository import consistency as c

    statements = []
    for district in (None, DISTRICT):
        where = "whole province" if district is None else f"district {district}"
        params = {"district": district, "per_flag": 20, "limit": 100}
        position = {**params, "margin": 2000, "min_cases": 5}
        statements += [
            (f"district positions against the city's ({where})", c._POSITION_SQL, position),
            (f"same facts, different tiers ({where})", c._SAME_FACTS_SQL, params),
        ]
    outside = {"district": None, "limit": 100}
    return [*statements, ("fines outside their tier (whole province)", c._OUTSIDE_SQL, outside)]


async def explain(penalty_url: str) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each consistency query, by name."""
    from services.common.db import create_engine, session_factory, transaction

    engine = create_engine(penalty_url, pool_size=1)
    plans = {}
    try:
        for name, statement, params in _statements():
            text = sa.text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement.text)
            async with transaction(session_factory(engine)) as s:
                plans[name] = "\n".join((await s.execute(text, params)).scalars().all())
    finally:
        await engine.dispose()
    return plans


async def write_cost(penalty_url: str, decisions: int = 200) -> float:
    """Median milliseconds of one decision's transaction on the write path the tallies add to: its
    ``decided_case`` row recorded, then changed (变更). The rows are removed afterwards."""
    from services.common.db import create_engine, session_factory, transaction
    from services.penalty import repository as repo

    engine = create_engine(penalty_url, pool_size=1)
    factory = session_factory(engine)
    timings, ids = [], []
    try:
        for i in range(decisions):
            case_id = uuid.uuid4()
            values = {"case_id": case_id, "dept_code": "SJ", "district_code": DISTRICT, "tier": "一般",
                      "benchmark_code": f"LN-SJ-{1 + i % 48:04d}", "benchmark_version": 1, "facts_key": "k1",
                      "tier_low_fen": 100_000, "tier_high_fen": 200_000, "fine_fen": 150_000, "has_fine": True,
                      "decided_on": date(2026, 11, 30), "active": True}  # fmt: skip
            started = time.perf_counter()
            async with transaction(factory) as s:
                await repo.upsert_decided(s, values)
                await repo.update_decided(s, case_id, fine_fen=160_000)
            timings.append(time.perf_counter() - started)
            ids.append(case_id)
        async with transaction(factory) as s:
            await s.execute(sa.text("DELETE FROM decided_case WHERE case_id = ANY(:ids)"), {"ids": ids})
    finally:
        await engine.dispose()
    return statistics.median(timings) * 1000


def baseline_head(code: Path, service: str = "penalty") -> str:
    """A service's (penalty's) head revision in the baseline's tree."""
    script = f"from services.common import migrate; print(*migrate.heads({service!r}))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=_env(code), cwd=code, capture_output=True, text=True
    )
    out.check_returncode()
    return out.stdout.strip()


def measure_baseline(code: Path, penalty_url: str, credit_url: str, enterprises: int, until: date) -> Any:
    """The baseline's timings and plans on the same database (its schema already taken back)."""
    args = [sys.executable, str(BENCH / "province_consistency.py"), penalty_url, credit_url, str(enterprises)]
    out = subprocess.run([*args, until.isoformat()], env=_env(code), cwd=code, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_write_cost(code: Path, penalty_url: str) -> float:
    """``write_cost`` with the baseline's repository (its ``upsert_decided``, on its schema), in its process."""
    script = (
        "import asyncio, sys; from bench import province_consistency as p; "
        "print(asyncio.run(p.write_cost(sys.argv[1])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, penalty_url], env=_env(code), cwd=code, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-4000:])
    return float(out.stdout.strip().splitlines()[-1])


def _env(code: Path) -> dict[str, str]:
    from bench import baseline

    return baseline.env(code)


def _main() -> None:  # in the baseline's process: its bench_province and its queries
    penalty_url, credit_url, enterprises, until = sys.argv[1:5]
    from bench import bench_province, province

    plan = province.Plan(enterprises=int(enterprises), until=date.fromisoformat(until))
    timings, _public_plans = asyncio.run(bench_province._measure(penalty_url, credit_url, plan))
    print(json.dumps({"timings": timings, "plans": asyncio.run(explain(penalty_url))}))


if __name__ == "__main__":
    sys.path.remove(str(BENCH))  # `bench` is the baseline's package, found through PYTHONPATH
    _main()
