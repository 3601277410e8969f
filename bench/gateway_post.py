"""The gateway's CPU per request: a trivial GET against a check-in's POST (issue #16 item 1, round six).

One gateway (``zhifa serve gateway``) in front of bench/trivial_upstream.py (served as zhifa serves: a reply's
head and body in one write, as the inspection service's), wrk through it. Cases:

- ``get``: ``GET .../bench/trivial`` with one officer's token, 32 connections (bench_gateway's shape);
- ``post``: ``POST .../visits/check-in`` with a check-in's request (an enterprise's token, 10,000 of them in
  turn as bench_checkin's, a JSON body with a real entry code: ~505 bytes) and a check-in's reply (201, 1,717
  bytes), 32 connections;
- ``get-paced`` and ``post-paced``: the same against paths where the upstream waits 10 ms before answering,
  at 8 connections: a check-in's rate (~700/s) and its wake-ups, without the upstream's CPU.

The gateway's CPU (every thread, /proc) per request; with ``ZHIFA_BENCH_BASELINE=<commit>`` a second gateway
runs that commit's code in front of the same upstream and the two alternate, each first in every other
round. ``--perf`` counts the gateway's system calls per request (``perf stat``) in one more round; ``--spy``
samples it with py-spy (``record -r 250 -f raw``) in one more round and sorts the samples into categories.

``--count`` counts the gateway's Python and C calls per request instead (``checkin_layers.COUNTER``: the work
done, whatever the CPU's speed), and ``--in-process`` measures the gateway's Python alone (``in_process``).

    python -m bench.gateway_post [--rounds 5] [--seconds 6] [--cases get,post,get-paced,post-paced] [--perf]
        [--spy] [--keep-spy] [--count]
    python -m bench.gateway_post --in-process
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import Popen
from typing import Any

from bench import baseline
from bench.bench_checkin import ENTERPRISES, OFFICERS, _uscc
from bench.checkin_layers import COUNTER, _counted, _perf, _perf_done, _spy
from bench.common import PY, cpu_seconds, median, start, stop, wait_http
from services.common.devtokens import mint_dev_token
from services.common.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    # name -> (method, path, connections)
    "get": ("GET", "/api/v1/inspection/bench/trivial", 32),
    "post": ("POST", "/api/v1/inspection/visits/check-in", 32),
    "get-paced": ("GET", "/api/v1/inspection/bench/trivial-paced", 8),
    "post-paced": ("POST", "/api/v1/inspection/bench/check-in-paced", 8),
}

# wrk: each request with the next line's token and body ("token<TAB>body" lines, split between the threads).
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
    if i %% 2 == tid then
      local tab = line:find("\t")
      items[#items + 1] = line:sub(tab + 1)
      items[#items + 1] = line:sub(1, tab - 1)
    end
    i = i + 1
  end
end
function request()
  pos = pos + 2
  if pos > #items then pos = 2 end
  if "%(method)s" == "GET" then
    return wrk.format("GET", "%(path)s", {["Authorization"] = "Bearer " .. items[pos]})
  end
  return wrk.format("POST", "%(path)s",
    {["Authorization"] = "Bearer " .. items[pos], ["Content-Type"] = "application/json"}, items[pos - 1])
end
"""


def _data(root: Path) -> tuple[Path, Path]:
    """The POST lines (10,000 enterprises' tokens, each with a signed entry code's body) and the GET line."""
    from services.inspection.domain import entry_code
    from services.inspection.settings import InspectionSettings, load_keys

    keys = load_keys(
        InspectionSettings(database_url="postgresql+asyncpg://x/y", env="dev").entry_code_key_file
    )
    now = datetime.now(UTC)
    lines = []
    for n in range(1, ENTERPRISES + 1):
        uscc = _uscc(n)
        token = mint_dev_token("enterprise", f"bench-{uscc}", 3600, uscc=uscc)
        if n <= 100:  # the body's size is what matters to the gateway: 100 codes in turn
            payload = entry_code.new_payload(
                code_id=str(uuid.uuid4()),
                task_id=str(uuid.uuid4()),
                uscc=uscc,
                cert_nos=OFFICERS,
                item_codes=["SJ-SP-001"],
                now=now,
                nonce=secrets.token_urlsafe(12),
                ttl=timedelta(minutes=30),
            )
            code = entry_code.sign(payload, keys.private_key, keys.kid)
        lines.append(f'{token}\t{{"code":"{code}"}}')
    post = root / "post.tsv"
    post.write_text("\n".join(lines) + "\n")
    officer = mint_dev_token(
        "officer", "bench", 3600, cert_no="辽A-0100001", dept_code="SJ", district_code="210102"
    )
    get = root / "get.tsv"
    get.write_text(f"{officer}\t-\n" * 2)  # a line for each wrk thread
    return post, get


