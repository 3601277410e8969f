"""Check-in (扫码入企, the enterprise scans an entry code) through the gateway at increasing concurrency.

Everything is local and real: durable PostgreSQL (fsync on), NATS with ``sync_interval: always``, the
inspection service and the gateway as ``zhifa serve`` processes (uvloop + httptools), wrk as the load. Each
check-in needs a fresh single-use code naming its enterprise, so before each run the codes are issued in bulk
in-process with the service's own signing key and format (the same rows ``POST /visits/entry-codes`` writes,
without rendering a QR image per code), and a wrk Lua script sends each (enterprise token, code) pair once.
The codes belong to one approved key-area task over 2,000 enterprises (key-area visits are exempt from the
yearly caps, so every check-in is a lawful entry that passes every rule), two certified officers per code.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc

from bench.checkin_inprocess import FLAME, PROFILE_ROUNDS, flame, profile, profile_report
from bench.checkin_shape import (
    PRODUCTION,
    TOPOLOGIES,
    TWO_API,
    shape_report,
    switches,
    target_report,
    wake_ups_report,
)
from bench.common import (
    PY,
    children_cpu,
    family,
    median,
    processes,
    sockets,
    start,
    stop_group,
    tcp_sockets,
    wait_http,
)
from services.common import migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.inspection import models as m
from services.inspection import sample
from services.inspection.domain import entry_code
from services.inspection.settings import InspectionSettings, load_keys

PATH = "/api/v1/inspection/visits/check-in"
ENTERPRISES = 10_000
TASK_ID = uuid.UUID("b3c1d2e4-0000-4000-8000-00000000be11")
OFFICERS = ["辽A-0012340", "辽A-0012341"]
ITEMS = ["SJ-SP-001"]

LUA = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
items = {}
pos = 0
function init(args)
  local i = 0
  for line in io.lines("%(data)s") do
    if i %% %(threads)d == tid then
      local tab = line:find("\t")
      items[#items + 1] = '{"code":"' .. line:sub(tab + 1) .. '"}'
      items[#items + 1] = line:sub(1, tab - 1)
    end
    i = i + 1
  end
end
function request()
  pos = pos + 2
  if pos > #items then pos = 2 end
  return wrk.format("POST", "%(path)s",
    {["Authorization"] = "Bearer " .. items[pos], ["Content-Type"] = "application/json"}, items[pos - 1])
end
function done(summary, latency, requests)
  io.write(string.format("P95_US %%d\n", latency:percentile(95)))
end
"""

