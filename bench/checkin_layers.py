"""The check-in's service CPU layer by layer (issue #16 item 1, round five): in-process against through the
gateway, each layer's cost the difference of two measurements on the same database, the layers alternating
round by round.

Layers (8 check-ins in flight in each; the inspection service's CPU per check-in, every thread of its
process, from /proc for a served process and from the process's CPU clock in-process):

- ``asgi``: bench/profile_checkin.py's driver (the ASGI app called directly, ``--role api``) on uvloop, as
  ``zhifa serve`` runs (profile_checkin itself runs asyncio's loop: ~0.05 ms more per check-in);
- ``api-direct``: ``zhifa serve inspection --role api`` (the kernel's HTTP server), wrk straight at it;
- ``api-gateway``: the same behind the gateway;
- ``all-gateway``: ``zhifa serve inspection`` (relay, auditor, consumers and jobs in the process) behind
  the gateway: bench_checkin's "one process";
- ``all-direct``: the same, wrk straight at it.

Timed rounds also count system calls and context switches (``perf stat``, ``PERF_EVENTS``). With ``--spy``
each layer is sampled once more by py-spy (``record -r 250 -f raw``) and the samples are put in categories
(``categorise``); with ``--count`` the loop thread's Python and C calls per check-in are counted in one more
round (``COUNTER``). Through the gateway, the gateway process's CPU per check-in is reported as well
(``gateway_ms``), and ``--spy-gateway`` (with ``--spy``) samples the gateway too, its raw samples left in
``$TMPDIR/gateway-spy-<layer>.txt`` (``bench.gateway_post.categorise`` sorts them).

    python -m bench.checkin_layers [--rounds 3] [--seconds 8] [--layers asgi,api-direct,...] [--spy]
        [--spy-gateway] [--count]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import bench_checkin as b
from bench.checkin_shape import switches
from bench.common import PY, median, start, stop_group, wait_http
from services.common import migrate
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port

LAYERS = ("asgi", "api-direct", "api-gateway", "all-gateway", "all-direct")
CONNECTIONS = 8
SPY = Path(PY).parent / "py-spy"

#: py-spy categories, by the file of the innermost frame that is not the standard library's (asyncio's Python,
#: logging and the rest of the stdlib are charged to their caller; ``stdlib`` says how much of it there was);
#: "event loop in C" is a sample whose only frames are the loop's run (uvloop's own work: epoll, recv, send,
#: scheduling). py-spy names files relative to their ``sys.path`` entry.
CATEGORIES = [
    ("benchmark driver", ("bench/",)),
    (
        "HTTP server (uvicorn httptools protocol, kernel httpserver)",
        ("uvicorn/", "services/common/httpserver.py"),
    ),
    ("edge middleware", ("services/common/edge.py",)),
    (
        "hot route and dispatch",
        ("services/common/hot.py", "services/common/dispatch.py", "services/common/routing.py"),
    ),
    ("metrics (prometheus_client)", ("prometheus_client/", "services/common/metrics.py")),
    ("relay (outbox)", ("services/common/outbox.py",)),
    (
        "auditor, jobs, consumers",
        (
            "services/common/audit.py",
            "services/common/jobs.py",
            "services/common/partitions.py",
            "services/common/checkpoints.py",
            "services/common/inbox.py",
            "services/common/listeners.py",
        ),
    ),
    ("NATS client", ("nats/", "services/common/bus.py")),
    ("inspection: rules, use case, repository, views", ("services/inspection/",)),
    ("token check", ("services/common/auth.py", "jwt/")),
    ("db kernel (services/common/db.py)", ("services/common/db.py",)),
    ("other kernel", ("services/common/",)),
    ("Starlette + FastAPI", ("starlette/", "fastapi/")),
    ("pydantic", ("pydantic/", "pydantic_core/")),
    ("SQLAlchemy + greenlet", ("sqlalchemy/", "greenlet/")),
    ("asyncpg", ("asyncpg/",)),
    ("Ed25519", ("nacl/", "cryptography/")),
    ("orjson", ("orjson",)),
]
_STDLIB = frozenset(sys.stdlib_module_names) | {"<frozen"}


def _file(frame: str) -> str:
    return frame[frame.rfind("(") + 1 : frame.rfind(":")]


def _stdlib(frame: str) -> bool:
    top = re.split(r"[/. ]", _file(frame), maxsplit=1)[0]
    return top in _STDLIB


def categorise(raw: str) -> tuple[Counter[str], Counter[str]]:
    """Samples of a py-spy ``-f raw`` file by category (``CATEGORIES``) and, of those whose innermost frame is
    the standard library's, by its module; idle samples are not in the file, and the thread pool's idle
    worker (``asyncio.to_thread`` at start-up), which py-spy reports busy in ``queue.get``, is left out."""
    out: Counter[str] = Counter()
    stdlib: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        n = int(count)
        if "concurrent/futures/thread.py" in frames[-1]:
            continue
        if _stdlib(frames[-1]):
            stdlib[_file(frames[-1]).split("/")[0]] += n
        own = [f for f in frames if not _stdlib(f)]
        inner = own[-1] if own else ""
        if (
            not own
            or (inner.startswith("Server.run ") or "asyncio_run (" in inner)
            and "runners.py" in frames[-1]
        ):
            out["event loop in C (uvloop: epoll, socket calls, callbacks)"] += n
            continue
        path = _file(inner)
        for category, prefixes in CATEGORIES:
            if path.startswith(prefixes):
                out[category] += n
                break
        else:
            out[f"other: {path.split('/')[0]}"] += n
    return out, stdlib


#: Put on ``PYTHONPATH`` for a counting round: the loop thread's Python calls and C calls (``sys.setprofile``),
#: written to ``$ZHIFA_COUNT_CALLS`` on SIGUSR2: the work done per check-in, whatever the CPU's speed under
#: contention (the machine's hardware counters are not available: a VM).
COUNTER = """
import os, signal, sys
if os.environ.get("ZHIFA_COUNT_CALLS"):
    _counts = [0, 0]
    def _profile(frame, event, arg):
        if event == "call":
            _counts[0] += 1
        elif event == "c_call":
            _counts[1] += 1
    def _dump(signum, frame):
        with open(os.environ["ZHIFA_COUNT_CALLS"], "a") as f:
            f.write(f"{_counts[0]} {_counts[1]}\\n")
    signal.signal(signal.SIGUSR2, _dump)
    sys.setprofile(_profile)
