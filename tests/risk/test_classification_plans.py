"""How the classification reads the signals of given enterprises (issue #16 item 4): from each signal table's
``uscc`` index alone (risk_0014), never one heap page per signal (docs/benchmarks/risk-daily-plans.md)."""

from __future__ import annotations

from services.common.db import plain_dsn
from services.risk.domain import classes
from tests.risk.domain.test_classes import CONFIG, TODAY, _positional
from tests.support.stack import Stack

# The index each signal of the candidates is read from (the two views read risk_case and complaint_lead).
INDEXES = (
    "ix_risk_case_party_uscc",
    "ix_risk_publication_signal_uscc",
    "ix_risk_violation_signal_uscc",
    "ix_complaint_lead_uscc",
    "ix_risk_repair_signal_uscc",
)


async def test_the_signals_of_given_enterprises_are_read_from_their_uscc_indexes_alone(stack: Stack) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk")))
    try:
        await conn.execute("VACUUM ANALYZE")  # the visibility map a day of autovacuum leaves
        # A handful of rows: force the index paths, as a day's candidates among millions take them.
        await conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        query, names = _positional(classes.classification_query_sql(CONFIG, subset=True))
        rows = await conn.fetch(f"EXPLAIN {query}", *[{"today": TODAY, "usccs": ["E1"]}[n] for n in names])
        plan = "\n".join(r[0] for r in rows)
        for index in INDEXES:
            assert f"Index Only Scan using {index} " in plan, (index, plan)
    finally:
        await conn.close()