# Warms the token caches of the gateway and the service (each token verified once, as for any returning user).
WARM_LUA = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
tokens = {}
pos = 0
function init(args)
  local i = 0
  for line in io.lines("%(data)s") do
    if i %% %(threads)d == tid then tokens[#tokens + 1] = line:sub(1, line:find("\t") - 1) end
    i = i + 1
  end
end
function request()
  pos = pos + 1
  if pos > #tokens then pos = 1 end
  return wrk.format("GET", "/api/v1/inspection/visits/entry-codes/keys", {["Authorization"] = "Bearer " .. tokens[pos]})
end
"""


@dataclass
class Run:
    topology: str
    connections: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    visits: int
    cpu_ms: dict[str, float]  # CPU milliseconds per check-in, by process group
    code: str = ""  # "old" or "new" when two trees are compared in the same run
    load: float = 0.0  # the machine's 1-minute load average after the run
    claims: float = 0.0  # the relay's claims (rounds that published rows) per 100 check-ins
    audits: float = 0.0  # the auditor's rounds (that appended visit starts) per 100 check-ins
    api_shares: tuple[float, ...] = ()  # each API process's share of the API processes' CPU (two of them)
    sessions: float = 0.0  # PostgreSQL sessions opened (pg_stat_database) per 100 check-ins
    backends: int = 0  # the service's PostgreSQL connections open at the end of the run
    api_conns: tuple[int, ...] = ()  # the gateway's connections to the service held by each API process
    switches: tuple[float, float] = (0.0, 0.0)  # the service's context switches per check-in (checkin_shape)


def _cpu(groups: dict[str, list[int]]) -> dict[str, float]:
    return {
        name: sum(_with_reaped(p) for root in roots for p in family(root)) for name, roots in groups.items()
    }


def _with_reaped(pid: int) -> float:
    """``pid``'s CPU seconds and those of its children that exited and were waited for: a PostgreSQL backend
    that ends during a run moves its CPU into the postmaster's (without it the group's CPU fell, negative)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _wrk(
    url: str, script: Path, connections: int, seconds: int, *, check: bool = True
) -> tuple[float, float, float, float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    if not check:
        return 0.0, 0.0, 0.0, 0.0, 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return rps, p50, p95, p99, errors


def _uscc(n: int) -> str:
    body = f"91210102MB{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


async def _prepare(url: str) -> list[tuple[str, str]]:
    """Sample data, 2,000 bench enterprises, an approved key-area task over them; their tokens."""
    await sample.load(url)
    engine = create_engine(url, pool_size=2)
    usccs = [_uscc(n) for n in range(1, ENTERPRISES + 1)]
    async with transaction(session_factory(engine)) as session:
        await session.execute(
            sa.insert(m.Enterprise),
            [
                {"uscc": u, "name": f"沈阳压测企业{n:04d}有限公司", "district_code": "210102"}
                for n, u in enumerate(usccs)
            ],
        )
        now = datetime.now(UTC)
        session.add(
            m.Task(
                task_id=TASK_ID,
                title="压测：重点领域全覆盖检查",
                kind="key_area",
                lead_dept="SJ",
                dept_codes=["SJ"],
                item_codes=ITEMS,
                district_codes=["210102"],
                status="approved",
                created_at=now,
                created_by="bench",
                created_by_role="admin",
                approved_at=now,
                approved_by="bench-supervisor",
            )
        )
        await session.flush()
        await session.execute(sa.insert(m.TaskEnterprise), [{"task_id": TASK_ID, "uscc": u} for u in usccs])
    await engine.dispose()
    return [(u, mint_dev_token("enterprise", f"bench-{u}", 3600, uscc=u)) for u in usccs]


async def _issue(url: str, tokens: list[tuple[str, str]], count: int, data: Path) -> None:
    """``count`` fresh codes, round-robin over the enterprises, written as "token<TAB>code" lines."""
    settings = InspectionSettings(database_url=url, env="dev")
    keys = load_keys(settings.entry_code_key_file)
    now = datetime.now(UTC)
    rows, lines = [], []
    for i in range(count):
        uscc, token = tokens[i % len(tokens)]
        payload = entry_code.new_payload(
            code_id=str(uuid.uuid4()),
            task_id=str(TASK_ID),
            uscc=uscc,
            cert_nos=OFFICERS,
            item_codes=ITEMS,
            now=now,
            nonce=secrets.token_urlsafe(12),
            ttl=timedelta(minutes=30),
        )
        lines.append(f"{token}\t{entry_code.sign(payload, keys.private_key, keys.kid)}")
        rows.append(
            {
                "code_id": uuid.UUID(payload.code_id),
                "task_id": TASK_ID,
                "uscc": uscc,
                "cert_nos": OFFICERS,
                "item_codes": ITEMS,
                "issued_at": payload.issued_at,
                "expires_at": payload.expires_at,
                "issued_by": "bench",
                "kid": keys.kid,
            }
        )
    engine = create_engine(url, pool_size=2)
    async with transaction(session_factory(engine)) as session:
        for i in range(0, len(rows), 5000):
            await session.execute(sa.insert(m.EntryCode), rows[i : i + 5000])
    await engine.dispose()
    await asyncio.to_thread(data.write_text, "\n".join(lines) + "\n")


async def _visits(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    async with transaction(session_factory(engine)) as session:
        n = await session.scalar(sa.select(sa.func.count()).select_from(m.Visit))
    await engine.dispose()
    return int(n or 0)


async def _now(url: str) -> datetime:
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        now: datetime = (await conn.execute(sa.select(sa.func.now()))).scalar_one()
    await engine.dispose()
    return now


async def _sessions(url: str) -> tuple[int, int]:
    """The sessions opened on the bench's database so far (``pg_stat_database``, this one's included) and the
    service's connections open now (those of other applications than this bench's own: ``zhifa``)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.text(
                        "SELECT (SELECT sessions FROM pg_stat_database WHERE datname = current_database()),"
                        " (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        "  AND pid <> pg_backend_pid() AND backend_type = 'client backend')"
                    )
                )
            ).one()
        return int(row[0]), int(row[1])
    finally:
        await engine.dispose()


# The visits not audited yet: a column of ``visit`` before inspection_0013, the queue ``visit_unaudited`` after.
_UNAUDITED = {
    False: "(SELECT count(*) FILTER (WHERE audited_at IS NULL) FROM visit WHERE recorded_at >= :t)",
    True: "(SELECT count(*) FROM visit_unaudited)",
}


async def _rounds(url: str, since: datetime) -> tuple[int, int]:
    """The relay's claims and the auditor's rounds that handled rows written since ``since``, once both caught
    up: each claim marks its rows with its transaction's ``now()``, and each auditor round appends its visits'
    entries in one transaction, so the distinct marks (the entries' ``xmin``) count the rounds (the same for
    any code, old or new)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            queue = bool(await conn.scalar(sa.text("SELECT to_regclass('visit_unaudited') IS NOT NULL")))
        for _ in range(100):
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        sa.text(
                            "SELECT (SELECT count(*) FILTER (WHERE published_at IS NULL)"
                            "  FROM outbox WHERE created_at >= :t),"
                            f" {_UNAUDITED[queue]},"
                            " (SELECT count(DISTINCT published_at) FROM outbox WHERE created_at >= :t),"
                            " (SELECT count(DISTINCT xmin::text) FROM audit_entry"
                            "  WHERE entity_type = 'visit' AND at >= :t)"
                        ),
                        {"t": since},
                    )
                ).one()
            if row[0] == 0 and row[1] == 0:
                return int(row[2]), int(row[3])
            await asyncio.sleep(0.1)
        return int(row[2]), int(row[3])
    finally:
        await engine.dispose()


