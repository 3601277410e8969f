"""信用松绑 clean-up over 1,000,000 generated publications (target ≤ 10 s, issue #16): the set-based run that ends every
publication the current rules no longer allow, with its feed entries and its report (and, in a baseline that
has them, its ``credit.publication.ended`` outbox rows), committed in steps; then a second run, which must end
nothing; then the publication of the run's events (the relay's outbox work, or the feed announcement)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also run as a script (`--child`); appended, so that a baseline's tree on
    sys.path.append(str(ROOT))  # PYTHONPATH (bench.baseline) is the one imported

from bench import baseline  # noqa: E402
from bench.common import cpu_seconds, median  # noqa: E402
from services.common import clock, migrate, partitions  # noqa: E402
from services.common.db import create_engine, session_factory, transaction  # noqa: E402
from services.common.embedded import EmbeddedPostgres, free_port  # noqa: E402
from services.credit_repair.domain.rules import PenaltyKind  # noqa: E402
from services.credit_repair.models import CleanupRun  # noqa: E402
from services.credit_repair.repository import bulk as bulk_repo  # noqa: E402
from services.credit_repair.settings import CreditRepairSettings  # noqa: E402
from services.credit_repair.use_cases import cleanups, rule_sets  # noqa: E402

RULES = (ROOT / "data" / "sample" / "credit_rules.json").read_text(encoding="utf-8")
BIT = bulk_repo.KIND_BITS
SETTINGS = CreditRepairSettings(env="test")
PARALLEL = SETTINGS.cleanup_parallelism

# A mix shaped like seed 000's clean-up (简易程序, 警告, 通报批评, 企业5万元以下罚款, 超公示期限, 撤销, 已修复):
# decisions over the last five years, published under the pre-2026 sample rules (3-year maximum).
GENERATE = f"""
CREATE TEMP TABLE gen AS
SELECT g, gen_random_uuid() AS rid, gen_random_uuid() AS pid, gen_random_uuid() AS cid,
       CAST(:today AS date) - (random() * 1800)::int AS decided_on,
       random() AS r1, random() AS r2, random() AS r3,
       (ARRAY['SJ','ST','CG','JT','YJ','WJ','XF'])[1 + (random() * 6)::int] AS dept
FROM generate_series(1, :n) g;
CREATE TEMP TABLE shaped AS
SELECT *,
  CASE WHEN r1 < 0.25 THEN 'simple' ELSE 'general' END AS procedure,
  CASE WHEN r1 < 0.25 THEN {BIT[PenaltyKind.FINE]}
       WHEN r1 < 0.35 THEN {BIT[PenaltyKind.WARNING]}
       WHEN r1 < 0.40 THEN {BIT[PenaltyKind.CIRCULATED_CRITICISM]}
       WHEN r1 < 0.70 THEN {BIT[PenaltyKind.FINE]}
       WHEN r1 < 0.92 THEN {BIT[PenaltyKind.FINE] | BIT[PenaltyKind.CONFISCATE_ILLEGAL_GAINS]}
       WHEN r1 < 0.97 THEN {BIT[PenaltyKind.FINE] | BIT[PenaltyKind.SUSPEND_LICENCE]}
       ELSE {BIT[PenaltyKind.REVOKE_LICENCE]} END AS mask,
  CASE WHEN r1 < 0.25 THEN (5000 + r2 * 295000)::bigint
       WHEN r1 < 0.40 THEN 0
       WHEN r1 < 0.70 THEN (100000 + r2 * 4900000)::bigint
       WHEN r1 < 0.97 THEN (5000001 + r2 * 45000000)::bigint
       ELSE 0 END AS fine,
  CASE WHEN r1 >= 0.97 THEN 'serious' ELSE 'general' END AS cls,
  CASE WHEN r3 < 0.01 THEN 'revoked' ELSE 'in_force' END AS status,
  CASE WHEN r3 > 0.98 THEN CAST(:today AS date) - 30 END AS repaired
FROM gen;
INSERT INTO credit_record (id, case_id, revision, decision_no, decided_on, party_kind, party_uscc, party_name,
  department_code, department_name, district_code, penalty_domain, domain_key, benchmark_code, kinds, fine_fen,
  procedure, serious, credit_class, published, class_reason, rule_set_id, never_early, never_early_kinds,
  platforms, status_revision, decision_status)
