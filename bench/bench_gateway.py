"""Gateway cost: a trivial JSON endpoint called directly and through the gateway (token verified on every
request), with wrk at 32 connections; medians of several runs."""

from __future__ import annotations

from bench.common import PY, WrkResult, cpu_seconds, median, start, stop, wait_http, wrk
from services.common.devtokens import mint_dev_token
from services.common.embedded import free_port

PATH = "/api/v1/inspection/bench/trivial"


def run(quick: bool = False) -> str:
    runs, seconds = (2, 4) if quick else (5, 8)
    up_port, gw_port = free_port(), free_port()
    upstream = start([PY, "-m", "bench.trivial_upstream", str(up_port)])
    gateway = start(
        [PY, "-m", "zhifa.cli", "serve", "gateway", "--port", str(gw_port)],
        env={
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_GATEWAY_INSPECTION_URL": f"http://127.0.0.1:{up_port}",
            "ZHIFA_GATEWAY_RATE_PER_SECOND": "1000000",
            "ZHIFA_GATEWAY_RATE_BURST": "1000000",
        },
    )
    try:
        wait_http(f"http://127.0.0.1:{up_port}{PATH}")
        wait_http(f"http://127.0.0.1:{gw_port}/healthz")
        token = mint_dev_token(
            "officer", "bench", 3600, cert_no="辽A-0100001", dept_code="SJ", district_code="210102"
        )
        headers = {"Authorization": f"Bearer {token}"}
        wrk(f"http://127.0.0.1:{gw_port}{PATH}", seconds=2, headers=headers)  # warm up
        direct: list[WrkResult] = []
        via: list[WrkResult] = []
        # CPU microseconds per request of the upstream and the gateway, per path
        cpu: dict[str, list[tuple[float, float]]] = {"direct": [], "gateway": []}
        for _ in range(runs):
            for name, port, results in (("direct", up_port, direct), ("gateway", gw_port, via)):
                before = cpu_seconds(upstream.pid), cpu_seconds(gateway.pid)
                result = wrk(f"http://127.0.0.1:{port}{PATH}", seconds=seconds, headers=headers)
                after = cpu_seconds(upstream.pid), cpu_seconds(gateway.pid)
                done = max(result.rps * seconds, 1)
                cpu[name].append(((after[0] - before[0]) / done * 1e6, (after[1] - before[1]) / done * 1e6))
                results.append(result)
    finally:
        stop(gateway)
        stop(upstream)
    d_rps, g_rps = median([r.rps for r in direct]), median([r.rps for r in via])
    d_p99, g_p99 = median([r.p99_ms for r in direct]), median([r.p99_ms for r in via])
    d_p50, g_p50 = median([r.p50_ms for r in direct]), median([r.p50_ms for r in via])
    errors = sum(r.errors for r in direct + via)
    up_direct = median([u for u, _ in cpu["direct"]])
    up_via, gw_via = median([u for u, _ in cpu["gateway"]]), median([g for _, g in cpu["gateway"]])
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
            f"| direct | {d_rps:,.0f} | {d_p50:.2f} | {d_p99:.2f} | {up_direct:.0f} / – |",
            f"| through the gateway | {g_rps:,.0f} | {g_p50:.2f} | {g_p99:.2f} | {up_via:.0f} / {gw_via:.0f} |",
            "",
            f"Gateway throughput is **{g_rps / d_rps:.0%} of direct**; p99 through the gateway {g_p99:.1f} ms "
            f"(floor: ≥ 50% and ≤ 25 ms). Non-2xx or socket errors: {errors}.",
            f"All runs (req/s): direct {', '.join(f'{r.rps:,.0f}' for r in direct)}; "
            f"gateway {', '.join(f'{r.rps:,.0f}' for r in via)}.",
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