def _start_inspection(topology: str, port: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    if topology == "one process":  # exactly what `make run` starts
        return [start([PY, "-m", "zhifa.cli", "serve", "inspection", "--port", str(port)], env=env)]
    worker = [PY, "-m", "zhifa.cli", "serve", "inspection", "--role", "worker", "--port", str(free_port())]
    if topology == "API process + worker":  # what docs/scaling.md recommends on two cores
        api_one = [PY, "-m", "zhifa.cli", "serve", "inspection", "--role", "api", "--port", str(port)]
        return [start(api_one, env=env), start(worker, env=env)]
    # Production's shape on two cores: the API as two processes (the prod overlay keeps at least two API
    # replicas), each built and served as `zhifa serve` serves one, each on a socket of its own that the kernel
    # spreads the gateway's connections over (SO_REUSEPORT: as a Service spreads them over pods), or, to
    # compare, both on one socket; relay/consumers/jobs in a worker.
    reuse_port = topology == PRODUCTION
    return [
        start(processes("inspection", "api", port, 2, reuse_port=reuse_port), env=env),
        start(worker, env=env),
    ]


#: The code to compare with (issue #16: before/after in the same run): a directory holding the old tree
#: (``git archive <ref> | tar -x -C DIR``), or a git ref of this repository, unpacked into a temporary directory.
OLD_TREE_ENV, OLD_REF_ENV = "ZHIFA_BENCH_OLD_TREE", "ZHIFA_BENCH_OLD_REF"
#: Narrow a run: connection levels ("16,32"), repetitions per level, topologies by index ("0,2").
LEVELS_ENV, RUNS_ENV, TOPOLOGIES_ENV = "ZHIFA_BENCH_LEVELS", "ZHIFA_BENCH_RUNS", "ZHIFA_BENCH_TOPOLOGIES"
#: Each API process's database pool in the topologies of two, "size,overflow" (default "8,8": together what
#: one process has).
SHAPE_POOL_ENV = "ZHIFA_BENCH_SHAPE_POOL"
ROOT = Path(__file__).resolve().parent.parent


def _variants(workdir: Path) -> list[tuple[str, dict[str, str]]]:
    """("", {}) alone, or the old and the new code, each imported from its own tree (PYTHONSAFEPATH keeps the
    working directory off ``sys.path``, so the editable install's tree cannot shadow the old one)."""
    tree = os.environ.get(OLD_TREE_ENV, "")
    ref = os.environ.get(OLD_REF_ENV, "")
    if ref and not tree:
        tree = str(workdir / "old-tree")
        Path(tree).mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
    if not tree:
        return [("", {"PYTHONSAFEPATH": "1", "PYTHONPATH": str(ROOT)})]
    variants = []
    for name, path in (("old", tree), ("new", str(ROOT))):
        env = {"PYTHONSAFEPATH": "1", "PYTHONPATH": path}
        probe = [PY, "-c", "import services; print(services.__file__)"]
        imported = subprocess.run(probe, env={**os.environ, **env}, capture_output=True, text=True).stdout
        if not imported.startswith(str(Path(path).resolve())):
            raise RuntimeError(f"the {name} code imports {imported.strip()}, not the tree {path}")
        variants.append((name, env))
    return variants


def _ints(name: str, default: list[int]) -> list[int]:
    text = os.environ.get(name, "")
    return [int(x) for x in text.split(",") if x.strip()] if text else default


def run(quick: bool = False) -> str:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian package wrk; `make bench` installs it)")
    levels, runs, seconds = ([8, 32], 1, 5) if quick else ([4, 8, 16, 32, 64], 3, 8)
    levels, runs = _ints(LEVELS_ENV, levels), _ints(RUNS_ENV, [runs])[0]
    topologies = [TOPOLOGIES[i] for i in _ints(TOPOLOGIES_ENV, list(range(len(TOPOLOGIES))))]
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-checkin-"))
    root.chmod(0o755)
    variants = _variants(root)
    # Each code on a PostgreSQL server of its own, migrated by its own tree: a change of schema (an index, a
    # trigger) is measured with its code, not the old code on the new schema; and the CPU counted for one
    # code's run is its server's alone (the other's autovacuum, after its run, is not in it).
    servers = {code: EmbeddedPostgres(root / f"pg-{code or 'this'}", free_port()) for code, _ in variants}
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    nats.start()
    results: list[Run] = []
    profiles: dict[str, dict[str, Any]] = {}
    try:
        urls: dict[str, str] = {}
        for code, code_env in variants:
            servers[code].start()
            urls[code] = _database(servers[code], code, code_env)
        tokens = [asyncio.run(_prepare(url)) for url in urls.values()][-1]  # the same enterprises in each
        for pg in servers.values():  # the load's vacuum and statistics now, not autovacuum in the first run
            pg.psql("VACUUM (ANALYZE)", "bench_checkin")
        postmasters = {code: int(pg.pid() or 0) for code, pg in servers.items()}
        script, data, warm = root / "checkin.lua", root / "codes.tsv", root / "warm.lua"
        script.write_text(LUA % {"data": data, "threads": 2, "path": PATH})
        warm.write_text(WARM_LUA % {"data": data, "threads": 2})
        # The service alone, in-process: its CPU and where it goes. Old and new alternate, one run each per
        # round, so that the machine's load (shared, noisy) falls on both alike; the last round is profiled.
        # The second run of a pair runs slower on this machine whichever code it is (docs/benchmarks/
        # checkin-python.md, round five), so the code that goes first alternates: by round here, by topology below.
        for rep in range(PROFILE_ROUNDS):
            for code, code_env in _in_turn(variants, rep):
                measured = profile(code_env, profiled=rep == PROFILE_ROUNDS - 1)
                kept = profiles.setdefault(code, {"runs_cpu_ms": [], "loads": [], "shares": {}})
                kept["runs_cpu_ms"] += measured["runs_cpu_ms"]
                kept["loads"].append(measured["load"])
                kept["shares"] = measured["shares"] or kept["shares"]
        for kept in profiles.values():
            kept["cpu_ms"], kept["load"] = median(kept["runs_cpu_ms"]), median(kept["loads"])
        for turn, topology in enumerate(topologies):
            for code, code_env in _in_turn(variants, turn):  # back to back, each on its own server
                results += _measure(
                    topology,
                    code,
                    code_env,
                    urls[code],
                    nats,
                    postmasters[code],
                    tokens,
                    (script, data, warm),
                    levels,
                    runs,
                    seconds,
                )
                # what this run left to autovacuum (~30,000 visits written and audited) is done now, not
                # during the next code's run, where it would take the cores that code is measured on
                servers[code].psql("VACUUM (ANALYZE)", "bench_checkin")
    finally:
        nats.stop()
        for pg in servers.values():
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    if "--no-flame" not in sys.argv:
        flame(FLAME, variants[-1][1])
    report = _report(results, levels, runs, seconds, topologies, [v for v, _ in variants])
    return report + "\n\n" + profile_report(profiles)