def _warm(port: int, data: Path) -> None:
    """Every enterprise's token through the gateway once (its cache then holds them all, as in bench_checkin
    after its warm-up), on 8 keep-alive connections."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    tokens = [line.split("\t", 1)[0] for line in data.read_text().splitlines()]

    def one(share: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for token in share:
            conn.request("POST", CASES["post"][1], b"{}", {"Authorization": f"Bearer {token}"})
            conn.getresponse().read()
        conn.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, [tokens[i::8] for i in range(8)]))


def _gateway(port: int, up_port: int, code: Path | None, calls: Path | None = None) -> Popen[bytes]:
    """A gateway on ``port`` running ``code`` (None: this tree); with ``calls``, its Python and C calls are
    counted (``checkin_layers.COUNTER``) and written to that file on SIGUSR2."""
    env = {
        "ZHIFA_ENV": "dev",
        "ZHIFA_LOG_LEVEL": "WARNING",
        "ZHIFA_GATEWAY_INSPECTION_URL": f"http://127.0.0.1:{up_port}",
        "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
        "ZHIFA_GATEWAY_RATE_BURST": "1000000",
        "PYTHONSAFEPATH": "1",
        "PYTHONPATH": str(code or ROOT),
    }
    if calls is not None:
        site = calls.parent / "counter"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(COUNTER)
        env |= {"PYTHONPATH": f"{env['PYTHONPATH']}:{site}", "ZHIFA_COUNT_CALLS": str(calls)}
    return start(
        [PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(port)], env=env, cwd=str(code or ROOT)
    )


def _wrk(url: str, script: Path, connections: int, seconds: int) -> tuple[float, float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    from bench.common import _ms

    requests = int(out.split(" requests in ")[0].split()[-1])
    p99 = _ms(out.split(" 99%")[1].split()[0])
    bad = 0
    for marker in ("Non-2xx or 3xx responses:", "Socket errors:"):
        if marker in out:
            bad += sum(
                int(x) for x in out.split(marker)[1].splitlines()[0].replace(",", " ").split() if x.isdigit()
            )
    return requests, p99, bad


#: Categories of the gateway's py-spy samples (by the innermost frame's file and function, first match wins),
#: as docs/benchmarks/gateway-profile.md sorts them.
SPY_CATEGORIES = [
    ("socket write to the client (_HeadFirst.write)", ("httpserver.py", "_HeadFirst.write ")),
    ("socket write to the upstream (_Connection.start)", ("gateway/upstream.py", "_Connection.start ")),
    ("response send through uvicorn (HeldHeadCycle.send, head)", ("httpserver.py", "")),
    ("uvicorn request parsing and ASGI cycle", ("uvicorn/", "")),
    ("upstream client (gateway/upstream.py)", ("gateway/upstream.py", "")),
    ("token verification", ("services/common/auth.py", "")),
    ("metrics (prometheus)", ("prometheus_client/", "")),
    ("metrics (prometheus)", ("services/common/metrics.py", "")),
    ("rate limit (TokenBucket.allow)", ("gateway/app.py", "allow")),
    ("routing", ("gateway/routing.py", "")),
    ("the gateway's own code (gateway/app.py)", ("gateway/app.py", "")),
    ("kernel (services/common)", ("services/common/", "")),
]


def categorise(raw: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if "concurrent/futures/thread.py" in frames[-1] or "threading.py" in frames[-1]:
            continue  # the idle to_thread worker py-spy reports busy
        inner = frames[-1]
        if inner.startswith(("Server.run ", "Runner.run ")) or "runners.py" in inner:
            out["event loop in C (uvloop: epoll, reads, callbacks)"] += int(count)
            continue
        for frame in reversed(frames):
            for name, (path, func) in SPY_CATEGORIES:
                if path in frame and frame.startswith(func):
                    out[name] += int(count)
                    break
            else:
                continue
            break
        else:
            out["other: " + inner.split("(")[-1].split(":")[0].split("/")[0]] += int(count)
    return out


def in_process(rounds: int = 7, calls: int = 20_000) -> dict[str, list[float]]:
    """The gateway's Python alone: CPU µs per ``Gateway.__call__`` on uvloop, with the upstream pool's ``request``
    answering at once with an answer of the case's size (no uvicorn, no sockets): a GET with one officer's
    token, and the check-in's POST with one enterprise token and with the 10,000 in turn."""
    import uvloop

    from bench.trivial_upstream import REPLY
    from gateway.app import Gateway
    from gateway.settings import GatewaySettings

    gateway = Gateway(GatewaySettings(env="dev", rate_per_second=1e6, rate_burst=1_000_000))
    small = b'{"ok":true,"service":"trivial"}'

    def head(body: bytes) -> list[tuple[bytes, bytes]]:
        return [
            (b"date", b"Mon, 07 Dec 2026 19:00:00 GMT"),
            (b"server", b"uvicorn"),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            (b"x-request-id", b"0" * 32),
        ]

    async def answer(
        method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes, timeout: float
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return (201, head(REPLY), REPLY) if method == b"POST" else (200, head(small), small)

    gateway.pools["inspection"].request = answer  # type: ignore[method-assign,assignment]
    officer = mint_dev_token(
        "officer", "bench", 3600, cert_no="辽A-0100001", dept_code="SJ", district_code="210102"
    )
    tokens = [
        mint_dev_token("enterprise", f"bench-{_uscc(n)}", 3600, uscc=_uscc(n))
        for n in range(1, ENTERPRISES + 1)
    ]
    body = b'{"code":"' + b"e" * 494 + b'"}'

    def scope(method: str, path: str, token: str) -> dict[str, Any]:
        headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {token}".encode())]
        if method == "POST":
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        return {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 5555),
            "server": ("127.0.0.1", 8000),
            "scheme": "http",
            "http_version": "1.1",
        }

    cases = {
        "get": [scope("GET", CASES["get"][1], officer)],
        "post, one token": [scope("POST", CASES["post"][1], tokens[0])],
        "post, 10,000 tokens": [scope("POST", CASES["post"][1], t) for t in tokens],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def receive_nothing() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def run(scopes: list[dict[str, Any]]) -> None:
        got = receive if scopes[0]["method"] == "POST" else receive_nothing
        for i in range(calls):
            await gateway(dict(scopes[i % len(scopes)]), got, send)

    async def measure() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for scopes in cases.values():
            await run(scopes)  # every token verified once, every path warm
        for _ in range(rounds):
            for name, scopes in cases.items():
                started = time.process_time()
                await run(scopes)
                out.setdefault(name, []).append((time.process_time() - started) / calls * 1e6)
        return out

    return uvloop.run(measure())


def main() -> None:
    argv = sys.argv[1:]
    if "--in-process" in argv:
        got = in_process()
        report = {k: {"min": round(min(v), 2), "median": round(median(v), 2)} for k, v in got.items()}
        print(
            json.dumps(
                {"in-process µs per call": report, "load": baseline.load()}, indent=1, ensure_ascii=False
            )
        )
        return
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
    seconds = int(argv[argv.index("--seconds") + 1]) if "--seconds" in argv else 6
    cases = argv[argv.index("--cases") + 1].split(",") if "--cases" in argv else list(CASES)
    ref = baseline.commit()
    root = Path(tempfile.mkdtemp(prefix="zhifa-gateway-post-"))
    root.chmod(0o755)
    post_data, get_data = _data(root)
    up_port = free_port()
    upstream = start([PY, "-m", "bench.trivial_upstream", str(up_port), "--zhifa"], cwd=str(ROOT))
    codes: dict[str, Popen[bytes]] = {}
    ports: dict[str, int] = {}
    load_before = baseline.load()
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    extra: dict[str, Any] = {}
    spied: dict[str, Counter[str]] = {}
    try:
        for name, code in (("old", baseline.tree(ref) if ref else None), ("new", None)):
            if name == "old" and code is None:
                continue
            ports[name] = free_port()
            counting = root / f"calls-{name}.txt" if "--count" in argv else None
            codes[name] = _gateway(ports[name], up_port, code, counting)
        wait_http(f"http://127.0.0.1:{up_port}/api/v1/inspection/bench/trivial")
        scripts = {}
        for case in cases:
            method, path, _ = CASES[case]
            data = get_data if method == "GET" else post_data
            script = root / f"{case}.lua"
            script.write_text(LUA % {"data": data, "method": method, "path": path})
            scripts[case] = script
        for port in ports.values():
            wait_http(f"http://127.0.0.1:{port}/healthz")
            _warm(port, post_data)
            for case in cases:
                _wrk(f"http://127.0.0.1:{port}{CASES[case][1]}", scripts[case], CASES[case][2], 2)
        names = list(ports)
        modes = (
            ["time"] * rounds + (["perf"] if "--perf" in argv else []) + (["spy"] if "--spy" in argv else [])
        )
        if "--count" in argv:  # the counting hook slows every call: no timed rounds in the same run
            modes = ["count"]
        for turn, mode in enumerate(modes):
            for case in cases:
                order = names if turn % 2 == 0 else names[::-1]
                for name in order:
                    pid = codes[name].pid
                    method, path, conns = CASES[case]
                    extra_proc = None
                    if mode == "spy":
                        extra_proc = _spy(pid, seconds - 1, root / f"spy-{case}-{name}.txt")
                    elif mode == "perf":
                        extra_proc = _perf(pid, root / "perf.txt")
                    counted = _counted(pid, root / f"calls-{name}.txt") if mode == "count" else (0, 0)
                    before = cpu_seconds(pid)
                    requests, p99, bad = _wrk(
                        f"http://127.0.0.1:{ports[name]}{path}", scripts[case], conns, seconds
                    )
                    cpu = cpu_seconds(pid) - before
                    row = {
                        "us": cpu / max(requests, 1) * 1e6,
                        "rps": requests / seconds,
                        "p99": p99,
                        "bad": bad,
                        "load": os.getloadavg()[0],
                    }
                    if mode == "perf":
                        extra.setdefault("syscalls per request", {})[f"{case} {name}"] = {
                            k: round(v, 2)
                            for k, v in _perf_done(extra_proc, root / "perf.txt", requests).items()
                        }
                    elif mode == "spy":
                        if extra_proc is not None:
                            extra_proc.wait(60)
                    elif mode == "count":
                        after = _counted(pid, root / f"calls-{name}.txt")
                        extra.setdefault("calls per request", {})[f"{case} {name}"] = {
                            "python": round((after[0] - counted[0]) / max(requests, 1), 1),
                            "C": round((after[1] - counted[1]) / max(requests, 1), 1),
                        }
                    else:
                        results.setdefault(case, {}).setdefault(name, []).append(row)
                    print(
                        mode,
                        case,
                        name,
                        json.dumps({k: round(v, 2) for k, v in row.items()}),
                        file=sys.stderr,
                        flush=True,
                    )
        for f in sorted(root.glob("spy-*.txt")):
            spied[f.stem] = categorise(f.read_text())
            if "--keep-spy" in argv:
                shutil.copy(f, Path(tempfile.gettempdir()) / f"gateway-post-{f.name}")
    finally:
        for proc in codes.values():
            stop(proc)
        stop(upstream)
        shutil.rmtree(root, ignore_errors=True)
    report: dict[str, Any] = {"baseline": ref, "load before/after": [load_before, baseline.load()]}
    for case, by_code in results.items():
        report[case] = {
            name: {
                "us per request (median)": round(median([r["us"] for r in rows]), 1),
                "runs": [round(r["us"], 1) for r in rows],
                "req/s": round(median([r["rps"] for r in rows])),
                "p99 ms": round(median([r["p99"] for r in rows]), 2),
                "errors": sum(int(r["bad"]) for r in rows),
                "load": [round(r["load"], 1) for r in rows],
            }
            for name, rows in by_code.items()
        }
        if "old" in by_code:
            pairs = [n["us"] / o["us"] for o, n in zip(by_code["old"], by_code["new"], strict=True)]
            report[case]["new/old per round"] = [round(p, 3) for p in pairs]
            report[case]["new/old (median)"] = round(median(pairs), 3)
    report.update(extra)
    for stem, counts in spied.items():
        total = sum(counts.values()) or 1
        report[f"py-spy {stem[4:]}"] = {
            "samples": total,
            **{k: round(100 * v / total, 1) for k, v in counts.most_common()},
        }
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
