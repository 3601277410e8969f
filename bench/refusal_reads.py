"""The supervisors' reads of refused entries, timed with the ``services`` package this process imports: this
tree's, or a baseline's put first on ``PYTHONPATH`` (bench/baseline.py). ``bench_refusal_partitions`` runs it
in its own process for the baseline, as a script (``python bench/refusal_reads.py URL``, which prints one JSON
line), so that nothing of this tree's ``services`` is imported there. Only ``services`` is imported, and only
the repository functions whose signatures both trees share (``supervision.refusal_counts`` and
``list_refusals``); each query's SQL, as that code sends it, is captured and explained on the same data."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

YEAR = 2025  # the last whole calendar year before bench_province's UNTIL (2026-11-30)
DISTRICT = "210102"  # 沈阳市和平区
CODE = "OFFICER_OUT_OF_AUTHORITY"
DEEP = ("2024-06-15T12:00:00+08:00", "ffffffff-ffff-4fff-bfff-ffffffffffff")  # a cursor mid-period
RUNS = 5


def queries() -> dict[str, Callable[[Any], Awaitable[Any]]]:
    """name → an async function of a session returning a comparable answer."""
    from services.common.access import scope_for
    from services.common.auth import Principal
    from services.inspection.repository import supervision as repo

    city = scope_for(Principal(sub="bench", role="supervisor", scope="city"))
    district = scope_for(Principal(sub="bench", role="supervisor", scope=DISTRICT))

    def counts(scope: Any) -> Callable[[Any], Awaitable[Any]]:
        async def run(s: Any) -> Any:
            return [list(r) for r in await repo.refusal_counts(s, scope, YEAR)]

        return run

    def page(scope: Any, **kw: Any) -> Callable[[Any], Awaitable[Any]]:
        async def run(s: Any) -> Any:
            rows = await repo.list_refusals(
                s, scope, code=kw.get("code"), dept_code=None, after=kw.get("after"), limit=21
            )
            return [str(r.refusal_id) for r in rows]

        return run

    return {
        f"refusals by code, {YEAR}, whole province": counts(city),
        f"refusals by code, {YEAR}, district {DISTRICT}": counts(district),
        "refusals list, first page, whole province": page(city),
        "refusals list, a page in June 2024 (keyset cursor), whole province": page(city, after=DEEP),
        f"refusals list, first page, district {DISTRICT}": page(district),
        f"refusals list, first page, code {CODE}": page(city, code=CODE),
    }


async def measure(url: str, *, runs: int = RUNS, plans: bool = True) -> dict[str, Any]:
    """Timings (seconds, ``runs`` each, the first one cold), answers, and each query's plan."""
    import services
    from services.common.db import create_engine, session_factory, transaction

    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "entry_refusal" in statement:
            captured.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
    timings: dict[str, list[float]] = {}
    answers: dict[str, Any] = {}
    explained: dict[str, str] = {}
    try:
        for name, fn in queries().items():
            for _ in range(runs):
                captured.clear()
                started = time.perf_counter()
                async with transaction(factory) as s:
                    answers[name] = await fn(s)
                timings.setdefault(name, []).append(time.perf_counter() - started)
            if plans and captured:
                statement, params = captured[-1]
                async with engine.connect() as conn:
                    lines = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
                    )
                    explained[name] = "\n".join(lines.scalars())
    finally:
        await engine.dispose()
    return {
        "timings": timings,
        "answers": answers,
        "plans": explained,
        "services": services.__file__,
        "load": "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()),
    }


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # the baseline's packages only
    print(json.dumps(asyncio.run(measure(sys.argv[1]))))
