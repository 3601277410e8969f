"""Idle memory of every process: the whole stack started with `zhifa up` (sample data loaded), a first request
of each kind a process serves at idle (health, readiness, one authenticated read), left idle, then the resident
set size (RSS) of each service process and the gateway read with psutil."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from bench import memory_round
from bench.common import median, wait_http
from bench.memory_heap import heap_table, top_files
from services.common.embedded import free_port
from zhifa.localstack import PROCESS_ENV  # the interpreter options of the processes `zhifa up` starts

ZHIFA = str(Path(sys.executable).parent / "zhifa")


def _environ() -> dict[str, str]:
    """This environment without ``PYTHONDONTWRITEBYTECODE``: the processes measured load their code from .pyc
    files, as in the image (pip compiles them at install); compiled from source on every start instead, each
    process was 1–2 MiB larger at idle (two runs of this bench on the same code, 2026-12-07)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


ROOT = Path(__file__).resolve().parent.parent


#: `zhifa up` with each service started as production runs it (deploy/k8s/base/<service>.yaml): a `--role api`
#: process on the service's port and a `--role worker` process, each with its admin port (the probes' and
#: /metrics'), and the gateway with its admin port. zhifa/localstack.py prepares everything as for `zhifa up`
#: (database roles, migrations, NATS users, the sample data and its events); only the serve processes
#: differ. This tree's launcher (`-P`: not the working directory's code), the measured code's processes
#: (their working directory and PYTHONPATH).
_PRODUCTION = """
import sys
from pathlib import Path
from zhifa import localstack
from zhifa.supervisor import ProcessChild, Supervisor
var, pg, nats, offset, code = sys.argv[1:6]
start = Supervisor.start
def split(self, child):
    if not isinstance(child, ProcessChild):
        return start(self, child)
    target, port = child.argv[-1], int(child.ready_url.split(":")[2].split("/")[0])
    roles = [("gateway", [], port)] if target == "gateway" else [
        (f"{target}-api", ["--role", "api"], port),
        (f"{target}-worker", ["--role", "worker", "--port", str(port + %(worker)d)], port + %(worker)d),
    ]
    for name, role, at in roles:
        admin = at + %(admin)d
        start(self, ProcessChild(
            name, [*child.argv, *role, "--admin-port", str(admin)], env={**child.env, "PYTHONPATH": code},
            log_path=child.log_path.with_name(name + ".log"), ready_url=f"http://127.0.0.1:{admin}/readyz",
            tier=child.tier, stop_budget_s=child.stop_budget_s,
        ))
Supervisor.start = split
raise SystemExit(localstack.run(localstack.Options(Path(var), int(pg), int(nats), int(offset))))
"""
WORKER_PORT, ADMIN_PORT = 2000, 1000  # a worker's port: its service's + 2000; an admin port: its port + 1000
SPLIT = _PRODUCTION % {"worker": WORKER_PORT, "admin": ADMIN_PORT}


