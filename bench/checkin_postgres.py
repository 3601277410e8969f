"""Where PostgreSQL's time goes on a check-in (issue #16 item 1): the inspection service in this process (all
roles: the check-ins, the relay and the auditor, as ``zhifa serve inspection`` runs them), driven as
bench/profile_checkin.py drives it (8 at a time, no HTTP server), against durable PostgreSQL with
``pg_stat_statements`` (planning tracked, nested statements too) and ``track_functions = all``, and NATS.

After ``--warm`` check-ins (a realistic state: indexes and the tally populated) the statistics are reset and
``--checkins`` more are driven; once the relay and the auditor have caught up it prints one JSON object:
PostgreSQL's CPU per check-in by process kind (from /proc), WAL records, full-page images and bytes per
check-in (``pg_stat_wal``; WAL writes and fsyncs from ``pg_stat_io``), every statement's calls, plan and execution milliseconds, rows and WAL per
check-in (``pg_stat_statements``), the trigger functions' time (``pg_stat_user_functions``), and the plans
of one check-in's statements (``auto_explain``: ANALYZE, BUFFERS, WAL, nested statements and triggers).

    python bench/checkin_postgres.py [--warm 3000] [--checkins 3000] [--explain 20] [--officers N]
                                     [--concurrency 8] [--set name=value ...]

``--officers N`` adds N officers (one department) to the sample's few dozen before the check-ins: the
statements that look officers up are measured against a city's roll.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench import bench_checkin as b
from bench import profile_checkin as p
from bench.common import family
from services.common import migrate
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port

SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements, auto_explain",
    "pg_stat_statements.track": "'all'",
    "pg_stat_statements.track_planning": "on",
    "pg_stat_statements.max": "5000",
    "track_functions": "'all'",
    "auto_explain.log_min_duration": "-1",  # on only while the plans are taken
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_wal": "on",
    "auto_explain.log_triggers": "on",
    "auto_explain.log_nested_statements": "on",
    "auto_explain.log_timing": "on",
}


def _kind(pid: int, postmaster: int) -> str:
    """A PostgreSQL process's kind from its title (``postgres: walwriter``, a backend's ``user db host``)."""
    if pid == postmaster:
        return "postmaster and ended processes (autovacuum workers ...)"
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "gone"
    title = title.removeprefix("postgres: ")
    if "bench_checkin" in title:
        return "client backends"
    return re.sub(r"\s+\d.*$", "", title) or "other"


def _user_system(pid: int) -> tuple[float, float]:
    """``pid``'s user and system CPU seconds, with those of its children that ended (bench_checkin's rule)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[13])) / tick, (int(fields[12]) + int(fields[14])) / tick


Sample = dict[int, tuple[str, tuple[float, float]]]


def _cpu(postmaster: int) -> Sample:
    return {pid: (_kind(pid, postmaster), _user_system(pid)) for pid in family(postmaster)}


def _spent(before: Sample, after: Sample) -> dict[str, float]:
    """CPU seconds by process kind, and the client backends' user and system time apart."""
    out: dict[str, float] = {}
    for pid, (kind, (user, system)) in after.items():
        was_user, was_system = before[pid][1] if pid in before else (0.0, 0.0)
        out[kind] = out.get(kind, 0.0) + user + system - was_user - was_system
        if kind == "client backends":
            out["client backends: user"] = out.get("client backends: user", 0.0) + user - was_user
            out["client backends: system"] = out.get("client backends: system", 0.0) + system - was_system
    return out


_STATEMENTS = """
SELECT query, calls, total_plan_time, plans, total_exec_time, rows, wal_records, wal_fpi, wal_bytes::bigint,
       shared_blks_hit, shared_blks_read, shared_blks_dirtied, toplevel
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time + total_plan_time DESC
"""
_FUNCTIONS = (
    "SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions ORDER BY total_time DESC"
)
# WAL's writes and fsyncs (PostgreSQL 18 counts them in pg_stat_io, no longer in pg_stat_wal): a commit's
# flush is one fsync unless other commits share it (group commit)
_WAL = (
    "SELECT wal_records, wal_fpi, wal_bytes::bigint,"
    " (SELECT sum(writes) FROM pg_stat_io WHERE object = 'wal') AS wal_writes,"
    " (SELECT sum(fsyncs) FROM pg_stat_io WHERE object = 'wal') AS wal_fsyncs FROM pg_stat_wal"
)
# the visits not audited yet: a column of ``visit`` before inspection_0013, the queue ``visit_unaudited`` after
_CAUGHT_UP = (
    "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL) + (SELECT count(*) FROM {unaudited})"
)
_UNAUDITED = {False: "visit WHERE audited_at IS NULL", True: "visit_unaudited"}
# The row's widest values are compressed (pglz unless the column names another method) or moved to the table's
# TOAST relation once a row passes ~2 kB (TOAST_TUPLE_THRESHOLD): how wide a check-in's rows are
_ROW_TABLES = {"visit": "recorded_at", "outbox": "seq"}


