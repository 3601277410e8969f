"""Gateway cost: a trivial JSON endpoint called directly and through the gateway (token verified on every
request), with wrk at 32 connections; medians of several runs.

With ``ZHIFA_BENCH_BASELINE=<commit>`` a second gateway runs that commit's code (``bench.baseline``) in front
of the same upstream, and the rounds alternate direct, the baseline's gateway and this tree's: the gateway's
CPU per request before and after, measured in the same run."""

from __future__ import annotations

from pathlib import Path
from subprocess import Popen

from bench.common import PY, WrkResult, cpu_seconds, median, start, stop, wait_http, wrk
from services.common.devtokens import mint_dev_token
from services.common.embedded import free_port

PATH = "/api/v1/inspection/bench/trivial"
ROOT = Path(__file__).resolve().parent.parent


def _gateway(port: int, up_port: int, code: Path | None) -> Popen[bytes]:
    env = {
        "ZHIFA_ENV": "dev",
        "ZHIFA_LOG_LEVEL": "WARNING",
        "ZHIFA_GATEWAY_INSPECTION_URL": f"http://127.0.0.1:{up_port}",
        "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
        "ZHIFA_GATEWAY_RATE_BURST": "1000000",
    }
    if code is not None:
        env["PYTHONPATH"] = str(code)  # the baseline's tree ahead of the editable install (and of cwd)
    return start(
        [PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(port)], env=env, cwd=str(code or ROOT)
    )


def run(quick: bool = False) -> str:
    from bench import baseline

    ref = baseline.commit()
    runs, seconds = (2, 4) if quick else (5, 8)
    up_port, gw_port, old_port = free_port(), free_port(), free_port()
    load_before = baseline.load()
    upstream = start([PY, "-m", "bench.trivial_upstream", str(up_port)])
    gateway = _gateway(gw_port, up_port, None)
    old = _gateway(old_port, up_port, baseline.tree(ref)) if ref else None
    # path name -> (port, the gateway process measured on it or None)
    paths: dict[str, tuple[int, Popen[bytes] | None]] = {"direct": (up_port, None)}
    if old is not None:
        paths["before"] = (old_port, old)
    paths["gateway"] = (gw_port, gateway)
    results: dict[str, list[WrkResult]] = {name: [] for name in paths}
    # CPU microseconds per request of the upstream and the gateway, per path
    cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    try:
        wait_http(f"http://127.0.0.1:{up_port}{PATH}")
        for port, proc in paths.values():
            if proc is not None:
                wait_http(f"http://127.0.0.1:{port}/healthz")
        token = mint_dev_token(
            "officer", "bench", 3600, cert_no="辽A-0100001", dept_code="SJ", district_code="210102"
        )
        headers = {"Authorization": f"Bearer {token}"}
        for port, proc in paths.values():
            if proc is not None:
                wrk(f"http://127.0.0.1:{port}{PATH}", seconds=2, headers=headers)  # warm up
        for _ in range(runs):
            for name, (port, proc) in paths.items():
                gw_pid = proc.pid if proc is not None else gateway.pid
                before = cpu_seconds(upstream.pid), cpu_seconds(gw_pid)
                result = wrk(f"http://127.0.0.1:{port}{PATH}", seconds=seconds, headers=headers)
                after = cpu_seconds(upstream.pid), cpu_seconds(gw_pid)
                done = max(result.rps * seconds, 1)
                cpu[name].append(((after[0] - before[0]) / done * 1e6, (after[1] - before[1]) / done * 1e6))
                results[name].append(result)
    finally:
        for proc in (gateway, old):
            if proc is not None:
                stop(proc)
        stop(upstream)
    load_after = baseline.load()
    direct, via = results["direct"], results["gateway"]
    d_rps, g_rps = median([r.rps for r in direct]), median([r.rps for r in via])
    g_p99 = median([r.p99_ms for r in via])
    errors = sum(r.errors for rs in results.values() for r in rs)
    gw_via = median([g for _, g in cpu["gateway"]])
    labels = {
        "direct": "direct",
        "before": f"through the gateway, before (`{ref}`)",
        "gateway": "through the gateway" + (", after (this tree)" if ref else ""),
    }
    rows = []
    for name, rs in results.items():
        up = median([u for u, _ in cpu[name]])
        gw = "–" if name == "direct" else f"{median([g for _, g in cpu[name]]):.0f}"
        rows.append(
            f"| {labels[name]} | {median([r.rps for r in rs]):,.0f} | {median([r.p50_ms for r in rs]):.2f} | "
            f"{median([r.p99_ms for r in rs]):.2f} | {up:.0f} / {gw} |"
        )
    runs_line = "; ".join(
        f"{labels[n]} {', '.join(f'{r.rps:,.0f}' for r in rs)}" for n, rs in results.items()
    )
    cpu_line = "; ".join(
        f"{labels[n]} {', '.join(f'{g:.0f}' for _, g in cpu[n])}" for n in results if n != "direct"
    )
    comparison: list[str] = []
    if "before" in cpu:
        gw_old = median([g for _, g in cpu["before"]])
        comparison = [
            "",
            f"The gateway's CPU per request: **{gw_old:.0f} → {gw_via:.0f} µs** ({gw_via / gw_old:.2f}×), the",
            f"baseline `{ref}` and this tree alternating run by run in front of the same upstream.",
        ]
    return "\n".join(
        [
            "## Gateway cost (trivial endpoint)",
            "",
            f"`wrk -t2 -c32 -d{seconds}s --latency`, {runs} runs each, alternating; the upstream is a trivial JSON",
            "endpoint (FastAPI on uvicorn with uvloop + httptools, the issue's baseline); the gateway verifies the EdDSA",
            "token on every request (cached by hash) and forwards over its pooled keep-alive HTTP/1.1 client",
            "(`gateway/upstream.py`, httptools parser). Load generator, gateway and upstream share the 2 cores.",
            "An earlier version forwarding with a pooled aiohttp session reached 13% of a raw-ASGI upstream with",
            "p99 70 ms on the same machine, which is why the hot path has its own client.",
            "",
            "| path | req/s (median) | p50 ms | p99 ms | CPU µs per request (upstream / gateway) |",
            "|---|---:|---:|---:|---|",
            *rows,
            "",
            f"Gateway throughput is **{g_rps / d_rps:.0%} of direct**; p99 through the gateway {g_p99:.1f} ms "
            f"(floor: ≥ 50% and ≤ 25 ms). Non-2xx or socket errors: {errors}.",
            f"All runs (req/s): {runs_line}.",
            f"The gateway's CPU µs per request, run by run: {cpu_line}.",
            f"Load average (1/5/15 min) {load_before} before, {load_after} after.",
            *comparison,
            "",
            "Both paths are bounded by the one upstream process, which saturates a core. The gateway's own cost is",
            f"its CPU per request ({gw_via:.0f} µs, on the other core). When the gateway's throughput exceeds",
            "direct, it is because the upstream spends less CPU per request when fed by the gateway than by wrk",
            "(compare the two rows; likely the gateway's leaner request heads and bursts of requests read in",
            "fewer wake-ups, not pinned down): the ratio is a property of this pairing, the µs are the cost.",
        ]
    )


if __name__ == "__main__":
    print(run())