def _sample(offset: int, code: Path | None = None, production: bool = False) -> dict[str, float]:
    """One `zhifa up`; ``code``: run that checkout's code instead (PYTHONPATH precedes the editable install);
    ``production``: its processes in production's shape (:data:`_PRODUCTION`), named ``<service>/<role>``."""
    var = Path(tempfile.mkdtemp(prefix="zhifa-bench-mem-"))
    var.chmod(0o755)
    ports = [str(var), str(free_port()), str(free_port()), str(offset)]
    up = [ZHIFA, "up", "--var-dir", ports[0], "--pg-port", ports[1], "--nats-port", ports[2], "--port-offset"]
    proc = subprocess.Popen(
        [sys.executable, "-P", "-c", SPLIT, *ports, str(code or ROOT)] if production else [*up, ports[3]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={
            **_environ(),
            "ZHIFA_ENV": "dev",
            **({"PYTHONPATH": str(code)} if code and not production else {}),
        },
        # `zhifa up` starts the services with `python -m zhifa` (`-m zhifa.cli` before), which puts the working
        # directory first on sys.path: run in the checkout whose code is measured.
        cwd=str(code or ROOT),
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    up_now = False
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line or b"Ctrl-C stops everything" in line:
            up_now = bool(line)
            break
    try:
        if not up_now:
            return {}
        try:
            _first_requests(offset, production)
        except (OSError, RuntimeError):  # a process did not come up: the caller samples once more
            return {}
        time.sleep(10)  # idle: consumers waiting, relays polling
        sizes: dict[str, float] = {}
        for child in psutil.Process(proc.pid).children(recursive=True):
            cmd = child.cmdline()
            if "serve" in cmd:
                name = cmd[cmd.index("serve") + 1]
                if "--role" in cmd:
                    name += "/" + cmd[cmd.index("--role") + 1]
                sizes[name] = child.memory_info().rss / 1024 / 1024
                sizes.update({f"{name} {k}": v for k, v in _kinds(child.pid).items()})
        sizes["load"] = os.getloadavg()[0]
        return sizes
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        shutil.rmtree(var, ignore_errors=True)  # the run's database and NATS store


def _first_requests(offset: int, production: bool = False) -> None:
    """What every process serves at idle, once: /healthz and /readyz (the probes), and one authenticated read
    (an administrator's GET of the diagnostic pings: the token verified, a query, a response model), straight to
    each service and, for the gateway, through it to penalty. In production's shape the probes go to each
    process's admin port, as the kubelet's do, and a worker gets only the probes (it serves no route)."""
    from services.common.devtokens import mint_dev_token
    from services.common.registry import GATEWAY_PORT, SERVICES

    token = mint_dev_token("admin", "bench-memory")
    targets = [(s.port, s.url_prefix) for s in SERVICES.values()] + [
        (GATEWAY_PORT, SERVICES["penalty"].url_prefix)
    ]
    probes = ADMIN_PORT if production else 0
    if production:
        targets += [(s.port + WORKER_PORT, "") for s in SERVICES.values()]
    for port, prefix in targets:
        base, admin = f"http://127.0.0.1:{port + offset}", f"http://127.0.0.1:{port + offset + probes}"
        wait_http(admin + "/healthz", timeout=120)  # `zhifa up` says it is up before the gateway answers
        for url, headers in (
            (admin + "/healthz", {}),
            (admin + "/readyz", {}),
            (f"{base}/api/v1/{prefix}/diagnostics/pings", {"Authorization": f"Bearer {token}"}),
        ):
            if prefix or "diagnostics" not in url:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
                    r.read()


KINDS = ("uss", "pss", "anon", "file", "threads")
LIBRARIES = 4  # the largest shared libraries shown per process


def _kinds(pid: int) -> dict[str, float]:
    """USS and PSS (psutil), anonymous and file-backed resident memory (/proc/<pid>/status), and the resident
    size of the largest shared libraries (/proc/<pid>/smaps; ``lib:<name>``), in MiB."""
    process = psutil.Process(pid)
    full = process.memory_full_info()
    out = {"uss": full.uss / 2**20, "pss": full.pss / 2**20, "threads": float(process.num_threads())}
    with open(f"/proc/{pid}/status") as f:
        status = {line.split(":")[0]: int(line.split()[1]) for line in f if line.startswith("Rss")}
    out["anon"], out["file"] = status["RssAnon"] / 1024, status["RssFile"] / 1024
    libraries: dict[str, float] = {}
    current = ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if not parts[0].endswith(":"):
                current = parts[5].rsplit("/", 1)[-1] if len(parts) > 5 and ".so" in parts[5] else ""
            elif parts[0] == "Rss:" and current:
                libraries[current] = libraries.get(current, 0.0) + int(parts[1]) / 1024
    for name, size in sorted(libraries.items(), key=lambda kv: -kv[1])[:LIBRARIES]:
        out[f"lib:{name}"] = size
    return out


def _compile(tree: Path) -> None:
    """Compile ``tree``'s code to .pyc as the image's install does (pip, without PYTHONNODEBUGRANGES: with the
    column tables, which the processes drop as they load them), rewriting what a process started with
    PYTHONNODEBUGRANGES wrote (tests/zhifa/test_process_env.py reads the columns of the tree's .pyc); and the
    optimized .pyc (``-o 2``) of the tree and the venv's libraries, as deploy/Dockerfile compiles them for the
    processes `zhifa serve` relaunches as ``python -OO`` (zhifa/optimize.py; the standard library's are there)."""
    env = {k: v for k, v in _environ().items() if k != "PYTHONNODEBUGRANGES"}
    dirs = [str(tree / d) for d in ("services", "gateway", "zhifa") if (tree / d).is_dir()]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-f", "-o", "0", "-o", "2", *dirs], env=env, check=True
    )
    libraries = (
        "import compileall, sysconfig;"
        " compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=2, optimize=[2])"
    )
    subprocess.run([sys.executable, "-c", libraries], env=env, check=True)


def _checkout(commit: str) -> Path:
    """The tree of ``commit`` in a temporary directory (git archive: no worktree, no index touched)."""
    target = Path(tempfile.mkdtemp(prefix=f"zhifa-bench-mem-{commit[:8]}-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)  # its processes have ended by then
    target.chmod(0o755)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


STAGES = [  # (label, what is imported at this stage)
    ("interpreter", []),
    ("asyncio, uvloop", ["asyncio", "uvloop"]),
    (
        "pydantic, FastAPI and Starlette; the kernel's process set-up (services/common/lazy.py: nats-py's core,"
        " deferred models, FastAPI's field adapters built on first use, which imports FastAPI)",
        ["pydantic", "services", "fastapi"],
    ),
    (
        "SQLAlchemy (asyncio), asyncpg",
        ["sqlalchemy.ext.asyncio", "sqlalchemy.dialects.postgresql", "asyncpg"],
    ),
    ("nats-py", ["services.common.lazy", "nats.js"]),
    ("cryptography's Ed25519", ["cryptography.hazmat.primitives.asymmetric.ed25519"]),
    (
        "PyJWT (the tokens; it imports its other algorithms, `cryptography.x509` and `serialization` too)",
        ["jwt"],
    ),
    ("the kernel (services.common.app and what it imports)", ["services.common.app"]),
    ("the service's own modules", ["services.{svc}.app"]),
    (
        "`zhifa serve` (zhifa/serve.py, argparse) and uvicorn (without its command line since stop 28:"
        " services/common/lazy.py `import_uvicorn`)",
        [
            "zhifa.serve",
            "uvicorn.protocols.http.httptools_impl",
            "uvicorn.lifespan.on",
            "uvicorn.loops.uvloop",
        ],
    ),
    ("create_app()", []),
]

#: How every `zhifa serve` process starts (zhifa/__main__.py): relaunched as ``python -OO`` (the same command
#: line), the platform's own code loaded as written (zhifa/optimize.py). Probes that measure a process's start
#: begin with it; a tree without zhifa/optimize.py (an older baseline) runs them unoptimized, as it served.
AS_SERVED = """
try:
    from zhifa import optimize
except ImportError:
    pass
else:
    optimize.relaunch()
    optimize.keep_own_code()
"""

_PROBE = """
import importlib, json, sys
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
svc, stages, out = sys.argv[1], json.loads(sys.argv[2]), []
for label, modules in stages:
    for m in modules:
        importlib.import_module(m.format(svc=svc))
    if label == "create_app()":
        importlib.import_module(f"services.{svc}.app").create_app()
    out.append(rss())
print(json.dumps(out))
"""


def _span(values: list[float], digits: int = 1) -> str:
    """``low–high`` of ``values``, or the one value when they agree at that precision."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low}–{high}"


def _libraries(series: list[dict[str, float]], name: str) -> str:
    found: dict[str, list[float]] = {}
    for sample in series:
        for key, value in sample.items():
            if key.startswith(f"{name} lib:"):
                found.setdefault(key.split("lib:", 1)[1], []).append(value)
    ordered = sorted(found.items(), key=lambda kv: -median(kv[1]))[:LIBRARIES]
    return ", ".join(f"{lib.split('.')[0].removeprefix('_')} {median(v):.1f}" for lib, v in ordered)


def _breakdown(
    svc: str, stages: list[Any] = STAGES, code: Path | None = None, served: bool = True
) -> list[float]:
    """RSS after each stage of a service's start-up, in a fresh interpreter (stages are cumulative), started as
    `zhifa serve` starts (:data:`AS_SERVED`) unless not ``served``; ``code``: that checkout's code instead
    (PYTHONPATH and the working directory, as in :func:`_sample`)."""
    import json

    result = subprocess.run(
        [sys.executable, "-c", (AS_SERVED if served else "") + _PROBE, svc, json.dumps(stages)],
        capture_output=True,
        text=True,
        check=True,
        env={**_environ(), "ZHIFA_ENV": "dev", **PROCESS_ENV, **({"PYTHONPATH": str(code)} if code else {})},
        cwd=str(code or ROOT),
    )
    return [float(x) for x in json.loads(result.stdout)]


#: The branch's rejected tokens without PyJWT (services/common/jws.py, PEM keys read without `serialization`):
#: its RSS after create_app() against this code's, back to back, is what keeping PyJWT costs a process.
WITHOUT_PYJWT = os.environ.get("ZHIFA_BENCH_MEMORY_WITHOUT_PYJWT", "221fa78")


def _pyjwt_cost(services: list[str], runs: int) -> dict[str, float]:
    """Per service, the median of ``runs`` differences (this code minus WITHOUT_PYJWT's) of the RSS after
    create_app(), each pair measured back to back; empty when that commit is not in the repository."""
    try:
        other = _checkout(WITHOUT_PYJWT)
    except subprocess.CalledProcessError:
        return {}
    last: list[tuple[str, list[str]]] = [("create_app()", [])]
    return {
        svc: median(  # both unoptimized: what PyJWT costs, not what -OO saves
            [
                _breakdown(svc, last, served=False)[-1] - _breakdown(svc, last, other, False)[-1]
                for _ in range(runs)
            ]
        )
        for svc in services
    }


def _production(
    before: list[dict[str, float]], after: list[dict[str, float]], baseline: str | None
) -> tuple[list[str], dict[str, float]]:
    """The table of production's processes (RSS with its runs, USS and PSS; before and after when there is a
    baseline) and each process's median RSS after."""
    names = sorted({n for s in after for n in s if " " not in n and n != "load"})

    def med(series: list[dict[str, float]], key: str, runs: bool = False) -> str:
        values = [s[key] for s in series if key in s]
        if not values:
            return "–"
        return f"{median(values):.0f}" + (" (" + ", ".join(f"{v:.0f}" for v in values) + ")" if runs else "")

    def load(series: list[dict[str, float]]) -> str:
        values = [s["load"] for s in series if "load" in s]
        return f"{median(values):.1f} (" + ", ".join(f"{v:.1f}" for v in values) + ")" if values else "–"

    if baseline:
        rows = [
            f"| process | RSS before ({baseline}) | RSS after | USS before | USS after | PSS before | PSS after |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {n} | {med(before, n, True)} | {med(after, n, True)} | {med(before, f'{n} uss')}"
                f" | {med(after, f'{n} uss')} | {med(before, f'{n} pss')} | {med(after, f'{n} pss')} |"
                for n in names
            ),
            f"| *load average (1 min)* | {load(before)} | {load(after)} | | | | |",
        ]
    else:
        rows = [
            "| process | RSS | USS | PSS |",
            "|---|---:|---:|---:|",
            *(
                f"| {n} | {med(after, n, True)} | {med(after, f'{n} uss')} | {med(after, f'{n} pss')} |"
                for n in names
            ),
            f"| *load average (1 min)* | {load(after)} | | |",
        ]
    return rows, {n: median([s[n] for s in after if n in s]) for n in names}


def _same_code(baseline: str) -> bool:
    """Whether the processes' code (services/, gateway/, zhifa/) of ``baseline`` is this tree's: then the
    'before' and 'after' columns run the same code and their difference is the run-to-run spread."""
    dirs = ["services", "gateway", "zhifa"]
    return subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", baseline, "--", *dirs]).returncode == 0


def _meets(rss: dict[str, float]) -> str:
    """Which of the processes are within 100 MiB and which are not, with their median RSS."""
    fits = [f"{n} {v:.1f}" for n, v in sorted(rss.items()) if v <= 100]
    over = [f"{n} {v:.1f}" for n, v in sorted(rss.items()) if v > 100]
    return (
        f"met by {', '.join(fits) if fits else 'none'}; NOT met by {', '.join(over)}"
        if over
        else f"met by every process ({', '.join(fits)})"
    )


def _target(idle: dict[str, float], steps: dict[str, list[float]]) -> str:
    """Whether every service is within 100 MiB at idle, and what the MiB above it are."""
    over = {svc: rss - 100 for svc, rss in idle.items() if rss > 100}
    if not over:
        return (
            "Target ≤ 100 MiB per service process in `zhifa up`'s shape (`--role all`): met by every service."
        )
    own = {svc: steps[svc][-3] - steps[svc][-4] + steps[svc][-1] - steps[svc][-2] for svc in over}
    return (
        "Target ≤ 100 MiB per service process in `zhifa up`'s shape (`--role all`): NOT met by "
        + ", ".join(
            f"{svc} (+{mib:.1f} MiB; its own modules and `create_app()` {own[svc]:.1f} MiB)"
            for svc, mib in over.items()
        )
        + ". What is above 100 MiB is the service's own code: the heap table's 'own modules + create_app()'"
        " column (code objects, ORM mappings, pydantic fields, dataclasses' generated methods, the declared"
        " routes' dependants; their adapters are no longer built) and what the running process builds"
        " (SQLAlchemy's first queries, the served routes' effective routes and validators); what `--role all` holds"
        " beyond `--role api` is its worker's work (the jobs' and consumers' first queries, the relay; this"
        " round's paragraph), not modules loaded for nothing. Removing it would mean importing routers, their"
        " use cases and the ORM classes only when a route or consumer first needs them: each first request of"
        " a route slower by its imports, `GET /openapi.json` and the authorisation matrices building them all"
        " anyway, and a second way of wiring every service (issue #12's shape): not done in this round."
    )


def run(quick: bool = False) -> str:
    runs = 1 if quick else 3
    # a commit to compare with, in the same run (bench/baseline.py's variable, or this bench's own)
    baseline = os.environ.get("ZHIFA_BENCH_BASELINE") or os.environ.get("ZHIFA_BENCH_MEMORY_BASELINE")
    old = _checkout(baseline) if baseline else None
    for tree in (ROOT, old):
        if tree is not None:
            _compile(tree)
    samples, before, split, split_before = [], [], [], []
    # The two shapes, each alternating with the baseline's code; once more if one failed. The ports stay below
    # Linux's ephemeral range (32768 on): a process's outgoing connection once took a port a later one listens on.
    for i in range(runs):
        if old is not None:
            before.append(_sample(10000 + 100 * i, old) or _sample(10050 + 100 * i, old))
        samples.append(_sample(11000 + 100 * i) or _sample(11050 + 100 * i))
        if old is not None:
            split_before.append(_sample(12000 + 100 * i, old, True) or _sample(12050 + 100 * i, old, True))
        split.append(_sample(13000 + 100 * i, None, True) or _sample(13050 + 100 * i, None, True))
    names = sorted(n for n in samples[0] if " " not in n and n != "load")
    loads = [s["load"] for s in [*before, *samples, *split_before, *split] if "load" in s]
    production, split_rss = _production(split_before, split, baseline if old is not None else None)
    same_code = old is not None and baseline is not None and _same_code(baseline)
    this_round = memory_round.paragraph(
        [("production's shape", split_before, split), ("`zhifa up`'s shape (`--role all`)", before, samples)],
        baseline if old is not None else None,
        {
            f"{svc}/{role}": top_files(svc, role, AS_SERVED)
            for svc, role in (("penalty", "api"), ("risk", "worker"))
        },
    )
    split_load = median([s["load"] for s in split if "load" in s])
    up_load = median([s["load"] for s in samples if "load" in s])

    def cell(series: list[dict[str, float]], n: str, digits: int = 0) -> str:
        values = [s[n] for s in series if n in s]
        runs = ", ".join(f"{v:.{digits}f}" for v in values)
        return f"{median(values):.{digits}f} ({runs})" if values else "–"

    head, rule = "| process | RSS MiB, median (runs) |", "|---|---:|"
    if old is not None:
        head, rule = f"| process | before ({baseline}) | after |", "|---|---:|---:|"
    rows = [
        f"| {n} | {cell(before, n)} | {cell(samples, n)} |" if old else f"| {n} | {cell(samples, n)} |"
        for n in names
    ]
    rows.append(  # the load average (1 min) when each run was sampled, beside its figures
        f"| *load average (1 min)* | {cell(before, 'load', 1)} | {cell(samples, 'load', 1)} |"
        if old
        else f"| *load average (1 min)* | {cell(samples, 'load', 1)} |"
    )
    kinds = [
        f"| {n} | " + " | ".join(cell(samples, f"{n} {k}") for k in KINDS) + f" | {_libraries(samples, n)} |"
        for n in names
    ]
    services = [n for n in names if n != "gateway"]
    worst = max(median([s[n] for s in samples if n in s]) for n in services)
    steps = {svc: _breakdown(svc) for svc in services}
    breakdown = [
        f"| {label} | "
        + " | ".join(f"{steps[svc][k] - (steps[svc][k - 1] if k else 0):+.1f}" for svc in services)
        + " |"
        for k, (label, _) in enumerate(STAGES)
    ]
    breakdown.append(
        "| total after create_app() | " + " | ".join(f"{steps[s][-1]:.1f}" for s in services) + " |"
    )
    idle = {n: median([s[n] for s in samples if n in s]) for n in services}
    breakdown.append(
        "| the running process: uvicorn, connections, relay, consumers, jobs, first requests | "
        + " | ".join(f"{idle[s] - steps[s][-1]:+.1f}" for s in services)
        + " |"
    )
    breakdown.append(
        "| **idle RSS** (median, above) | " + " | ".join(f"**{idle[s]:.1f}**" for s in services) + " |"
    )
    running = [idle[n] - steps[n][-1] for n in services]
    own = [len(STAGES) - 3, len(STAGES) - 1]  # the service's own modules, create_app()
    libraries = [steps[n][-1] - sum(steps[n][k] - steps[n][k - 1] for k in own) for n in services]
    jwt_stage = next(k for k, (label, _) in enumerate(STAGES) if label.startswith("PyJWT"))
    pyjwt = [steps[n][jwt_stage] - steps[n][jwt_stage - 1] for n in services]
    kept = _pyjwt_cost(services, runs)
    net = (
        f"in this run, RSS after `create_app()` is {_span(list(kept.values()))} MiB larger"
        f" than with {WITHOUT_PYJWT}'s tokens without PyJWT ("
        + ", ".join(f"{svc} {kept[svc]:+.1f}" for svc in services)
        + f"; median of {runs}, each pair back to back)"
        if kept
        else f"({WITHOUT_PYJWT}, the code without PyJWT, is not in this repository to compare with)"
    )
    return "\n".join(
        [
            "## Idle memory per process",
            "",
            "`zhifa up` with the sample data; then, once, what a process serves at idle (`/healthz`, `/readyz`",
            "and one authenticated read: an administrator's `GET .../diagnostics/pings`, to each service and",
            "through the gateway); idle for 10 s; resident set size from psutil. "
            + f"{runs} runs"
            + (f", alternating with the code of {baseline} (before) in the same run" if old else "")
            + f"; load average (1 min) at the samples {min(loads):.1f}–{max(loads):.1f} (2 cores, shared).",
            "Each service process runs its API, outbox relay and consumers (`--role all`); the code is loaded",
            "from .pyc files, as in the image (compiled from source on each start, every process is 1–2 MiB larger);",
            "every `zhifa serve` process relaunches itself as `python -OO` (since stop 27), the platform's own code",
            "loaded as written (zhifa/optimize.py); the 'before' code runs as it served.",
            "",
            head,
            rule,
            *rows,
            "",
            f"Largest service: {worst:.0f} MiB (target ≤ 100 MiB per service process).",
            "",
            "**Production's processes (`--role api` / `--role worker`).** Production does not run `--role all`:",
            "deploy/k8s/base/<service>.yaml runs each service as a Deployment of `zhifa serve <service> --role api`",
            "pods and one of `--role worker` pods, each with its admin port (`--admin-port`: the probes and",
            "`/metrics`), and the gateway likewise. The same `zhifa up` (sample data and its events, database roles,",
            "NATS users, `PYTHONNODEBUGRANGES=1`, .pyc and .opt-2.pyc), its serve processes started that way (`_PRODUCTION` in",
            "bench/bench_memory.py), the same runs alternating with the same code: the probes to each process's",
            "admin port, the authenticated read to each api process and through the gateway; a worker serves no",
            "route, gets the probes and runs the relay, its consumers' subscriptions and its jobs (their first",
            "rounds at start-up), and the sample data's events flow through it. MiB, median (runs); USS and PSS",
            "(medians; PSS divides the shared libraries' pages among the 11 processes on this machine, where a pod",
            "would have its own).",
            "",
            *production,
            "",
            f"Target ≤ 100 MiB per process, production's shape (RSS after, median of {runs}; load average at"
            f" its samples {split_load:.1f}): {_meets(split_rss)}.",
            f"`zhifa up`'s shape (`--role all`; load {up_load:.1f}):"
            f" {_meets({**idle, 'gateway': median([s['gateway'] for s in samples if 'gateway' in s])})}."
            + (
                f" The 'before' columns run {baseline}'s code, which this round did not change (it changed the"
                " benchmark and docs only): the two columns differ by the run-to-run spread alone."
                if same_code
                else ""
            ),
            "",
            "The same processes (after) by kind: USS (only this process's pages), PSS (shared pages divided",
            "among the processes sharing them), anonymous memory (the Python heap: objects, code, the C and",
            "Rust allocations of the extensions) and file-backed pages (mostly the shared libraries, which every",
            "process maps from the same files; counted in full in each RSS), with the largest libraries. A service",
            "process runs one thread until its first request resolves a name (then two: glibc's resolver thread).",
            "",
            "| process | USS | PSS | anonymous | file-backed | threads | largest libraries (MiB) |",
            "|---|---:|---:|---:|---:|---:|---|",
            *kinds,
            "",
            "What the MiB are: RSS after each stage of a service's start-up in a fresh interpreter (stages",
            "cumulative, so a library shared by two stages counts where it is first imported; MiB).",
            "",
            "| stage | " + " | ".join(services) + " |",
            "|---|" + "---:|" * len(services),
            *breakdown,
            "",
            f"The running process holds {min(running):.0f}–{max(running):.0f} MiB more than `create_app()` left.",
            "",
            "What the heap holds (tracemalloc, `python -X tracemalloc=1` in a fresh interpreter, this run): Python's",
            "own allocations by the file of the allocating frame, after `create_app()`, and what the service's",
            "modules and `create_app()` added above the kernel (the 'own modules' and `create_app()` stages'",
            "Python part). Not traced: pydantic-core's validators and serializers (Rust), the C extensions'",
            "buffers (asyncpg, uvloop, cryptography), pymalloc's partly used arenas and the shared libraries.",
            "",
            *heap_table(["penalty", "risk"], AS_SERVED),
            "",
            "By traceback (`tracemalloc.start(25)`, penalty and risk, measured once on b23d68f): of the own",
            "modules' Python allocations, the ORM mappings (`models.py`: tables, mappers, instrumented",
            "attributes) are 2.3 MiB in penalty and 2.8 in risk; the rest is spread over the API routers,",
            "schemas and domain (each ≤ 1 MiB: their code objects, dataclasses' generated methods, pydantic",
            "fields). The running process, traced from `gc.freeze()` (after `create_app()`) to 10 s idle",
            "after the first requests and the sample data's events: penalty 6.5 MiB, risk 8.4 MiB of Python",
            "objects. The largest parts were the first request's methods index (services/common/routing.py),",
            "which built every route's FastAPI context and pydantic adapters through `iter_route_contexts`: 1.9",
            "MiB traced in penalty, 4.5 MiB of RSS with pydantic-core's; then the consumers' idle pull workers",
            "(8 per subscription, each with its task, fetch request and future: 0.9 MiB in penalty's 5",
            "subscriptions, 2.3 MiB in risk's 17); SQLAlchemy's first queries 2.3–2.9 MiB (the ORM attributes'",
            "annotated columns and loader strategies, set up once per mapped class; the compiled statement",
            "cache and cache keys ≤ 0.3 MiB); uvloop, uvicorn and the modules they import late 0.7 MiB; asyncpg",
            "(connections, their statement caches) 0.2–0.3 MiB; nats-py's pending buffer is a list, not",
            "preallocated (`pending_size` is only a bound). The rest of the RSS growth is untraced: pydantic-core's",
            "validators of the routes served, asyncpg's and uvloop's buffers, and pages of libraries touched.",
            "",
            *this_round,
            "",
            "The round before (stop 26): four more ideas measured, none adopted; no process's code changed. Each",
            "measured in production's shape with A/B runs of this benchmark's `_sample` (the same",
            "`zhifa up`, the variants alternating, 2 runs each, load 4.9–9.5; MiB, median per process, variant",
            "minus plain):",
            "(1) Giving freed heap back: glibc's `malloc_trim(0)` (ctypes) after `create_app()` and `gc.freeze()`",
            "returns 0.7–0.9 MiB in a fresh interpreter (penalty api 96.0 → 95.1, penalty worker 92.2 → 91.4,",
            "risk api 93.5 → 92.8, risk worker 90.4 → 89.7; glibc held 0.8–1.3 MiB free of a 20 MiB heap, and",
            "pymalloc's arenas are not in it), but in the running processes it gave +0.3 to +0.5 MiB on every",
            "one of the 11 (penalty/api +0.4, penalty/worker +0.5, risk/worker +0.3): importing ctypes costs",
            "~0.4 MiB, and the running process reuses the freed pages within its first seconds. Environment",
            "variables for the image and the processes alike: `MALLOC_ARENA_MAX=1` −0.1…+0.1 MiB per process,",
            "`MALLOC_TRIM_THRESHOLD_=131072` with `MALLOC_TOP_PAD_=0` −0.2…+0.2 (noise: a worker runs one",
            "thread, an api two). Nothing set in deploy/.",
            "(2) What penalty's own modules load: after `create_app()` an api has 134 of them, 1.3 MB of",
            "marshalled code (the largest: models.py 47 KiB, domain/documents.py 39, use_cases/procedure.py 34,",
            "use_cases/imports.py 33); they import no library or standard module the kernel has not imported",
            "(risk's: `cryptography`'s HKDF only); nothing reads a data file or builds a table at start (the",
            "benchmark catalogue and sample files are read by `zhifa up`'s sample loader and on request); the",
            "document content (domain/documents.py) is used by 16 modules, the procedure among them, so it is no",
            "rare route's; the rare routes' own use cases are ~0.2 MiB each (the xlsx import, below). Their",
            "docstrings: 0.3 MiB (functions' 0.15, modules' 0.16). Clearing the standard caches after",
            "`create_app()` (`re.purge`, typing's, `linecache`, the type cache) frees 0.34 MiB of Python objects",
            "that requests fill again.",
            "(3) risk/worker at idle, traced (`PYTHONTRACEMALLOC=10`, a copy of the process on the same stack):",
            "61 MiB of Python allocations; outside the imports about 4 MiB are SQLAlchemy's (annotated columns,",
            "memoized attributes, attribute events: the ORM mapping and the first rounds' queries, which the",
            "truncated tracebacks do not separate), uvloop and uvicorn 0.3–0.5, asyncpg 0.2, nats-py's 17",
            "subscriptions 0.2: what its jobs and consumers use, not state kept for nothing.",
            "(4) PyJWT: on top of Ed25519 it loads `serialization` +1.33 MiB (kept: the audit checkpoints",
            "read keys with it), `cryptography.x509` +0.89, RSA, EC, Ed448 and padding +0.00 (loaded with",
            "`serialization`), `urllib.request` +0.37 (`prometheus_client` imports it anyway) and its own modules",
            "+0.28. PyJWT 2.15.1 imports x509 in the one `try` of jwt/algorithms.py whose ImportError sets",
            "`has_crypto = False` (every asymmetric algorithm gone, EdDSA included), and jwt/__init__.py imports",
            "its JWKS client unconditionally: importing less would mean patching PyJWT or stubbing its modules:",
            "not done (~1.2 MiB at most, and the tokens are the security boundary, below).",
            "So the 100 MiB target was not reached by penalty and risk in that round: the MiB above it are their",
            "own code and the ORM's state (the last paragraph).",
            "",
            "Two rounds before (fed46ca → 7938ab8): a worker process never",
            'imports its service\'s routes: `create_app(role="worker")` gives the composition root no routers and',
            "imports neither the api package nor deps.py (services/<service>/app.py; tests/common/test_lazy_imports.py",
            "`test_a_worker_process_never_imports_the_routes_it_does_not_serve`): a worker serves only the probes",
            "and `/metrics`, yet declared every route, its FastAPI dependants and the schemas only routes use. RSS",
            'after `create_app(role="worker")`, fresh interpreter, two runs each: penalty 94.0 → 91.6 MiB, risk',
            "92.0 → 89.8 (the service's modules loaded 133 → 106 and 69 → 51); idle, production's shape (that",
            "round's run, load ~7–10): credit_repair/worker 97.4 → 96.4, inspection/worker 100.3 → 98.5,",
            "notify/worker 93.2 → 92.8, penalty/worker 104.8 → 102.5, risk/worker 103.6 → 101.4 MiB; an api and a",
            "`--role all` process load what they did.",
            "Measured and left: an api process",
            "without jobs.py and consumers.py saves 0.1–0.2 MiB after `create_app()` (penalty 95.4 → 95.3, risk",
            "93.1 → 93.0: their use cases are the routes'), and the consumers' handlers serve the api process's",
            "dead-letter retry (`POST .../admin/dead-letters/{id}/retry` handles the event again there): both",
            "kept. What a running process adds",
            "at idle to `create_app()` and uvicorn's imports (one run each, production's shape, load ~6): penalty's",
            "api 99.9 → 103.4 MiB RSS, its worker 96.2 → 102.3; of it Python objects (tracemalloc): api 1.1–1.3",
            "MiB, worker 3.4 (penalty) and 4.5 (risk), 2.1–2.6 of it SQLAlchemy's (the statements compiled by the",
            "jobs' first rounds and the consumers' queries, the ORM's loader strategies: the work a worker does, not",
            "code it loads for nothing); the rest pages of the libraries used and allocations of the extensions",
            "(asyncpg's connections, uvloop). The consumers' idle pull state is one pending fetch per subscription",
            "already (the round below). The 'possible but not done' ideas below stay not done in the `--role all`",
            "process too: none is cheap and safe (a home-made Ed25519 binding, a second process for",
            "`GET /openapi.json`, `-OO` (adopted in stop 27, above), smaller statement caches).",
            "",
            "Three rounds before (925b56d → the code of fed46ca): FastAPI's field",
            "adapters (the pydantic `TypeAdapter` of each route's body, parameters and response) are built when",
            "first used (services/common/lazy.py `defer_route_adapters`). FastAPI 0.165 builds them when a route",
            "is declared, and again for every route of an included router when that router is first matched (its",
            "effective routes, with the app's prefixes and dependencies); every service's routers are included,",
            "so the adapters built at declaration served no request: 506 of them in penalty's `create_app()`,",
            "424 in risk's (tests/common/test_route_adapters.py). RSS after `create_app()`, fresh interpreter,",
            "two runs each back to back with 925b56d: penalty 103.3 → 101.2 MiB, risk 100.5 → 98.8, inspection",
            "96.8 → 95.6, credit_repair 92.0 → 91.8, notify 89.7 → 89.5. The hot routes (penalty's",
            "`POST /benchmarks/{code}/assess`, inspection's `POST /visits/check-in`) are warmed when the process",
            "starts (`warm_hot_routes`, in the lifespan of an `api` or `all` process): their router's effective",
            "routes, the models of their body and response and their fields' adapters, which their first real",
            "request built before (penalty 24 ms and +0.3 MiB, inspection 4.4 ms and +0.05 MiB, in-process;",
            "penalty's first what-if through `zhifa up` after the idle requests above, two runs each way,",
            "alternating: 111.6 and 50.2 ms on 925b56d, 46.0 and 37.9 ms now, the next ones 1–7 ms both ways:",
            "what the first still pays is the first queries and the engine's, not pydantic's);",
            "the other routes build theirs on their first request, as before (FastAPI's own effective routes).",
            "Every service's `GET /openapi.json` is byte for byte 925b56d's (`python -m bench.openapi_same",
            "925b56d`).",
            "",
            "Earlier round: `PYTHONNODEBUGRANGES=1` where the processes are launched (the image's ENV, `zhifa up`): code objects",
            "without column tables, also those loaded from the venv's .pyc (0.6 MiB after `create_app()` in",
            "penalty and risk; tests/zhifa/test_process_env.py); the methods index reads the routes' paths and",
            "methods as declared (services/common/routing.py; tests/common/test_route_index.py: the first",
            "request +6.0 → +1.5 MiB RSS in penalty); one fetch loop per subscription, its messages handled in",
            "tasks up to the same concurrency (services/common/inbox.py; tests/e2e/test_event_spine.py::test_g:",
            "risk 2.4 MiB, penalty 0.9 MiB idle RSS, `zhifa up` with 1 against 8 workers).",
            "",
            "Before (services/common/lazy.py, tests/common/test_lazy_imports.py): python-stdnum (~1 MiB",
            "with pydoc) is imported where a number is checked; `zhifa serve` parses its options with argparse",
            "(zhifa/serve.py): no typer (the stage was +3.7–4.8 MiB with the command line). Earlier: every pydantic",
            "model built when first used (`defer_model_builds`: FastAPI's ~60 OpenAPI models, the event contracts,",
            "the domain's models, the routes' response adapters); pydantic.v1 kept out (`BLOCKED`, ~1.5 MiB);",
            "readiness parses only the migration files' revision assignments (~1.3 MiB); openpyxl with PIL, jinja2,",
            "segno, httpx with rich and pygments, alembic with mako and nats-py's websocket transport (aiohttp)",
            "imported where first used.",
            "",
            "Measured and NOT adopted: tokens signed and verified with `cryptography`'s Ed25519 alone, without",
            "PyJWT, and PEM keys read without `cryptography`'s `serialization`. PyJWT imports its other",
            "algorithms (RSA, EC, Ed448, HMAC), `cryptography.x509`, `serialization` with the SSH key formats and",
            "`urllib.request` for its JWKS client: "
            + f"{_span(pyjwt)} MiB at import on top of Ed25519 (the 'PyJWT' row), less",
            "in a whole process, which imports part of it anyway (the audit checkpoints use `serialization`):",
            "1.6–1.7 MiB when the branch first measured it (its token stage +10.4 MiB with PyJWT, +8.8 without),",
            "and",
            net + ".",
            "The tokens are the platform's security boundary, which must hold even against the departments it",
            "supervises: PyJWT and `cryptography`'s `serialization` are vetted code, and "
            + (f"{max(kept.values()):.1f} MiB" if kept else "~1.7 MiB")
            + " does not justify",
            "re-implementing JOSE parsing and key decoding, so services/common/auth.py keeps them, as on ce1134f.",
            "",
            "Measured and NOT adopted in this round: pydantic's `defer_build` for FastAPI's field adapters",
            "(`ConfigDict(defer_build=True)` as the adapter's config, where the type has none; a model's own",
            "config defers those of a model already): +1.3 MiB after `create_app()` in penalty instead of a",
            "saving, since a deferred adapter holds a mock schema, validator and serializer, each with the type's",
            "repr in its message, and most of these adapters are of a scalar, a list or a union, whose built",
            "validator is small. Library docstrings dropped from the code objects as they are loaded (an import",
            "hook, `-OO` for docstrings only, our own code untouched): ~3.8 MiB of docstrings after `create_app()`",
            "(SQLAlchemy 1.8, the standard library 0.7), but SQLAlchemy's event classes `assert fn.__doc__` at",
            "import and fail without them; without SQLAlchemy it saves 1.1 MiB in penalty: a change to what",
            "third-party code sees, for too little. Stages measured for anything large and unused at idle: the",
            "heap is pymalloc's arenas almost full (52 arenas, 0.4 MiB of free blocks in penalty after",
            "`create_app()`) and glibc's heap (~20 MiB: the larger Python objects, pydantic-core's and the",
            "extensions' allocations); `import asyncio` alone is +9.4 MiB RSS (+5.9 anonymous: `ssl` with",
            "OpenSSL's initialisation, `concurrent.futures`), before any of our code.",
            "",
            "Measured and left (one process each way, same machine): `malloc_trim(0)` 16 s after start-up returns",
            "0.1 MiB (the Python heap lives in pymalloc's arenas, not in glibc's free lists); a pool of one",
            "connection instead of ten leaves the idle RSS unchanged (113.2 MiB both on penalty); `MALLOC_ARENA_MAX`",
            "has one or two threads to serve. The rare routes' own modules are small next to what every route",
            "shares: penalty's xlsx case import (its two use-case modules) adds 0.19 MiB on top of the rest, so no",
            "router defers its use cases; the 'own modules' row is mostly the ORM mappings (`models.py`, ~3 MiB in",
            "penalty and risk) and the domain, schemas and use cases that every route and consumer reaches.",
            "OpenTelemetry (~0.6 MiB) is imported by FastAPI 0.165 itself (`fastapi/telemetry`, a required",
            "dependency), not by zhifa. SQLAlchemy's ~24 MiB is spread over its core (compiler, selectable,",
            "elements, schema: ~1 MiB each) and the ORM the repositories use. `GET /openapi.json` (measured in",
            "one interpreter after `create_app()`): the first costs penalty +32.8 MiB and 3.6 s, risk +24.7 MiB and",
            "1.3 s; the document itself is 0.25 MB of JSON, the rest the validators, serializers and JSON schemas",
            "pydantic builds for the models, which the classes keep; dropping FastAPI's cached document frees",
            "nothing (129.3 MiB before and after) and the next request rebuilds it in 1.75 s, so it is kept.",
            "",
            "Possible but not done: `cryptography`'s Rust library keeps ~8 MiB of its file's pages resident in",
            "every process (the 'largest libraries' column; shared, so PSS counts it once): only a home-made",
            "Ed25519 binding (ctypes on the libcrypto that `ssl` loads) would drop it, for the tokens, the audit",
            "checkpoints, the document seals and the entry codes alike: not for the reason above. `GET /openapi.json` could",
            "build the document in a child process (the service would keep only the 0.25 MB of JSON).",
            "(`python -OO`, listed here before as a change of behaviour, is adopted in stop 27 for the libraries",
            "only: the platform's code keeps its docstrings and asserts; above.) A smaller SQLAlchemy compiled cache or asyncpg statement",
            "cache: they hold ≤ 0.3 MiB at idle (above), and every request would compile again: not done.",
            "",
            "What is left: " + f"{_span(libraries, 0)} MiB of every process is the platform's libraries",
            "(the stages above: interpreter, asyncio with ssl and uvloop, pydantic, FastAPI with Starlette and",
            "OpenTelemetry, SQLAlchemy with asyncpg, nats-py, cryptography with PyJWT, uvicorn), ~28 MiB of it file-backed",
            "pages of shared libraries that every process maps from the same files (PSS counts them once). Above",
            "it: the service's own code (its modules, ORM tables, schemas and routes: the 'own modules' and",
            "`create_app()` rows) and the running process "
            + f"({min(running):.0f}–{max(running):.0f} MiB). Penalty and risk carry the most code.",
            "Not counted here: after the first `GET /openapi.json` (the gateway's API documents fetch every",
            "service's) a service keeps 25–33 MiB more (above).",
            "",
            _target(idle, steps),
        ]
    )


if __name__ == "__main__":
    print(run())
