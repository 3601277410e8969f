"""The outbox partitioned by China day (issue #16 item 6): the relay's drain rate, and the retention of 14
days × ~70,000 sent rows as main's ``DELETE`` against the new ``DROP`` of day partitions (time and WAL),
measured old and new back to back in the same run; and the plans of the relay's claim and mark on the
partitioned outbox (written to docs/benchmarks/outbox-partition-plans.md).

Old: the baseline's code (``ZHIFA_BENCH_BASELINE``, e.g. ``main``) on the baseline's outbox (this tree's
migrations one step down: ``*_outbox_partitions`` reversed, tests/common/test_outbox_partitions.py); new: this
tree on its head. Each measurement runs in a fresh interpreter whose ``services`` is the code measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from bench import baseline  # noqa: E402
from bench.common import median, old_new_rates  # noqa: E402

SCHEMAS = ("old", "new")
PLANS = ROOT / "docs" / "benchmarks" / "outbox-partition-plans.md"

FILL = """
INSERT INTO outbox (id, type, version, subject, envelope, created_at, published_at)
SELECT gen_random_uuid(), 'credit.publication.ended', 1, g::text,
  jsonb_build_object('id', g, 'type', 'credit.publication.ended', 'data',
                     jsonb_build_object('publication_id', g, 'ended_on', '2026-12-06', 'reason', '超公示期限')),
  {at},
  {published}
FROM generate_series({first}, {last}) g
"""


def _long(pg: object, name: str, sql: str) -> None:
    """``sql`` without ``psql``'s 60 s limit (a fill or a copy of a database takes longer on a loaded machine)."""
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(pg.dsn(name))  # type: ignore[attr-defined]
        try:
            await conn.execute(sql, timeout=None)
        finally:
            await conn.close()

    asyncio.run(go())


