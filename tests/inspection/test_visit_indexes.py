"""The indexes of ``visit`` are those a query reads (issue #16 item 1: every check-in inserts into each): the
primary key (a visit by id, in its month), ``task_id`` (a task's visits), ``started_at`` (the keyset lists),
``district_code, started_at`` (a district's visibility), ``uscc, started_at`` (the entry rules' visits of
the year), the GIN of ``cert_nos`` (an officer's visits: ``cert_nos @> ARRAY[...]``). Not the GIN of
``dept_codes`` (inspection_0014): the departments' visibility is ``'SJ' = ANY(dept_codes)``, which a GIN
index cannot serve, and no plan reads it even when the planner is told to avoid sequential scans."""

from __future__ import annotations

import sqlalchemy as sa

from services.common.db import create_engine
from tests.support.stack import Stack


async def test_every_index_of_visit_has_a_reader(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            names = set(
                (
                    await conn.execute(
                        sa.text(
                            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'visit'::regclass"
                        )
                    )
                ).scalars()
            )
            await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(
                (
                    await conn.execute(
                        sa.text("EXPLAIN SELECT visit_id FROM visit WHERE 'SJ' = ANY(dept_codes)")
                    )
                ).scalars()
            )
            officer = "\n".join(
                (
                    await conn.execute(
                        sa.text("EXPLAIN SELECT visit_id FROM visit WHERE cert_nos @> ARRAY['LN210102SJ001']")
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    assert names == {
        "pk_visit",
        "ix_visit_task_id",
        "ix_visit_started_at",
        "ix_visit_district_code_started_at",
        "ix_visit_uscc_started_at",
        "ix_visit_cert_nos",
    }
    assert "Seq Scan" in plan and "Index" not in plan  # no index can serve the departments' condition
    assert "ix_visit_cert_nos" in officer or "cert_nos_idx" in officer