SELECT rid, cid, 1, '沈罚〔2025〕' || g || '号', decided_on, 'organisation', '91210100MACQTKPQ79', '某公司',
  dept, '部门', '210102', '样例', 'market_regulation', 'SY-SJ-0001', ARRAY['fine'], fine, procedure, false, cls, true,
  '', 'sample-credit-2023-05', false, ARRAY[]::text[], ARRAY['信用中国'], 1, status
FROM shaped;
INSERT INTO publication (id, record_id, case_id, decision_no, party_kind, party_uscc, public_name, department_code,
  department_name, district_code, credit_class, rule_set_id, platforms, starts_on, min_ends_on, earliest_repair_on,
  max_ends_on, decided_on, procedure, kinds_mask, fine_fen, serious, decision_status, repaired_on)
SELECT pid, rid, cid, '沈罚〔2025〕' || g || '号', 'organisation', '91210100MACQTKPQ79', '某公司', dept, '部门', '210102',
  cls, 'sample-credit-2023-05', ARRAY['信用中国'], decided_on, decided_on + 90, decided_on + 90,
  CAST(decided_on + interval '36 months' AS date), decided_on, procedure, mask, fine, false, status, repaired
FROM shaped ORDER BY g;
"""


async def _generate(url: str, n: int) -> None:
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    async with transaction(factory) as s:
        await rule_sets.load_rule_set_document(s, RULES, actor="bench")
        # publications start in the last five years, which the kernel job does not keep (no default partition)
        today = clock.today()
        for year in range(today.year - 5, today.year + 1):
            await partitions.ensure_partition(s, "publication", date(year, 1, 1))
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        sql = GENERATE.replace(":today", f"'{clock.today().isoformat()}'").replace(":n", str(n))
        await driver.execute(sql)
        await driver.execute("VACUUM ANALYZE")
    await engine.dispose()


async def _one_run(url: str, chunk: int, parallel: int, dry_run: bool) -> tuple[float, int]:
    """One clean-up run (queued, then run by ``run_cleanups``) on ``url``: (seconds, publications matched)."""
    engine = create_engine(url, pool_size=4)
    factory = session_factory(engine)
    run_id = uuid.uuid4()
    async with transaction(factory) as s:
        s.add(
            CleanupRun(
                id=run_id,
                dry_run=dry_run,
                status="pending",
                as_of=clock.today(),
                rule_set_id="shenyang-credit-2026-04",
                requested_by="bench",
                requested_role="admin",
                requested_at=clock.now(),
            )
        )
    started = time.perf_counter()
    await cleanups.run_cleanups(engine, factory, chunk_size=chunk, parallelism=parallel)
    elapsed = time.perf_counter() - started
    async with transaction(factory) as s:
        run = await s.get(CleanupRun, run_id)
        assert run is not None and run.status == "completed", run and run.error
    await engine.dispose()
    return elapsed, int(run.matched)


async def _drain(url: str) -> tuple[float, int, float]:
    """Publish what the clean-up left to publish, without NATS (a message is its ``orjson.dumps``, which the
    relay does before it publishes): the relay's claim and mark of the outbox rows (its own statements, its
    batch of 500), then, where the code has it, the feed announcement of the clean-up ends (its job's round,
    its batch). (seconds, events, this process's CPU seconds)."""
    import asyncpg
    import orjson

    from services.common import outbox
    from services.common.db import json_dumps, plain_dsn

    try:
        from services.credit_repair.use_cases import announcements
    except ImportError:  # a baseline without it
        announcements = None
    cpu0 = time.process_time()  # imported: the process's start is not the publishing's
    started = time.perf_counter()
    events = 0
    conn = await asyncpg.connect(plain_dsn(url), server_settings={"timezone": "UTC"})
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=json_dumps, decoder=orjson.loads, format="text"
    )
    while True:
        async with conn.transaction():
            rows = [outbox._Claimed(*r) for r in await conn.fetch(outbox._CLAIM, 500)]
            if not rows:
                break
            sent = [(orjson.dumps(r.envelope), str(r.id))[1] for r in rows]
            await conn.execute(outbox._MARK_SENT, *outbox._claimed(rows, sent))
        events += len(rows)
    await conn.close()
    if announcements is not None:
        engine = create_engine(url, pool_size=1)
        factory = session_factory(engine)

        async def publish(rows: Any) -> list[str | None]:
            nonlocal events
            events += len(rows)
            return [(orjson.dumps(r.envelope), str(r.id))[1] for r in rows]

        size = SETTINGS.announce_batch_size
        while await announcements.announce_cleanup_ends(factory, publish, batch_size=size):
            pass
        await engine.dispose()
    return time.perf_counter() - started, events, time.process_time() - cpu0


