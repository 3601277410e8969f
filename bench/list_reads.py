"""The keyset lists over partitioned tables, first pages and a page deep in the past, timed with the
``services`` package this process imports: this tree's, or a baseline's put first on ``PYTHONPATH``
(bench/baseline.py). ``bench_list_windows`` runs it in its own process for each side, as a script
(``python bench/list_reads.py INSPECTION_URL PENALTY_URL``, which prints one JSON line), so that nothing of the
other tree's ``services`` is imported. Only the repository functions whose signatures both trees share are
called: inspection's ``supervision.list_refusals`` and ``visits.list_visits``, penalty's ``list_cases``.

Each page is timed as the service runs it (wall time of the repository call in one transaction; ``WALL_RUNS``
calls after a warm-up one), then each statement the last call sent (a windowed page may send more than one) is
run ``RUNS`` times under ``EXPLAIN (ANALYZE, BUFFERS)`` on the same connection: the page's planning time and
execution time are the sums over its statements."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

RUNS = 5  # EXPLAIN ANALYZE runs of a page's statements
WALL_RUNS = 60  # timed calls of a page, after one warm-up call
DISTRICT = "210102"  # 沈阳市和平区
DEPT = "SJ"
DEEP = "2024-06-15T12:00:00+08:00"  # a cursor mid-period
LAST_ID = "ffffffff-ffff-4fff-bfff-ffffffffffff"
LIMIT = 21  # the services' default page of 20, and one more: whether a next page exists

Query = Callable[[Any], Awaitable[list[str]]]


def queries() -> dict[str, tuple[str, str, Query]]:
    """name → (database, the table its statements read, an async function of a session returning the ids)."""
    from services.common.access import scope_for
    from services.common.auth import Principal
    from services.inspection.repository import supervision, visits
    from services.penalty import repository as penalty

    city = scope_for(Principal(sub="bench", role="supervisor", scope="city"))
    district = scope_for(Principal(sub="bench", role="supervisor", scope=DISTRICT))
    officer = scope_for(Principal(sub="bench", role="officer", dept_code=DEPT, cert_no="LN210102SJ001"))
    deep = (DEEP, LAST_ID)

    def refusals(scope: Any, after: tuple[str, str] | None = None) -> Query:
        async def run(s: Any) -> list[str]:
            rows = await supervision.list_refusals(
                s, scope, code=None, dept_code=None, after=after, limit=LIMIT
            )
            return [str(r.refusal_id) for r in rows]

        return run

    def visit_page(scope: Any, after: tuple[str, str] | None = None) -> Query:
        async def run(s: Any) -> list[str]:
            return [str(r.visit_id) for r in await visits.list_visits(s, scope, after=after, limit=LIMIT)]

        return run

    def cases(scope: Any, after: tuple[datetime, uuid.UUID] | None = None) -> Query:
        async def run(s: Any) -> list[str]:
            rows = await penalty.list_cases(s, scope, state=None, after=after, limit=LIMIT - 1)
            return [str(r.id) for r in rows]

        return run

    case_deep = (datetime.fromisoformat(DEEP), uuid.UUID(LAST_ID))
    return {
        "refusals, first page, whole province": ("inspection", "entry_refusal", refusals(city)),
        f"refusals, first page, district {DISTRICT}": ("inspection", "entry_refusal", refusals(district)),
        "refusals, a page in June 2024 (cursor), whole province": (
            "inspection",
            "entry_refusal",
            refusals(city, deep),
        ),  # fmt: skip
        "visits, first page, whole province": ("inspection", "visit", visit_page(city)),
        f"visits, first page, district {DISTRICT}": ("inspection", "visit", visit_page(district)),
        "visits, a page in June 2024 (cursor), whole province": (
            "inspection",
            "visit",
            visit_page(city, deep),
        ),
        "cases, first page, whole city": ("penalty", "penalty_case", cases(city)),
        f"cases, first page, department {DEPT}": ("penalty", "penalty_case", cases(officer)),
        "cases, a page in June 2024 (cursor), whole city": (
            "penalty",
            "penalty_case",
            cases(city, case_deep),
        ),
    }


_TIME = re.compile(r"^(Planning|Execution) Time: ([0-9.]+) ms$")


async def measure(urls: dict[str, str], *, runs: int = RUNS) -> dict[str, Any]:
    """Per query: ``runs`` wall times, planning and execution times (ms), statements per page; the answer;
    the last run's plans."""
    import services
    from services.common.db import create_engine, session_factory, transaction

    engines = {name: create_engine(url, pool_size=1) for name, url in urls.items()}
    captured: list[tuple[str, Any]] = []
    table = [""]

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if f"FROM {table[0]}" in statement and not statement.startswith("EXPLAIN"):
            captured.append((statement, parameters))

    for engine in engines.values():
        sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
    out: dict[str, Any] = {}
    try:
        for name, (database, read, fn) in queries().items():
            engine, table[0] = engines[database], read
            factory = session_factory(engine)
            result: dict[str, Any] = {"wall": [], "planning": [], "execution": [], "statements": []}
            for i in range(1 + WALL_RUNS):  # one warm-up call first (the connection, the statement caches)
                captured.clear()
                started = time.perf_counter()
                async with transaction(factory) as s:
                    result["answer"] = await fn(s)
                if i:
                    result["wall"].append((time.perf_counter() - started) * 1000)
            sent = list(captured)  # the last call's statements, explained ``runs`` times
            result["statements"] = [len(sent)]
            async with engine.connect() as conn:
                for _ in range(runs):
                    plans, planning, execution = [], 0.0, 0.0
                    for statement, params in sent:
                        explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement
                        lines = list((await conn.exec_driver_sql(explain, params)).scalars())
                        for line in lines:
                            found = _TIME.match(line.strip())
                            if found and found[1] == "Planning":
                                planning += float(found[2])
                            elif found:
                                execution += float(found[2])
                        plans.append("\n".join(lines))
                    result["planning"].append(planning)
                    result["execution"].append(execution)
                    result["plans"] = plans
            out[name] = result
    finally:
        for engine in engines.values():
            await engine.dispose()
    return {
        "queries": out,
        "services": services.__file__,
        "load": "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()),
    }


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [
        p for p in sys.path if os.path.abspath(p or ".") != here
    ]  # the measured tree's packages only
    print(json.dumps(asyncio.run(measure({"inspection": sys.argv[1], "penalty": sys.argv[2]}))))