async def _widths(conn: asyncpg.Connection, n: int) -> dict[str, Any]:
    """The last ``n`` visits' and outbox rows' stored sizes (``pg_column_size``: after any compression), the
    whole row's and each column's mean, how many values are stored compressed (``pg_column_compression``),
    and the rows written to each table's TOAST relation meanwhile (``pg_stat_all_tables``)."""
    out: dict[str, Any] = {}
    for table, order in _ROW_TABLES.items():
        columns = [
            r[0]
            for r in await conn.fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
                " AND NOT attisdropped ORDER BY attnum",
                table,
            )
        ]
        sizes = ", ".join(f'avg(pg_column_size("{c}"))::float8' for c in columns)
        compressed = ", ".join(f'count(pg_column_compression("{c}"))' for c in columns)
        row = await conn.fetchrow(
            f"SELECT count(*), avg(pg_column_size(t.*))::float8, {sizes}, {compressed}"
            f" FROM (SELECT * FROM {table} ORDER BY {order} DESC LIMIT {n}) t"
        )
        assert row is not None
        k = len(columns)
        out[table] = {
            "rows": row[0],
            "row_bytes": row[1],
            "column_bytes": {c: row[2 + i] for i, c in enumerate(columns)},
            "compressed_values": {c: row[2 + k + i] for i, c in enumerate(columns) if row[2 + k + i]},
        }
    toast = await conn.fetch(
        "SELECT c.relname, sum(s.n_tup_ins)::bigint AS toast_rows_inserted FROM pg_class c"
        " JOIN pg_class p ON p.oid = ANY(ARRAY(SELECT inhrelid FROM pg_inherits WHERE inhparent = c.oid) || c.oid)"
        " JOIN pg_stat_all_tables s ON s.relid = p.reltoastrelid"
        " WHERE c.relname = ANY($1::text[]) GROUP BY c.relname",
        list(_ROW_TABLES),
    )
    out["toast_rows_inserted"] = {r[0]: r[1] for r in toast}
    return out


async def _caught_up(conn: asyncpg.Connection) -> None:
    queue = bool(await conn.fetchval("SELECT to_regclass('visit_unaudited') IS NOT NULL"))
    caught_up = _CAUGHT_UP.format(unaudited=_UNAUDITED[queue])
    for _ in range(600):
        if await conn.fetchval(caught_up) == 0:
            return
        await asyncio.sleep(0.1)