def _in_turn(variants: list[tuple[str, dict[str, str]]], turn: int) -> list[tuple[str, dict[str, str]]]:
    """The codes to compare in the order of this turn: as given in even turns, reversed in odd ones."""
    return variants if turn % 2 == 0 else variants[::-1]


def _database(pg: EmbeddedPostgres, code: str, code_env: dict[str, str]) -> str:
    """The database for ``code`` (old, new, or this tree's alone) on ``pg``, migrated by that code."""
    pg.psql('CREATE DATABASE "bench_checkin"')
    url = pg.dsn("bench_checkin", driver="postgresql+asyncpg")
    if not code:
        migrate.upgrade("inspection", url)
        return url
    upgrade = "import sys; from services.common import migrate; migrate.upgrade('inspection', sys.argv[1])"
    subprocess.run([PY, "-c", upgrade, url], env={**os.environ, **code_env}, capture_output=True, check=True)
    return url


def _measure(
    topology: str,
    code: str,
    code_env: dict[str, str],
    url: str,
    nats: EmbeddedNats,
    postmaster: int,
    tokens: list[tuple[str, str]],
    files: tuple[Path, Path, Path],
    levels: list[int],
    runs: int,
    seconds: int,
) -> list[Run]:
    """Start the topology's processes on ``code``, warm them, and measure every level ``runs`` times."""
    script, data, warm = files
    svc_port, gw_port = free_port(), free_port()
    env = {
        **code_env,
        "ZHIFA_ENV": "dev",
        "ZHIFA_LOG_LEVEL": "WARNING",
        "ZHIFA_NATS_URL": nats.url,
        "ZHIFA_INSPECTION_DATABASE_URL": url,
        "ZHIFA_INSPECTION_DATABASE_POOL_SIZE": "16",
        "ZHIFA_INSPECTION_DATABASE_MAX_OVERFLOW": "16",
        "ZHIFA_GATEWAY_INSPECTION_URL": f"http://127.0.0.1:{svc_port}",
        "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
        "ZHIFA_GATEWAY_RATE_BURST": "1000000",
        "PYTHONNODEBUGRANGES": "1",  # as the image's ENV and `zhifa up` set for every process
    }
    if topology in TWO_API:  # the same connections in all, shared by the two processes (or SHAPE_POOL_ENV's)
        size, overflow = (os.environ.get(SHAPE_POOL_ENV) or "8,8").split(",")
        env |= {
            "ZHIFA_INSPECTION_DATABASE_POOL_SIZE": size,
            "ZHIFA_INSPECTION_DATABASE_MAX_OVERFLOW": overflow,
        }
    results: list[Run] = []
    services = _start_inspection(topology, svc_port, env)
    gateway = start([PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(gw_port)], env=env)
    try:
        wait_http(f"http://127.0.0.1:{svc_port}/healthz")
        wait_http(f"http://127.0.0.1:{gw_port}/healthz")
        target = f"http://127.0.0.1:{gw_port}{PATH}"
        asyncio.run(_issue(url, tokens, len(tokens), data))
        _wrk(target.replace(PATH, "/api/v1/inspection/visits/entry-codes/keys"), warm, 16, 12, check=False)
        asyncio.run(_issue(url, tokens, 3000, data))
        _wrk(target, script, 16, 3)  # warm up: connection pools, prepared statements
        groups = {
            "inspection": [p.pid for p in services],
            "worker": [services[-1].pid] if len(services) > 1 else [],
            "gateway": [gateway.pid],
            "PostgreSQL": [postmaster],
            "NATS": [nats.process.pid] if nats.process else [],
        }
        for connections in levels:
            for _ in range(runs):
                asyncio.run(_issue(url, tokens, 1200 * seconds, data))
                time.sleep(1)
                before, cpu_before, since = asyncio.run(_visits(url)), _cpu(groups), asyncio.run(_now(url))
                sessions_before = asyncio.run(_sessions(url))[0]
                api = _api_processes(topology, services[0].pid)
                api_before, wrk_before = [_with_reaped(pid) for pid in api], children_cpu()
                service = [p for root in groups["inspection"] for p in family(root)]
                switched_before = switches(service)
                rps, p50, p95, p99, errors = _wrk(target, script, connections, seconds)
                cpu_after, wrk_spent = _cpu(groups), children_cpu() - wrk_before
                switched = [a - b for a, b in zip(switches(service), switched_before, strict=True)]
                api_spent = [_with_reaped(pid) - b for pid, b in zip(api, api_before, strict=True)]
                made = asyncio.run(_visits(url)) - before
                per = {k: (cpu_after[k] - cpu_before[k]) * 1000 / max(made, 1) for k in groups}
                per["wrk"] = wrk_spent * 1000 / max(made, 1)
                load = os.getloadavg()[0]
                sessions_after, backends = asyncio.run(_sessions(url))
                held = tcp_sockets(svc_port, "01")
                conns = tuple(len(sockets(pid) & held) for pid in api) if api else (len(held),)
                claims, audits = (100 * n / max(made, 1) for n in asyncio.run(_rounds(url, since)))
                results.append(
                    Run(
                        topology,
                        connections,
                        rps,
                        p50,
                        p95,
                        p99,
                        errors,
                        made,
                        per,
                        code,
                        load,
                        claims,
                        audits,
                        tuple(x / sum(api_spent) for x in api_spent) if sum(api_spent) > 0 else (),
                        # less the bench's own two between the counts (_sessions' first, _visits')
                        100 * max(sessions_after - sessions_before - 2, 0) / max(made, 1),
                        backends,
                        conns,
                        (switched[0] / max(made, 1), switched[1] / max(made, 1)),
                    )
                )
    finally:
        stop_group(gateway)
        for proc in reversed(services):
            stop_group(proc)
    return results


