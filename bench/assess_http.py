"""``POST /api/v1/penalty/benchmarks/{code}/assess`` over HTTP: the penalty service and the gateway on a
PostgreSQL with the sample catalogue installed, wrk as the load with a rotation of seeded what-if bodies,
directly to the service and through the gateway, in two shapes (``SHAPES``): one ``zhifa serve`` process of
each, and production's on two cores (the API as two processes on one port, a worker, two gateway processes).

``Stack.round(code, shape)`` runs one round for the code in ``code`` (None: this tree; a baseline tree from
``bench.baseline`` otherwise), so that the bench can alternate the two in the same run."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import baseline
from bench.common import (
    PY,
    WrkResult,
    children_cpu,
    cpu_seconds,
    family,
    processes,
    stop_group,
    wait_http,
    wrk,
)
from services.common import clock
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/penalty/benchmarks/{code}/assess"

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
      items[#items + 1] = line:sub(1, tab - 1)
      items[#items + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
end
function request()
  pos = pos + 2
  if pos > #items then pos = 2 end
  return wrk.format("POST", items[pos - 1],
    {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}, items[pos])
end
"""


@dataclass(frozen=True)
class Shape:
    """How the penalty service and the gateway run."""

    name: str
    api_processes: int  # penalty's API processes on the one port (1: ``zhifa serve penalty``, role all)
    worker: bool  # a ``--role worker`` process beside them (relay, consumers, jobs)
    gateways: int  # gateway processes on the one port (1: ``zhifa serve gateway``)
    connections: tuple[int, ...]


#: One ``zhifa serve`` process of each (``make run``), and production's shape on two cores: the API as two
#: processes (the prod overlay's HorizontalPodAutoscalers keep at least two replicas of every API Deployment
#: and of the gateway) and a worker (KEDA keeps two in prod; on this route a worker only idles).
ONE_PROCESS = Shape("one process", 1, False, 1, (16,))
PRODUCTION = Shape("two API processes + worker, two gateways", 2, True, 2, (16, 32))
SHAPES = (ONE_PROCESS, PRODUCTION)


@dataclass
class Measured:
    shape: str
    path: str  # "direct" | "gateway"
    connections: int
    result: WrkResult
    cpu_ms: float  # every process of the service and of the gateway, CPU milliseconds per request
    wrk_cpu_ms: float  # the load generator's CPU milliseconds per request
    load: str


def bodies(count: int) -> list[tuple[str, str]]:
    """(path, JSON body) of ``count`` seeded what-if requests the engine accepts (dates not after today)."""
    from bench.bench_assessment import workload
    from services.penalty.domain import catalogue as cat

    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    today = clock.today()
    out: list[tuple[str, str]] = []
    for facts, versions in workload(catalogue, count * 2):
        if facts.decision_date > today:
            continue
        body: dict[str, object] = {
            "violation_date": facts.violation_date.isoformat(),
            "decision_date": facts.decision_date.isoformat(),
            "party_type": facts.party_type.value,
            "harm": facts.harm.value,
            "correction": facts.correction.value,
            "first_offence": facts.first_offence,
            "minor_violation": facts.minor_violation,
            "base_amounts": {k.value: v for k, v in facts.base_amounts.items()},
            "mitigations": sorted(m.value for m in facts.mitigations),
            "aggravations": sorted(a.value for a in facts.aggravations),
            "statutory_serious": facts.statutory_serious,
            "complex_case": facts.complex_case,
            "enterprise": facts.enterprise,
        }
        if facts.age_years is not None:
            body["age_years"] = facts.age_years
        out.append((PATH.format(code=versions[0].code), json.dumps(body, ensure_ascii=False)))
        if len(out) == count:
            break
    return out