async def _runs(
    url: str,
    dsn: str,
    nats_url: str,
    tokens: list[tuple[str, str]],
    data: Path,
    pg: EmbeddedPostgres,
    args: Any,
) -> dict[str, Any]:
    os.environ.update(
        {
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_NATS_URL": nats_url,
            "ZHIFA_INSPECTION_DATABASE_URL": url,
            "ZHIFA_INSPECTION_DATABASE_POOL_SIZE": str(p.CONCURRENCY * 2),
        }
    )
    from services.inspection.app import create_app

    postmaster = pg.pid()
    assert postmaster is not None
    app = create_app(role="all")
    admin = await asyncpg.connect(dsn)
    try:
        async with app.router.lifespan_context(app):
            for _, token in tokens:
                await app.state.verifier.verify("Bearer " + token)

            async def lines(count: int) -> list[list[str]]:
                await b._issue(url, tokens, count, data)
                text = await asyncio.to_thread(data.read_text)
                return [line.split("\t") for line in text.splitlines()]

            await p._drive(app, await lines(args["warm"]))
            await _caught_up(admin)
            batch = await lines(args["checkins"])
            await admin.execute("CHECKPOINT")  # every run starts after a checkpoint: full-page images alike
            await admin.execute(
                "SELECT pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal'),"
                " pg_stat_reset_shared('io')"
            )
            await asyncio.sleep(0.6)  # the statistics collector's reset reaches the backends
            cpu_before, started = _cpu(postmaster), time.monotonic()
            own_before = time.process_time()
            made = await p._drive(app, batch)
            await _caught_up(admin)
            wall, cpu_after = time.monotonic() - started, _cpu(postmaster)
            own = time.process_time() - own_before
            await asyncio.sleep(0.6)  # backends report their statistics when idle (at most every 0.5 s)
            statements = [dict(r) for r in await admin.fetch(_STATEMENTS)]
            functions = [dict(r) for r in await admin.fetch(_FUNCTIONS)]
            wal = dict(await admin.fetchrow(_WAL) or {})
            widths = await _widths(admin, min(made, 1000))
            # one check-in's plans: auto_explain on for a few check-ins, one at a time (none with --explain 0)
            explain_from = pg.log_file.stat().st_size
            if args["explain"] > 0:
                await admin.execute("ALTER SYSTEM SET auto_explain.log_min_duration = 0")
                await admin.execute("SELECT pg_reload_conf()")
                await asyncio.sleep(0.5)
                for token, code in await lines(args["explain"]):
                    await p._drive(app, [[token, code]])
                await _caught_up(admin)
                await admin.execute("ALTER SYSTEM SET auto_explain.log_min_duration = -1")
                await admin.execute("SELECT pg_reload_conf()")
    finally:
        await admin.close()
    with pg.log_file.open("rb") as f:
        f.seek(explain_from)
        plans = f.read().decode(errors="replace")
    return {
        "checkins": made,
        "wall_s": wall,
        "load": os.getloadavg()[0],
        "cpu_ms": {k: v * 1000 / max(made, 1) for k, v in _spent(cpu_before, cpu_after).items()},
        # this process: the service's roles (check-ins, relay, auditor) and the driver, user + system
        "service_cpu_ms": own * 1000 / max(made, 1),
        "wal": {k: float(v or 0) / max(made, 1) for k, v in wal.items()},
        "widths": widths,
        "statements": [
            {
                **{k: v for k, v in s.items() if k != "query"},
                "query": " ".join(s["query"].split()),
                "per_checkin_ms": (s["total_exec_time"] + s["total_plan_time"]) / max(made, 1),
                "wal_bytes_per_checkin": s["wal_bytes"] / max(made, 1),
            }
            for s in statements
        ],
        "functions": [{**f, "per_checkin_ms": f["total_time"] / max(made, 1)} for f in functions],
        "plans": plans,
    }


_OFFICERS = """
INSERT INTO officer (officer_id, name, dept_code, cert_no, status, valid_until, auxiliary)
SELECT gen_random_uuid(), '压测执法人员' || i, 'SJ', '辽A-9' || lpad(i::text, 6, '0'), 'active', DATE '2030-12-31', false
FROM generate_series(1, {n}) i;
ANALYZE officer
"""


def measure(args: dict[str, Any]) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="zhifa-checkin-postgres-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    pg.start()
    nats.start()
    try:
        for name, value in {**SETTINGS, **args["settings"]}.items():
            pg.psql(f"ALTER SYSTEM SET {name} = {value}")
        pg.stop()
        pg.start()
        pg.psql('CREATE DATABASE "bench_checkin"')
        pg.psql("CREATE EXTENSION pg_stat_statements", "bench_checkin")
        url = pg.dsn("bench_checkin", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", url)
        tokens = asyncio.run(b._prepare(url))
        if args["officers"]:  # a city's roll of officers beside the sample's few dozen
            pg.psql(_OFFICERS.format(n=args["officers"]), "bench_checkin")
        return asyncio.run(
            _runs(url, pg.dsn("bench_checkin"), nats.url, tokens, root / "codes.tsv", pg, args)
        )
    finally:
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    argv = sys.argv[1:]
    args: dict[str, Any] = {"warm": 3000, "checkins": 3000, "explain": 20, "officers": 0, "concurrency": 8}
    for name in list(args):
        if f"--{name}" in argv:
            args[name] = int(argv[argv.index(f"--{name}") + 1])
    # --set name=value (repeatable): a server setting beside SETTINGS (commit_delay, commit_siblings ...)
    args["settings"] = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "--set")
    p.CONCURRENCY = args["concurrency"]  # check-ins in flight (the pool holds twice as many connections)
    print(
        json.dumps({**measure(args), "settings": args["settings"], "concurrency": p.CONCURRENCY}, default=str)
    )


if __name__ == "__main__":
    main()
