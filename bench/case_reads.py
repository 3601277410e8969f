"""penalty's case writes and reads, timed with the ``services`` package this process imports: this tree's, or a
baseline's put first on ``PYTHONPATH`` (bench/baseline.py). ``bench_case_partitions`` runs it in its own process
for the baseline, as a script (``python bench/case_reads.py URL``, which prints one JSON line), so that nothing
of this tree's ``services`` is imported there. Only the repository functions whose signatures both trees share
are called (``add_case``, ``add_step``, ``next_step_seq``, ``lockable_case``, ``readable_case``,
``list_cases``); a step carries ``case_opened_at`` where the model has it (this tree's partitioned
``case_step``), which is what the service's own writer (``timeline.save``) gives it.

- open a case: one transaction inserting the case and its first step (the filing's rows in these tables);
- decide it: one transaction locking the case (``lockable_case``, as a decision does), giving it a decision
  number and date, and its next step;
- a case read by id (``readable_case``) for cases spread over the years;
- the list's first page (``list_cases``, 20 rows), the whole city's and one department's."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

RUNS = 60
DEPT = "SJ"


def _row(models: Any, now: datetime, n: int) -> Any:
    case_id = uuid.uuid4()
    return models.PenaltyCase(
        id=case_id,
        case_no=f"沈市监立〔{now.year}〕B{n}-{case_id.hex[:8]}号",
        dept_code=DEPT,
        district_code="210102",
        state="filed",
        procedure="general",
        source="direct",
        party_kind="org",
        party_name="沈阳某某商贸有限公司",
        summary="基准测试案件",
        opened_by="LN210102SJ001",
        opened_at=now,
        updated_at=now,
        revision=1,
        domain_case={},
        details={},
    )


def _step(models: Any, row: Any, seq: int, action: str, now: datetime) -> Any:
    extra = {"case_opened_at": row.opened_at} if hasattr(models.CaseStep, "case_opened_at") else {}
    return models.CaseStep(
        case_id=row.id,
        seq=seq,
        action=action,
        state=row.state,
        actor="LN210102SJ001",
        actor_role="officer",
        at=now,
        events=[],
        **extra,
    )


async def measure(url: str, *, runs: int = RUNS) -> dict[str, Any]:
    """Timings (seconds; ``runs`` writes each, the reads over ``runs`` cases) and the answers of the reads."""
    import services
    from services.common.access import scope_for
    from services.common.auth import Principal
    from services.common.db import create_engine, session_factory, transaction
    from services.penalty import models
    from services.penalty import repository as repo

    city = scope_for(Principal(sub="bench", role="supervisor", scope="city"))
    dept = scope_for(Principal(sub="bench", role="officer", dept_code=DEPT, cert_no="LN210102SJ001"))
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    timings: dict[str, list[float]] = {}
    answers: dict[str, Any] = {}
    plans: dict[str, str] = {}
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM penalty_case" in statement:
            captured.append((statement, parameters))

    async def explain(name: str) -> None:
        """The last read's SQL as the code sent it, ``EXPLAIN (ANALYZE, BUFFERS)``."""
        statement, params = captured[-1]
        async with engine.connect() as conn:
            lines = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params)
            plans[name] = "\n".join(lines.scalars())

    def timed(name: str, started: float) -> None:
        timings.setdefault(name, []).append(time.perf_counter() - started)

    try:
        async with transaction(factory) as s:
            # cases spread over the years: every (n / runs)-th by id
            total = (await s.execute(sa.text("SELECT count(*) FROM penalty_case"))).scalar_one()
            step = max(total // runs, 1)
            ids = (
                (
                    await s.execute(
                        sa.text(
                            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) r FROM penalty_case) x WHERE r % :k = 0"
                        ),
                        {"k": step},
                    )
                )
                .scalars()
                .all()
            )
        sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
        read: list[str] = []
        for case_id in ids[:runs]:
            started = time.perf_counter()
            async with transaction(factory) as s:
                found = await repo.readable_case(s, city, case_id)
            timed("a case read by id", started)
            read.append(f"{found.id}:{found.case_no}" if found else "-")
        answers["a case read by id"] = read
        await explain("a case read by id")
        for name, scope in (
            ("the list's first page, city", city),
            (f"the list's first page, department {DEPT}", dept),
        ):
            for _ in range(runs // 3):
                started = time.perf_counter()
                async with transaction(factory) as s:
                    page = await repo.list_cases(s, scope, state=None, after=None, limit=20)
                timed(name, started)
                answers[name] = [str(r.id) for r in page]
            await explain(name)
        opened = []
        for n in range(runs):
            now = datetime.now(UTC)
            started = time.perf_counter()
            async with transaction(factory) as s:
                row = _row(models, now, n)
                await repo.add_case(s, row)
                await repo.add_step(s, _step(models, row, 1, "file", now))
            timed("open a case (case + first step)", started)
            opened.append(row.id)
        for n, case_id in enumerate(opened):
            now = datetime.now(UTC)
            started = time.perf_counter()
            async with transaction(factory) as s:
                row = await repo.lockable_case(s, city, case_id)
                assert row is not None
                row.state, row.revision, row.updated_at = "decided", row.revision + 1, now
                row.decision_no, row.decided_on = (
                    f"沈市监罚〔{now.year}〕B{n}-{case_id.hex[:8]}号",
                    date.today(),
                )
                seq = await repo.next_step_seq(s, case_id)
                await repo.add_step(s, _step(models, row, seq, "decide", now))
            timed("decide it (lock, decision number, next step)", started)
    finally:
        await engine.dispose()
    return {
        "timings": timings,
        "answers": answers,
        "plans": plans,
        "services": services.__file__,
        "load": "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg()),
    }


def medians_ms(result: dict[str, Any]) -> dict[str, float]:
    return {k: statistics.median(v) * 1000 for k, v in result["timings"].items()}


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # the baseline's packages only
    print(json.dumps(asyncio.run(measure(sys.argv[1]))))
