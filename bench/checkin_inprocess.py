"""bench_checkin's in-process part: bench/profile_checkin.py run for the old and the new code, its report
("Where the service's CPU goes (in-process)") and the py-spy flame graph of the new code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from bench.common import PY

ROOT = Path(__file__).resolve().parent.parent

FLAME = ROOT / "docs" / "benchmarks" / "checkin-service.svg"
PROFILER = Path(__file__).resolve().parent / "profile_checkin.py"


#: Rounds of the in-process profile: each runs the old code once, then the new (``profile``).
PROFILE_ROUNDS = int(os.environ.get("ZHIFA_BENCH_PROFILE_ROUNDS", "3"))


def profile(code_env: dict[str, str], *, profiled: bool) -> dict[str, Any]:
    """bench/profile_checkin.py (of this tree, by path), one run, on the code of ``code_env``."""
    out = subprocess.run(
        [PY, str(PROFILER), "--runs", "1", *([] if profiled else ["--no-profile"])],
        env={**os.environ, **code_env},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode or not lines:
        raise RuntimeError(f"profile_checkin failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def profile_report(profiles: dict[str, dict[str, Any]]) -> str:
    codes = list(profiles)
    lines = [
        "### Where the service's CPU goes (in-process)",
        "",
        "The inspection API alone (`bench/profile_checkin.py`: its ASGI app driven in-process, 8 check-ins at",
        "a time, no HTTP server, gateway or load generator; durable PostgreSQL and NATS as above): the process's",
        f"CPU per check-in (median of {PROFILE_ROUNDS} runs of 2,000, the old and the new code alternating run by run,",
        "each first in every other round, each run in a fresh process and database) and each component's share of",
        "the own time in one profiled",
        "run (cProfile on the CPU clock, grouped by where the code lives; the profiler inflates many small Python",
        "calls, so shares are indicative). Load: the median of the runs' 1-minute load averages.",
        "",
        "| | " + " | ".join(c or "this code" for c in codes) + " |",
        "|---|" + "---:|" * len(codes),
        "| CPU ms per check-in (runs) | "
        + " | ".join(
            f"**{p['cpu_ms']:.2f}** ({', '.join(f'{x:.2f}' for x in p['runs_cpu_ms'])})"
            for p in profiles.values()
        )
        + " |",
        "| load average | " + " | ".join(f"{p['load']:.1f}" for p in profiles.values()) + " |",
    ]
    names = list(dict.fromkeys(k for p in profiles.values() for k in p["shares"]))
    for name in names:
        lines.append(
            f"| {name} | "
            + " | ".join(f"{100 * p['shares'].get(name, 0.0):.1f} %" for p in profiles.values())
            + " |"
        )
    if codes == ["old", "new"]:
        old, new = profiles["old"]["cpu_ms"], profiles["new"]["cpu_ms"]
        lines += ["", f"New ÷ old: **×{new / old:.2f}** CPU per check-in in the service process."]
    if FLAME.exists():
        lines += [
            "",
            f"Flame graph of the new code (py-spy, wall-clock samples of the same driver): [{FLAME.name}]"
            f"(benchmarks/{FLAME.name}).",
        ]
    return "\n".join(lines)


def flame(out: Path, code_env: dict[str, str]) -> None:
    """A py-spy flame graph (SVG) of one profile run, when py-spy is installed beside this Python."""
    spy = Path(PY).parent / "py-spy"
    if not spy.exists():
        return
    out.parent.mkdir(exist_ok=True)
    cmd = [str(spy), "record", "--rate", "100", "--format", "flamegraph", "--nolineno", "-o", str(out), "--"]
    cmd += [PY, str(PROFILER), "--runs", "1", "--no-profile"]
    subprocess.run(cmd, env={**os.environ, **code_env}, capture_output=True, check=False, timeout=1800)
