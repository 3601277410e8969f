"""Helpers for the benchmarks: machine description, medians, wrk runs, processes on free ports."""

from __future__ import annotations

import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){mem}, "
        f"Python {platform.python_version()}"
    )


def family(root: int) -> list[int]:
    """``root`` and its descendants (server processes, uvicorn workers, PostgreSQL backends), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def sockets(pid: int) -> set[str]:
    """The sockets process ``pid`` holds open, as its /proc fd links name them (``socket:[inode]``)."""
    links = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return set()
    for fd in fds:
        try:
            links.add(os.readlink(fd))
        except OSError:
            continue
    return {link for link in links if link.startswith("socket:")}


def tcp_sockets(port: int, state: str) -> set[str]:
    """The IPv4 TCP sockets (``socket:[inode]``) whose local port is ``port``, in ``state`` (/proc/net/tcp's
    hex code: ``0A`` listening, ``01`` established)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            found.add(f"socket:[{fields[9]}]")
    return found


def children_cpu() -> float:
    """User + system CPU seconds of this process's children that ended (around a run: that run's wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(
    url: str,
    *,
    connections: int = 32,
    seconds: int = 8,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> WrkResult:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian package wrk; `make bench` installs it)")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return WrkResult(rps, p50, p99, errors)


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def start(
    args: list[str], env: dict[str, str] | None = None, cwd: str | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


PY = sys.executable


# ``python -c`` in the measured tree (its working directory, or PYTHONPATH, first on sys.path): ``count`` processes serving
# ``target`` on one port. Each process builds its app, freezes its start-up heap and serves with the platform's
# HTTP configuration exactly as ``zhifa serve`` does (zhifa/serve.py), which has no ``--workers``. SIGTERM and
# SIGINT are passed on to every process. Two ways to share the port:
# - ``shared``: one listening socket, inherited by every process, as uvicorn's ``--workers`` share it: the
#   kernel hands each connection to whichever process accepts first, and a process woken for one connection
#   accepts every connection waiting (an event loop accepts in a loop), so a burst (the gateway opening its
#   pooled upstream connections) can land on one process entirely.
# - ``reuseport``: a socket per process, each bound with SO_REUSEPORT before any process starts serving; the
#   kernel spreads the connections over the sockets by a hash of each connection's addresses and ports, as a
#   Kubernetes Service spreads connections over its pods (at random, per connection). Each process closes
#   the others' sockets, and the launcher its own copies: a socket nobody accepts on would keep its share of
#   the connections waiting.
PROCESSES = r"""
import importlib, os, signal, socket, sys
from services.common import httpserver
from zhifa import serve as serving

target, role, port, count, sharing = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def reuse_port_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


if sharing == "reuseport":
    listening = [reuse_port_socket() for _ in range(count)]
else:
    listening = [httpserver.config(None, host="127.0.0.1", port=port).bind_socket()] * count
children = []
for i in range(count):
    pid = os.fork()
    if pid == 0:
        import uvicorn
        mine = listening[i]
        for other in listening:
            if other is not mine:
                other.close()
        if target == "gateway":
            from gateway.app import create_app
            from gateway.settings import GatewaySettings
            limits = GatewaySettings()
            asgi = create_app(limits)
        else:
            limits = serving.service_settings(target)
            asgi = importlib.import_module(f"services.{target}.app").create_app(limits, role=role)
        serving.freeze_startup_heap()
        config = httpserver.config(
            asgi, host="127.0.0.1", port=port, loop="uvloop",
            max_header_bytes=limits.http_max_header_bytes, max_headers=limits.http_max_headers,
        )
        uvicorn.Server(config).run(sockets=[mine])
        os._exit(0)
    children.append(pid)
if sharing == "reuseport":
    for sock in listening:
        sock.close()


def forward(signum, frame):
    for pid in children:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
for pid in children:
    os.waitpid(pid, 0)
"""


def processes(target: str, role: str, port: int, count: int, *, reuse_port: bool = False) -> list[str]:
    """The command line of ``count`` processes of ``target`` (``gateway`` or a service, in ``role``) on one
    port, each built and served as ``zhifa serve`` builds and serves one (``PROCESSES``): on one listening
    socket they all accept from, or with ``reuse_port`` each on its own socket (SO_REUSEPORT), the kernel
    spreading the connections over them."""
    return [PY, "-c", PROCESSES, target, role, str(port), str(count), "reuseport" if reuse_port else "shared"]


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to ``proc`` (``PROCESSES`` passes it on to its processes), then SIGKILL to its process group if
    any of it is left after 10 s (a launcher killed leaves its processes behind); ``proc`` was started in a
    session of its own (``start``)."""
    stop(proc)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    proc.wait()


def old_new_rates(intro: list[str], rates: dict[str, list[tuple[float, str]]]) -> tuple[list[str], float]:
    """A table of events/s for the ``old`` and ``new`` runs of a bench (each run's rate and the load average
    after it), under ``intro``, and the new/old ratio of the medians."""
    lines = [
        *intro,
        "",
        "| outbox | events/s (median) | runs | load (1/5/15) after each |",
        "|---|---:|---|---|",
    ]
    for schema in ("old", "new"):
        values = [r for r, _ in rates[schema]]
        loads = "; ".join(load for _, load in rates[schema])
        lines.append(
            f"| {schema} | {median(values):,.0f} | {', '.join(f'{r:,.0f}' for r in values)} | {loads} |"
        )
    return lines, median([r for r, _ in rates["new"]]) / median([r for r, _ in rates["old"]])


async def store_outbox(factory: Any, envelopes: Sequence[Any]) -> None:
    """``envelopes`` written to the outbox table unpublished, in chunks of 5,000 rows: the backlog a relay or
    a consumer benchmark starts from."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    from services.common.db import transaction
    from services.common.tables import outbox_t

    rows = [
        {
            "id": e.id,
            "type": e.type,
            "version": e.version,
            "subject": e.subject,
            "envelope": e.model_dump(mode="json"),
        }
        for e in envelopes
    ]
    async with transaction(factory) as s:
        for i in range(0, len(rows), 5000):
            await s.execute(pg_insert(outbox_t), rows[i : i + 5000])


@contextmanager
def local_servers(prefix: str, *, durable: bool = True) -> Iterator[tuple[Path, Any, Any]]:
    """A temporary directory with an embedded PostgreSQL and a NATS server (``sync_interval: always``) in it,
    started; both stopped and the directory removed afterwards. Yields ``(root, pg, nats)``."""
    from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port

    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)  # the server's own user (when run as root) reads its data directory
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=durable)
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    pg.start()
    nats.start()
    try:
        yield root, pg, nats
    finally:
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def run_in_tree(script: Path, args: Sequence[str], tree: str, *, results: int) -> list[str]:
    """Run ``script`` (by path) with ``services`` imported from ``tree`` (PYTHONSAFEPATH keeps the script's own
    directory off sys.path, so an old tree need not have the script), and return the last ``results`` lines of
    its output; the script prints the ``services`` package's file first, which is checked to be ``tree``'s."""
    env = {**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": tree}
    cmd = [sys.executable, str(script.resolve()), *args]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=True)
    imported, *found = out.stdout.strip().splitlines()[-(results + 1) :]
    if not imported.startswith(str(Path(tree).resolve())):
        raise RuntimeError(f"{script.name} imported {imported}, not the tree {tree}")
    return found
