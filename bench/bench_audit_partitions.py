"""The audit chain partitioned by China month (issue #16 item 6): ``audit.append`` (sequential appends, each
in its own transaction, under the chain's lock) and ``audit.verify`` (``zhifa audit verify``'s function) over a
chain of ≥ 500,000 entries spread over 24 months, old and new back to back in the same run; and the
``*_audit_parts`` migration of that chain (the time appends wait on its lock).

Old: the baseline's code (``ZHIFA_BENCH_BASELINE``, e.g. ``main``; or a tree unpacked beforehand,
``ZHIFA_BENCH_BASELINE_TREE``) on one ``audit_entry`` table (this tree's penalty migrations one step down:
``penalty_0015_audit_parts`` reversed); new: this tree on its head. Each measurement runs in a fresh
interpreter whose ``services`` is the code measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from bench import baseline  # noqa: E402
from bench.common import median  # noqa: E402

SCHEMAS = ("old", "new")
SERVICE = "penalty"
MONTHS = 24


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
    from services.common import audit
    from services.common.db import create_engine, session_factory, transaction

    what, url = argv[0], argv[1]

    async def appends(n: int) -> float:
        engine = create_engine(url, pool_size=2)
        factory = session_factory(engine)
        try:
            started = time.perf_counter()
            for i in range(n):
                async with transaction(factory) as s:
                    await audit.append(
                        s,
                        actor="bench",
                        actor_role="officer",
                        action="case.update",
                        entity_type="penalty_case",
                        entity_id=str(i % 97),
                        after={"i": i},
                    )
            return n / (time.perf_counter() - started)
        finally:
            await engine.dispose()

    async def verify() -> tuple[float, int, bool]:
        engine = create_engine(url, pool_size=2)
        try:
            started = time.perf_counter()
            async with transaction(session_factory(engine)) as s:
                report = await audit.verify(s)
            return time.perf_counter() - started, report.entries, report.valid
        finally:
            await engine.dispose()

    if what == "append":
        print(json.dumps({"code": services.__file__, "rate": asyncio.run(appends(int(argv[2])))}))
    else:
        seconds, entries, valid = asyncio.run(verify())
        print(json.dumps({"code": services.__file__, "seconds": seconds, "entries": entries, "valid": valid}))


def _fill(dsn: str, n: int) -> None:
    """A valid chain of ``n`` entries, evenly spread over the ``MONTHS`` months before now (the newest a minute
    ago), chained exactly as ``append`` chains them, written with COPY."""
    import asyncpg
    import orjson

    from services.common import audit

    end = datetime.now(UTC) - timedelta(minutes=1)
    start = end - timedelta(days=30.5 * MONTHS)
    step = (end - start) / n
    prev, records = audit.GENESIS, []
    for seq in range(1, n + 1):
        at = start + step * seq
        after = {"n": seq, "状态": "已立案"}
        row = {
            "seq": seq,
            "at": at,
            "actor": f"officer-{seq % 50}",
            "actor_role": "officer",
            "action": "case.update",
            "entity_type": "penalty_case",
            "entity_id": str(seq % 5000),
            "before": None,
            "after": after,
            "request_id": None,
            "prev_hash": prev,
        }
        prev = audit.entry_hash(**row)
        records.append((*list(row.values())[:8], orjson.dumps(after).decode(), None, row["prev_hash"], prev))

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.copy_records_to_table(
                "audit_entry",
                records=records,
                columns=[
                    "seq",
                    "at",
                    "actor",
                    "actor_role",
                    "action",
                    "entity_type",
                    "entity_id",
                    "before",
                    "after",
                    "request_id",
                    "prev_hash",
                    "hash",
                ],
            )
            await conn.execute("VACUUM ANALYZE audit_entry", timeout=None)
        finally:
            await conn.close()

    asyncio.run(go())


def _databases(pg: object, n: int) -> tuple[dict[str, str], float, str]:
    """The old database (one table, filled) and the new one (a copy of it, migrated up: timed)."""
    from services.common import migrate

    pg.psql('CREATE DATABASE "ap_old"')  # type: ignore[attr-defined]
    old: str = pg.dsn("ap_old", driver="postgresql+asyncpg")  # type: ignore[attr-defined]
    migrate.upgrade(SERVICE, old)
    migrate.downgrade(SERVICE, old, "-1")
    assert pg.psql("SELECT relkind FROM pg_class WHERE relname = 'audit_entry'", "ap_old").strip() == "r"  # type: ignore[attr-defined]
    _fill(pg.dsn("ap_old"), n)  # type: ignore[attr-defined]
    pg.psql('CREATE DATABASE "ap_new" TEMPLATE "ap_old" STRATEGY FILE_COPY')  # type: ignore[attr-defined]
    new: str = pg.dsn("ap_new", driver="postgresql+asyncpg")  # type: ignore[attr-defined]
    started = time.perf_counter()
    migrate.upgrade(SERVICE, new)
    migrated, load = time.perf_counter() - started, baseline.load()
    assert pg.psql("SELECT relkind FROM pg_class WHERE relname = 'audit_entry'", "ap_new").strip() == "p"  # type: ignore[attr-defined]
    assert pg.psql("SELECT count(*) FROM audit_entry", "ap_new").strip() == str(n)  # type: ignore[attr-defined]
    pg.psql("VACUUM ANALYZE audit_entry", "ap_new")  # type: ignore[attr-defined]
    return {"old": old, "new": new}, migrated, load


def _tail_plans(pg: object) -> list[str]:
    """The tail read on the partitioned chain, bounded to two months (``audit._tail``) and over the whole table
    (what main's query becomes there): partitions scanned and execution time, median of 5."""
    from services.common import audit

    since = audit.tail_since(datetime.now(UTC)).isoformat()
    whole = "SELECT seq, hash, at FROM audit_entry ORDER BY seq DESC LIMIT 1"
    bounded = f"SELECT seq, hash, at FROM audit_entry WHERE at >= '{since}' ORDER BY seq DESC LIMIT 1"
    lines = ["| tail read | partitions in the plan | execution ms (median of 5) |", "|---|---:|---:|"]
    for label, sql in (("whole table (main's query)", whole), ("current and previous month", bounded)):
        times, scans = [], 0
        for _ in range(5):
            out = pg.psql(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", "ap_new")  # type: ignore[attr-defined]
            scans = out.count("Index Scan")
            times.append(float(out.split("Execution Time:")[1].split("ms")[0]))
        lines.append(f"| {label} | {scans} | {median(times):.3f} |")
    return lines


def _table(unit: str, rows: dict[str, list[tuple[float, str]]], fmt: str) -> list[str]:
    lines = [f"| audit_entry | {unit} (median) | runs | load (1/5/15) after each |", "|---|---:|---|---|"]
    for schema in SCHEMAS:
        values = [v for v, _ in rows[schema]]
        lines.append(
            f"| {schema} | {median(values):{fmt}} | {', '.join(f'{v:{fmt}}' for v in values)} |"
            f" {'; '.join(load for _, load in rows[schema])} |"
        )
    return lines


def run(quick: bool = False) -> str:
    from services.common.embedded import EmbeddedPostgres, free_port

    entries, appends, pairs, verify_pairs = (50_000, 200, 3, 3) if quick else (500_000, 400, 9, 5)
    ref = baseline.commit()
    unpacked = os.environ.get("ZHIFA_BENCH_BASELINE_TREE")
    code = Path(unpacked) if unpacked else baseline.tree(ref) if ref else None
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-auditpart-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    try:
        started = time.perf_counter()
        urls, migrated, migrate_load = _databases(pg, entries)
        parts = pg.psql(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_entry'::regclass", "ap_new"
        )  # type: ignore[attr-defined]
        rates: dict[str, list[tuple[float, str]]] = {s: [] for s in SCHEMAS}
        verifies: dict[str, list[tuple[float, str]]] = {s: [] for s in SCHEMAS}
        # old and new back to back in pairs, the order alternating: a pair shares the machine's load of the
        # moment, so the median of the pairs' ratios is steadier than the ratio of the medians
        for i in range(pairs):
            for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
                r = _child(code if schema == "old" else None, "append", urls[schema], str(appends))
                rates[schema].append((float(r["rate"]), baseline.load()))  # type: ignore[arg-type]
        for i in range(verify_pairs):
            for schema in SCHEMAS if i % 2 == 0 else SCHEMAS[::-1]:
                v = _child(code if schema == "old" else None, "verify", urls[schema])
                assert v["valid"] and int(v["entries"]) >= entries, v  # type: ignore[call-overload]
                verifies[schema].append((float(v["seconds"]), baseline.load()))  # type: ignore[arg-type]
        tail = _tail_plans(pg)
        took = time.perf_counter() - started
    finally:
        pg.stop()

    def ratio(rows: dict[str, list[tuple[float, str]]]) -> float:
        return median([v for v, _ in rows["new"]]) / median([v for v, _ in rows["old"]])

    def paired(rows: dict[str, list[tuple[float, str]]]) -> str:
        ratios = [n / o for (n, _), (o, _) in zip(rows["new"], rows["old"], strict=True)]
        return f"{median(ratios):.2f}x (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"

    return "\n".join(
        [
            "## Audit chain partitioned by month (issue #16 item 6)",
            "",
            f"Old: `{ref or 'an unpacked tree' if code else 'this tree'}`'s code on one `audit_entry` table; new: this",
            "tree, `audit_entry` partitioned by China month on `at` (migrations `*_audit_parts`,",
            f"`services/common/tables.py` `audit_partitioned`; {parts.strip()} partitions: {MONTHS + 1} months of",
            "entries and 3 ahead). One chain of"
            f" {entries:,} entries spread evenly over the {MONTHS} months before now (the newest a minute ago),",
            "durable PostgreSQL, old and new alternating, each measurement in a fresh interpreter.",
            "",
            f"`audit.append`: {appends:,} appends one after another, each in its own transaction (lock, tail",
            f"read, insert, commit): appends/s, {pairs} pairs of runs.",
            "",
            *_table("appends/s", rates, ",.0f"),
            "",
            f"`audit.verify` (`zhifa audit verify`'s function) over the whole chain ({entries:,} entries and the",
            f"appends so far), batches of 5,000 by `seq`: seconds, {verify_pairs} pairs of runs.",
            "",
            *_table("seconds", verifies, ".1f"),
            "",
            "The tail read under the lock on the partitioned chain (`EXPLAIN ANALYZE`, after the runs):",
            "",
            *tail,
            "",
            f"New/old (same run), ratio of the medians: append rate {ratio(rates):.2f}x, verify time"
            f" {ratio(verifies):.2f}x; median of the pairs' ratios: append rate {paired(rates)}, verify time"
            f" {paired(verifies)}. Each append commits (a WAL flush), of which the tail read is a small part:",
            "read the ratios against the spread of the runs on this shared machine.",
            "",
            f"The `penalty_0015_audit_parts` migration of the {entries:,}-entry chain (one run): {migrated:.1f} s"
            f" (load {migrate_load}), during which every append waits (the table's EXCLUSIVE lock; reads go on).",
            "",
            f"Whole section measured in {took:.0f} s.",
        ]
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child_main(sys.argv[sys.argv.index("--child") + 1 :])
    else:
        print(run(quick="--quick" in sys.argv))