async def _install(url: str) -> None:
    from services.common.db import create_engine, session_factory, transaction
    from services.penalty.domain import catalogue as cat
    from services.penalty.use_cases import catalogue

    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            published = cat.parse_json(
                (ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8")
            )
            await catalogue.install_catalogue(session, catalogue=published, actor="bench")
    finally:
        await engine.dispose()


class Stack:
    """PostgreSQL (sample catalogue) and NATS, shared by the rounds of every code measured."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="zhifa-bench-assess-http-"))
        self.root.chmod(0o755)
        self.pg = EmbeddedPostgres(self.root / "pg", free_port(), durable=False)
        self.nats = EmbeddedNats(self.root / "nats", free_port())
        self.data = self.root / "bodies.tsv"
        self.script = self.root / "assess.lua"

    def __enter__(self) -> Stack:
        from services.common import migrate

        self.pg.start()
        self.nats.start()
        self.pg.psql('CREATE DATABASE "assess"')
        self.url = self.pg.dsn("assess", driver="postgresql+asyncpg")
        migrate.upgrade("penalty", self.url)
        asyncio.run(_install(self.url))
        self.data.write_text("".join(f"{p}\t{b}\n" for p, b in bodies(2_000)), encoding="utf-8")
        token = mint_dev_token("supervisor", "bench-assess", 3600, scope="city")
        self.script.write_text(LUA % {"data": self.data, "threads": 2, "token": token})
        return self

    def __exit__(self, *exc: object) -> None:
        self.nats.stop()
        self.pg.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)  # the database, NATS's store and the bodies

    def round(self, code: Path | None, shape: Shape, *, seconds: int) -> list[Measured]:
        """wrk directly to the service and through the gateway, at each of the shape's connection counts,
        for the code in ``code``."""
        svc_port, gw_port = free_port(), free_port()
        env = {
            **baseline.env(code),
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_NATS_URL": self.nats.url,
            "ZHIFA_PENALTY_DATABASE_URL": self.url,
            "ZHIFA_PENALTY_DEADLINE_SCAN_ENABLED": "false",
            "ZHIFA_GATEWAY_PENALTY_URL": f"http://127.0.0.1:{svc_port}",
            "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
            "ZHIFA_GATEWAY_RATE_BURST": "1000000",
        }
        cwd = str(code or ROOT)
        serve = [PY, "-m", "zhifa.cli", "serve"]
        started: list[subprocess.Popen[bytes]] = []
        try:
            if shape.api_processes == 1 and not shape.worker:
                started.append(_start([*serve, "penalty", "--port", str(svc_port)], env, cwd))
            else:
                role = "api" if shape.worker else "all"
                started.append(_start(processes("penalty", role, svc_port, shape.api_processes), env, cwd))
            if shape.worker:
                worker_port = free_port()
                started.append(
                    _start([*serve, "penalty", "--role", "worker", "--port", str(worker_port)], env, cwd)
                )
                wait_http(f"http://127.0.0.1:{worker_port}/healthz", 60)
            if shape.gateways == 1:
                started.append(_start([*serve, "gateway", "--port", str(gw_port)], env, cwd))
            else:
                started.append(_start(processes("gateway", "all", gw_port, shape.gateways), env, cwd))
            wait_http(f"http://127.0.0.1:{svc_port}/healthz", 60)
            wait_http(f"http://127.0.0.1:{gw_port}/healthz", 60)
            script = str(self.script)
            roots = [p.pid for p in started]

            def measured(path: str, port: int, connections: int) -> Measured:
                url = f"http://127.0.0.1:{port}"
                wrk(url, seconds=2, connections=connections, script=script)  # warm-up
                before, wrk_before = _tree_cpu(roots), children_cpu()
                result = wrk(url, seconds=seconds, connections=connections, script=script)
                spent, wrk_spent = _tree_cpu(roots) - before, children_cpu() - wrk_before
                requests = max(result.rps * seconds, 1)
                return Measured(
                    shape.name,
                    path,
                    connections,
                    result,
                    spent * 1000 / requests,
                    wrk_spent * 1000 / requests,
                    baseline.load(),
                )

            return [
                measured(path, port, connections)
                for path, port in (("direct", svc_port), ("gateway", gw_port))
                for connections in shape.connections
            ]
        finally:
            for proc in reversed(started):
                stop_group(proc)


def _tree_cpu(roots: list[int]) -> float:
    """User + system CPU seconds of the processes ``roots`` and all their descendants."""
    return sum(cpu_seconds(pid) for root in roots for pid in family(root))


def _start(args: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    # `python -m zhifa.cli` and `python -c` put the working directory first on sys.path: run in the measured
    # checkout. Each in a session of its own: its process group is its processes.
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
