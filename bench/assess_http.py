"""``POST /api/v1/penalty/benchmarks/{code}/assess`` over HTTP: the penalty service and the gateway as
``zhifa serve`` processes (uvloop + httptools) on a PostgreSQL with the sample catalogue installed, wrk as
the load with a rotation of seeded what-if bodies, directly to the service and through the gateway.

``rates(code)`` runs one round for the code in ``code`` (None: this tree; a baseline tree from
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
from bench.common import PY, WrkResult, cpu_seconds, stop, wait_http, wrk
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


@dataclass
class Round:
    direct: WrkResult
    gateway: WrkResult
    direct_cpu_ms: float  # the service process's CPU milliseconds per request, direct
    gateway_cpu_ms: float  # the gateway's and the service's, per request through the gateway
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
        body = {
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

    def round(self, code: Path | None, *, seconds: int, connections: int) -> Round:
        """One wrk run directly to the service and one through the gateway, for the code in ``code``."""
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
        service = _start([PY, "-m", "zhifa.cli", "serve", "penalty", "--port", str(svc_port)], env, cwd)
        gateway = _start([PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(gw_port)], env, cwd)
        try:
            wait_http(f"http://127.0.0.1:{svc_port}/healthz", 60)
            wait_http(f"http://127.0.0.1:{gw_port}/healthz", 60)
            script = str(self.script)
            pids = [service.pid, gateway.pid]

            def measured(port: int) -> tuple[WrkResult, float]:
                wrk(f"http://127.0.0.1:{port}", seconds=2, connections=connections, script=script)  # warm-up
                before = [cpu_seconds(p) for p in pids]
                result = wrk(
                    f"http://127.0.0.1:{port}", seconds=seconds, connections=connections, script=script
                )
                spent = sum(cpu_seconds(p) - b for p, b in zip(pids, before, strict=True))
                return result, spent * 1000 / max(result.rps * seconds, 1)

            direct, direct_cpu = measured(svc_port)
            through, through_cpu = measured(gw_port)
            return Round(direct, through, direct_cpu, through_cpu, baseline.load())
        finally:
            stop(gateway)
            stop(service)


def _start(args: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    # `python -m zhifa.cli` puts the working directory first on sys.path: run in the measured checkout.
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