"""


def _counted(pid: int, out: Path) -> tuple[int, int]:
    """The calls counted so far in ``pid`` (SIGUSR2: it appends them to ``out``)."""
    lines = len(out.read_text().splitlines()) if out.exists() else 0
    os.kill(pid, signal.SIGUSR2)
    for _ in range(200):
        if out.exists() and len(out.read_text().splitlines()) > lines:
            break
        time.sleep(0.02)
    py, c = out.read_text().splitlines()[-1].split()
    return int(py), int(c)


def _tokens() -> list[tuple[str, str]]:
    usccs = [b._uscc(n) for n in range(1, b.ENTERPRISES + 1)]
    return [(u, mint_dev_token("enterprise", f"bench-{u}", 3600, uscc=u)) for u in usccs]


def child_asgi(url: str, nats_url: str, data: str, loop: str, checkins: int, marker: str) -> None:
    """The in-process driver (a child process): prints its CPU ms per check-in (user and system apart). The
    measured batch is bracketed by ``marker`` (``go`` before, ``done`` after it) for perf and py-spy."""
    import resource

    from bench import profile_checkin as p

    if loop == "uvloop":
        import uvloop

        uvloop.install()
    original = p._drive
    usage: list[Any] = []

    async def marked(app: Any, lines: list[list[str]]) -> int:
        if len(lines) != checkins:
            return await original(app, lines)
        await asyncio.to_thread(Path(marker).write_text, "go")
        await asyncio.sleep(0.3)  # perf attaches
        usage.append(resource.getrusage(resource.RUSAGE_SELF))
        created = await original(app, lines)
        usage.append(resource.getrusage(resource.RUSAGE_SELF))
        await asyncio.to_thread(Path(marker).write_text, "done")
        await asyncio.sleep(0.3)  # perf detaches
        return created

    p._drive = marked  # type: ignore[assignment]
    result = asyncio.run(
        p._runs(
            url,
            nats_url,
            _tokens(),
            Path(data),
            {"runs": 1, "checkins": checkins, "top": 0, "profile": False},
        )
    )
    created = checkins
    result["user_ms"] = (usage[1].ru_utime - usage[0].ru_utime) * 1000 / created
    result["sys_ms"] = (usage[1].ru_stime - usage[0].ru_stime) * 1000 / created
    print(json.dumps(result))


#: Counted by ``perf stat`` over a measured run (per check-in): system calls (tracepoints) and the scheduler's.
PERF_EVENTS = [
    "task-clock",
    "context-switches",
    "cpu-migrations",
    "raw_syscalls:sys_enter",
    "syscalls:sys_enter_sendto",
    "syscalls:sys_enter_write",
    "syscalls:sys_enter_writev",
    "syscalls:sys_enter_recvfrom",
    "syscalls:sys_enter_read",
    "syscalls:sys_enter_epoll_wait",
    "syscalls:sys_enter_epoll_pwait",
    "syscalls:sys_enter_epoll_ctl",
    "syscalls:sys_enter_futex",
    "syscalls:sys_enter_getrandom",
]


def _perf(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    if not shutil.which("perf"):
        return None
    cmd = ["perf", "stat", "-x", ",", "-o", str(out), "-e", ",".join(PERF_EVENTS), "-p", str(pid)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _perf_done(proc: subprocess.Popen[bytes] | None, out: Path, made: int) -> dict[str, float]:
    """SIGINT to perf, its counts per check-in."""
    if proc is None:
        return {}
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    counts: dict[str, float] = {}
    for line in out.read_text().splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[0] and fields[0][0].isdigit():
            name = fields[2].replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "syscalls")
            counts[name] = float(fields[0]) / max(made, 1)
    return counts


def _user_sys(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of ``pid`` (every thread) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _spy(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    if not SPY.exists():
        return None
    cmd = [
        str(SPY),
        "record",
        "-r",
        "250",
        "-f",
        "raw",
        "-d",
        str(seconds),
        "--pid",
        str(pid),
        "-o",
        str(out),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure_asgi(url: str, nats_url: str, root: Path, checkins: int, mode: str) -> dict[str, Any]:
    """One run of the in-process driver on uvloop (``mode``: ``time``, ``spy`` or ``count``)."""
    marker, calls = root / "marker", root / "calls.txt"
    marker.unlink(missing_ok=True)
    calls.unlink(missing_ok=True)
    cmd = [
        PY,
        "-m",
        "bench.checkin_layers",
        "--child-asgi",
        url,
        nats_url,
        str(root / "asgi-codes.tsv"),
        "uvloop",
    ]
    cmd += [str(checkins), str(marker)]
    env = {**os.environ, **_counting_env(root, mode)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    while not marker.exists() and proc.poll() is None:
        time.sleep(0.02)
    spied = _spy(proc.pid, 6, root / "spy-asgi-uvloop.txt") if mode == "spy" else None
    perf = _perf(proc.pid, root / "perf.txt") if mode == "time" else None
    counted = _counted(proc.pid, calls) if mode == "count" else (0, 0)
    while proc.poll() is None and not (marker.exists() and marker.read_text() == "done"):
        time.sleep(0.02)
    counts = _perf_done(perf, root / "perf.txt", checkins)
    if mode == "count":
        after = _counted(proc.pid, calls)
        counts = {
            "python_calls": (after[0] - counted[0]) / checkins,
            "c_calls": (after[1] - counted[1]) / checkins,
        }
    out, err = proc.communicate(timeout=1800)
    if spied is not None:
        spied.wait(60)
    if proc.returncode:
        raise RuntimeError(f"in-process driver failed: {err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return {
        "cpu_ms": result["runs_cpu_ms"][0],
        "user_ms": result["user_ms"],
        "sys_ms": result["sys_ms"],
        "load": result["load"],
        "rps": 0.0,
        "p99": 0.0,
        "sw": (0.0, 0.0),
        "perf": counts,
    }


def _counting_env(root: Path, mode: str) -> dict[str, str]:
    if mode != "count":
        return {}
    site = root / "counter"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(COUNTER)
    return {"ZHIFA_COUNT_CALLS": str(root / "calls.txt"), "PYTHONPATH": f"{b.ROOT}:{site}"}


def measure_served(
    layer: str,
    url: str,
    nats: EmbeddedNats,
    root: Path,
    tokens: list[tuple[str, str]],
    seconds: int,
    mode: str,
) -> dict[str, Any]:
    """One run of a served layer (``mode``: ``time``, ``spy`` or ``count``)."""
    role = "api" if layer.startswith("api") else "all"
    via_gateway = layer.endswith("gateway")
    svc_port, gw_port = free_port(), free_port()
    calls = root / "calls.txt"
    calls.unlink(missing_ok=True)
    env = {
        "PYTHONSAFEPATH": "1",
        "PYTHONPATH": str(b.ROOT),
        "ZHIFA_ENV": "dev",
        "ZHIFA_LOG_LEVEL": "WARNING",
        "ZHIFA_NATS_URL": nats.url,
        "ZHIFA_INSPECTION_DATABASE_URL": url,
        "ZHIFA_INSPECTION_DATABASE_POOL_SIZE": "16",
        "ZHIFA_INSPECTION_DATABASE_MAX_OVERFLOW": "16",
        "ZHIFA_GATEWAY_INSPECTION_URL": f"http://127.0.0.1:{svc_port}",
        "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
        "ZHIFA_GATEWAY_RATE_BURST": "1000000",
        "PYTHONNODEBUGRANGES": "1",
    }
    serve = [PY, "-m", "zhifa.cli", "serve", "inspection", "--role", role, "--port", str(svc_port)]
    service = start(serve, env={**env, **_counting_env(root, mode)})
    gateway = (
        start([PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(gw_port)], env=env)
        if via_gateway
        else None
    )
    script, data, warm = root / "checkin.lua", root / "codes.tsv", root / "warm.lua"
    try:
        wait_http(f"http://127.0.0.1:{svc_port}/healthz")
        port = svc_port
        if gateway is not None:
            wait_http(f"http://127.0.0.1:{gw_port}/healthz")
            port = gw_port
        target = f"http://127.0.0.1:{port}{b.PATH}"
        asyncio.run(b._issue(url, tokens, len(tokens), data))
        b._wrk(target.replace(b.PATH, "/api/v1/inspection/visits/entry-codes/keys"), warm, 16, 6, check=False)
        asyncio.run(b._issue(url, tokens, 3000, data))
        b._wrk(target, script, CONNECTIONS, 3)
        asyncio.run(b._issue(url, tokens, 1200 * seconds, data))
        time.sleep(1)
        before, cpu_before = asyncio.run(b._visits(url)), _user_sys(service.pid)
        gw_before = _user_sys(gateway.pid) if gateway is not None else (0.0, 0.0)
        sw_before = switches([service.pid])
        spied = _spy(service.pid, seconds - 1, root / f"spy-{layer}.txt") if mode == "spy" else None
        gw_spied = (
            _spy(gateway.pid, seconds - 1, root / "gateway-spy.txt")
            if mode == "spy" and gateway is not None and "--spy-gateway" in sys.argv
            else None
        )
        perf = _perf(service.pid, root / "perf.txt") if mode == "time" else None
        counted = _counted(service.pid, calls) if mode == "count" else (0, 0)
        rps, _, _, p99, errors = b._wrk(target, script, CONNECTIONS, seconds)
        after = _counted(service.pid, calls) if mode == "count" else (0, 0)
        cpu_after = _user_sys(service.pid)
        gw_after = _user_sys(gateway.pid) if gateway is not None else (0.0, 0.0)
        sw = switches([service.pid])
        made = asyncio.run(b._visits(url)) - before
        counts = _perf_done(perf, root / "perf.txt", made)
        if mode == "count":
            counts = {
                "python_calls": (after[0] - counted[0]) / made,
                "c_calls": (after[1] - counted[1]) / made,
            }
        user, system = (cpu_after[i] - cpu_before[i] for i in (0, 1))
        cpu = user + system
        if spied is not None:
            spied.wait(60)
        if gw_spied is not None:
            gw_spied.wait(60)
            shutil.copy(root / "gateway-spy.txt", Path(tempfile.gettempdir()) / f"gateway-spy-{layer}.txt")
        return {
            "cpu_ms": cpu * 1000 / max(made, 1),
            "user_ms": user * 1000 / max(made, 1),
            "sys_ms": system * 1000 / max(made, 1),
            # the gateway process's CPU per check-in (every thread; 0 without the gateway)
            "gateway_ms": (sum(gw_after) - sum(gw_before)) * 1000 / max(made, 1),
            "perf": counts,
            "load": os.getloadavg()[0],
            "rps": rps,
            "p99": p99,
            "errors": errors,
            "sw": ((sw[0] - sw_before[0]) / max(made, 1), (sw[1] - sw_before[1]) / max(made, 1)),
        }
    finally:
        if gateway is not None:
            stop_group(gateway)
        stop_group(service)


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "--child-asgi":
        child_asgi(argv[1], argv[2], argv[3], argv[4], int(argv[5]), argv[6] if len(argv) > 6 else "")
        return
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    seconds = int(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 8
    layers = argv[argv.index("--layers") + 1].split(",") if "--layers" in argv else list(LAYERS)
    modes = (
        ["time"] * rounds + (["spy"] if "--spy" in argv else []) + (["count"] if "--count" in argv else [])
    )
    root = Path(tempfile.mkdtemp(prefix="zhifa-checkin-layers-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    pg.start()
    nats.start()
    results: dict[str, list[dict[str, Any]]] = {layer: [] for layer in layers}
    extra: dict[str, Any] = {}
    try:
        pg.psql('CREATE DATABASE "bench_checkin"')
        url = pg.dsn("bench_checkin", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", url)
        tokens = asyncio.run(b._prepare(url))
        pg.psql("VACUUM (ANALYZE)", "bench_checkin")
        (root / "checkin.lua").write_text(b.LUA % {"data": root / "codes.tsv", "threads": 2, "path": b.PATH})
        (root / "warm.lua").write_text(b.WARM_LUA % {"data": root / "codes.tsv", "threads": 2})
        for mode in modes:
            for layer in layers:
                if layer == "asgi":
                    got = measure_asgi(url, nats.url, root, 4000 if mode != "spy" else 6000, mode)
                else:
                    got = measure_served(layer, url, nats, root, tokens, seconds, mode)
                pg.psql("VACUUM (ANALYZE)", "bench_checkin")
                print(layer, mode, json.dumps(got), file=sys.stderr, flush=True)
                if mode == "time":
                    results[layer].append(got)
                elif mode == "count":
                    extra.setdefault("calls per check-in", {})[layer] = {
                        k: round(v) for k, v in got["perf"].items()
                    }
        report: dict[str, Any] = {}
        for layer, runs in results.items():
            if not runs:
                continue
            report[layer] = {
                "cpu_ms": median([r["cpu_ms"] for r in runs]),
                "runs": [round(r["cpu_ms"], 3) for r in runs],
                "load": median([r["load"] for r in runs]),
                "user_ms": median([r["user_ms"] for r in runs]),
                "sys_ms": median([r["sys_ms"] for r in runs]),
                "gateway_ms": median([r.get("gateway_ms", 0.0) for r in runs]),
                "gateway_runs": [round(r.get("gateway_ms", 0.0), 3) for r in runs],
                "perf": {k: round(median([r["perf"].get(k, 0.0) for r in runs]), 2) for k in runs[0]["perf"]},
                "rps": median([r["rps"] for r in runs]),
                "p99": median([r["p99"] for r in runs]),
                "switches": [median([r["sw"][0] for r in runs]), median([r["sw"][1] for r in runs])],
            }
        report.update(extra)
        for f in sorted(root.glob("spy-*.txt")):
            counts, stdlib = categorise(f.read_text())
            total = sum(counts.values()) or 1
            report[f"py-spy {f.stem[4:]}"] = {
                "samples": total,
                **{k: round(100 * v / total, 1) for k, v in counts.most_common()},
                "innermost frame in the stdlib": {
                    k: round(100 * v / total, 1) for k, v in stdlib.most_common(8)
                },
            }
            shutil.copy(f, Path(tempfile.gettempdir()) / f"hot5-{f.name}")
        print(json.dumps(report, indent=1, ensure_ascii=False))
    finally:
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
