"""Idle memory of every process: the whole stack started with `zhifa up` (sample data loaded), left idle,
then the resident set size (RSS) of each service process and the gateway read with psutil."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import median
from services.common.embedded import free_port

ZHIFA = str(Path(sys.executable).parent / "zhifa")


def _sample(offset: int) -> dict[str, float]:
    var = Path(tempfile.mkdtemp(prefix="zhifa-bench-mem-"))
    var.chmod(0o755)
    proc = subprocess.Popen(
        [
            ZHIFA,
            "up",
            "--var-dir",
            str(var),
            "--pg-port",
            str(free_port()),
            "--nats-port",
            str(free_port()),
            "--port-offset",
            str(offset),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ZHIFA_ENV": "dev"},
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line or b"Ctrl-C stops everything" in line:
            break
    try:
        time.sleep(10)  # idle: consumers waiting, relays polling
        sizes: dict[str, float] = {}
        for child in psutil.Process(proc.pid).children(recursive=True):
            cmd = child.cmdline()
            if "serve" in cmd:
                sizes[cmd[cmd.index("serve") + 1]] = child.memory_info().rss / 1024 / 1024
        return sizes
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


def run(quick: bool = False) -> str:
    runs = 1 if quick else 3
    samples = [_sample(30000 + 100 * i) for i in range(runs)]
    names = sorted(samples[0])
    rows = [
        f"| {n} | {median([s[n] for s in samples if n in s]):.0f} | "
        f"{', '.join(f'{s[n]:.0f}' for s in samples if n in s)} |"
        for n in names
    ]
    worst = max(median([s[n] for s in samples if n in s]) for n in names)
    return "\n".join(
        [
            "## Idle memory per process",
            "",
            f"`zhifa up` with the sample data, idle for 10 s, resident set size from psutil; {runs} runs.",
            "Each service process runs its API, outbox relay and consumers (`--role all`).",
            "",
            "| process | RSS MiB (median) | runs |",
            "|---|---:|---|",
            *rows,
            "",
            f"Largest: {worst:.0f} MiB (bar: ≤ 150 MB per service).",
        ]
    )


if __name__ == "__main__":
    print(run())