def _fill(pg: object, name: str, start: datetime, days: int, n: int, *, sent: bool = True) -> None:
    """``n`` rows spread evenly over ``days`` days from ``start``, one statement per day."""
    at = f"TIMESTAMPTZ '{start.isoformat()}' + (g - 1) * (interval '{days} days' / {n})"
    per_day = -(-n // days)
    for day in range(days):
        first, last = day * per_day + 1, min(n, (day + 1) * per_day)
        sql = FILL.format(
            at=at, published=f"{at} + interval '2 s'" if sent else "NULL", first=first, last=last
        )
        _long(pg, name, sql)


def _child(code: Path | None, *args: str) -> dict[str, object]:
    """This script's ``--child`` in a fresh interpreter running ``code`` (None: this tree)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    expected = (code or ROOT) / "services" / "__init__.py"
    if Path(str(result["code"])).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return result


def _child_main(argv: list[str]) -> None:
    import services
    from bench import bench_relay
    from services.common.db import create_engine, session_factory

    what = argv[0]
    if what == "drain":
        rate = asyncio.run(bench_relay._drain(argv[1], argv[2], int(argv[3]), 250))
        print(json.dumps({"code": services.__file__, "rate": rate}))
        return

    async def retention(url: str) -> tuple[float, int]:
        engine = create_engine(url, pool_size=2)
        factory = session_factory(engine)
        try:
            started = time.perf_counter()
            if what == "delete":  # main: DELETE of the rows published before now - 14 days
                from datetime import UTC

                from services.common.outbox import purge  # type: ignore[attr-defined]

                count = int(await purge(factory, datetime.now(UTC) - timedelta(days=14)))
            else:
                from services.common import partitions

                spec = partitions.registry(outbox_retention_days=14)[0]
                count = (await partitions.maintain(factory, spec)).dropped
            return time.perf_counter() - started, count
        finally:
            await engine.dispose()

    seconds, count = asyncio.run(retention(argv[1]))
    print(json.dumps({"code": services.__file__, "seconds": seconds, "count": count}))


def _migrated(pg: object, name: str, schema: str) -> str:
    from services.common import migrate

    pg.psql(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    url: str = pg.dsn(name, driver="postgresql+asyncpg")  # type: ignore[attr-defined]
    migrate.upgrade("inspection", url)
    if schema == "old":
        migrate.downgrade("inspection", url, "-1")
    kind = pg.psql("SELECT relkind FROM pg_class WHERE relname = 'outbox'", name).strip()  # type: ignore[attr-defined]
    assert (kind == "p") == (schema == "new"), kind
    return url


def _today(pg: object, name: str) -> date:
    out = pg.psql("SELECT CAST(timezone('Asia/Shanghai', now()) AS date)", name)  # type: ignore[attr-defined]
    return date.fromisoformat(out.strip())


def _ensure_days(pg: object, name: str, first: date, last: date) -> None:
    from services.common import partitions

    spec = partitions.spec_of("outbox")
    for start in partitions.periods(spec, first, last):
        p = partitions.create_params(spec, start)
        pg.psql(  # type: ignore[attr-defined]
            f"SELECT zhifa_create_partition('outbox', '{p['name']}', '{p['lo'].isoformat()}', '{p['hi'].isoformat()}')",
            name,
        )


def _retention(pg: object, n_per_day: int, runs: int, code: Path | None) -> list[str]:
    from bench.bench_cleanup import _wal
    from services.common import partitions

    days = 14
    rows: dict[str, list[tuple[float, int, int, int, str]]] = {s: [] for s in SCHEMAS}
    for schema in SCHEMAS:
        name = f"op_purge_{schema}_t"
        _migrated(pg, name, schema)
        today = _today(pg, name)
        first = today - timedelta(days=2 * days)  # days -28 … -15: all past a retention of 14 days
        if schema == "new":
            _ensure_days(pg, name, first, first + timedelta(days=days - 1))
        _fill(pg, name, partitions.midnight(first), days, n_per_day * days)
        _long(pg, name, "VACUUM ANALYZE outbox")
    for i in range(runs):
        for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
            name = f"op_purge_{schema}_{i}"
            _long(
                pg, "postgres", f'CREATE DATABASE "{name}" TEMPLATE "op_purge_{schema}_t" STRATEGY FILE_COPY'
            )
            _long(pg, name, "CHECKPOINT")
            url = pg.dsn(name, driver="postgresql+asyncpg")  # type: ignore[attr-defined]
            bytes0, records0 = _wal(pg, name)  # type: ignore[arg-type]
            r = _child(code if schema == "old" else None, "delete" if schema == "old" else "drop", url)
            bytes1, records1 = _wal(pg, name)  # type: ignore[arg-type]
            left = int(pg.psql("SELECT count(*) FROM outbox", name).strip())  # type: ignore[attr-defined]
            assert left == 0, left
            rows[schema].append(
                (float(r["seconds"]), int(r["count"]), bytes1 - bytes0, records1 - records0, baseline.load())  # type: ignore[arg-type]
            )
            pg.psql(f'DROP DATABASE "{name}"')  # type: ignore[attr-defined]
    lines = [
        f"Retention of {days} days × {n_per_day:,} sent rows ({days * n_per_day:,} rows, all past 14 days;",
        "durable PostgreSQL, each run on a fresh copy of the same data, old and new alternating): old = main's",
        "`outbox.purge` (`DELETE ... WHERE published_at < bound AND created_at < bound`), new = the kernel job's",
        "`partitions.maintain` (`zhifa_drop_outbox_partition` per day: a check for an unsent row, `DROP TABLE`).",
        "WAL from `pg_current_wal_lsn()` and `pg_stat_wal` around the run.",
        "",
        "| outbox | seconds (median) | runs | removed | WAL bytes (median) | WAL records (median) | load (1/5/15) after each |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    for schema in SCHEMAS:
        rs = rows[schema]
        removed = f"{rs[0][1]:,} rows" if schema == "old" else f"{rs[0][1]} day partitions"
        lines.append(
            f"| {schema} | {median([r[0] for r in rs]):.2f} | {', '.join(f'{r[0]:.2f}' for r in rs)} | {removed} |"
            f" {median([r[2] for r in rs]):,.0f} | {median([r[3] for r in rs]):,.0f} | {'; '.join(r[4] for r in rs)} |"
        )

    # The migration's copy, during which writes wait (docs/scaling.md): the old outbox with these rows, up.
    from services.common import migrate

    _long(pg, "postgres", 'CREATE DATABASE "op_migrate" TEMPLATE "op_purge_old_t" STRATEGY FILE_COPY')
    started = time.perf_counter()
    migrate.upgrade("inspection", pg.dsn("op_migrate", driver="postgresql+asyncpg"))  # type: ignore[attr-defined]
    migrated, migrate_load = time.perf_counter() - started, baseline.load()
    assert pg.psql("SELECT count(*) FROM outbox", "op_migrate").strip() == str(days * n_per_day)  # type: ignore[attr-defined]
    pg.psql('DROP DATABASE "op_migrate"')  # type: ignore[attr-defined]
    lines += [
        "",
        f"The `*_outbox_partitions` migration of that outbox ({days * n_per_day:,} rows, one run): {migrated:.1f} s"
        f" (load {migrate_load}), during which every write that publishes an event waits.",
    ]

    def m(schema: str, k: int) -> float:
        return median([r[k] for r in rows[schema]])  # type: ignore[misc]

    lines += [
        "",
        f"Retention new/old: time {m('new', 0) / m('old', 0):.3f}x, WAL bytes {m('new', 2) / m('old', 2):.4f}x,"
        f" WAL records {m('new', 3) / m('old', 3):.4f}x (same run). The `DELETE` also leaves the table's",
        "pages to autovacuum; the dropped files are simply gone.",
    ]
    return lines


def _drains(pg: object, root: Path, n: int, runs: int, code: Path | None) -> list[str]:
    from services.common.embedded import EmbeddedNats, free_port

    rates: dict[str, list[tuple[float, str]]] = {s: [] for s in SCHEMAS}
    for i in range(runs):
        for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
            nats = EmbeddedNats(root / f"nats-{schema}-{i}", free_port(), sync_always=True)
            nats.start()
            try:
                url = _migrated(pg, f"op_relay_{schema}_{i}", schema)
                r = _child(code if schema == "old" else None, "drain", url, nats.url, str(n))
                rates[schema].append((float(r["rate"]), baseline.load()))  # type: ignore[arg-type]
            finally:
                nats.stop()
    lines, ratio = old_new_rates(
        [
            f"Relay drain of {n:,} pending rows (bench/bench_relay.py `_drain`, production setting: `sync_interval:",
            "always`, atomic batches of 250), old code on the old outbox vs new code on the partitioned one:",
        ],
        rates,
    )
    return [*lines, "", f"Relay drain new/old: {ratio:.2f}x (same run)."]


CLAIM = (
    "SELECT id, type, envelope, created_at FROM outbox WHERE published_at IS NULL "
    "ORDER BY seq LIMIT 1000 FOR UPDATE SKIP LOCKED"
)


def _plans(pg: object, n_per_day: int) -> None:
    """The claim and the mark on a realistic layout: 14 days kept (sent), today with 1,000 pending rows, and
    the 7 days ahead: 22 partitions."""
    from services.common import partitions

    name = "op_plans"
    _migrated(pg, name, "new")
    today = _today(pg, name)
    first = today - timedelta(days=14)
    _ensure_days(pg, name, first, today)
    _fill(pg, name, partitions.midnight(first), 14, 14 * n_per_day)
    _fill(pg, name, partitions.midnight(today), 1, 1000, sent=False)
    _long(pg, name, "VACUUM ANALYZE outbox")
    count = pg.psql("SELECT count(*) FROM pg_inherits WHERE inhparent = 'outbox'::regclass", name).strip()  # type: ignore[attr-defined]
    # The mark as ``outbox._claimed`` sends it: the claimed ids, and their oldest and newest created_at as
    # values (parameters, so the planner prunes to their days).
    lo, hi = (
        pg.psql(  # type: ignore[attr-defined]
            "SELECT min(created_at), max(created_at) FROM (SELECT created_at FROM outbox WHERE published_at IS NULL"
            " ORDER BY seq LIMIT 1000) c",
            name,
        )
        .strip()
        .split("|")
    )
    mark = (
        "UPDATE outbox SET published_at = now() WHERE id IN (SELECT id FROM outbox WHERE published_at IS NULL"
        f" ORDER BY seq LIMIT 1000) AND created_at >= '{lo}' AND created_at <= '{hi}'"
    )
    sections = []
    for label, sql in (("The relay's claim (`drain_once`)", CLAIM), ("The relay's mark of 1,000 rows", mark)):
        out = pg.psql(f"BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}; ROLLBACK", name)  # type: ignore[attr-defined]
        sections += [f"## {label}", "", "```sql", sql, "```", "", "```", out.strip(), "```", ""]
    PLANS.parent.mkdir(exist_ok=True)
    PLANS.write_text(
        "\n".join(
            [
                "# The partitioned outbox's plans",
                "",
                "Written by `bench/bench_outbox_partitions.py` (`make bench`). The outbox of one service with"
                f" {count} day partitions: 14 past days of {n_per_day:,} sent rows each, today with 1,000 pending"
                " rows, and the 7 days the kernel job keeps ahead. `EXPLAIN (ANALYZE)` in a transaction rolled"
                " back. The mark's bounds on `created_at` are the claimed rows' oldest and newest `created_at`,"
                " which `outbox._claimed` passes as parameters (the ids here come from a subquery).",
                "",
                *sections,
            ]
        )
    )
    pg.psql(f'DROP DATABASE "{name}"')  # type: ignore[attr-defined]


def run(quick: bool = False) -> str:
    from services.common.embedded import EmbeddedPostgres, free_port

    per_day, runs, drained = (5_000, 1, 5_000) if quick else (70_000, 3, 20_000)
    ref = baseline.commit()
    # A tree unpacked beforehand (``git archive main | tar -x -C DIR``): a temporary one may be cleaned away
    # by someone else's job on a shared machine during a long run.
    unpacked = os.environ.get("ZHIFA_BENCH_BASELINE_TREE")
    code = Path(unpacked) if unpacked else baseline.tree(ref) if ref else None
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-outboxpart-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    try:
        started = time.perf_counter()
        _plans(pg, per_day)
        retention = _retention(pg, per_day, runs, code)
        relay = _drains(pg, root, drained, runs, code)
        took = time.perf_counter() - started
    finally:
        pg.stop()
    return "\n".join(
        [
            "## Outbox partitioned by day (issue #16 item 6)",
            "",
            f"Old: `{ref or 'this tree'}`'s code on one outbox table; new: this tree, the outbox partitioned by China day",
            "on `created_at` (`services/common/partitions.py`, migrations `*_outbox_partitions`). Plans of the claim",
            "and the mark on 22 partitions: [benchmarks/outbox-partition-plans.md](benchmarks/outbox-partition-plans.md).",
            "",
            *retention,
            "",
            *relay,
            "",
            f"Whole section measured in {took:.0f} s.",
        ]
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child_main(sys.argv[sys.argv.index("--child") + 1 :])
    else:
        print(run(quick="--quick" in sys.argv))