def _in_interpreter(code: Path | None, args: list[str], what: str) -> dict[str, Any]:
    """This file run as a script in a fresh interpreter running ``code`` (None: this tree; a baseline's tree
    otherwise, first on ``PYTHONPATH``: the service code it imports is the baseline's); its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )
    if out.returncode:
        raise RuntimeError(f"{what} failed ({code or 'this tree'}):\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _drain_in(code: Path | None, url: str) -> tuple[float, int, float]:
    """``_drain`` in a fresh interpreter running ``code`` (as ``_run_in``)."""
    result = _in_interpreter(code, ["--drain", url], "publishing")
    return float(result["seconds"]), int(result["events"]), float(result["cpu"])


def _run_in(
    code: Path | None, url: str, chunk: int, *, dry_run: bool, parallel: int = PARALLEL
) -> tuple[float, int]:
    """``_one_run`` in a fresh interpreter running ``code`` (see ``_in_interpreter``). ``chunk``, ``parallel`` 0: the
    code's own defaults."""
    args = ["--child", url, str(chunk), str(parallel), "dry" if dry_run else "real"]
    result = _in_interpreter(code, args, "clean-up run")
    expected = (code or ROOT) / "services" / "__init__.py"
    if Path(result["code"]).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return float(result["seconds"]), int(result["matched"])


@dataclass
class Round:
    """One measurement of one code on a fresh copy of the data (``*_cpu``: PostgreSQL's CPU seconds)."""

    dry: float
    would_end: int
    real: float
    ended: int
    second: float
    ended_again: int
    dry_cpu: float
    real_cpu: float
    second_cpu: float
    wal_bytes: int
    wal_records: int
    fpi: int  # full-page images written during the clean-up
    checkpoints: int  # checkpoints (timed or requested) that ran during the clean-up
    server: str  # the WAL settings the server ran with (SHOW)
    load: str
    publish: float = 0.0  # publishing the clean-up's events (``_drain``): seconds
    published: int = 0  # events
    publish_cpu: float = 0.0  # PostgreSQL CPU seconds
    publish_py_cpu: float = 0.0  # the publishing process's CPU seconds
    publish_wal_bytes: int = 0
    publish_wal_records: int = 0


def _wal(pg: EmbeddedPostgres, database: str) -> tuple[int, int]:
    """(WAL position in bytes, WAL records written so far by the cluster)."""
    return _wal_full(pg, database)[:2]


def _wal_full(pg: EmbeddedPostgres, database: str) -> tuple[int, int, int, int]:
    """(WAL position in bytes, WAL records, full-page images and checkpoints so far: the cluster's)."""
    time.sleep(1.5)  # backends report their WAL statistics when idle for a second
    row = pg.psql(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, wal_records, wal_fpi, "
        "(SELECT num_timed + num_requested FROM pg_stat_checkpointer) FROM pg_stat_wal",
        database,
    ).split("|")
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _pg_cpu(pg: EmbeddedPostgres) -> float:
    """CPU seconds (user + system) of the cluster's processes so far: the postmaster's exited children
    (backends of finished runs, reaped: ``cutime``/``cstime``) and its live ones (checkpointer, WAL writer,
    autovacuum). Unlike wall time on this shared machine, it does not grow with the other engineers' load."""
    pid = pg.pid()
    assert pid is not None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                total += cpu_seconds(int(entry))
    return total


