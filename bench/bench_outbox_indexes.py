"""The outbox's indexes (issue #16 item 4): what dropping the unique index on ``outbox.seq`` and turning
``ix_outbox_created_at`` into a BRIN index buys the credit clean-up and the relay, and what it costs the
outbox's own queries (services/common/outbox.py), measured old and new back to back in the same run.

Old: the baseline's code (``ZHIFA_BENCH_BASELINE``, e.g. ``main``) on the baseline's outbox (this tree's
migrations one step down: ``*_outbox_indexes`` reversed, which tests/common/test_outbox_indexes.py holds to
the first kernel schema); new: this tree on its head.

A record of that change, not a benchmark to rerun as it stands: its "old" is one migration below the head
(``downgrade -1``), which stopped being the outbox indexes' migration when later ones were added, and since
credit_repair_0009 the clean-up writes no outbox row per end (its events are announced from the feed:
docs/benchmarks/cleanup-plans.md "Round five"), so its clean-up half no longer loads the outbox. The section
it wrote in docs/benchmarks.md stays as measured then.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from bench import baseline, bench_cleanup, bench_relay  # noqa: E402
from bench.common import median, old_new_rates  # noqa: E402
from services.common import migrate  # noqa: E402
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port  # noqa: E402

SCHEMAS = ("old", "new")

# The outbox's queries (services/common/outbox.py), on a table of N rows over 14 days, the newest 1 % pending.
FILL = """
INSERT INTO outbox (id, type, version, subject, envelope, created_at, published_at)
SELECT gen_random_uuid(), 'credit.publication.ended', 1, g::text,
  jsonb_build_object('id', g, 'type', 'credit.publication.ended', 'data',
                     jsonb_build_object('publication_id', g, 'ended_on', '2026-12-06', 'reason', '超公示期限')),
  now() - interval '14 days' + g * interval '14 days' / :n,
  CASE WHEN g <= :n * 0.99 THEN now() - interval '14 days' + g * interval '14 days' / :n + interval '2 s' END