def _api_processes(topology: str, launcher: int) -> list[int]:
    """The processes serving the API (the launcher's children), when there are several."""
    if topology not in TWO_API:
        return []
    return sorted(pid for pid in family(launcher) if pid != launcher)


def _report(
    results: list[Run],
    levels: list[int],
    runs: int,
    seconds: int,
    topologies: list[str] | None = None,
    codes: list[str] | None = None,
) -> str:
    topologies, codes = topologies or list(TOPOLOGIES), codes or [""]
    compared = codes == ["old", "new"]
    lines = [
        "## Check-in through the gateway (扫码入企)",
        "",
        f"`POST {PATH}` with an enterprise token and a fresh entry code, through the gateway (token verified on",
        "every request) to the inspection service, which verifies the Ed25519 signature, locks the enterprise",
        "(BEGIN sent with the lock, one message), reads every fact of the entry rules in one statement (the",
        "enterprise, the code, the task and the enterprise's place in it, the two officers' certificates, the item",
        "versions, this year's visits, the risk class, quiet periods), re-checks every rule, and in ONE more",
        "statement consumes the code, writes the visit (queued for the auditor) and its `inspection.visit.started`",
        "outbox row, then commits (durable PostgreSQL, fsync on) and wakes the relay in the COMMIT's message, after",
        "it: four round trips with COMMIT (the old code's five: BEGIN on its own), the transaction on a connection of the pool taken for the request, without an ORM",
        "session around it (`services/common/db.py` `offer_pooled`). The route's common request (a JSON body its model accepts) is",
        "served without FastAPI's generic handler (`services/common/hot.py`: its two dependencies called",
        "in order, the reply through the route's own `dump_json`); any other request is FastAPI's. NATS runs with",
        "`sync_interval: always`; the relay publishes the events and the auditor appends each visit start to the",
        f"audit chain meanwhile. Codes are pre-issued in bulk over {ENTERPRISES:,} enterprises of an approved",
        "key-area task (see the module docstring), each enterprise's token already verified once (as for a",
        f"returning user). `wrk -t2 -d{seconds}s`, {runs} run(s) per level, medians; load is the machine's",
        "1-minute load average at the end of the runs (median). Where PostgreSQL's share goes, statement by",
        "statement (planning, execution, triggers, WAL; `bench/checkin_postgres.py`) and what was cut:",
        "[checkin-postgres.md](benchmarks/checkin-postgres.md).",
        "Load generator, gateway, service, PostgreSQL and NATS share the 2 cores. Topologies: one",
        "`zhifa serve inspection` process (what `make run` starts); one `--role api` process beside a",
        "`--role worker` process (relay, consumers, jobs); and production's shape on 2 cores, the API as two",
        "`--role api` processes beside the worker, each built and served exactly as `zhifa serve` serves a",
        "process (the kernel's HTTP server, header limits; `PROCESSES` in bench/common.py, as bench_assessment",
        "uses) and each on a listening socket of its own (SO_REUSEPORT: the kernel spreads the gateway's",
        "connections over the two by a hash of their addresses, as a Kubernetes Service spreads connections over",
        "pods); to compare, the same two processes on one shared socket. Every process runs with `PYTHONNODEBUGRANGES=1` (as the image sets) and freezes its",
        "start-up heap (`gc.freeze()` in `zhifa serve`): without it each full collection walked ~80 ms of",
        "start-up objects with the loop stopped, several times a minute, and p99 at 8 connections was 80–120 ms.",
    ]
    if os.environ.get(LEVELS_ENV):
        lines.append(
            f"This run's levels were narrowed to {', '.join(map(str, levels))} connections (`{LEVELS_ENV}`); "
            "the full run measures 4, 8, 16, 32 and 64."
        )
    if compared:
        lines += [
            "",
            "**Old and new code in the same run** (issue #16): for each topology the processes ran the old tree",
            f"(`{OLD_TREE_ENV}` or `{OLD_REF_ENV}`) and this tree back to back, the old first for the first topology and",
            "this tree first for the second (the second of a pair ran slower here whichever code it was:",
            "[checkin-python.md](benchmarks/checkin-python.md), round five), each on a PostgreSQL server of its",
            "own migrated by its own tree (a change of schema is measured with its code; a code's PostgreSQL CPU is",
            "its server's alone).",
        ]
    lines += [
        "",
        "| topology | code | connections | check-ins/s | p50 ms | p95 ms | p99 ms | errors | "
        "CPU ms per check-in: service (of which worker) / gateway / PostgreSQL | load | relay claims / "
        "auditor rounds per 100 check-ins |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    best: dict[tuple[str, str], tuple[int, float, float]] = {}
    medians: dict[tuple[str, str, int], dict[str, float]] = {}
    for topology in topologies:
        for connections in levels:
            for code in codes:
                rows = [
                    r
                    for r in results
                    if r.topology == topology and r.connections == connections and r.code == code
                ]
                if not rows:
                    continue
                row = {
                    "rps": median([r.rps for r in rows]),
                    "p50": median([r.p50_ms for r in rows]),
                    "p95": median([r.p95_ms for r in rows]),
                    "p99": median([r.p99_ms for r in rows]),
                    "load": median([r.load for r in rows]),
                    "claims": median([r.claims for r in rows]),
                    "audits": median([r.audits for r in rows]),
                    "sessions": median([r.sessions for r in rows]),
                    "backends": median([r.backends for r in rows]),
                    "voluntary": median([r.switches[0] for r in rows]),
                    "involuntary": median([r.switches[1] for r in rows]),
                    **{k: median([r.cpu_ms[k] for r in rows]) for k in rows[0].cpu_ms},
                }
                shares = [min(r.api_shares) for r in rows if r.api_shares]
                if shares:  # the less busy of the two API processes
                    row["api_min_share"] = median(shares)
                held = [r.api_conns for r in rows if r.api_conns]
                if (
                    held
                ):  # the gateway's connections to the service, and how many the less busy API process held
                    row["conns"] = median([sum(c) for c in held])
                    row["conns_min"] = median([min(c) if len(c) > 1 else 0 for c in held])
                medians[(topology, code, connections)] = row
                errors = sum(r.errors for r in rows)
                worker = f" ({row['worker']:.2f})" if row.get("worker") else ""
                lines.append(
                    f"| {topology} | {code or '—'} | {connections} | {row['rps']:,.0f} | {row['p50']:.1f} | "
                    f"{row['p95']:.1f} | {row['p99']:.1f} | {errors} | {row['inspection']:.2f}{worker} / "
                    f"{row['gateway']:.2f} / {row['PostgreSQL']:.2f} | {row['load']:.1f} | "
                    f"{row['claims']:.1f} / {row['audits']:.1f} |"
                )
                if row["p99"] <= 50 and row["rps"] > best.get((topology, code), (0, 0.0, 0.0))[1]:
                    best[(topology, code)] = (connections, row["rps"], row["p99"])
    lines.append("")
    if compared:
        for topology in topologies:
            for connections in levels:
                old, new = (
                    medians.get((topology, "old", connections)),
                    medians.get((topology, "new", connections)),
                )
                if old and new:
                    lines.append(
                        f"- {topology}, {connections} connections, new ÷ old: service CPU per check-in "
                        f"**×{new['inspection'] / old['inspection']:.2f}** ({old['inspection']:.2f} → "
                        f"{new['inspection']:.2f} ms), PostgreSQL CPU ×{new['PostgreSQL'] / old['PostgreSQL']:.2f}, "
                        f"check-ins/s ×{new['rps'] / old['rps']:.2f}, p99 ×{new['p99'] / old['p99']:.2f}."
                    )
        lines.append("")
    for topology in topologies:
        for code in codes:
            label = f"{topology}" + (f" ({code} code)" if code else "")
            if (topology, code) in best:
                c, rps, p99 = best[(topology, code)]
                lines.append(
                    f"- {label}: best within p99 ≤ 50 ms: **{rps:,.0f} check-ins/s at {c} connections "
                    f"(p99 {p99:.1f} ms)**."
                )
            else:
                lines.append(f"- {label}: no level kept p99 within 50 ms.")
    lines += ["", *wake_ups_report(medians, topologies, codes, levels)]
    lines += ["", *target_report(medians, topologies, codes, levels)]
    lines += [
        "",
        "Floor: ≥ 300 check-ins/s with p99 ≤ 50 ms. Errors are non-2xx responses or socket errors; every 2xx",
        "created exactly one visit (counted in the database after each run).",
    ]
    return "\n".join(lines + shape_report(medians, topologies, codes, levels))


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