def _defaults(code: Path | None) -> tuple[int, int]:
    """``code``'s clean-up step size and parallelism (its settings.py's defaults), with which it is measured."""
    script = (
        "from services.credit_repair.settings import CreditRepairSettings as S; s = S(env='test'); "
        "print(s.cleanup_chunk_size, s.cleanup_parallelism)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )
    chunk, parallel = out.stdout.split()
    return int(chunk), int(parallel)


def _step_count(n: int, defaults: tuple[int, int]) -> int:
    """How many steps this tree cuts ``n`` publications (seq 1..n) into with ``defaults`` (size, parallelism)."""
    size = cleanups.step_size(1, n, chunk_size=defaults[0], parallelism=defaults[1])
    return -(-n // size)


def _serve(pg: EmbeddedPostgres, code: Path | None) -> None:
    """(Re)start the server as ``code``'s ``EmbeddedPostgres`` starts it (None: this tree), so that each code
    runs with its own server settings (``DURABLE_WAL_SETTINGS``); same data directory and port. Every round
    starts on a freshly started server (both codes' caches equally cold)."""
    script = (
        "import sys; from pathlib import Path; from services.common.embedded import EmbeddedPostgres; "
        "EmbeddedPostgres(Path(sys.argv[1]), int(sys.argv[2]), durable=True).start()"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(pg.data_dir), str(pg.port)],
        check=True,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )


def _round(pg: EmbeddedPostgres, code: Path | None, name: str, chunk: int) -> Round:
    # the baseline runs on this tree's schema (a baseline before credit_repair_0009 ignores what it adds)
    _serve(pg, code)
    # FILE_COPY and a checkpoint: the copy's WAL (the default strategy logs the whole 2-4 GB database) and
    # its checkpoint must not fall inside the measured runs
    pg.psql(f'CREATE DATABASE "{name}" TEMPLATE "cleanup_template" STRATEGY FILE_COPY')
    pg.psql("CHECKPOINT", name)
    server = ", ".join(
        f"{setting} {pg.psql(f'SHOW {setting}').strip()}"
        for setting in ("max_wal_size", "checkpoint_timeout", "wal_buffers", "synchronous_commit")
    )
    url = pg.dsn(name, driver="postgresql+asyncpg")
    cpu0 = _pg_cpu(pg)
    dry, would_end = _run_in(code, url, chunk, dry_run=True, parallel=0)
    bytes0, records0, fpi0, checkpoints0 = _wal_full(pg, name)
    cpu1 = _pg_cpu(pg)
    real, ended = _run_in(code, url, chunk, dry_run=False, parallel=0)
    bytes1, records1, fpi1, checkpoints1 = _wal_full(pg, name)
    cpu2 = _pg_cpu(pg)
    second, ended_again = _run_in(code, url, chunk, dry_run=False, parallel=0)
    time.sleep(1.5)  # the run's backends exit and are reaped (their CPU moves to the postmaster's children)
    cpu3 = _pg_cpu(pg)
    bytes3, records3 = _wal(pg, name)
    cpu4 = _pg_cpu(pg)
    publish, published, publish_py_cpu = _drain_in(code, url)
    bytes4, records4 = _wal(pg, name)
    cpu5 = _pg_cpu(pg)
    pg.psql(f'DROP DATABASE "{name}"')
    assert ended == would_end == published and ended_again == 0
    return Round(
        dry,
        would_end,
        real,
        ended,
        second,
        ended_again,
        cpu1 - cpu0,
        cpu2 - cpu1,
        cpu3 - cpu2,
        bytes1 - bytes0,
        records1 - records0,
        fpi1 - fpi0,
        checkpoints1 - checkpoints0,
        server,
        baseline.load(),
        publish,
        published,
        cpu5 - cpu4,
        publish_py_cpu,
        bytes4 - bytes3,
        records4 - records3,
    )


def _rows(label: str, rounds: list[Round]) -> list[str]:
    def col(values: list[float]) -> str:
        return f"{median(values):.1f} | {', '.join(f'{x:.1f}' for x in values)}"

    ended = rounds[-1].ended
    per = f"{median([r.wal_records / max(1, r.ended) for r in rounds]):.1f} records, " + (
        f"{median([r.wal_bytes / max(1, r.ended) for r in rounds]):,.0f} bytes; "
        f"full-page images {', '.join(f'{r.fpi:,}' for r in rounds)}; "
        f"checkpoints {', '.join(str(r.checkpoints) for r in rounds)}"
    )
    loads = "; ".join(r.load for r in rounds)
    return [
        f"| {label} | dry run (report only) | {col([r.dry for r in rounds])} | {col([r.dry_cpu for r in rounds])} "
        f"| {rounds[-1].would_end:,} (would end) | | {loads} |",
        f"| {label} | clean-up | {col([r.real for r in rounds])} | {col([r.real_cpu for r in rounds])} | {ended:,} "
        f"| {per} | {loads} |",
        f"| {label} | second clean-up | {col([r.second for r in rounds])} | {col([r.second_cpu for r in rounds])} "
        f"| {rounds[-1].ended_again:,} | | {loads} |",
    ]


def run(quick: bool = False) -> str:
    # not at the top: this file also runs (``--child``) on a baseline's tree, which may not have it
    from services.common.embedded import DURABLE_WAL_SETTINGS

    chunk = 0  # each code with its own settings' step size and parallelism
    n, runs = (100_000, 1) if quick else (1_000_000, 3)
    if os.environ.get("ZHIFA_BENCH_CLEANUP_N"):
        n = int(os.environ["ZHIFA_BENCH_CLEANUP_N"])
    ref = baseline.commit()
    old_code = baseline.tree(ref) if ref else None
    steps = {"new": _defaults(None), **({"old": _defaults(old_code)} if old_code is not None else {})}
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-cleanup-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    old: list[Round] = []
    new: list[Round] = []
    try:
        pg.psql('CREATE DATABASE "cleanup_template"')
        template = pg.dsn("cleanup_template", driver="postgresql+asyncpg")
        migrate.upgrade("credit_repair", template)
        started = time.perf_counter()
        asyncio.run(_generate(template, n))
        generated_in = time.perf_counter() - started
        for i in range(runs):
            # old and new alternate, each first in every other repetition, each on a fresh copy of the data
            order = [("old", old_code), ("new", None)] if old_code is not None else [("new", None)]
            for which, code in order if i % 2 == 0 else order[::-1]:
                (old if which == "old" else new).append(_round(pg, code, f"cleanup_{which}_{i}", chunk))
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)  # ~2-4 GB at 1 M publications
    if old:
        assert [r.ended for r in old] == [r.ended for r in new]  # the same publications ended
    ended = new[-1].ended
    lines = [
        "## Credit clean-up (信用松绑) over generated publications",
        "",
        f"{n:,} active publications (durable PostgreSQL, fsync on), generated in {generated_in:.0f} s with a",
        "seed-000-like mix over five years: 25 % simple-procedure fines, 10 % warnings, 5 % 通报批评, 30 % fines",
        "up to 50,000 元, 27 % larger fines (some with 没收违法所得 or 暂扣许可证件), 3 % licence revocations;",
        "1 % revoked decisions, 2 % repaired; all published under the pre-2026 sample rules (3-year maximum).",
        "The clean-up applies the Shenyang 2026 rules (`services/credit_repair/repository/bulk.py`",
        f"`cleanup_reason_sql`) in committed steps of at most {steps['new'][0]:,} publications, {steps['new'][1]} "
        "at a time, a multiple of that many steps (this tree's `step_size`: "
        f"{_step_count(n, steps['new'])} steps) "
        + (
            f"(`{ref}`: {steps['old'][0]:,}, {steps['old'][1]} at a time, {-(-n // steps['old'][0])} steps; "
            if "old" in steps
            else "("
        )
        + "each code's settings.py defaults); each step is one statement that inserts the ends, the numbered feed",
        "entries and the report counts, and in the baseline also one `credit.publication.ended` outbox row per end",
        "(envelopes built in SQL, ids uuid3 of the publication ids); this tree publishes those events from the",
        "feed afterwards (`repository/announcements.py`, the worker's `announce-ends` job), measured below with",
        "the baseline's relay work on its outbox rows. `publication` is partitioned by the year it starts",
        "(credit_repair_0006_pub_parts), the outbox by day. Both codes run on the same schema (this tree's",
        "credit_repair head; the baseline's code does not read the table and column it adds). Each round",
        "restarts the server as its code's `EmbeddedPostgres` starts it: this tree with "
        + ", ".join(f"`{k} = {v}`" for k, v in DURABLE_WAL_SETTINGS.items()),
        '(`DURABLE_WAL_SETTINGS`, docs/operations.md "PostgreSQL settings"), the baseline as its tree says',
        "(its `SHOW` line below); the copy of the data is made with",
        "`STRATEGY FILE_COPY` and followed by a `CHECKPOINT`, so that neither falls inside the measured runs.",
        "Plans, profile and the changes measured and not made: [cleanup-plans.md](benchmarks/cleanup-plans.md).",
        f"Median of {runs} run(s), each on a fresh copy of the data, each run in its own interpreter"
        + (
            f"; the baseline (`{ref}`, `ZHIFA_BENCH_BASELINE`) and this tree alternate, each first in every "
            "other repetition, on the same PostgreSQL and data."
            if ref
            else "."
        ),
        "WAL per ended publication: the cluster's WAL records (`pg_stat_wal`) and bytes (`pg_current_wal_lsn`)",
        "written during the clean-up, divided by the publications it ended (steps, feed, counts and checkpoints",
        "included), then the full-page images and the checkpoints (`pg_stat_checkpointer`) of each clean-up.",
        "PostgreSQL CPU: user + system seconds of the cluster's processes during the run (backends,",
        "WAL writer, checkpointer, autovacuum), which the other engineers' load on this shared machine does not",
        "inflate as it does the wall time. Load: the 1/5/15-minute load averages after each repetition.",
        "",
        "| code | run | seconds (median) | runs | PostgreSQL CPU s (median) | runs | publications ended "
        "| WAL per ended publication | load (1/5/15) |",
        "|---|---|---:|---|---:|---|---:|---|---|",
    ]
    if old:
        lines += _rows(f"before (`{ref}`)", old)
    lines += _rows("after (this tree)" if old else "this tree", new)
    lines += [
        "",
        "Publishing the clean-up's events, after the second clean-up, in a fresh interpreter without NATS (each",
        "message is `orjson.dumps` of its envelope, which the relay does before it publishes; the acks are the",
        "same in both): the baseline's relay claims (`FOR UPDATE SKIP LOCKED`, 500 a round) and marks sent its outbox",
        "rows with its own statements; this tree's `announce-ends` round reads the feed entries after its cursor",
        "with their ends and publications, builds the envelopes and moves the cursor (1,000 a round). Python",
        "CPU: the publishing process's user + system seconds. Whole path: clean-up and publishing, PostgreSQL",
        "CPU per ended publication.",
        "",
        "| code | events | seconds (median) | runs | PostgreSQL CPU s (median) | runs | Python CPU s (median) "
        "| WAL per event | whole path: PostgreSQL CPU per ended publication |",
        "|---|---:|---:|---|---:|---|---:|---|---:|",
    ]
    for label, rounds in ((f"before (`{ref}`)", old), ("after (this tree)" if old else "this tree", new)):
        if not rounds:
            continue
        per = median([r.publish_wal_records / max(1, r.published) for r in rounds])
        per_bytes = median([r.publish_wal_bytes / max(1, r.published) for r in rounds])
        whole = median([(r.real_cpu + r.publish_cpu) / max(1, r.ended) * 1e6 for r in rounds])
        lines.append(
            f"| {label} | {rounds[-1].published:,} | {median([r.publish for r in rounds]):.1f} | "
            f"{', '.join(f'{r.publish:.1f}' for r in rounds)} | {median([r.publish_cpu for r in rounds]):.1f} | "
            f"{', '.join(f'{r.publish_cpu:.1f}' for r in rounds)} | {median([r.publish_py_cpu for r in rounds]):.1f} "
            f"| {per:.1f} records, {per_bytes:,.0f} bytes | {whole:.1f} µs |"
        )
    lines.append("")
    for label, rounds in ((f"`{ref}`", old), ("this tree", new)):
        if rounds:
            lines.append(
                f"Server of {label} (`SHOW`, every round): {'; '.join(sorted({r.server for r in rounds}))}."
            )
    lines.append("")
    if old:
        ratio = median([r.real for r in old]) / median([r.real for r in new])
        cpu = median([r.real_cpu for r in old]) / median([r.real_cpu for r in new])
        second = median([r.second for r in old]) / median([r.second for r in new])
        lines.append(
            f"Clean-up: {ratio:.2f}x faster than `{ref}` in wall time, {cpu:.2f}x less PostgreSQL CPU; second "
            f"clean-up {second:.2f}x faster (ratios of the medians, same run)."
        )
        whole = median([r.real_cpu + r.publish_cpu for r in old]) / median(
            [r.real_cpu + r.publish_cpu for r in new]
        )
        lines.append(
            f"Clean-up and publishing together: {whole:.2f}x less PostgreSQL CPU than `{ref}` (ratio of the medians)."
        )
    lines.append(
        f"Target ≤ 10 s for 1,000,000 publications (issue #16). {ended:,} of {n:,} ended ({ended / n:.0%}); "
        "the second run ends nothing."
    )
    return "\n".join(lines)


def _child(url: str, chunk: int, parallel: int, mode: str) -> None:
    """One run in this process; ``chunk`` or ``parallel`` 0: the code's own defaults (its settings.py)."""
    import services

    chunk = chunk or SETTINGS.cleanup_chunk_size
    parallel = parallel or SETTINGS.cleanup_parallelism
    seconds, matched = asyncio.run(_one_run(url, chunk, parallel, mode == "dry"))
    print(json.dumps({"code": services.__file__, "seconds": seconds, "matched": matched}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1:2] == ["--drain"]:
        seconds, events, cpu = asyncio.run(_drain(sys.argv[2]))
        print(json.dumps({"seconds": seconds, "events": events, "cpu": cpu}))
    else:
        print(run(quick="--quick" in sys.argv))