FROM generate_series(1, :n) g
"""
QUERIES: dict[str, str | tuple[str, str]] = {
    "relay claim (`drain_once`)": "SELECT id, type, envelope FROM outbox WHERE published_at IS NULL "
    "ORDER BY seq LIMIT 1000 FOR UPDATE SKIP LOCKED",
    "relay mark of 1,000 rows": "UPDATE outbox SET published_at = now() WHERE id = ANY(ARRAY("
    "SELECT id FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1000))",
    "backlog gauges (`backlog`)": "SELECT count(*) FILTER (WHERE published_at IS NULL), min(created_at) FILTER "
    "(WHERE published_at IS NULL), count(*) FILTER (WHERE published_at IS NOT NULL) FROM outbox",
    "`pending_count`": "SELECT count(*) FROM outbox WHERE published_at IS NULL",
    "`replay --since` 6 hours": "UPDATE outbox SET published_at = NULL "
    "WHERE created_at >= now() - interval '6 hours' AND published_at IS NOT NULL",
    # The purge's new bound on created_at (implied: a row is published after it is created) lets it use the index.
    "retention purge (1 day of 14)": (
        "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - interval '13 days'",
        "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - interval '13 days' "
        "AND created_at < now() - interval '13 days'",
    ),
}


def _migrate(pg: EmbeddedPostgres, name: str, service: str, schema: str) -> str:
    pg.psql(f'CREATE DATABASE "{name}"')
    url = pg.dsn(name, driver="postgresql+asyncpg")
    migrate.upgrade(service, url)
    # The outbox before it was partitioned (``*_outbox_partitions`` reversed; bench_outbox_partitions measures
    # that step): version 2 of its indexes, and one more step down version 1.
    migrate.downgrade(service, url, "-1")
    if schema == "old":
        migrate.downgrade(service, url, "-1")
    indexes = pg.psql(
        "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'outbox'",
        name,
    )
    assert ("uq_outbox_seq" in indexes) == (schema == "old"), indexes
    return url


def _plan(pg: EmbeddedPostgres, database: str, sql: str) -> tuple[float, str]:
    """(execution ms, plan shape) of ``sql`` in a transaction rolled back."""
    out = pg.psql(f"BEGIN; EXPLAIN (ANALYZE, FORMAT JSON) {sql}; ROLLBACK", database)
    start = out.index("[")
    plan = json.loads(out[start : out.rindex("]") + 1])[0]

    def shape(node: dict[str, object]) -> str:
        name = str(node["Node Type"]) + (f" `{node['Index Name']}`" if "Index Name" in node else "")
        kids = node.get("Plans") or []
        assert isinstance(kids, list)
        return name + (f" ← {' + '.join(shape(k) for k in kids)}" if kids else "")

    return float(plan["Execution Time"]), shape(plan["Plan"])


def _queries(pg: EmbeddedPostgres, n: int, runs: int) -> list[str]:
    times: dict[str, dict[str, list[float]]] = {q: {s: [] for s in SCHEMAS} for q in QUERIES}
    plans: dict[str, dict[str, str]] = {q: {} for q in QUERIES}
    sizes: dict[str, str] = {}
    for schema in SCHEMAS:
        name = f"oi_queries_{schema}"
        _migrate(pg, name, "inspection", schema)
        pg.psql(FILL.replace(":n", str(n)), name)
        pg.psql("VACUUM ANALYZE outbox", name)
        sizes[schema] = pg.psql(
            "SELECT string_agg(indexname || ' ' || pg_size_pretty(pg_relation_size(indexname::regclass)), ', '"
            " ORDER BY indexname) FROM pg_indexes WHERE tablename = 'outbox'",
            name,
        ).strip()
    for i in range(runs):  # old and new alternate, each first in every other repetition
        for label, sqls in QUERIES.items():
            for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
                sql = sqls if isinstance(sqls, str) else sqls[SCHEMAS.index(schema)]
                ms, plans[label][schema] = _plan(pg, f"oi_queries_{schema}", sql)
                times[label][schema].append(ms)
    for schema in SCHEMAS:
        pg.psql(f'DROP DATABASE "oi_queries_{schema}"')
    lines = [
        f"The outbox's queries on {n:,} rows over 14 days, the newest 1 % pending (EXPLAIN ANALYZE, each in a",
        f"transaction rolled back; median of {runs}, old and new alternating). Indexes old: {sizes['old']}; new: {sizes['new']}.",
        "",
        "| query | old ms | old plan | new ms | new plan |",
        "|---|---:|---|---:|---|",
    ]
    for label, by in times.items():
        old, new = median(by["old"]), median(by["new"])
        lines.append(f"| {label} | {old:.1f} | {plans[label]['old']} | {new:.1f} | {plans[label]['new']} |")
    return lines


def _cleanups(pg: EmbeddedPostgres, n: int, runs: int) -> tuple[list[str], float]:
    ref = baseline.commit()
    old_code = baseline.tree(ref) if ref else None
    chunk = bench_cleanup.SETTINGS.cleanup_chunk_size
    new_url = _migrate(pg, "cleanup_template", "credit_repair", "new")
    asyncio.run(bench_cleanup._generate(new_url, n))
    # The same data on the old schema: a copy, one migration down.
    pg.psql('CREATE DATABASE "oi_cleanup_old" TEMPLATE "cleanup_template"')
    migrate.downgrade("credit_repair", pg.dsn("oi_cleanup_old", driver="postgresql+asyncpg"), "-1")
    results: dict[str, list[tuple[float, int, str, int, int]]] = {s: [] for s in SCHEMAS}
    for i in range(runs):
        for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
            name = f"oi_cleanup_{schema}_{i}"
            template = "oi_cleanup_old" if schema == "old" else "cleanup_template"
            pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            code = old_code if schema == "old" else None
            bytes0, records0 = bench_cleanup._wal(pg, name)
            seconds, ended = bench_cleanup._run_in(
                code, pg.dsn(name, driver="postgresql+asyncpg"), chunk, dry_run=False
            )
            bytes1, records1 = bench_cleanup._wal(pg, name)
            load = baseline.load()
            results[schema].append((seconds, ended, load, bytes1 - bytes0, records1 - records0))
            pg.psql(f'DROP DATABASE "{name}"')
    assert {r[1] for r in results["old"]} == {r[1] for r in results["new"]}
    lines = [
        f"Credit clean-up of {n:,} generated publications (bench/bench_cleanup.py's data and run; durable",
        f"PostgreSQL): old = `{ref or 'this tree'}`'s code on the old outbox, new = this tree on the new one,",
        f"alternating, each on a fresh copy of the same data; {results['new'][0][1]:,} publications ended (one",
        "outbox row each). WAL per ended publication as in bench_cleanup (`pg_stat_wal`, `pg_current_wal_lsn`",
        "around the run): unlike the seconds it hardly depends on the machine's load.",
        "",
        "| outbox | clean-up seconds (median) | runs | WAL per ended publication (median) | load (1/5/15) after each |",
        "|---|---:|---|---|---|",
    ]
    for schema in SCHEMAS:
        rs = results[schema]
        secs = [r[0] for r in rs]
        wal = (
            f"{median([r[4] / r[1] for r in rs]):.1f} records, {median([r[3] / r[1] for r in rs]):,.0f} bytes"
        )
        loads = "; ".join(r[2] for r in rs)
        lines.append(
            f"| {schema} | {median(secs):.2f} | {', '.join(f'{s:.2f}' for s in secs)} | {wal} | {loads} |"
        )
    ratio = median([r[0] for r in results["old"]]) / median([r[0] for r in results["new"]])

    def per(schema: str, k: int) -> float:
        return median([r[k] / r[1] for r in results[schema]])

    lines += [
        "",
        f"WAL per ended publication new/old: records {per('new', 4) / per('old', 4):.2f}x, bytes "
        f"{per('new', 3) / per('old', 3):.2f}x (the index entries no longer written).",
    ]
    return lines, ratio


def _drains(pg: EmbeddedPostgres, root: Path, n: int, runs: int) -> tuple[list[str], float]:
    rates: dict[str, list[tuple[float, str]]] = {s: [] for s in SCHEMAS}
    for i in range(runs):
        for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
            nats = EmbeddedNats(root / f"nats-{schema}-{i}", free_port(), sync_always=True)
            nats.start()
            try:
                url = _migrate(pg, f"oi_relay_{schema}_{i}", "inspection", schema)
                rates[schema].append(
                    (asyncio.run(bench_relay._drain(url, nats.url, n, 250)), baseline.load())
                )
            finally:
                nats.stop()
    return old_new_rates(
        [
            f"Relay drain of {n:,} pending rows (bench/bench_relay.py's production setting: `sync_interval: always`,",
            "atomic batches of 250; this tree's relay, whose claim and mark are the baseline's), old vs new outbox:",
        ],
        rates,
    )


def run(quick: bool = False) -> str:
    rows, runs = (100_000, 1) if quick else (1_000_000, 3)
    publications = int(os.environ.get("ZHIFA_BENCH_CLEANUP_N", 20_000 if quick else 200_000))
    drained = 5_000 if quick else 20_000
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-outboxidx-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    try:
        started = time.perf_counter()
        queries = _queries(pg, rows, runs)
        # Five repetitions where the difference is a few per cent and the machine is shared.
        cleanup, cleanup_ratio = _cleanups(pg, publications, runs if quick else 5)
        relay, relay_ratio = _drains(pg, root, drained, runs if quick else 5)
        took = time.perf_counter() - started
    finally:
        pg.stop()
    return "\n".join(
        [
            "## Outbox indexes (issue #16 item 4)",
            "",
            "Old outbox: `pk_outbox` (id), `uq_outbox_seq`, `ix_outbox_pending` (seq, unpublished rows only), a",
            "B-tree `ix_outbox_created_at`. New: no unique index on `seq` (an identity column; nothing reads by it),",
            "`ix_outbox_created_at` a BRIN index (`services/common/tables.py`, migrations `*_outbox_indexes`).",
            "",
            *queries,
            "",
            *cleanup,
            "",
            f"Clean-up: new/old speed {cleanup_ratio:.2f}x (ratio of the medians, same run).",
            "",
            *relay,
            "",
            f"Relay drain: new/old rate {relay_ratio:.2f}x (same run). Whole section measured in {took:.0f} s.",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
