"""How the classification reads the signals of given enterprises (issue #16 item 4): from each signal table's
``uscc`` index alone (risk_0014), never one heap page per signal (docs/benchmarks/risk-daily-plans.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


# The index each kind's signals dated in a changed range are found from (risk_0016).
DATE_INDEXES = (
    "ix_risk_case_decided_on_unit_code",
    "ix_complaint_lead_received_on_unit_code",
    "ix_risk_publication_signal_published_on",
    "ix_risk_publication_signal_withdrawn_on",
    "ix_risk_violation_signal_found_on",
    "ix_risk_repair_signal_completed_on",
)


SIGNALS = """
INSERT INTO risk_case (case_id, party_uscc, tier, decided_on, status)
SELECT gen_random_uuid(), 'E' || i, 'general', DATE '2026-05-19' - i % 3650, 'issued' FROM generate_series(1, 4000) i;
INSERT INTO complaint_lead (id, external_id, body_hash, client, unit_code, domain, uscc, category, text,
                            received_at, received_on, batch, record)
SELECT gen_random_uuid(), 'L' || i, '', 'c', 'U1', 'market', 'E' || i, '其他', '', now(),
       DATE '2026-05-19' - i % 3650, 'b', '{}' FROM generate_series(1, 4000) i;
INSERT INTO risk_publication_signal (publication_id, uscc, published_on, withdrawn_on)
SELECT gen_random_uuid(), 'E' || i, DATE '2026-05-19' - i % 3650, DATE '2026-05-19' - i % 3650 + 300
FROM generate_series(1, 4000) i;
INSERT INTO risk_violation_signal (violation_id, uscc, found_on)
SELECT gen_random_uuid(), 'E' || i, DATE '2026-05-19' - i % 3650 FROM generate_series(1, 4000) i;
INSERT INTO risk_repair_signal (repair_id, uscc, completed_on)
SELECT gen_random_uuid(), 'E' || i, DATE '2026-05-19' - i % 3650 FROM generate_series(1, 4000) i;
"""


async def test_the_signals_dated_in_the_changed_ranges_are_found_from_their_date_indexes_alone(
    stack: Stack,
) -> None:
    import asyncpg

    from services.risk.repository.classes import candidates_query_sql

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk")))
    try:
        # 4,000 signals of each kind over ten years (one per enterprise), so that a week's ranges are a few
        # rows of the date indexes, not all of the uscc indexes.
        await conn.execute(SIGNALS)
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        # A week later: every kind has several changed ranges (entering, leaving, decay steps).
        ranges = classes.changed_ranges(CONFIG, TODAY - timedelta(days=7), TODAY)
        assert len(ranges.violation) > 1, ranges
        rows = await conn.fetch(f"EXPLAIN {candidates_query_sql(ranges, seen_since=False)}")
        plan = "\n".join(r[0] for r in rows)
        for index in DATE_INDEXES:
            assert f"Index Only Scan using {index} " in plan, (index, plan)
        assert "Heap Scan" not in plan, plan
    finally:
        await conn.close()


async def test_a_daily_class_change_is_a_heap_only_update(stack: Stack) -> None:
    import asyncpg

    conn = await asyncpg.connect(plain_dsn(await stack.anew_database("risk")))
    try:
        # 2,000 classes stored by one statement, as a full run stores them: the table's pages filled as far as
        # its fillfactor lets them (risk_0017); each scored 5 with no signal, so today's run scores them 0.
        await conn.execute(
            "INSERT INTO risk_enterprise (uscc) SELECT 'E' || lpad(i::text, 4, '0') FROM generate_series(1, 2000) i;"
            "INSERT INTO enterprise_class (uscc, class, score, reasons, version, changed_on) "
            "SELECT uscc, 'A', 5, '[]', 't1', DATE '2026-05-19' FROM risk_enterprise ORDER BY uscc"
        )
        # Twenty of the first 700 rows, on the first pages (full ones without a fillfactor): all changed.
        usccs = [f"E{i:04d}" for i in range(1, 701, 35)]
        query, names = _positional(classes.classification_sql(CONFIG, subset=True))
        params = {"today": TODAY, "version": "t1", "at": datetime(2026, 5, 20, 2, tzinfo=UTC), "usccs": usccs}
        async with conn.transaction():
            written = await conn.fetch(query, *[params[n] for n in names])
            hot = await conn.fetchval(
                "SELECT pg_stat_get_xact_tuples_hot_updated('enterprise_class'::regclass)"
            )
        assert len(written) == 20
        assert hot == 20  # each new version on its row's page, no new primary-key entry
    finally:
        await conn.close()
